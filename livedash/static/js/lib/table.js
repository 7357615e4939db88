/**
 * The live transactions table: rows keyed by transaction_id, patched in place.
 *
 * Decisions:
 * - No full re-render, ever: a snapshot is reconciled against the rows on screen, a delta
 *   touches only its rows. Rows are only moved in the DOM when out of order, so animations of
 *   untouched rows are not restarted.
 * - Order is the server's: ingress_time DESC, transaction_id DESC; the row count is capped at
 *   the view's limit.
 * - A new row is highlighted (.row-new) and a changed one flashes (.row-changed) in the colour
 *   of its new status; every row carries its status as colour AND as icon + text.
 * - Database values go in with textContent only (a file name "<img src=x onerror=...>" shows
 *   as those characters).
 * - The copy text is the whole record, all 9 columns, as "name: value" lines in the table's
 *   column order (NULL for a missing value, times as MySQL prints them): readable in a ticket,
 *   easy to grep or split.
 */

import { bytes, count, duration, splitTime, sqlTime, DASH } from "./format.js";
import { iconHref } from "./icons.js";

export const COPY_COLUMNS = [
  "transaction_id", "username", "file_name", "file_size", "ingress_server",
  "ingress_time", "egress_server", "egress_time", "status",
];
const RECORD_KEYS = [...COPY_COLUMNS, "transit_seconds"];

/** The paste-friendly text of a record: one "name: value" line per column. */
export function recordText(rec) {
  return COPY_COLUMNS.map((name) => {
    const value = rec[name];
    if (value === null || value === undefined) return `${name}: NULL`;
    const text = name.endsWith("_time") ? sqlTime(value) : String(value);
    return `${name}: ${text}`;
  }).join("\n");
}

function newer(a, b) {
  if (a.ingress_time !== b.ingress_time) return a.ingress_time < b.ingress_time ? 1 : -1;
  if (a.transaction_id === b.transaction_id) return 0;
  return a.transaction_id < b.transaction_id ? 1 : -1;
}

function sameRecord(a, b) {
  return RECORD_KEYS.every((key) => a[key] === b[key]);
}

/** Restart a CSS animation class on `el`. */
function flash(el, cls) {
  el.classList.remove("row-new", "row-changed");
  void el.offsetWidth; // force a style flush so the animation starts again
  el.classList.add(cls);
}

export class TxTable {
  /**
   * @param {HTMLTableElement} table
   * @param {object} opts {template, icons: {STATUS: iconId}, limit, emptyEl, emptyText, onChange}
   */
  constructor(table, opts) {
    this.tbody = table.tBodies[0];
    this.opts = opts;
    this.limit = opts.limit;
    this.refDate = "";
    this.rows = new Map(); // id -> {tr, rec}
    this.tbody.addEventListener("animationend", (event) => {
      const tr = event.target.closest("tr");
      if (tr) tr.classList.remove("row-new", "row-changed");
    });
  }

  /** The record shown in row `id`, or undefined. */
  record(id) {
    const entry = this.rows.get(id);
    return entry && entry.rec;
  }

  /** Replace the contents with `records` (reconciled in place); highlight news if asked. */
  snapshot(records, highlight = false) {
    const fresh = new Set(records.map((r) => r.transaction_id));
    for (const id of [...this.rows.keys()]) if (!fresh.has(id)) this.removeRow(id);
    for (const rec of records) this.upsert(rec, highlight);
    this.settle();
  }

  /** Apply a delta {added, changed, removed}. */
  apply({ added = [], changed = [], removed = [] }) {
    for (const id of removed) this.removeRow(id);
    for (const rec of changed) this.upsert(rec, true);
    for (const rec of added) this.upsert(rec, true);
    this.settle();
  }

  /** Show at most `limit` rows from now on. */
  setLimit(limit) {
    this.limit = limit;
    this.settle();
  }

  /** Remove every row (e.g. before a different view's snapshot) and show the placeholder. */
  clear() {
    for (const id of [...this.rows.keys()]) this.removeRow(id);
    this.settle();
  }

  /** Dates are shown only for rows not from `date` ("YYYY-MM-DD", the server's today). */
  setRefDate(date) {
    if (!date || date === this.refDate) return;
    this.refDate = date;
    for (const { tr, rec } of this.rows.values()) this.fillTimes(tr, rec);
  }

  /** Re-evaluate the placeholder (its text may depend on the filters). */
  refreshEmpty() {
    const { emptyEl, emptyText, onChange } = this.opts;
    const empty = this.rows.size === 0;
    emptyEl.hidden = !empty;
    if (empty) emptyText(emptyEl);
    if (onChange) onChange(this.rows.size);
  }

  upsert(rec, highlight) {
    const id = rec.transaction_id;
    const entry = this.rows.get(id);
    if (!entry) {
      const tr = this.opts.template.content.firstElementChild.cloneNode(true);
      this.fill(tr, rec);
      this.rows.set(id, { tr, rec });
      if (highlight) flash(tr, "row-new");
      return;
    }
    if (sameRecord(entry.rec, rec)) return;
    entry.rec = rec;
    this.fill(entry.tr, rec);
    if (highlight) flash(entry.tr, "row-changed");
  }

  removeRow(id) {
    const entry = this.rows.get(id);
    if (!entry) return;
    entry.tr.remove();
    this.rows.delete(id);
  }

  /** Sort, cap at the limit, and put rows in place with the fewest DOM moves. */
  settle() {
    const ordered = [...this.rows.values()].sort((a, b) => newer(a.rec, b.rec));
    for (const extra of ordered.splice(this.limit)) this.removeRow(extra.rec.transaction_id);
    let ref = this.tbody.firstElementChild;
    for (const { tr } of ordered) {
      if (tr === ref) ref = ref.nextElementSibling;
      else this.tbody.insertBefore(tr, ref);
    }
    this.refreshEmpty();
  }

  fill(tr, rec) {
    const cells = tr.cells;
    const status = String(rec.status);
    tr.dataset.id = rec.transaction_id;
    tr.dataset.status = status;
    for (const cls of [...tr.classList]) if (cls.startsWith("status-")) tr.classList.remove(cls);
    tr.classList.add(`status-${status}`);
    const badge = cells[0].querySelector(".badge");
    badge.querySelector("use").setAttribute("href", iconHref(this.opts.icons[status] || "info"));
    badge.querySelector(".badge-text").textContent = status;
    setText(cells[1], rec.username, rec.username);
    setText(cells[2], rec.file_name, rec.file_name);
    setText(cells[3], bytes(rec.file_size), `${count(rec.file_size)} bytes`);
    this.fillTimes(tr, rec);
    const transit = rec.transit_seconds;
    setText(cells[6], duration(transit), transit === null ? "Not yet egressed" : `${transit} s`);
    cells[6].classList.toggle("pending", transit === null);
    tr.querySelector("button.copy").dataset.id = rec.transaction_id;
  }

  fillTimes(tr, rec) {
    this.fillTime(tr.cells[4], rec.ingress_time, "");
    this.fillTime(tr.cells[5], rec.egress_time, "not yet");
  }

  fillTime(cell, iso, missing) {
    cell.replaceChildren();
    cell.classList.toggle("pending", !iso);
    if (!iso) {
      cell.textContent = missing || DASH;
      return;
    }
    const { date, time } = splitTime(iso);
    if (date && date !== this.refDate) {
      const span = document.createElement("span");
      span.className = "date";
      span.textContent = date;
      cell.append(span);
    }
    cell.append(document.createTextNode(time));
    cell.title = sqlTime(iso);
  }
}

function setText(cell, text, title) {
  cell.textContent = text === null || text === undefined ? DASH : String(text);
  if (title !== undefined && title !== null) cell.title = String(title);
}

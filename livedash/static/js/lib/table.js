/**
 * The live transactions table: the page's model of the view's rows, and the rows on screen.
 *
 * Decisions:
 * - Two things, kept apart: the model (`records`: what the server last said, every delta
 *   applied at once, also while paused) and the DOM (`shown`: the rows on screen with the
 *   record each one shows). Rendering reconciles the DOM to the model; holding stops it.
 * - Holds: "pause" (the operator's Pause) freezes the DOM completely and counts what arrived
 *   meanwhile; "pointer" (the pointer over a row) and "focus" (keyboard focus in a row) keep
 *   every row where it is (nothing inserted, moved or removed) but still update the content
 *   of the rows on screen in place, so a row under the pointer never turns into another
 *   record as it is clicked. Releasing the last hold settles the table to the model: Resume
 *   shows exactly what a fresh snapshot of the view would show now, the rows that arrived
 *   while paused highlighted as new.
 * - No full re-render, ever: rows are keyed by transaction_id and patched in place; a row is
 *   only moved in the DOM when out of order. Order is the server's: ingress_time DESC,
 *   transaction_id DESC, capped at the view's limit and, on a wall screen, at the rows that
 *   fit (`capacity`): rows that cannot be seen are not in the DOM.
 * - A new row is highlighted and a changed one marked in the colour of its new status, as a
 *   static class for two seconds (lib/highlight.js); every row carries its status as colour
 *   AND as icon + text.
 * - Database values go in with textContent only (a file name "<img src=x onerror=...>" shows
 *   as those characters). Copy text and cell rules: lib/records.js.
 */

import { icon, iconHref } from "./icons.js";
import { Highlights } from "./highlight.js";
import { missingEgress, sizeInfo, transitInfo } from "./records.js";
import { DASH } from "./format.js";

const CAN_HOVER = window.matchMedia("(hover: hover)");

function newer(a, b) {
  if (a.ingress_time !== b.ingress_time) return a.ingress_time < b.ingress_time ? 1 : -1;
  if (a.transaction_id === b.transaction_id) return 0;
  return a.transaction_id < b.transaction_id ? 1 : -1;
}

/** True when two records show the same: every key of either is equal (the server's columns
 * plus transit_seconds; no list of names copied here). */
function sameRecord(a, b) {
  if (a === b) return true;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

export class TxTable {
  /**
   * @param {HTMLTableElement} table
   * @param {object} opts {template, icons: {STATUS: iconId}, emptyStatus (the label of the
   *   status ""), zone: TimeZone, limit, emptyEl, emptyText(el), onChange(state), pointerHold: bool}
   */
  constructor(table, opts) {
    this.tbody = table.tBodies[0];
    this.opts = opts;
    this.limit = opts.limit;
    this.capacity = Infinity;
    this.refDate = "";
    this.records = new Map(); // id -> record: the model
    this.shown = new Map(); // id -> {tr, rec}: the DOM
    this.holds = new Set();
    this.pause = null; // {at: Date, arrived: n} while paused
    this.highlights = new Highlights();
    this.selected = null; // the id whose detail is open: its row is marked
  }

  /** Mark the row of `id` as the one whose detail is shown (null: none). */
  select(id) {
    this.selected = id;
    for (const [rowId, { tr }] of this.shown) tr.classList.toggle("is-selected", rowId === id);
  }

  /** The record row `id` shows (what the user sees), else the model's, else undefined. */
  record(id) {
    const entry = this.shown.get(id);
    return entry ? entry.rec : this.records.get(id);
  }

  /** The model's record `id` (the latest the page holds), or undefined. */
  latest(id) {
    return this.records.get(id);
  }

  /** Replace the model with `records`; highlight news if asked. */
  snapshot(records, highlight = false) {
    const before = this.records;
    this.records = new Map(records.map((rec) => [rec.transaction_id, rec]));
    if (this.pause) this.pause.arrived += records.filter((r) => !before.has(r.transaction_id)).length;
    this.render(highlight);
  }

  /** Apply a delta {added, changed, removed} to the model. */
  apply({ added = [], changed = [], removed = [] }) {
    for (const id of removed) this.records.delete(id);
    for (const rec of [...changed, ...added]) {
      if (this.pause && !this.records.has(rec.transaction_id)) this.pause.arrived += 1;
      this.records.set(rec.transaction_id, rec);
    }
    this.render(true);
  }

  /** Show at most `limit` rows from now on. */
  setLimit(limit) {
    this.limit = limit;
    this.render(false);
  }

  /** Show at most `rows` rows (what fits on a wall screen; Infinity for all). */
  setCapacity(rows) {
    if (rows === this.capacity) return;
    this.capacity = rows;
    this.render(false);
  }

  /** Forget every row (before a different view's snapshot); the DOM follows unless paused. */
  clear() {
    this.records = new Map();
    this.render(false);
  }

  /** Dates are shown only for rows not from `date` (the server's today, in the page's zone). */
  setRefDate(date) {
    if (!date || date === this.refDate) return;
    this.refDate = date;
    this.refillTimes();
  }

  /** Re-draw every time (the zone changed). */
  refillTimes() {
    for (const { tr, rec } of this.shown.values()) this.fillTimes(tr, rec);
  }

  /** Hold the rows for `reason` ("pause" | "pointer" | "focus"). */
  hold(reason) {
    if (this.holds.has(reason)) return;
    this.holds.add(reason);
    if (reason === "pause") this.pause = { at: new Date(), arrived: 0, shownIds: new Set(this.shown.keys()) };
    this.report();
  }

  /** Release one hold; the last one settles the table to the model. */
  release(reason) {
    if (!this.holds.delete(reason)) return;
    const resumed = reason === "pause" ? this.pause : null;
    if (resumed) this.pause = null;
    this.render(Boolean(resumed), resumed ? resumed.shownIds : null);
  }

  /** Hold the rows under the pointer (while `pointerHolds()`: not on a wall screen) and
   * those holding keyboard focus. Focus from a mouse click is not a hold (the pointer covers
   * it, and a clicked copy button keeps focus long after): only :focus-visible. */
  bindHolds(pointerHolds) {
    const { tbody } = this;
    this.pointerHolds = pointerHolds;
    tbody.addEventListener("pointerover", (e) => {
      if (pointerHolds() && e.target.closest("tr[data-id]")) this.hold("pointer");
    });
    tbody.addEventListener("pointerleave", () => {
      if (this.holds.has("pointer")) this.release("pointer");
      else requestAnimationFrame(() => this.render(false)); // held by hover alone: settle
    });
    tbody.addEventListener("focusin", (e) => {
      if (e.target.matches(":focus-visible")) this.hold("focus");
    });
    tbody.addEventListener("focusout", (e) => {
      if (!tbody.contains(e.relatedTarget)) this.release("focus");
    });
  }

  get paused() {
    return this.holds.has("pause");
  }

  /** Whether a pointer rests on a row now. The hover state, not only the pointerover event:
   * on a loaded machine an event can come after a delta, and the row would slip away from
   * under the pointer just before the click. Only where the device really hovers. */
  hovered() {
    return Boolean(this.pointerHolds && this.pointerHolds() && CAN_HOVER.matches
      && this.tbody.querySelector("tr[data-id]:hover"));
  }

  /** Bring the DOM to the model as far as the holds allow. */
  render(highlight, knownIds = null) {
    if (!this.paused) {
      if (this.holds.size || this.hovered()) this.patchShown(highlight);
      else this.reconcile(highlight, knownIds);
    }
    this.report();
  }

  /** The rows the model says should be on screen, in order. */
  wanted() {
    const ordered = [...this.records.values()].sort(newer);
    for (const extra of ordered.splice(this.limit)) this.records.delete(extra.transaction_id);
    return ordered.slice(0, this.capacity);
  }

  reconcile(highlight, knownIds) {
    const wanted = this.wanted();
    const keep = new Set(wanted.map((rec) => rec.transaction_id));
    for (const id of [...this.shown.keys()]) if (!keep.has(id)) this.removeRow(id);
    let ref = this.tbody.firstElementChild;
    for (const rec of wanted) {
      const isNew = knownIds ? !knownIds.has(rec.transaction_id) : true;
      const tr = this.upsert(rec, highlight && isNew);
      if (tr === ref) ref = ref.nextElementSibling;
      else this.tbody.insertBefore(tr, ref);
    }
  }

  /** Update the content of the rows on screen in place (held: nothing moves). */
  patchShown(highlight) {
    for (const [id, entry] of this.shown) {
      const rec = this.records.get(id);
      if (rec && !sameRecord(entry.rec, rec)) this.upsert(rec, highlight);
    }
  }

  upsert(rec, highlight) {
    const entry = this.shown.get(rec.transaction_id);
    if (!entry) {
      const tr = this.opts.template.content.firstElementChild.cloneNode(true);
      this.fill(tr, rec);
      tr.classList.toggle("is-selected", rec.transaction_id === this.selected);
      this.shown.set(rec.transaction_id, { tr, rec });
      if (highlight) this.highlights.mark(tr, "row-new");
      return tr;
    }
    if (!sameRecord(entry.rec, rec)) {
      entry.rec = rec;
      this.fill(entry.tr, rec);
      if (highlight) this.highlights.mark(entry.tr, "row-changed");
    }
    return entry.tr;
  }

  removeRow(id) {
    const entry = this.shown.get(id);
    if (!entry) return;
    if (entry.tr.contains(document.activeElement)) this.tbody.closest("table").focus();
    this.highlights.drop(entry.tr);
    entry.tr.remove();
    this.shown.delete(id);
  }

  /** Tell the page what the table shows: counts, holds, what arrived while paused. */
  report() {
    const { emptyEl, emptyText, onChange } = this.opts;
    const empty = this.shown.size === 0;
    emptyEl.hidden = !empty;
    if (empty) emptyText(emptyEl);
    if (!onChange) return;
    let changed = 0;
    for (const [id, entry] of this.shown) {
      const rec = this.records.get(id);
      if (!rec || !sameRecord(rec, entry.rec)) changed += 1;
    }
    onChange({ shown: this.shown.size, held: [...this.holds], changed,
      pausedAt: this.pause && this.pause.at, arrived: this.pause ? this.pause.arrived : 0 });
  }

  fill(tr, rec) {
    const cells = tr.cells;
    const status = String(rec.status);
    tr.dataset.id = rec.transaction_id;
    tr.dataset.status = status;
    tr.className = tr.className.replace(/\bstatus-\S+/g, "").trim();
    tr.classList.add(`status-${status}`);
    const badge = cells[0].querySelector(".badge");
    badge.querySelector("use").setAttribute("href", iconHref(this.opts.icons[status] || "info"));
    badge.querySelector(".badge-text").textContent = status || this.opts.emptyStatus; // the ENUM's error value
    setText(cells[1], rec.username, rec.username);
    setText(cells[2], rec.file_name, rec.file_name);
    const size = sizeInfo(rec);
    setText(cells[3], size.text, size.title);
    this.fillTimes(tr, rec);
    const transit = transitInfo(rec);
    cells[6].querySelector(".transit-value").textContent = transit.text;
    cells[6].title = transit.title;
    cells[6].classList.toggle("pending", transit.pending);
    cells[6].classList.toggle("skew", transit.skew);
    const mark = cells[6].querySelector(".skew-mark");
    if (transit.skew && !mark) cells[6].append(skewMark());
    else if (!transit.skew && mark) mark.remove();
    tr.querySelector("button.copy").dataset.id = rec.transaction_id;
  }

  fillTimes(tr, rec) {
    this.fillTime(tr.cells[4], rec.ingress_time, null);
    this.fillTime(tr.cells[5], rec.egress_time, rec.egress_time ? null : missingEgress(rec));
  }

  fillTime(cell, iso, missing) {
    cell.replaceChildren();
    cell.classList.toggle("pending", !iso);
    if (!iso) {
      cell.textContent = missing ? missing.text : DASH;
      cell.title = missing ? missing.title : "";
      return;
    }
    const { date, time } = this.opts.zone.stored(iso);
    if (date && date !== this.refDate) {
      const span = document.createElement("span");
      span.className = "date";
      span.textContent = date;
      cell.append(span);
    }
    cell.append(document.createTextNode(time));
    cell.title = `${this.opts.zone.storedFull(iso)} (${this.opts.zone.storedLabel})`;
  }
}

/** The "clock skew" marker beside a negative transit (icon and word: not colour alone). */
function skewMark() {
  const mark = document.createElement("span");
  mark.className = "skew-mark";
  mark.append(icon("alert-triangle"), document.createTextNode("clock skew"));
  return mark;
}

function setText(cell, text, title) {
  const value = text === null || text === undefined ? DASH : String(text);
  if (cell.textContent !== value) cell.textContent = value;
  if (title !== undefined && title !== null) cell.title = String(title);
}

/**
 * The three stat columns: big figures, per-server breakdowns and per-minute charts, filled
 * from a `stats` event (the /api/stats payload).
 *
 * Decisions:
 * - The figure cards come from the server's table of figures (views/dashboard.py FIGURES):
 *   each is found once by its data-stat key (its path in the payload) and formatted by its
 *   data-kind; a figure's DOM is only touched when its text changes, and then it is fitted
 *   to its card (lib/fit.js), never cut.
 * - Breakdowns list servers busiest first (`busiestFirst`, the one sort: the server sends
 *   them sorted too, sorting twice is harmless). Where the space is bounded (a wall screen)
 *   they show the busiest N that fit and "+K more"; rows are keyed by server name.
 * - Shares ("4.2 % of received") are derived only from payload counts, never re-computed
 *   rates, so the page cannot disagree with /api/stats.
 * - Each card with a figure in `previous` shows its change against the previous window
 *   (lib/change.js), only when that window is complete.
 * - A breakdown row names a server: it is a button-like row (click or Enter) the page turns
 *   into a server filter (`onPick(key, server)`); the filtered server's row is marked.
 */

import { change } from "./change.js";
import { MiniChart, minuteLabels } from "./charts.js";
import { fitText, rowsThatFit } from "./fit.js";
import { DASH, age, count, decimal, rate, rateParts, share } from "./format.js";

function pick(stats, key) {
  return key.split(".").reduce((obj, part) => (obj == null ? undefined : obj[part]), stats);
}

/** `servers` sorted busiest first by `weight(row)`, ties by server name (stable on screen). */
export function busiestFirst(servers, weight) {
  return [...(servers || [])].sort((a, b) => weight(b) - weight(a)
    || String(a.server).localeCompare(String(b.server)));
}

const n = (value) => (typeof value === "number" ? value : 0);

/** Each breakdown table: its rows (busiest first) and one formatter per column. */
const BREAKDOWNS = {
  ingress: { rows: (s) => busiestFirst(s.ingress.servers, (r) => n(r.total)), cells: [
    (r) => r.server, (r) => count(r.total), (r) => count(r.bad_request), (r) => count(r.cd_unavailable)] },
  cd: { rows: (s) => busiestFirst(s.ingress.servers.filter((r) => r.submitted > 0), (r) => n(r.submitted)), cells: [
    (r) => r.server, (r) => count(r.submitted), (r, s) => share(r.submitted, s.cd.submitted)] },
  egress: { rows: (s) => busiestFirst(s.egress.servers, (r) => n(r.complete) + n(r.ep_unavailable)), cells: [
    (r) => r.server, (r) => count(r.complete), (r) => count(r.ep_unavailable),
    (r) => rate(r.throughput_bps), (r) => decimal(r.tps)] },
};

const EMPTY_BREAKDOWN = {
  ingress: (w) => `No ingress in the last ${w} minutes`,
  cd: (w) => `Nothing submitted in the last ${w} minutes`,
  egress: (w) => `No egress in the last ${w} minutes`,
};

const FORMATS = { count, tps: decimal, age: (v) => (typeof v === "number" ? age(v) : DASH) };

export class StatsPanel {
  /** @param {HTMLElement} root  the #stats section
   * @param {object} opts {onPick(key, server): a server row was chosen} */
  constructor(root, { onPick = () => {} } = {}) {
    this.root = root;
    this.figures = [...root.querySelectorAll("[data-stat]")];
    this.shares = [...root.querySelectorAll("[data-share]")];
    this.changes = [...root.querySelectorAll("[data-change]")];
    this.tables = {};
    this.picked = {}; // view key -> the server filtered on ("" for none)
    for (const name of Object.keys(BREAKDOWNS)) {
      const table = root.querySelector(`[data-breakdown="${name}"]`);
      this.tables[name] = table;
      bindPick(table, onPick);
    }
    this.cap = Infinity; // rows a breakdown may show: a number, or "fit" (its box decides)
    this.last = null;
    this.zone = null;
    this.charts = {
      ingress: new MiniChart(root.querySelector("#chart-ingress"),
        { kind: "bar", colorVar: "--st-bad-request", format: count, integer: true }),
      cd: new MiniChart(root.querySelector("#chart-cd"),
        { kind: "bar", colorVar: "--st-submitted", format: count, integer: true }),
      egress: new MiniChart(root.querySelector("#chart-egress"),
        { kind: "line", colorVar: "--st-complete", format: rate }),
    };
    this.empties = [...root.querySelectorAll("[data-chart-empty]")];
    document.addEventListener("themechange", () => {
      for (const chart of Object.values(this.charts)) chart.restyle();
    });
  }

  /** Show one `stats` payload. */
  render(stats) {
    this.last = stats;
    for (const el of this.figures) setFigure(el, pick(stats, el.dataset.stat));
    for (const el of this.shares) {
      const text = share(pick(stats, el.dataset.share), stats.total);
      if (el.textContent !== text) el.textContent = text;
    }
    for (const name of Object.keys(BREAKDOWNS)) this.renderBreakdown(name, stats);
    this.renderChanges(stats);
    this.renderCharts(stats);
  }

  /** ▲ / ▼ against the previous window of the same length, when it is complete. */
  renderChanges(stats) {
    const previous = stats.previous && stats.previous.complete ? stats.previous : null;
    for (const el of this.changes) {
      const key = el.dataset.change;
      const before = previous ? pick(previous, key) : undefined;
      const shown = previous ? change(pick(stats, key), before,
        `the previous ${stats.window_minutes} min (${formatOf(key, this.root)(before)})`) : null;
      if (el.hidden !== !shown) {
        el.hidden = !shown;
        fitText(el.parentElement.querySelector(".figure-value")); // it may stand beside it
      }
      if (!shown) continue;
      if (el.textContent !== shown.text) el.textContent = shown.text;
      el.dataset.dir = shown.dir;
      el.title = shown.title;
    }
  }

  /** Mark the rows of the servers the table is filtered on: {ingress_server, egress_server}. */
  setPicked(picked) {
    this.picked = picked;
    for (const table of Object.values(this.tables)) markPicked(table, picked[table.dataset.filterKey] || "");
  }

  /** Chart labels in this zone from now on (a TimeZone). */
  setZone(zone) {
    this.zone = zone;
    if (this.last) this.renderCharts(this.last);
  }

  /** How many rows each breakdown shows: "fit" (as many as its box holds: a wall screen), a
   * number (a phone), or Infinity (every server). */
  setCap(cap) {
    this.cap = cap;
    this.refit();
  }

  /** Re-measure after a size change: figures fitted again, breakdowns re-cut. */
  refit() {
    for (const el of this.figures) if (el.classList.contains("figure-value")) fitText(el);
    for (const chart of Object.values(this.charts)) chart.restyle();
    if (this.last) for (const name of Object.keys(BREAKDOWNS)) this.renderBreakdown(name, this.last);
  }

  renderCharts(stats) {
    const { series } = stats;
    const labels = minuteLabels(series, this.zone);
    this.charts.ingress.update(series.ingress_errors, labels);
    this.charts.cd.update(series.cd, labels);
    this.charts.egress.update(series.throughput_bps, labels);
    const message = `No transactions in the last ${stats.window_minutes} minutes`;
    for (const el of this.empties) {
      el.hidden = stats.total > 0;
      if (el.textContent !== message) el.textContent = message;
    }
  }

  /** How many body rows the breakdown may show (its box decides when the cap is "fit"). */
  capacity(table) {
    if (this.cap !== "fit") return this.cap;
    const box = table.parentElement;
    const head = table.tHead.offsetHeight;
    const row = table.tBodies[0].rows[0];
    return rowsThatFit(box.clientHeight - head, row ? row.offsetHeight : head);
  }

  /** Fill one breakdown; when bounded, drop rows until the table fits its box (row heights
   * differ by a pixel or two: the estimate can be one too many). */
  renderBreakdown(name, stats) {
    const table = this.tables[name];
    const spec = BREAKDOWNS[name];
    const rows = spec.rows(stats);
    if (rows.length === 0) {
      table.tBodies[0].replaceChildren(noteRow("none", spec.cells.length, EMPTY_BREAKDOWN[name](stats.window_minutes)));
      return;
    }
    let room = Math.max(1, this.capacity(table));
    this.fillBreakdown(table, spec, rows, room, stats);
    const box = table.parentElement;
    while (this.cap === "fit" && room > 1 && table.offsetHeight > box.clientHeight + 0.5) {
      room -= 1;
      this.fillBreakdown(table, spec, rows, room, stats);
    }
  }

  fillBreakdown(table, spec, rows, room, stats) {
    const tbody = table.tBodies[0];
    const shown = rows.length > room ? rows.slice(0, room - 1) : rows;
    const existing = new Map([...tbody.rows].map((tr) => [tr.dataset.server, tr]));
    const ordered = shown.map((row) => {
      const tr = existing.get(row.server) || newRow(spec.cells.length);
      tr.dataset.server = row.server;
      spec.cells.forEach((cell, i) => setCell(tr.cells[i], cell(row, stats)));
      return tr;
    });
    const rest = rows.length - shown.length;
    if (rest > 0) ordered.push(noteRow("more", spec.cells.length, `+${rest} more`));
    tbody.replaceChildren(...ordered);
    markPicked(table, this.picked[table.dataset.filterKey] || "");
  }
}

function noteRow(cls, span, text) {
  const tr = document.createElement("tr");
  tr.className = cls;
  const td = document.createElement("td");
  td.colSpan = span;
  td.textContent = text;
  tr.append(td);
  return tr;
}

function newRow(cells) {
  const tr = document.createElement("tr");
  tr.tabIndex = 0;
  for (let i = 0; i < cells; i += 1) tr.append(document.createElement("td"));
  return tr;
}

/** A click or Enter on a server row of `table` calls `onPick(view key, server)`. */
function bindPick(table, onPick) {
  const key = table.dataset.filterKey;
  const picked = (e) => {
    const tr = e.target.closest("tr[data-server]");
    if (tr && !document.documentElement.classList.contains("kiosk")) onPick(key, tr.dataset.server);
  };
  table.tBodies[0].addEventListener("click", picked);
  table.tBodies[0].addEventListener("keydown", (e) => {
    if (e.key !== "Enter" && e.key !== " ") return;
    e.preventDefault();
    picked(e);
  });
}

function markPicked(table, server) {
  for (const tr of table.tBodies[0].rows) {
    if (!tr.dataset.server) continue;
    const on = tr.dataset.server === server;
    tr.classList.toggle("is-picked", on);
    tr.setAttribute("aria-pressed", on ? "true" : "false");
    const verb = on ? "Show every server again" : `Show only ${tr.dataset.server} in the table`;
    if (tr.title !== verb) tr.title = verb;
  }
}

/** The formatter of the card `key` (its data-kind). */
function formatOf(key, root) {
  const el = root.querySelector(`[data-stat="${key}"]`);
  const kind = el ? el.dataset.kind : "count";
  return kind === "rate" ? rate : FORMATS[kind] || count;
}

function setCell(td, text) {
  if (td.textContent !== text) td.textContent = text;
}

function setFigure(el, value) {
  const kind = el.dataset.kind || "count";
  if (kind === "rate") {
    const { value: number, unit } = rateParts(value);
    const text = `${number} ${unit}`;
    if (el.dataset.text === text) return;
    el.dataset.text = text;
    const unitEl = document.createElement("span");
    unitEl.className = "unit";
    unitEl.textContent = unit;
    el.replaceChildren(document.createTextNode(number), document.createTextNode(" "), unitEl);
  } else {
    const text = (FORMATS[kind] || count)(value);
    if (el.textContent === text) return;
    el.textContent = text;
  }
  if (el.classList.contains("figure-value")) fitText(el);
}

/**
 * The three stat columns: big figures, per-server breakdowns and per-minute charts, filled
 * from a `stats` event (the /api/stats payload).
 *
 * Decisions:
 * - Elements are found once by data-stat / data-share / data-breakdown attributes (the same
 *   hooks tests use) and patched in place; a figure's DOM is only touched when its text
 *   changes, breakdown rows are keyed by server name.
 * - Shares ("4.2 % of received") are derived only from payload counts, never re-computed
 *   rates, so the page cannot disagree with /api/stats.
 */

import { MiniChart, minuteLabels } from "./charts.js";
import { count, decimal, rate, rateParts, share } from "./format.js";

function pick(stats, key) {
  return key.split(".").reduce((obj, part) => (obj == null ? undefined : obj[part]), stats);
}

/** The columns of each breakdown table: [field, formatter(value, stats)]. */
const BREAKDOWNS = {
  ingress: { rows: (s) => s.ingress.servers, cells: [
    (r) => r.server, (r) => count(r.total), (r) => count(r.bad_request), (r) => count(r.cd_unavailable)] },
  cd: { rows: (s) => s.ingress.servers.filter((r) => r.submitted > 0), cells: [
    (r) => r.server, (r) => count(r.submitted), (r, s) => share(r.submitted, s.cd.submitted)] },
  egress: { rows: (s) => s.egress.servers, cells: [
    (r) => r.server, (r) => count(r.complete), (r) => count(r.ep_unavailable),
    (r) => rate(r.throughput_bps), (r) => decimal(r.tps)] },
};

const EMPTY_BREAKDOWN = {
  ingress: (w) => `No ingress in the last ${w} minutes`,
  cd: (w) => `Nothing submitted in the last ${w} minutes`,
  egress: (w) => `No egress in the last ${w} minutes`,
};

export class StatsPanel {
  /** @param {HTMLElement} root  the #stats section */
  constructor(root) {
    this.root = root;
    this.figures = [...root.querySelectorAll("[data-stat]")];
    this.shares = [...root.querySelectorAll("[data-share]")];
    this.tables = {};
    for (const name of Object.keys(BREAKDOWNS)) {
      this.tables[name] = root.querySelector(`[data-breakdown="${name}"] tbody`);
    }
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
    for (const el of this.figures) setFigure(el, el.dataset.stat, pick(stats, el.dataset.stat));
    for (const el of this.shares) {
      const text = stats.total > 0 ? `${share(pick(stats, el.dataset.share), stats.total)} of received` : "\u00a0";
      if (el.textContent !== text) el.textContent = text;
    }
    for (const name of Object.keys(BREAKDOWNS)) this.renderBreakdown(name, stats);
    this.renderCharts(stats);
  }

  renderCharts(stats) {
    const { series } = stats;
    const labels = minuteLabels(series);
    this.charts.ingress.update(series.ingress_errors, labels);
    this.charts.cd.update(series.cd, labels);
    this.charts.egress.update(series.throughput_bps, labels);
    const message = `No transactions in the last ${stats.window_minutes} minutes`;
    for (const el of this.empties) {
      el.hidden = stats.total > 0;
      if (el.textContent !== message) el.textContent = message;
    }
  }

  renderBreakdown(name, stats) {
    const tbody = this.tables[name];
    const spec = BREAKDOWNS[name];
    const rows = spec.rows(stats);
    if (rows.length === 0) {
      const tr = document.createElement("tr");
      tr.className = "none";
      const td = document.createElement("td");
      td.colSpan = spec.cells.length;
      td.textContent = EMPTY_BREAKDOWN[name](stats.window_minutes);
      tr.append(td);
      tbody.replaceChildren(tr);
      return;
    }
    const existing = new Map([...tbody.rows].map((tr) => [tr.dataset.server, tr]));
    const ordered = rows.map((row) => {
      const tr = existing.get(row.server) || newRow(spec.cells.length);
      tr.dataset.server = row.server;
      spec.cells.forEach((cell, i) => setCell(tr.cells[i], cell(row, stats)));
      return tr;
    });
    tbody.replaceChildren(...ordered);
  }
}

function newRow(cells) {
  const tr = document.createElement("tr");
  for (let i = 0; i < cells; i += 1) tr.append(document.createElement("td"));
  return tr;
}

function setCell(td, text) {
  if (td.textContent !== text) {
    td.textContent = text;
    td.title = text;
  }
}

function setFigure(el, key, value) {
  if (key.endsWith("_bps")) {
    const { value: number, unit } = rateParts(value);
    const text = `${number} ${unit}`;
    if (el.dataset.text === text) return;
    el.dataset.text = text;
    const unitEl = document.createElement("span");
    unitEl.className = "unit";
    unitEl.textContent = unit;
    el.replaceChildren(document.createTextNode(number), document.createTextNode(" "), unitEl);
    return;
  }
  const text = key.endsWith("tps") ? decimal(value) : count(value);
  if (el.textContent !== text) el.textContent = text;
}

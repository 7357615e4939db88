/**
 * The wall screen (kiosk): everything fits the viewport, nothing scrolls.
 *
 * Decisions:
 * - CSS shares the height between the stat columns and the table (dashboard.css, html.kiosk);
 *   this module counts what fits the space each part got: the table shows as many whole rows
 *   as fit, the per-server breakdowns the busiest N and "+K more", the figures are fitted to
 *   their cards. Re-measured whenever a part changes size (a banner appears, the window is
 *   resized, the kiosk is left or entered).
 * - Outside kiosk the table shows its limit and scrolls in its card; the breakdowns list every
 *   server, except on a phone, where the busiest PHONE_SERVERS stand before "+K more" (the
 *   table is below them).
 */

import { rowsThatFit, watchSize } from "./fit.js";

const PHONE_SERVERS = 6;
const phone = window.matchMedia("(max-width: 720px)");

export class WallFit {
  /** @param {object} parts {wrap: the table's box, table: TxTable, stats: StatsPanel} */
  constructor({ wrap, table, stats }) {
    this.wrap = wrap;
    this.table = table;
    this.stats = stats;
    this.on = false;
    // the table body too: its first rows give the real row height
    const boxes = [wrap, wrap.querySelector("tbody"), ...document.querySelectorAll("#stats .breakdown, #stats .figure")];
    watchSize(boxes, () => this.measure());
    phone.addEventListener("change", () => this.measure());
  }

  /** Enter or leave kiosk fitting. */
  set(on) {
    this.on = on;
    this.measure();
  }

  /** Count the table rows that fit and re-cut the breakdowns. */
  measure() {
    this.stats.setCap(this.on ? "fit" : (phone.matches ? PHONE_SERVERS : Infinity));
    if (!this.on) {
      this.table.setCapacity(Infinity);
      return;
    }
    const head = this.wrap.querySelector("thead").offsetHeight;
    const row = this.wrap.querySelector("tbody tr") || this.wrap.querySelector("thead tr");
    this.table.setCapacity(Math.max(1, rowsThatFit(this.wrap.clientHeight - head, this.rowHeight(row))));
  }

  /** The height of one body row: measured, else from the CSS row height. */
  rowHeight(row) {
    if (row && row.parentElement.tagName === "TBODY") return row.offsetHeight;
    const probe = getComputedStyle(this.wrap).getPropertyValue("--row-h").trim();
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
    return probe.endsWith("rem") ? parseFloat(probe) * rem : row.offsetHeight;
  }
}

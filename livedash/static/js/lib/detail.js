/**
 * The transfer detail panel (#detail): every column of one record, a timeline, and copy.
 *
 * Decisions:
 * - It shows the record the page holds (the table's model, updated live as deltas arrive),
 *   not a fetch of its own. When the row leaves the live view the panel keeps the last copy
 *   and says so; it never goes blank under the operator's eyes.
 * - Every column in the table's order (config.columns) plus transit; the size to the byte
 *   (the exact digits the server sent), times in the page's zone with the stored value
 *   beside them when they differ; values as text only.
 * - The timeline reads top to bottom: ingress, then what happened: the transit and the
 *   egress, "in flight for N s" (against the database's clock, from the latest `as_of`), or
 *   how it ended without an egress. A negative transit is drawn as clock skew.
 * - Copy copies the same text as the row's copy button (lib/records.js).
 */

import { duration, exactBytes, bytes, DASH } from "./format.js";
import { iconHref } from "./icons.js";
import { inFlight, missingEgress, transitInfo } from "./records.js";

const LABELS = {
  transaction_id: "Transaction id", username: "User", file_name: "File", file_size: "Size",
  ingress_server: "Ingress server", ingress_time: "Ingress time", egress_server: "Egress server",
  egress_time: "Egress time", status: "Status", transit_seconds: "Transit",
};
const MONO = new Set(["transaction_id", "ingress_server", "egress_server", "ingress_time", "egress_time", "file_size"]);

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class DetailPanel {
  /**
   * @param {HTMLElement} root  the #detail panel
   * @param {object} opts {columns, icons, emptyStatus, zone, dbNow: () => ms|null, onClose, onCopy(rec)}
   */
  constructor(root, opts) {
    this.root = root;
    this.opts = opts;
    this.id = null;
    this.rec = null;
    this.gone = false;
    this.q = (sel) => root.querySelector(sel);
    this.q("[data-detail-close]").addEventListener("click", () => this.close());
    this.q("[data-detail-copy]").addEventListener("click", () => this.rec && opts.onCopy(this.rec));
    setInterval(() => this.tick(), 1000);
  }

  get isOpen() {
    return this.id !== null;
  }

  /** Open for transaction `id`, showing `rec` (undefined: not among the rows the page holds);
   * `focus` moves keyboard focus into the panel (not when opened from the URL at load). */
  open(id, rec, focus = true) {
    this.id = id;
    this.rec = rec || null;
    this.gone = !rec;
    this.root.hidden = false;
    this.render();
    if (focus) this.q("[data-detail-close]").focus();
  }

  /** The model changed: show the latest copy of the record, or keep the last one. */
  update(lookup) {
    if (!this.isOpen) return;
    const rec = lookup(this.id);
    if (rec === this.rec && this.gone === !rec) return;
    if (rec) this.rec = rec;
    this.gone = !rec;
    this.render();
  }

  close() {
    if (!this.isOpen) return;
    const id = this.id;
    this.id = null;
    this.root.hidden = true;
    this.opts.onClose(id);
  }

  render() {
    const rec = this.rec;
    const gone = this.q("[data-detail-gone]");
    gone.hidden = !this.gone;
    gone.textContent = rec
      ? "No longer in the live view: this is the last copy the page held."
      : `Transfer ${this.id} is not among the rows the page holds.`;
    this.q("[data-detail-copy]").disabled = !rec;
    this.renderStatus(rec);
    this.q("[data-detail-timeline]").replaceChildren(...(rec ? this.timeline(rec) : []));
    this.q("[data-detail-fields]").replaceChildren(...(rec ? this.fields(rec) : []));
  }

  renderStatus(rec) {
    const badge = this.q("[data-detail-status]");
    badge.hidden = !rec;
    if (!rec) return;
    badge.className = `badge status-${rec.status}`;
    badge.querySelector("use").setAttribute("href", iconHref(this.opts.icons[rec.status] || "info"));
    badge.querySelector(".badge-text").textContent = this.statusText(rec);
  }

  /** One <dt>/<dd> pair per column, then transit. */
  /** The status as shown: '' (the ENUM's error value) by its label. */
  statusText(rec) {
    return rec.status || this.opts.emptyStatus;
  }

  fields(rec) {
    const nodes = [];
    for (const name of [...this.opts.columns, "transit_seconds"]) {
      const dd = el("dd", MONO.has(name) ? "mono" : "");
      dd.dataset.field = name;
      this.fillField(dd, name, rec);
      nodes.push(el("dt", "", LABELS[name] || name), dd);
    }
    return nodes;
  }

  fillField(dd, name, rec) {
    const value = rec[name];
    if (name === "file_size") {
      dd.append(el("span", "", exactBytes(value)), el("span", "dim", ` (${bytes(value)})`));
    } else if (name.endsWith("_time")) {
      this.fillTime(dd, rec, name);
    } else if (name === "status") {
      dd.textContent = this.statusText(rec);
    } else if (name === "transit_seconds") {
      const info = transitInfo(rec);
      dd.textContent = info.text;
      dd.title = info.title;
      dd.classList.toggle("skew", info.skew);
    } else {
      dd.textContent = value === null || value === undefined ? DASH : String(value);
    }
  }

  fillTime(dd, rec, name) {
    const iso = rec[name];
    const { zone } = this.opts;
    if (!iso) {
      const missing = name === "egress_time" ? missingEgress(rec) : { text: DASH, title: "" };
      dd.textContent = missing.text;
      dd.title = missing.title;
      return;
    }
    dd.append(el("span", "", `${zone.storedFull(iso)} (${zone.storedLabel})`));
    if (zone.convertsStored) dd.append(el("span", "dim", ` · stored ${iso.replace("T", " ")} UTC`));
  }

  timeline(rec) {
    const { zone } = this.opts;
    const at = (iso) => zone.stored(iso).time;
    const steps = [this.step("in", "Ingress", `${at(rec.ingress_time)} at ${rec.ingress_server}`)];
    if (rec.egress_time) {
      const info = transitInfo(rec);
      steps.push(this.step(info.skew ? "gap skew" : "gap", info.skew ? `${info.text}: clock skew` : `${info.text} in transit`,
        info.skew ? "the egress was recorded before the ingress: the servers' clocks disagree" : ""));
      steps.push(this.step("out", `Egress: ${this.statusText(rec)}`, `${at(rec.egress_time)} at ${rec.egress_server ?? DASH}`));
    } else if (inFlight(rec)) {
      steps.push(this.step("gap flight", this.inFlightText(rec), "not yet egressed"));
    } else {
      steps.push(this.step("end", `Ended as ${this.statusText(rec)}`, "no egress"));
    }
    return steps;
  }

  step(kind, title, text) {
    const li = el("li", `step step-${kind.split(" ").join(" step-")}`);
    li.append(el("strong", "", title));
    if (text) li.append(el("span", "", text));
    return li;
  }

  inFlightText(rec) {
    const now = this.opts.dbNow();
    const started = Date.parse(`${rec.ingress_time}Z`);
    if (now === null || Number.isNaN(started)) return "In flight";
    return `In flight for ${duration(Math.max(0, (now - started) / 1000))}`;
  }

  /** Keep "in flight for N s" counting while open. */
  tick() {
    if (!this.isOpen || !this.rec || !inFlight(this.rec) || this.rec.egress_time) return;
    const flight = this.q(".step-flight strong");
    if (flight) flight.textContent = this.inFlightText(this.rec);
  }
}

/**
 * Freshness of what the page shows: the connection indicator, "updated N s ago", the poller
 * lag chip, the demo banner and the stale banner.
 *
 * Decisions:
 * - "Updated N s ago" counts from when the browser received the last data (the server's
 *   `as_of` is in the database clock, which need not match the browser's); `as_of` itself is
 *   what the stale banner quotes as the time of the figures.
 * - Figures are never blanked: while the database is down, or the socket has been lost for a
 *   while, the last figures stay under a banner that says since when and how old they are.
 * - Times are shown in the database clock's zone (UTC when LIVEDASH_DB_CLOCK=utc), like the
 *   table, so every time on the page is comparable.
 */

import { ago, clock, decimal } from "./format.js";

const LOST_BANNER_AFTER_S = 10;
// The lag chip is a warning: below half a second a tick starting late is scheduling noise (the
// figures are as fresh as a 1 s tick allows), and a permanent amber chip on a wall screen
// teaches operators to ignore it.
const LAG_SHOWN_S = 0.5;
const LABELS = { connecting: "Connecting…", connected: "Live", reconnecting: "Reconnecting…", offline: "Offline" };

export class LiveStatus {
  /**
   * @param {object} opts {conn, ago, lag, stale, demo: elements; utc: bool; refresh: () => s;
   *                       onStale: (bool) => void}
   */
  constructor(opts) {
    this.el = opts;
    this.utc = opts.utc;
    this.state = "connecting";
    this.lostAt = null;
    this.receivedAt = null;
    this.asOf = null;
    this.health = { database: opts.demo.hidden ? "up" : "demo" };
    setInterval(() => this.render(), 1000);
  }

  /** The socket's state changed ("connecting" | "connected" | "reconnecting" | "offline"). */
  setConnection(state, detail) {
    if (state === "connected") this.lostAt = null;
    else if (this.lostAt === null) this.lostAt = Date.now();
    this.state = state;
    const { conn } = this.el;
    conn.dataset.state = state;
    const attempt = state === "reconnecting" && typeof detail === "number" ? ` (try ${detail})` : "";
    conn.textContent = LABELS[state] + attempt;
    this.render();
  }

  /** Data arrived; `asOf` is the server's timestamp (may be null for a join snapshot). */
  received(asOf) {
    this.receivedAt = Date.now();
    if (asOf) this.asOf = asOf;
    this.render();
  }

  /** A `health` event: {database, down_since, error, lag_s}. */
  setHealth(health) {
    this.health = health || {};
    this.el.demo.hidden = this.health.database !== "demo";
    const lag = Number(this.health.lag_s) || 0;
    const shown = lag >= LAG_SHOWN_S;
    this.el.lag.hidden = !shown;
    if (shown) this.el.lag.textContent = `poller lag ${decimal(lag)} s`;
    this.render();
  }

  /** A server time (ISO) as HH:MM:SS in the page's zone. */
  timeOf(date) {
    return `${clock(date, this.utc)}${this.utc ? " UTC" : ""}`;
  }

  figuresTime() {
    if (!this.asOf) return "no figures have been received yet";
    return `figures below are from ${this.asOf.slice(11, 19)}${this.utc ? " UTC" : ""}`;
  }

  staleMessage() {
    if (this.health.database === "down") {
      const since = this.health.down_since ? new Date(this.health.down_since) : null;
      const when = since && !Number.isNaN(since.getTime())
        ? `since ${this.timeOf(since)} (${ago((Date.now() - since.getTime()) / 1000)})` : "";
      return `Database unavailable ${when} — ${this.figuresTime()}.`;
    }
    if (this.lostAt !== null && (Date.now() - this.lostAt) / 1000 >= LOST_BANNER_AFTER_S) {
      return `Connection to the server lost ${ago((Date.now() - this.lostAt) / 1000)}; reconnecting — ${this.figuresTime()}.`;
    }
    return "";
  }

  render() {
    const message = this.staleMessage();
    const banner = this.el.stale;
    banner.hidden = !message;
    const text = banner.querySelector(".banner-text");
    if (text.textContent !== message) text.textContent = message;
    this.el.onStale(Boolean(message) || this.state !== "connected");
    this.renderAgo();
  }

  renderAgo() {
    const { ago: el } = this.el;
    if (this.receivedAt === null) return;
    const age = (Date.now() - this.receivedAt) / 1000;
    el.textContent = `updated ${ago(age)}`;
    el.title = this.asOf ? `Server time of the last update: ${this.asOf.replace("T", " ")}` : "";
    el.classList.toggle("is-late", age > this.el.refresh() * 2 + 2);
  }
}

/**
 * Freshness of what the page shows: the status chip, "updated N s ago", the poller lag chip,
 * the demo banner, the outage banner and the age of each statistics block.
 *
 * Decisions:
 * - What the chip and banner say is decided in lib/chip.js (one place); this module gathers
 *   the facts (socket state, health events, arrivals) and renders them every second.
 * - Ages count from when the browser received the data (the server's `as_of` is in the
 *   database clock, which need not match the browser's); `as_of` itself is what the banner
 *   quotes as the time of the figures.
 * - Figures are never blanked: while the database is down, or the socket has been lost, the
 *   last figures stay under a banner that says since when and how old they are, and each
 *   statistics block older than two of its ticks says how old it is.
 * - The table gets a note only when the feed itself is stale: `transactions` messages come
 *   only when the table changed, so a quiet table is not an old one.
 */

import { describe } from "./chip.js";
import { age, ago, decimal } from "./format.js";

// The lag chip is a warning: below half a second a tick starting late is scheduling noise (the
// figures are as fresh as a 1 s tick allows), and a permanent amber chip on a wall screen
// teaches operators to ignore it.
const LAG_SHOWN_S = 0.5;

export class LiveStatus {
  /**
   * @param {object} opts {chip, ago, lag, banner, demo, blockAges: [el], tableAge: el;
   *   zone: TimeZone; refresh: () => s; onStale: (bool) => void}
   */
  constructor(opts) {
    this.el = opts;
    this.zone = opts.zone;
    this.connected = false;
    this.everConnected = false;
    this.connectingSince = Date.now();
    this.lostAt = null;
    this.receivedAt = null;
    this.statsAt = null;
    this.stats = null;
    this.asOf = null;
    this.health = { database: opts.demo.hidden ? "up" : "demo" };
    this.healthAt = Date.now();
    setInterval(() => this.render(), 1000);
  }

  /** The socket's state changed ("connecting" | "connected" | "reconnecting" | "offline"). */
  setConnection(state) {
    this.connected = state === "connected";
    if (this.connected) {
      this.everConnected = true;
      this.lostAt = null;
    } else if (this.everConnected && this.lostAt === null) {
      this.lostAt = Date.now();
    }
    this.el.chip.dataset.socket = state;
    this.render();
  }

  /** Data arrived; `asOf` is the server's timestamp (may be null for a join snapshot). */
  received(asOf) {
    this.receivedAt = Date.now();
    if (asOf) this.asOf = asOf;
    this.render();
  }

  /** A `stats` payload arrived (its own block ages and the chip's "Filling"). */
  receivedStats(stats) {
    this.stats = stats;
    this.statsAt = Date.now();
    this.received(stats.as_of);
  }

  /** A `health` event: {database, since, down_since, error, lag_s, overdue_s, build}. */
  setHealth(health) {
    this.health = health || {};
    this.healthAt = Date.now();
    this.el.demo.hidden = this.health.database !== "demo";
    const lag = Number(this.health.lag_s) || 0;
    const shown = lag >= LAG_SHOWN_S;
    this.el.lag.hidden = !shown;
    if (shown) this.el.lag.textContent = `poller lag ${decimal(lag)} s`;
    this.render();
  }

  facts() {
    return { everConnected: this.everConnected, connected: this.connected, lostAt: this.lostAt,
      health: this.healthNow(), stats: this.stats, statsAt: this.statsAt, asOf: this.asOf,
      tick: this.el.refresh(), now: Date.now(), zone: this.zone, connectingSince: this.connectingSince };
  }

  /**
   * The last `health` with its overdue seconds counted on to now: the server says once that a
   * tick is overdue (and again every few seconds), not every second, so the page ages it.
   */
  healthNow() {
    const { overdue_s: overdue } = this.health;
    if (typeof overdue !== "number") return this.health;
    return { ...this.health, overdue_s: overdue + (Date.now() - this.healthAt) / 1000 };
  }

  render() {
    const d = describe(this.facts());
    const { chip, banner } = this.el;
    chip.dataset.state = d.state;
    setText(chip, d.text);
    chip.title = d.title;
    banner.hidden = !d.banner;
    setText(banner.querySelector(".banner-text"), d.banner);
    this.el.onStale(d.state === "stale" || d.state === "failing");
    this.renderAges(d);
    this.renderAgo();
  }

  /** Each statistics block older than two ticks says how old it is; the table, when stale. */
  renderAges(d) {
    const old = this.statsAt !== null && Date.now() - this.statsAt > 2 * this.el.refresh() * 1000;
    const text = old ? `figures ${age((Date.now() - this.statsAt) / 1000)} old` : "";
    for (const el of this.el.blockAges) {
      el.hidden = !old;
      setText(el, text);
    }
    const stale = (d.state === "stale" || d.state === "failing") && this.receivedAt !== null;
    this.el.tableAge.hidden = !stale;
    if (stale) setText(this.el.tableAge, `rows as of ${this.zone.instant(new Date(this.receivedAt))}`);
  }

  renderAgo() {
    const { ago: el } = this.el;
    if (this.receivedAt === null) return;
    const seconds = (Date.now() - this.receivedAt) / 1000;
    setText(el, `updated ${ago(seconds)}`);
    el.title = this.asOf ? `Server time of the last update: ${this.zone.storedFull(this.asOf)} (${this.zone.storedLabel})` : "";
    el.classList.toggle("is-late", seconds > this.el.refresh() * 2 + 2);
  }
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

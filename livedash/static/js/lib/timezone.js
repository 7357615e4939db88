/**
 * The zone the page shows times in (`tz=utc|local` in the URL) and moving times into it.
 *
 * Decisions:
 * - Stored times are naive (no zone). With LIVEDASH_DB_CLOCK=utc they are UTC, so they can be
 *   shown in the browser's zone (tz=local) or as stored (tz=utc). With LIVEDASH_DB_CLOCK=local
 *   they are the database server's local time, a zone the browser cannot know: they stay as
 *   stored whatever the toggle says, and the page says so (`storedNote`).
 * - Instants that carry a zone (the browser's clock, `health.since`) are always shown in the
 *   chosen zone: the wall clock, the chip's "Stale since", the banner.
 * - The default is the database clock setting: UTC when it is utc, local when it is local.
 * - Copy text never goes through here: it carries the stored value (the record, not a view).
 */

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** "YYYY-MM-DD" and "HH:MM:SS" of a Date in UTC or the browser's zone. */
function parts(date, utc) {
  const get = (name) => date[`get${utc ? "UTC" : ""}${name}`]();
  return {
    date: `${get("FullYear")}-${pad(get("Month") + 1)}-${pad(get("Date"))}`,
    time: `${pad(get("Hours"))}:${pad(get("Minutes"))}:${pad(get("Seconds"))}`,
    ms: pad(get("Milliseconds"), 3),
  };
}

export class TimeZone {
  /** @param {string} dbClock "utc" | "local" (LIVEDASH_DB_CLOCK); @param {string} tz the URL's */
  constructor(dbClock, tz) {
    this.dbClock = dbClock === "local" ? "local" : "utc";
    this.tz = TimeZone.valid(tz) ? tz : this.fallback;
  }

  static valid(tz) {
    return tz === "utc" || tz === "local";
  }

  /** The default zone: the database clock's. */
  get fallback() {
    return this.dbClock;
  }

  get utc() {
    return this.tz === "utc";
  }

  /** True when stored times are moved into the browser's zone. */
  get convertsStored() {
    return this.dbClock === "utc" && this.tz === "local";
  }

  /** The suffix of instants: " UTC" or "" (local). */
  get suffix() {
    return this.utc ? " UTC" : "";
  }

  /** How the table labels its time columns: "UTC", "local" or "as stored". */
  get storedLabel() {
    if (this.dbClock === "local") return "as stored";
    return this.utc ? "UTC" : "local";
  }

  /** A sentence about stored times for the page foot and titles. */
  get storedNote() {
    if (this.dbClock === "local") {
      return "Times as the database stores them (its server's local time, a zone this page cannot know).";
    }
    return this.utc ? "Times in UTC, as the database stores them." : "Times in this browser's time zone (stored in UTC).";
  }

  /** A stored time "2026-11-29T04:35:12.123" shown in this zone: {date, time}. */
  stored(iso) {
    if (typeof iso !== "string" || iso.length < 19) return { date: "", time: "" };
    const hasMs = iso.length >= 23;
    if (!this.convertsStored) return { date: iso.slice(0, 10), time: iso.slice(11, hasMs ? 23 : 19) };
    const date = new Date(`${iso.slice(0, hasMs ? 23 : 19)}Z`);
    if (Number.isNaN(date.getTime())) return { date: iso.slice(0, 10), time: iso.slice(11, 23) };
    const p = parts(date, false);
    return { date: p.date, time: hasMs ? `${p.time}.${p.ms}` : p.time };
  }

  /** A stored time in full: "2026-11-29 05:35:12.123" in this zone. */
  storedFull(iso) {
    const { date, time } = this.stored(iso);
    return date ? `${date} ${time}` : "";
  }

  /** HH:MM:SS of an instant (a Date) in this zone, with " UTC" when UTC. */
  instant(date) {
    return `${parts(date, this.utc).time}${this.suffix}`;
  }

  /** HH:MM:SS of an ISO instant with a zone ("…+00:00"), or "" when it does not parse. */
  instantOf(iso) {
    const date = iso ? new Date(iso) : null;
    return date && !Number.isNaN(date.getTime()) ? this.instant(date) : "";
  }
}

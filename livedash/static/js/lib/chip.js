/**
 * What the data on screen is: the status chip and the outage banner, decided in one place.
 *
 * The chip says what the figures are, not whether the socket is open. First match wins:
 *   connecting  "Connecting…"            no figures received yet and nothing known to be wrong
 *   stale       "Stale since HH:MM:SS"   the socket was lost after it had connected
 *   failing     "Failing: <cause>"       health.database == "failing" (connected, statements fail)
 *   stale       "Stale since HH:MM:SS"   database down, the server's tick overdue by more
 *                                        than two ticks (health.overdue_s), or no figures
 *                                        for more than two ticks
 *   demo        "Demo"                   health.database == "demo"
 *   filling     "Filling 23/60 min"      stats.complete false (the window's first fill)
 *   live        "Live"
 * "since" is the earliest moment of the reasons that hold. Fields the server does not send
 * yet (failing, overdue_s, complete, filling, since) are feature-detected: absent, they
 * simply never match. The banner text comes from the same decision, so the chip and the
 * banner cannot disagree.
 */

import { ago, age } from "./format.js";

const NEVER_CONNECTED_BANNER_S = 10;

/** The staleness reasons that hold now: [{at: ms, text}]. */
function staleReasons(f) {
  const reasons = [];
  const { health = {}, now, tick } = f;
  if (f.everConnected && !f.connected) {
    reasons.push({ at: f.lostAt ?? now, text: `Connection to the server lost ${ago((now - (f.lostAt ?? now)) / 1000)}; reconnecting` });
  }
  if (health.database === "down") {
    const at = Date.parse(health.since || health.down_since || "") || now;
    const cause = health.error ? `: ${health.error}` : "";
    reasons.push({ at, text: `Database unavailable since ${f.zone.instant(new Date(at))} (${ago((now - at) / 1000)})${cause}` });
  }
  if (typeof health.overdue_s === "number" && health.overdue_s > 2 * tick) {
    reasons.push({ at: now - health.overdue_s * 1000, text: `Database slow: figures ${age(health.overdue_s)} old` });
  }
  // Only when nothing above explains it: "Database slow: figures 3 s old; No new figures
  // for 4 s" says one thing twice.
  if (!reasons.length && f.statsAt !== null && now - f.statsAt > 2 * tick * 1000) {
    reasons.push({ at: f.statsAt, text: `No new figures for ${age((now - f.statsAt) / 1000)}` });
  }
  return reasons;
}

function figuresNote(f) {
  if (!f.asOf) return "no figures have been received yet";
  const { time } = f.zone.stored(f.asOf);
  return `figures below are from ${time.slice(0, 8)} (${f.zone.storedLabel})`;
}

function filling(stats) {
  if (!stats || stats.complete !== false) return null;
  const fill = stats.filling || {};
  const done = fill.minutes_done ?? "…";
  return `Filling ${done}/${fill.minutes ?? stats.window_minutes} min`;
}

/**
 * The chip and banner for the facts `f`: {everConnected, connected, lostAt, health, stats,
 * statsAt, asOf, tick (s), now (ms), zone, connectingSince (ms)}.
 * Returns {state, text, title, banner}.
 */
export function describe(f) {
  const health = f.health || {};
  const reasons = staleReasons(f);
  const lost = f.everConnected && !f.connected;
  if (f.statsAt === null && !lost && !reasons.length && health.database !== "failing") {
    const waited = (f.now - f.connectingSince) / 1000;
    const banner = !f.everConnected && waited >= NEVER_CONNECTED_BANNER_S
      ? `Connecting to the server… (${age(waited)}); no figures have been received yet.` : "";
    return { state: "connecting", text: "Connecting…", title: "Waiting for the first figures from the server", banner };
  }
  if (!lost && health.database === "failing") {
    const cause = health.error || "the dashboard's statements fail";
    const since = health.since ? ` since ${f.zone.instantOf(health.since)}` : "";
    return { state: "failing", text: `Failing: ${cause}`, title: `Database failing${since}: ${cause}`,
      banner: `Database failing${since}: ${cause} — ${figuresNote(f)}.` };
  }
  if (reasons.length) {
    const since = f.zone.instant(new Date(Math.min(...reasons.map((r) => r.at))));
    const text = reasons.map((r) => r.text).join("; ");
    return { state: "stale", text: `Stale since ${since}`, title: text, banner: `${text} — ${figuresNote(f)}.` };
  }
  if (health.database === "demo") {
    return { state: "demo", text: "Demo", title: "Example data: there is no database connection yet", banner: "" };
  }
  const fill = filling(f.stats);
  if (fill) return { state: "filling", text: fill, title: "The window's history is still being read", banner: "" };
  return { state: "live", text: "Live", title: "Live data from the database", banner: "" };
}

/**
 * A figure's change against the previous window of the same length, as Grafana's stat panel
 * shows it: "▲ 12.5 %", "▼ 3.0 %", "= 0.0 %".
 *
 * Decisions:
 * - Only when the previous window is complete (`previous.complete`): a half-read previous
 *   window would show a rise that is only the fill.
 * - A previous value of 0 has no percentage (no division by zero, never "Infinity %"): the
 *   change is a dash, and the title says what it was.
 * - The arrow is the direction only; it is not coloured good or bad (more traffic is good,
 *   more timeouts are not: the levels say what is wrong).
 */

import { DASH, decimal } from "./format.js";

const isNumber = (v) => typeof v === "number" && Number.isFinite(v);

/**
 * The change from `previous` to `current`: {text, dir: "up"|"down"|"flat"|"none", title}, or
 * null when there is nothing to show (either value missing).
 */
export function change(current, previous, label = "the previous window") {
  if (!isNumber(current) || !isNumber(previous)) return null;
  if (previous === 0) {
    return { text: DASH, dir: "none", title: `Nothing in ${label} to compare with` };
  }
  const pct = ((current - previous) / Math.abs(previous)) * 100;
  const shown = decimal(Math.abs(pct));
  const dir = shown === "0.0" ? "flat" : pct > 0 ? "up" : "down";
  const arrow = { up: "▲", down: "▼", flat: "=" }[dir];
  return { text: `${arrow} ${shown} %`, dir, title: `${dir === "down" ? "−" : dir === "up" ? "+" : "±"}${shown} % against ${label}` };
}

/**
 * The one formatter of figures for the browser: counts, bytes, rates, durations, times.
 *
 * Decisions:
 * - SI units throughout, written as SI writes them: B, kB, MB, GB, TB, PB, EB (1 kB = 1,000
 *   bytes), for file sizes and data rates alike, as network rates are conventionally decimal.
 *   The page says so once. EB is there because BIGINT's maximum is 9.2 EB.
 * - Every non-integer figure shows exactly one decimal place (the spec); counts are integers
 *   with thousands separators. Values are scaled so the number stays below 1,000.
 * - A file size may arrive as a number or as a string of the exact integer (a BIGINT exceeds
 *   2^53, so the server sends it as text). Scaled figures go through Number() (one decimal
 *   place needs no more precision); the exact digits (`exactCount`) come from the text itself
 *   and never pass through a float.
 * - Database times are naive ISO strings in the database clock's zone; this module slices
 *   them as stored. Moving them into another zone is lib/timezone.js's job.
 */

const UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
const STEP = 1000;
const oneDecimal = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** A placeholder for a missing value: the same character as livedash/schema.py DASH (the
 * server's pages and reports), so a missing value looks the same everywhere. */
export const DASH = "—";

function isNumber(value) {
  return typeof value === "number" && Number.isFinite(value);
}

/** A number, or a string holding one, as a Number (NaN for anything else). */
export function toNumber(value) {
  if (isNumber(value)) return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return NaN;
}

/** A number with exactly one decimal place, e.g. 0.4, 1,234.5. */
export function decimal(value) {
  return isNumber(value) ? oneDecimal.format(value) : DASH;
}

/** An integer count with thousands separators. */
export function count(value) {
  return isNumber(value) ? whole.format(value) : DASH;
}

/** An exact integer (number or digit string, any size) with thousands separators. */
export function exactCount(value) {
  const text = String(value ?? "").trim();
  if (!/^-?\d+$/.test(text)) return DASH;
  return BigInt(text).toLocaleString("en-US");
}

/** A percentage with one decimal place of part/total, or a dash when total is 0. */
export function share(part, total) {
  return isNumber(part) && isNumber(total) && total > 0 ? `${oneDecimal.format((part / total) * 100)} %` : DASH;
}

/** Scale a byte figure (number or digit string): {value: "12.3", unit: "MB"}; bytes below
 * 1 kB stay whole. */
export function scaleBytes(bytes) {
  const n = toNumber(bytes);
  if (!isNumber(n)) return { value: DASH, unit: "" };
  let value = Math.abs(n);
  let i = 0;
  while (value >= STEP - 0.05 && i < UNITS.length - 1) {
    value /= STEP;
    i += 1;
  }
  const signed = Math.sign(n) * value;
  return { value: i === 0 ? whole.format(signed) : oneDecimal.format(signed), unit: UNITS[i] };
}

/** A file size: "532 B", "1.2 MB". */
export function bytes(value) {
  const { value: number, unit } = scaleBytes(value);
  return unit ? `${number} ${unit}` : number;
}

/** A file size to the byte: "9,223,372,036,854,775,807 bytes". */
export function exactBytes(value) {
  const digits = exactCount(value);
  return digits === DASH ? DASH : `${digits} bytes`;
}

/** A data rate split for display: {value: "12.3", unit: "MB/s"}; always one decimal. */
export function rateParts(bytesPerSecond) {
  if (!isNumber(bytesPerSecond)) return { value: DASH, unit: "" };
  const scaled = scaleBytes(bytesPerSecond);
  const value = scaled.unit === "B" ? oneDecimal.format(bytesPerSecond) : scaled.value;
  return { value, unit: `${scaled.unit}/s` };
}

/** A data rate: "12.3 MB/s". */
export function rate(bytesPerSecond) {
  const { value, unit } = rateParts(bytesPerSecond);
  return unit ? `${value} ${unit}` : value;
}

/** A duration in seconds: "6.4 s", "2 m 05.3 s", "1 h 02 m", "−2.0 s"; a dash for none. */
export function duration(seconds) {
  if (!isNumber(seconds)) return DASH;
  const sign = seconds < 0 ? "−" : "";
  const s = Math.abs(seconds);
  if (s < 60) return `${sign}${oneDecimal.format(s)} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const rest = (s - m * 60).toFixed(1).padStart(4, "0");
    return `${sign}${m} m ${rest} s`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.floor((s - h * 3600) / 60);
  return `${sign}${h} h ${String(m).padStart(2, "0")} m`;
}

/** A whole-second age: "12 s", "3 m 05 s", "2 h 10 m". */
export function age(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} m`;
}

/** "Updated … ago" wording for a number of whole seconds. */
export function ago(seconds) {
  return `${age(seconds)} ago`;
}

/** Split a stored time "2026-11-29T04:35:12.123" into {date: "2026-11-29", time: "04:35:12.123"}. */
export function splitTime(iso) {
  if (typeof iso !== "string" || iso.length < 19) return { date: "", time: "" };
  return { date: iso.slice(0, 10), time: iso.slice(11, 23) };
}

/** A stored time as MySQL prints it: "2026-11-29 04:35:12.123" (for copying). */
export function sqlTime(iso) {
  return typeof iso === "string" ? iso.replace("T", " ") : iso;
}

/** HH:MM:SS of a Date, in UTC or the browser's zone. */
export function clock(date, utc) {
  const pad = (n) => String(n).padStart(2, "0");
  const [h, m, s] = utc
    ? [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()]
    : [date.getHours(), date.getMinutes(), date.getSeconds()];
  return `${pad(h)}:${pad(m)}:${pad(s)}`;
}

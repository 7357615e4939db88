/**
 * One transfer record as the page shows it and copies it (the live table and the detail panel
 * both use these, so a row and its panel never disagree).
 *
 * Decisions:
 * - Copy text: the whole record, the table's columns in their order (config.columns), one
 *   "name: value" line each, so it reads well in a ticket and splits on the first ": ".
 *   One rule keeps every value on its line and readable back as itself: a value is written
 *   bare unless it is empty, is the text NULL, starts with a double quote, has leading or
 *   trailing whitespace, or holds a control character (newline, tab, ...) or a line or
 *   paragraph separator (U+0085, U+2028, U+2029); then it is written as a JSON string literal
 *   ("..." with \n, \t, \", \\ and \uXXXX escapes). A missing value (SQL NULL) is NULL, bare.
 * - Times are copied as MySQL prints them (as stored, whatever zone the page shows), the file
 *   size as the exact digits the server sent (a string for a BIGINT beyond 2^53: never
 *   through a float).
 * - A negative transit (egress before ingress: the servers' clocks disagree) is shown as what
 *   it is, "−2.0 s", marked "clock skew" with a title saying so, never as a normal figure.
 * - "not yet" is for SUBMITTED only (still in flight); a row that ended without an egress
 *   (TIMEOUT, BAD_REQUEST, CD_UNAVAILABLE) shows a dash and says why in its title.
 */

import { bytes, duration, exactBytes, sqlTime, DASH } from "./format.js";

const IN_FLIGHT = "SUBMITTED";
const NEEDS_QUOTES = /^$|^NULL$|^"|^\s|\s$|[\u0000-\u001f\u007f\u0085\u2028\u2029]/;

/** One value of the copy text (see the module docstring for the rule). */
export function copyValue(value) {
  if (value === null || value === undefined) return "NULL";
  const text = String(value);
  if (!NEEDS_QUOTES.test(text)) return text;
  return JSON.stringify(text).replace(/[\u007f\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The paste-friendly text of a record: one "name: value" line per column. */
export function recordText(rec, columns) {
  return columns.map((name) => {
    const value = rec[name];
    const stored = name.endsWith("_time") && typeof value === "string" ? sqlTime(value) : value;
    return `${name}: ${copyValue(stored)}`;
  }).join("\n");
}

/** True while the transfer is still in flight (the only state that reads "not yet"). */
export function inFlight(rec) {
  return rec.status === IN_FLIGHT;
}

/** Why a record has no egress time, for titles. */
export function noEgressReason(rec) {
  return inFlight(rec) ? "Not yet egressed: still in flight" : `No egress: ended as ${rec.status}`;
}

/** The egress time cell when there is none: {text, title}. */
export function missingEgress(rec) {
  return { text: inFlight(rec) ? "not yet" : DASH, title: noEgressReason(rec) };
}

/** The transit of a record for display: {text, title, skew, pending}. */
export function transitInfo(rec) {
  const seconds = rec.transit_seconds;
  if (seconds === null || seconds === undefined) {
    return { text: DASH, title: noEgressReason(rec), skew: false, pending: true };
  }
  if (seconds < 0) {
    return { text: duration(seconds), skew: true, pending: false,
      title: `Clock skew: the egress time is ${duration(-seconds)} before the ingress time; ` +
        "the servers' clocks disagree" };
  }
  return { text: duration(seconds), title: `${seconds} s`, skew: false, pending: false };
}

/** The size of a record: {text: "1.2 MB", title: "1,234,567 bytes"}. */
export function sizeInfo(rec) {
  return { text: bytes(rec.file_size), title: exactBytes(rec.file_size) };
}

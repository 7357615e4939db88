/**
 * The report form (templates/reports/form.html): progressive enhancement only; the form works
 * without it.
 *
 * - Username suggestions from /api/users?prefix= into the datalist (lib/suggest.js: debounced,
 *   one request in flight, index-backed on the server, so fast with thousands of users).
 * - Quick ranges ("last 24 hours" …) end at the database's now: the page carries the server's
 *   clock (config.now) and the time elapsed since the page loaded is added to it, so a wrong
 *   browser clock cannot shift a report.
 * - Times are the database clock's naive values; when that clock is UTC each time input gets a
 *   hint with the same moment in the browser's zone. Arithmetic on the naive values uses
 *   Date.UTC/getUTC* so no zone ever applies to them.
 * - The export URL for the current values is shown live (bookmarkable, for scripts).
 * - With only HTML chosen the report opens in a new tab; the button says what will happen.
 */

import { attachSuggestions } from "./lib/suggest.js";
import { copyText } from "./lib/copy.js";
import { toast } from "./lib/toast.js";

const config = JSON.parse(document.getElementById("reports-config").textContent);
const form = document.getElementById("report-form");
const $ = (id) => document.getElementById(id);
const loadedAt = performance.now();
const pad = (n, width = 2) => String(n).padStart(width, "0");

/** A naive "YYYY-MM-DDTHH:MM[:SS[.fff]]" as milliseconds on a zone-free (UTC) axis. */
function parseNaive(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(text || "");
  if (!m) return null;
  const [, y, mo, d, h, mi, s = "0", ms = "0"] = m;
  return Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, +ms.padEnd(3, "0"));
}

/** Milliseconds on that axis back to the input's format (seconds only when set). */
function formatNaive(ms) {
  const t = new Date(ms);
  let text = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}` +
    `T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
  if (t.getUTCSeconds() || t.getUTCMilliseconds()) text += `:${pad(t.getUTCSeconds())}`;
  return text;
}

/** The database's now, estimated from the page's timestamp plus the time since it loaded. */
function databaseNow() {
  return parseNaive(config.now) + (performance.now() - loadedAt);
}

/** Set both bounds to the `hours` ending at now, rounded up to the minute (as the defaults). */
function applyRange(hours) {
  const end = Math.ceil(databaseNow() / 60000) * 60000;
  $("start").value = formatNaive(end - hours * 3600000);
  $("end").value = formatNaive(end);
  update();
}

const localFormat = new Intl.DateTimeFormat(undefined, {
  weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
});
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "your time zone";

/** "= Sat 29 Nov, 01:30 in Europe/Berlin" under a UTC time input (nothing when not UTC). */
function localHint(input) {
  const hint = document.querySelector(`[data-local-for="${input.id}"]`);
  const ms = parseNaive(input.value);
  const sameZone = new Date().getTimezoneOffset() === 0;
  hint.textContent = config.clock === "utc" && ms !== null && !sameZone
    ? `= ${localFormat.format(new Date(ms))} in ${browserZone}` : "";
}

/** The formats ticked, in the server's order. */
function formats() {
  return ["csv", "html"].filter((f) => $(`format-${f}`).checked);
}

/** The export URL for the current values. */
function exportUrl() {
  const params = new URLSearchParams();
  params.set("start", $("start").value);
  params.set("end", $("end").value);
  params.set("username", $("username").value.trim());
  for (const f of formats()) params.append("format", f);
  const query = params.toString().replaceAll("%3A", ":"); // ":" is fine in a query string
  return new URL(`${config.exportUrl}?${query}`, window.location.href).href;
}

const LABELS = { csv: "Download CSV", html: "Open HTML report", "csv,html": "Download .zip (CSV + HTML)" };

/** Refresh everything derived from the values: hints, link, button label and target. */
function update() {
  localHint($("start"));
  localHint($("end"));
  $("export-url").textContent = exportUrl();
  const chosen = formats().join(",");
  $("generate-label").textContent = LABELS[chosen] || "Generate report";
  form.target = chosen === "html" ? "_blank" : "";
}

attachSuggestions($("username"), $("username-options"), config.usersUrl);
for (const button of document.querySelectorAll("[data-range]")) {
  button.hidden = false;
  button.addEventListener("click", () => applyRange(Number(button.dataset.range)));
}
form.addEventListener("input", update);
form.addEventListener("change", update);
$("copy-url").hidden = false;
$("copy-url").addEventListener("click", async () => {
  const ok = await copyText(exportUrl());
  toast(ok ? "Link copied" : "Could not copy the link", ok ? "success" : "error");
});
update();

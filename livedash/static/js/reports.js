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
 * - A name that matches no one in the table gets a warning before anything is generated
 *   (the same /api/users?prefix= endpoint; usernames compare case-insensitively, as the
 *   table's collation does).
 * - Generate fetches the export URL itself, so the user stays on the form: it says the report
 *   is being generated with the elapsed time and the bytes received, Cancel aborts the request
 *   (the server stops and frees its connection), a 400 puts each message next to its field,
 *   a 503 says why (and when to retry), a download cut short says it failed. When done, the
 *   file is offered: saved at once (CSV, JSON, zip) or opened in a new tab (HTML: the
 *   blob inherits this page's policy, which admits the report's style by hash).
 */

import { attachSuggestions } from "./lib/suggest.js";
import { copyText } from "./lib/copy.js";
import { bytes } from "./lib/format.js";
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
checkUser();
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
  return ["csv", "html", "json"].filter((f) => $(`format-${f}`).checked);
}

/** The export URL for the current values. */
function exportUrl() {
  const params = new URLSearchParams();
  params.set("start", $("start").value);
  params.set("end", $("end").value);
  params.set("username", $("username").value.trim());
  for (const f of formats()) params.append("format", f);
  if ($("csv-safe").checked) params.set("csv_safe", "1");
  const query = params.toString().replaceAll("%3A", ":"); // ":" is fine in a query string
  return new URL(`${config.exportUrl}?${query}`, window.location.href).href;
}

const LABELS = { csv: "Download CSV", html: "Open HTML report", json: "Download JSON" };

/** Refresh everything derived from the values: hints, link and button label. */
function update() {
  localHint($("start"));
  localHint($("end"));
  $("export-url").textContent = exportUrl();
  const chosen = formats();
  $("generate-label").textContent = chosen.length > 1
    ? `Download .zip (${chosen.map((f) => f.toUpperCase()).join(" + ")})`
    : LABELS[chosen[0]] || "Generate report";
}

// -- the name that matches no one ----------------------------------------------------------

let userCheck = null;

/** Warn when the username matches no one (silent when the check itself fails). */
async function checkUser() {
  const name = $("username").value.trim();
  const warning = $("username-warning");
  if (userCheck) userCheck.abort();
  if (!name) {
    warning.hidden = true;
    return;
  }
  userCheck = new AbortController();
  try {
    const response = await fetch(`${config.usersUrl}?prefix=${encodeURIComponent(name)}`,
      { signal: userCheck.signal, headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const { users = [] } = await response.json();
    const known = users.some((u) => u.toLowerCase() === name.toLowerCase());
    $("username-warning-text").textContent = known ? ""
      : `No user named “${name}” in the table: the report will say “no transfers”.`;
    warning.hidden = known;
  } catch {
    // aborted by the next keystroke, or offline: no warning rather than a wrong one
  }
}

// -- generating in the page -----------------------------------------------------------------

const FIELDS = ["start", "end", "username", "format", "csv_safe"];
let running = null;

/** Show each "field: message" line of a 400 next to its field. */
function showErrors(text) {
  for (const line of text.split("\n")) {
    const [field, ...rest] = line.split(": ");
    const box = $(`error-${FIELDS.includes(field) ? field : "format"}`);
    if (!rest.length || !box) continue;
    box.querySelector(".field-error-text").textContent = rest.join(": ");
    box.hidden = false;
  }
  document.querySelector(".field-error:not([hidden])")?.scrollIntoView({ block: "center" });
}

/** Hide every message of the previous attempt. */
function clearMessages() {
  for (const field of FIELDS) $(`error-${field}`).hidden = true;
  for (const id of ["report-ready", "report-failed"]) $(id).hidden = true;
}

/** One status line: failed (with the reason). */
function fail(message) {
  $("failed-text").textContent = message;
  $("report-failed").hidden = false;
}

/** The file name from Content-Disposition. */
function fileName(response) {
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return match ? match[1] : "report";
}

/** Read the body as it arrives, showing the bytes received. */
async function readAll(response) {
  const reader = response.body.getReader();
  const parts = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.length;
    $("received").textContent = ` · ${bytes(size)} received`;
  }
  return new Blob(parts, { type: response.headers.get("Content-Type") || "" });
}

/** Offer the finished file: open an HTML report in a tab, save anything else. */
function offer(blob, name, seconds) {
  const url = URL.createObjectURL(blob);
  const html = name.endsWith(".html");
  $("save-report").href = url;
  $("save-report").download = name;
  $("open-report").href = url;
  $("open-report").hidden = !html;
  $("ready-detail").textContent = `${name}, ${bytes(blob.size)}, in ${seconds} s.`;
  $("report-ready").hidden = false;
  if (html) {
    if (!window.open(url, "_blank")) toast("Report ready: use “Open report”", "info");
  } else {
    $("save-report").click();
  }
}

/** Generate the report for the current values in the page. */
async function generate() {
  clearMessages();
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 1000);
  const controller = new AbortController();
  running = controller;
  $("received").textContent = "";
  $("progress").hidden = false;
  $("generate").disabled = true;
  const timer = setInterval(() => { $("elapsed").textContent = `${seconds()} s`; }, 250);
  try {
    const response = await fetch(exportUrl(), { signal: controller.signal });
    if (response.status === 400) return showErrors(await response.text());
    if (!response.ok) {
      const retry = response.headers.get("Retry-After");
      return fail(`${(await response.text()).trim()}${retry ? ` Try again in ${retry} s.` : ""}`);
    }
    offer(await readAll(response), fileName(response), seconds());
  } catch (error) {
    if (error.name === "AbortError") fail("Cancelled: nothing was saved.");
    else fail("The report failed before it was complete (the connection was cut); nothing was saved. Try again.");
  } finally {
    clearInterval(timer);
    running = null;
    $("progress").hidden = true;
    $("generate").disabled = false;
  }
}

attachSuggestions($("username"), $("username-options"), config.usersUrl);
for (const button of document.querySelectorAll("[data-range]")) {
  button.hidden = false;
  button.addEventListener("click", () => applyRange(Number(button.dataset.range)));
}
form.addEventListener("input", update);
form.addEventListener("change", update);
let userTimer = null;
$("username").addEventListener("input", () => {
  clearTimeout(userTimer);
  userTimer = setTimeout(checkUser, 300);
});
form.addEventListener("submit", (event) => {
  if (!window.ReadableStream || !window.AbortController) return; // the plain form submits
  event.preventDefault();
  if (!running) generate();
});
$("cancel").addEventListener("click", () => running?.abort());
$("copy-url").hidden = false;
$("copy-url").addEventListener("click", async () => {
  const ok = await copyText(exportUrl());
  toast(ok ? "Link copied" : "Could not copy the link", ok ? "success" : "error");
});
update();
checkUser();

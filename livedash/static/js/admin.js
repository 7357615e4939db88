/**
 * The admin page: renders the status, counts on request, and drives the clears.
 *
 * Decisions:
 * - Every figure is rendered here, as text (textContent), from the config block and then from
 *   GET /admin/status (every REFRESH_MS while the tab is visible, and after each clear), through
 *   lib/format.js: formatting has one home.
 * - Counts (COUNT(*), GROUP BY status) are full index scans, so they run on request; the page
 *   asks for them itself only when the server says the table is small (`auto_counts`).
 * - The socket is lib/socket.js's (same reconnection rules as the dashboard, never subscribed)
 *   and every request goes through lib/api.js.
 * - A clear is POSTed with the CSRF token (X-CSRFToken header plus the form's own field) and
 *   this page's socket id. Progress arrives as `admin_progress` events; GET /admin/jobs/<id>
 *   is polled whenever no event came for POLL_MS, so progress never depends on the socket.
 * - A delete button stays disabled until its confirmation field holds the table name exactly
 *   (and, for "older than", a time is chosen). In demo mode, while the database is down and
 *   while a clear runs, both forms are disabled and the page says why.
 */

import { api } from "./lib/api.js";
import { ago, bytes, clock, count, DASH, decimal, share } from "./lib/format.js";
import { LiveFeed } from "./lib/socket.js";
import { toast } from "./lib/toast.js";

const POLL_MS = 1000;
const REFRESH_MS = 10000;
const MODE_LABELS = { up: "connected", down: "unavailable", demo: "demo", live: "live" };
const STAGES = { counting: "Counting the rows to delete…", deleting: "Deleting…" };

const config = JSON.parse(document.getElementById("admin-config").textContent);
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const forms = [...document.querySelectorAll("form.danger-form")];
const jobPanel = document.getElementById("job");
const seen = new Map(); // job id -> latest progress received over the socket
let status = config.status;
let followed = null; // {id, lastEventAt, finished}
let exact = null; // the last exact count {rows, seconds, at}: shown instead of the estimate

// -- small helpers -----------------------------------------------------------------------------

/** Set the text of every [data-field=name]: a dash for null/undefined, blank for "". */
function setField(name, text) {
  for (const el of document.querySelectorAll(`[data-field="${name}"]`)) {
    el.textContent = text === null || text === undefined ? DASH : String(text);
  }
}

function setState(name, state) {
  for (const el of document.querySelectorAll(`[data-field="${name}"]`)) el.dataset.state = state;
}

/** A server time "2026-01-31 04:05:06.789" as stored, "no rows" when absent. */
function storedTime(value) {
  return value ? String(value).replace("T", " ") : "no rows";
}

/** An ISO instant (with zone) as "HH:MM:SS (N s ago)". */
function tickTime(iso) {
  const date = iso ? new Date(iso) : null;
  if (!date || Number.isNaN(date.getTime())) return "not yet";
  const utc = status.app.db_clock === "utc";
  return `${clock(date, utc)}${utc ? " UTC" : ""} (${ago((Date.now() - date.getTime()) / 1000)})`;
}

// -- status ------------------------------------------------------------------------------------

function renderDatabase(d) {
  for (const name of ["host", "port", "database", "user", "version"]) setField(name, d[name]);
  for (const id of ["count-exact", "count-status"]) document.getElementById(id).disabled = d.mode !== "up";
  setField("db-mode", MODE_LABELS[d.mode] || d.mode);
  setState("db-mode", d.mode);
  renderRows(d);
  const sized = d.data_bytes !== null && d.data_bytes !== undefined;
  setField("size", sized ? bytes(d.data_bytes + d.index_bytes) : DASH);
  setField("size-note", sized ? `data ${bytes(d.data_bytes)} + indexes ${bytes(d.index_bytes)}` : "");
  setField("oldest", d.mode === "up" ? storedTime(d.oldest) : DASH);
  setField("newest", d.mode === "up" ? storedTime(d.newest) : DASH);
  document.getElementById("admin-demo").hidden = d.mode !== "demo";
  document.getElementById("admin-down").hidden = d.mode !== "down";
  if (d.mode === "down") {
    const since = d.down_since ? ` since ${tickTime(d.down_since)}` : "";
    setField("down-text", `The database is unavailable${since}: ${d.error || "no answer"}. Admin actions wait until it is back.`);
  }
}

function renderRows(d) {
  if (exact && d.mode === "up") {
    setField("rows", count(exact.rows));
    setField("rows-inline", count(exact.rows));
    setField("rows-note", `exact at ${tickTime(exact.at)}, counted in ${decimal(exact.seconds)} s`);
    return;
  }
  const known = d.rows_estimate !== null && d.rows_estimate !== undefined;
  setField("rows", known ? `≈ ${count(d.rows_estimate)}` : DASH);
  setField("rows-inline", known ? `≈ ${count(d.rows_estimate)}` : DASH);
  setField("rows-note", known ? "estimate from information_schema (may lag after writes)" : "");
}

function tierRow(tier) {
  const tr = document.createElement("tr");
  const cells = [
    [`every ${tier.period} s`, ""],
    [tier.running ? "running" : "stopped", ""],
    [tickTime(tier.last_tick), "nowrap"],
    [`${decimal(tier.duration_s * 1000)} ms`, "num"],
    [`${decimal(tier.lag_s)} s`, "num"],
    [count(tier.ticks), "num"],
  ];
  for (const [text, cls] of cells) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.append(td);
  }
  return tr;
}

function renderApp(a) {
  setField("app-mode", MODE_LABELS[a.mode] || a.mode);
  setState("app-mode", a.mode);
  setField("viewers", count(a.viewers));
  setField("keys", count(a.keys));
  setField("lag", `${decimal(a.lag_s)} s`);
  setField("polling", a.polling === false ? "no (another process polls)" : "yes");
  const body = document.querySelector("#tiers tbody");
  body.replaceChildren(...a.tiers.map(tierRow));
  document.getElementById("tiers").hidden = a.tiers.length === 0;
  document.getElementById("tiers-empty").hidden = a.tiers.length > 0;
}

/** Why the clear forms are disabled ("" when they are not). */
function blockedReason() {
  const { mode } = status.database;
  if (mode === "demo") return "Demo mode: clearing needs a database connection.";
  if (mode === "down") return "The database is unavailable: clearing waits until it is back.";
  if (followed && !followed.finished) return "A clear is running: wait for it to end.";
  return "";
}

function renderBlocked() {
  const reason = blockedReason();
  document.getElementById("actions-blocked").hidden = !reason || Boolean(followed && !followed.finished);
  setField("blocked-text", reason);
  for (const form of forms) {
    form.querySelector("fieldset").disabled = Boolean(reason);
    updateForm(form);
  }
}

function render(next) {
  status = next;
  renderDatabase(status.database);
  renderApp(status.app);
  renderBlocked();
}

async function refreshStatus({ counts = false } = {}) {
  if (counts) exact = null;
  try {
    render(await api(config.urls.status));
  } catch (err) {
    toast(`Could not read the status: ${err.message}`, "error");
    return;
  }
  if (counts && status.database.auto_counts) {
    countExact();
    countStatuses();
  }
}

// -- counts on request -------------------------------------------------------------------------

async function busyButton(button, work) {
  button.disabled = true;
  button.classList.add("is-busy");
  try {
    await work();
  } catch (err) {
    toast(err.message, "error");
  } finally {
    button.disabled = false;
    button.classList.remove("is-busy");
  }
}

function countExact() {
  return busyButton(document.getElementById("count-exact"), async () => {
    setField("rows-note", "counting…");
    try {
      const answer = await api(config.urls.count);
      exact = { ...answer, at: new Date().toISOString() };
      renderRows(status.database);
    } catch (err) {
      renderDatabase(status.database);
      throw err;
    }
  });
}

/** Blank the per-status figures (after a clear they no longer hold). */
function forgetStatusCounts(note) {
  for (const cell of document.querySelectorAll("#status-counts [data-count], #status-counts [data-share]")) {
    cell.textContent = DASH;
  }
  setField("status-note", note);
}

function countStatuses() {
  return busyButton(document.getElementById("count-status"), async () => {
    setField("status-note", "Counting…");
    const answer = await api(config.urls.statusCounts);
    const total = Object.values(answer.counts).reduce((sum, n) => sum + n, 0);
    for (const tr of document.querySelectorAll("#status-counts tr[data-status]")) {
      const n = answer.counts[tr.dataset.status] ?? 0;
      tr.querySelector("[data-count]").textContent = count(n);
      tr.querySelector("[data-share]").textContent = share(n, total);
    }
    setField("status-note", `${count(total)} rows, counted in ${decimal(answer.seconds)} s.`);
  });
}

async function previewOlder(form, button) {
  const out = form.querySelector("[data-preview-result]");
  const before = form.elements.before.value;
  if (!before) {
    out.textContent = "Choose a time first.";
    return;
  }
  await busyButton(button, async () => {
    out.textContent = "Counting…";
    const url = `${config.urls.count}?${new URLSearchParams({ before })}`;
    try {
      const answer = await api(url);
      out.textContent = `${count(answer.rows)} rows are older than ${answer.before} (counted in ${decimal(answer.seconds)} s).`;
    } catch (err) {
      out.textContent = "";
      throw err;
    }
  });
}

// -- clearing ----------------------------------------------------------------------------------

function formReady(form) {
  const confirmed = form.elements.confirm.value.trim() === config.confirm;
  const timed = form.dataset.mode !== "older_than" || form.elements.before.value !== "";
  return confirmed && timed && !blockedReason();
}

function updateForm(form) {
  const input = form.elements.confirm;
  const value = input.value.trim();
  input.classList.toggle("is-match", value === config.confirm);
  input.classList.toggle("is-mismatch", value !== "" && !config.confirm.startsWith(value));
  form.querySelector('button[type="submit"]').disabled = !formReady(form);
}

async function startClear(form) {
  const data = new FormData(form);
  if (socket.connected) data.set("sid", socket.id);
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    const answer = await api(config.urls.clear, {
      method: "POST", body: data, headers: { "X-CSRFToken": csrfToken },
    });
    resetForms(); // no confirmation stays armed for a second, unintended clear
    follow(answer.job);
  } catch (err) {
    showResult({ stage: "failed", error: err.message, mode: form.dataset.mode, deleted: 0 }, "Refused");
    updateForm(form);
  }
}

function resetForms() {
  for (const form of forms) {
    form.reset();
    for (const out of form.querySelectorAll("[data-preview-result]")) out.textContent = "";
    updateForm(form);
  }
}

function jobTitle(job) {
  return job.mode === "all" ? "Delete all rows" : `Delete rows older than ${job.before}`;
}

function jobMessage(job) {
  if (job.stage === "failed") return job.error || "The clear failed.";
  if (job.stage === "done") {
    const how = job.method === "truncate" ? " (TRUNCATE)" : "";
    return `Done: removed ${count(job.deleted)} rows${how} in ${decimal(job.seconds)} s.`;
  }
  if (job.stage === "deleting" && job.total !== null) {
    return `Deleting… ${count(job.deleted)} of ${count(job.total)} rows removed so far.`;
  }
  return STAGES[job.stage] || "Working…";
}

function renderProgress(job) {
  const bar = document.getElementById("job-progress");
  bar.hidden = !job.job; // a refusal has no job and no progress

  if (job.stage === "counting" || job.total === null || job.total === undefined) {
    bar.removeAttribute("value"); // indeterminate
    if (job.stage === "failed" || job.stage === "done") bar.value = 0;
    return;
  }
  bar.max = Math.max(job.total, 1);
  bar.value = job.stage === "done" ? bar.max : Math.min(job.deleted, bar.max);
}

function showResult(job, title = jobTitle(job)) {
  jobPanel.hidden = false;
  jobPanel.dataset.state = job.stage;
  jobPanel.querySelector('[data-job="title"]').textContent = title;
  const who = job.user ? ` by ${job.user}` : "";
  const when = job.started_at ? `started ${tickTime(job.started_at)}${who}` : "";
  jobPanel.querySelector('[data-job="meta"]').textContent = when;
  document.getElementById("job-message").textContent = jobMessage(job);
  renderProgress(job);
}

function onProgress(job, fromSocket) {
  if (fromSocket) seen.set(job.job, job);
  if (!followed || job.job !== followed.id || followed.finished) return;
  if (fromSocket) followed.lastEventAt = Date.now();
  showResult(job);
  if (!job.done) return;
  followed.finished = true;
  toast(jobMessage(job), job.error ? "error" : "success");
  forgetStatusCounts("The table changed: count again to see the new figures.");
  refreshStatus({ counts: true });
}

function pollJob() {
  setTimeout(async () => {
    if (!followed || followed.finished) return;
    if (Date.now() - followed.lastEventAt >= POLL_MS) {
      try {
        onProgress(await api(config.urls.job.replace("JOB_ID", followed.id)), false);
      } catch (err) {
        document.getElementById("job-message").textContent = `Waiting for the server… (${err.message})`;
      }
    }
    pollJob();
  }, POLL_MS);
}

function follow(job) {
  followed = { id: job.job, lastEventAt: Date.now(), finished: false };
  renderBlocked();
  onProgress(seen.get(job.job) || job, false);
  if (!followed.finished) pollJob();
}

// -- wiring ------------------------------------------------------------------------------------

// The dashboard's connection (lib/socket.js) without a subscription: this page only listens.
const { socket } = new LiveFeed({
  path: config.socketPath,
  handlers: {
    admin_progress: (job) => onProgress(job, true),
    health: (health) => {
      if (health && health.database && health.database !== status.database.mode) refreshStatus({ counts: true });
    },
  },
  onState: () => {},
  onSubscribed: () => {},
});

for (const form of forms) {
  form.addEventListener("input", () => updateForm(form));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (formReady(form)) startClear(form);
  });
  const preview = form.querySelector("[data-preview]");
  if (preview) preview.addEventListener("click", () => previewOlder(form, preview));
}
document.getElementById("count-exact").addEventListener("click", countExact);
document.getElementById("count-status").addEventListener("click", countStatuses);
document.getElementById("refresh-status").addEventListener("click", () => refreshStatus({ counts: true }));
setInterval(() => {
  if (document.visibilityState === "visible") refreshStatus();
}, REFRESH_MS);

render(status);
const last = status.job;
if (last && !last.done) follow(last);
else if (last) showResult(last, `Last clear: ${jobTitle(last)}`);
if (status.database.auto_counts) {
  countExact();
  countStatuses();
}

/**
 * The live dashboard page: wires the controls, the URL, the socket feed, the stat columns
 * and the transactions table together. Everything else lives in lib/ (one module a concern).
 *
 * Decisions:
 * - The view (window, refresh, limit, username, status) plus kiosk is one `state` object,
 *   mirrored to the URL on every change; the server rendered the controls from that URL.
 * - After each subscribe (including the automatic one on every reconnect) deltas are ignored
 *   until the fresh snapshot arrives, so a delta is never applied to rows of another view.
 * - Stats for a window other than the current one (in flight during a switch) are dropped.
 */

import { copyText } from "./lib/copy.js";
import { LiveStatus } from "./lib/health.js";
import { LiveFeed } from "./lib/socket.js";
import { StatsPanel } from "./lib/statcards.js";
import { attachSuggestions } from "./lib/suggest.js";
import { TxTable, recordText } from "./lib/table.js";
import "./lib/theme.js";
import { icon } from "./lib/icons.js";
import { toast } from "./lib/toast.js";
import { writeState } from "./lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const config = JSON.parse($("livedash-config").textContent);
const state = { ...config.view, kiosk: Boolean(config.kiosk) };
const VIEW_KEYS = ["window", "refresh", "limit", "username", "status"];
let awaitingSnapshot = true;
let shownView = null; // the view whose snapshot the table holds


const viewOf = (s) => Object.fromEntries(VIEW_KEYS.map((k) => [k, s[k]]));
const sameView = (a, b) => Boolean(a && b) && VIEW_KEYS.every((k) => a[k] === b[k]);

function emptyText(el) {
  const connected = live.state === "connected";
  const parts = [];
  if (awaitingSnapshot) {
    const spinner = document.createElement("span");
    spinner.className = "spinner";
    parts.push(spinner, connected ? "Loading transactions…" : "Connecting to the live feed…");
  } else {
    const strong = document.createElement("strong");
    strong.textContent = filterDescription() || "No transactions recorded yet";
    const hint = document.createElement("span");
    hint.textContent = filterDescription() ? "Clear the filters to see every transaction." : "New transactions appear here as they arrive.";
    parts.push(icon(filterDescription() ? "filter" : "list"), strong, hint);
  }
  el.replaceChildren(...parts.map((p) => (typeof p === "string" ? textSpan(p) : p)));
}

function textSpan(text) {
  const span = document.createElement("span");
  span.textContent = text;
  return span;
}

function filterDescription() {
  const parts = [];
  if (state.username) parts.push(`user “${state.username}”`);
  if (state.status) parts.push(`status ${state.status}`);
  return parts.length ? `No transactions for ${parts.join(" with ")}` : "";
}

function showCount(size) {
  const filtered = state.username || state.status;
  $("tx-count").textContent = size ? `${size} newest${filtered ? " matching" : ""}` : "";
}

const live = new LiveStatus({
  conn: $("conn-state"), ago: $("updated-ago"), lag: $("lag-chip"), stale: $("stale-banner"),
  demo: $("demo-banner"), utc: config.dbClock === "utc", refresh: () => state.refresh,
  onStale: (stale) => {
    $("stats").classList.toggle("is-stale", stale);
    $("tx-table").classList.toggle("is-stale", stale);
  },
});

const statsPanel = new StatsPanel($("stats"));
const table = new TxTable($("tx-table"), {
  template: $("tx-row-template"), icons: config.icons,
  limit: state.limit, emptyEl: $("tx-empty"), emptyText, onChange: showCount,
});
function onStats(stats) {
  if (!stats || stats.window_minutes !== state.window) return;
  statsPanel.render(stats);
  $("stats").classList.remove("is-pending");
  live.received(stats.as_of);
  if (stats.as_of) table.setRefDate(stats.as_of.slice(0, 10));
}

function onTransactions(message) {
  if (!message) return;
  if (Array.isArray(message.snapshot)) {
    const current = viewOf(state);
    table.snapshot(message.snapshot, sameView(shownView, current));
    shownView = current;
    awaitingSnapshot = false;
    table.refreshEmpty();
  } else if (!awaitingSnapshot) {
    table.apply(message);
  }
  live.received(message.as_of);
}

const feed = new LiveFeed({
  path: config.socketPath,
  handlers: {
    stats: onStats,
    transactions: onTransactions,
    health: (health) => live.setHealth(health),
    error: (payload) => toast((payload && payload.message) || "The server refused the request", "error"),
  },
  onState: (connState, detail) => {
    live.setConnection(connState, detail);
    table.refreshEmpty();
  },
  onSubscribed: () => {
    awaitingSnapshot = true;
  },
});

/** Apply a state change: URL, table limit, subscription. */
function commit(changes) {
  const before = { ...state };
  Object.assign(state, changes);
  writeState(state);
  if (state.limit !== before.limit) table.setLimit(state.limit);
  if (state.username !== before.username || state.status !== before.status) {
    shownView = null;
    awaitingSnapshot = true;
    table.clear();
  }
  if (state.window !== before.window) {
    for (const el of document.querySelectorAll("[data-window-label]")) el.textContent = state.window;
    $("stats").classList.add("is-pending");
  }
  if (!sameView(before, state)) feed.subscribe(viewOf(state));
}

function bindControls() {
  for (const name of ["window", "refresh", "limit"]) {
    $(name).addEventListener("change", (e) => commit({ [name]: Number(e.target.value) }));
  }
  $("status").addEventListener("change", (e) => commit({ status: e.target.value }));
  const user = $("username");
  let timer = null;
  const applyUser = () => {
    clearTimeout(timer);
    // the server refuses more than 50 characters or control characters: never send them
    commit({ username: user.value.replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(0, 50) });
  };
  user.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(applyUser, 600);
  });
  user.addEventListener("change", applyUser);
  $("view-form").addEventListener("submit", (e) => {
    e.preventDefault();
    applyUser();
  });
  attachSuggestions(user, $("users-list"), config.usersUrl);
}

function setKiosk(on) {
  document.documentElement.classList.toggle("kiosk", on);
  commit({ kiosk: on });
}

async function copyRow(button) {
  const rec = table.record(button.dataset.id);
  if (!rec) return;
  if (await copyText(recordText(rec))) {
    button.classList.add("copied");
    setTimeout(() => button.classList.remove("copied"), 1500);
    toast(`Copied the record of ${rec.file_name}`, "success");
  } else {
    toast("Copying failed: the browser refused access to the clipboard", "error");
  }
}

bindControls();
$("kiosk-toggle").addEventListener("click", () => setKiosk(true));
$("kiosk-exit").addEventListener("click", () => setKiosk(false));
$("tx-table").tBodies[0].addEventListener("click", (e) => {
  const button = e.target.closest("button.copy");
  if (button) copyRow(button);
});
writeState(state); // normalise the URL (bad values were replaced by defaults server-side)
feed.subscribe(viewOf(state));

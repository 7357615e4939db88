/**
 * The live dashboard page: wires the controls, the URL, the socket feed, the stat columns,
 * the transactions table and the detail panel together. Everything else lives in lib/ (one
 * module a concern).
 *
 * Decisions:
 * - The view (window, refresh, limit and the filters of lib/filterbar.js) plus the page-only
 *   keys (kiosk, paused, tz, detail) is one `state` object, mirrored to the URL on every change; the server
 *   rendered the controls from that URL and sends the defaults, choices and columns in the
 *   config block.
 * - `transactions` messages pass the view gate (lib/viewgate.js) before they touch the table,
 *   so a message of another view is never applied to these rows.
 * - Stats for a window other than the current one (in flight during a switch) are dropped.
 * - Escape closes the detail panel, else leaves kiosk mode.
 */

import { copyText } from "./lib/copy.js";
import { DetailPanel } from "./lib/detail.js";
import { FILTER_KEYS, FilterBar, chosenStatuses, statusValue } from "./lib/filterbar.js";
import { LiveStatus } from "./lib/health.js";
import { icon } from "./lib/icons.js";
import { Levels } from "./lib/levels.js";
import { recordText } from "./lib/records.js";
import { ReleaseWatch } from "./lib/release.js";
import { LiveFeed } from "./lib/socket.js";
import { StatsPanel } from "./lib/statcards.js";
import { attachSuggestions } from "./lib/suggest.js";
import { TxTable } from "./lib/table.js";
import { TimeZone } from "./lib/timezone.js";
import { toast } from "./lib/toast.js";
import { readPage, writeState } from "./lib/urlstate.js";
import { ViewGate } from "./lib/viewgate.js";
import { WallFit } from "./lib/wall.js";
import { count } from "./lib/format.js";

const $ = (id) => document.getElementById(id);
const config = JSON.parse($("livedash-config").textContent);
const VIEW_KEYS = Object.keys(config.defaults);
const page = readPage();
const zone = new TimeZone(config.dbClock, page.tz);
const state = { ...config.view, kiosk: Boolean(config.kiosk), paused: page.paused, tz: zone.tz, detail: page.detail };
state.status = statusValue(chosenStatuses(state.status, config), config); // "failures" stays so
const gate = new ViewGate();
let pauseAfterSnapshot = state.paused; // paused=1 in the URL: pause once the rows are in
let dbClock = null; // {asOf: ms (the database's now, read as UTC), at: Date.now()}

const viewOf = (s) => Object.fromEntries(VIEW_KEYS.map((k) => [k, s[k]]));
const sameView = (a, b) => Boolean(a && b) && VIEW_KEYS.every((k) => a[k] === b[k]);
const saveUrl = () => writeState(state, { defaults: config.defaults, tzDefault: zone.fallback });

function textSpan(text) {
  const span = document.createElement("span");
  span.textContent = text;
  return span;
}

function emptyText(el) {
  if (gate.needSnapshot) {
    const spinner = document.createElement("span");
    spinner.className = "spinner";
    const text = live.connected ? "Loading transactions…" : "Connecting to the live feed…";
    el.replaceChildren(spinner, textSpan(text));
    return;
  }
  const filtered = filters.describe();
  const strong = document.createElement("strong");
  strong.textContent = filtered ? `No transactions for ${filtered}` : "No transactions recorded yet";
  const hint = filtered ? "Clear the filters to see every transaction." : "New transactions appear here as they arrive.";
  el.replaceChildren(icon(filtered ? "filter" : "list"), strong, textSpan(hint));
}

/** The count beside the title, and what the holds are doing. */
function showTableState({ shown, held, pausedAt, arrived, changed }) {
  const filtered = filters.active().length > 0;
  $("tx-count").textContent = shown ? `${shown} newest${filtered ? " matching" : ""}` : "";
  const note = $("hold-note");
  note.hidden = !held.length;
  if (held.includes("pause")) {
    note.textContent = `Paused at ${zone.instant(pausedAt)} · ${count(arrived)} new since`;
    note.title = `${count(arrived)} transfers arrived since the pause; ${count(changed)} of the rows shown have changed or left the view. Resume shows the table as it is now.`;
  } else if (held.length) {
    note.textContent = "Rows held in place while you point at or focus one";
  }
  detail.update((id) => table.latest(id));
}

const live = new LiveStatus({
  chip: $("conn-state"), ago: $("updated-ago"), lag: $("lag-chip"), banner: $("stale-banner"),
  demo: $("demo-banner"), blockAges: [...document.querySelectorAll("#stats [data-age]")],
  tableAge: document.querySelector('[data-age="table"]'), zone, refresh: () => state.refresh,
  onStale: (stale) => {
    $("stats").classList.toggle("is-stale", stale);
    $("tx-table").classList.toggle("is-stale", stale);
  },
});

const statsPanel = new StatsPanel($("stats"), { onPick: (key, server) => filters.pick(key, server) });
const levels = new Levels($("stats"), $("alarms"), config.thresholds);
const filters = new FilterBar({ config, state, commit, stats: statsPanel, $ });
const table = new TxTable($("tx-table"), {
  template: $("tx-row-template"), icons: config.icons, emptyStatus: config.emptyStatus, zone,
  limit: state.limit, emptyEl: $("tx-empty"), emptyText, onChange: showTableState,
});
const detail = new DetailPanel($("detail"), {
  columns: config.columns, icons: config.icons, emptyStatus: config.emptyStatus, zone, onCopy: (rec) => copyRecord(rec),
  dbNow: () => (dbClock ? dbClock.asOf + (Date.now() - dbClock.at) : null),
  onClose: (id) => {
    table.select(null);
    commit({ detail: null });
    const row = $("tx-table").querySelector(`tr[data-id="${CSS.escape(id)}"]`);
    (row || $("tx-table")).focus();
    release.tryReload(); // a new release waited for the panel to close
  },
});
const wall = new WallFit({ wrap: document.querySelector(".tx-wrap"), table, stats: statsPanel });
const release = new ReleaseWatch({ build: config.build, busy: () => detail.isOpen });

/** The database's now from any payload: the clock, and the day rows are dated against
 * (before the rows go in, so a first snapshot never shows today's dates). */
function noteDbNow(asOf) {
  const at = asOf ? Date.parse(`${asOf}Z`) : NaN;
  if (Number.isNaN(at)) return;
  dbClock = { asOf: at, at: Date.now() };
  table.setRefDate(zone.stored(asOf).date);
}

function onStats(stats) {
  if (!stats || stats.window_minutes !== state.window) return;
  statsPanel.render(stats);
  levels.render(stats);
  $("stats").classList.remove("is-pending");
  live.receivedStats(stats);
  noteDbNow(stats.as_of);
}

function applyTransactions(message) {
  noteDbNow(message.as_of);
  if (Array.isArray(message.snapshot)) {
    table.snapshot(message.snapshot, false);
    if (pauseAfterSnapshot) setPaused(true);
  } else {
    table.apply(message);
  }
  live.received(message.as_of);
  if (state.detail && !detail.isOpen) openDetail(state.detail, false);
}

const feed = new LiveFeed({
  path: config.socketPath,
  handlers: {
    stats: onStats,
    transactions: (message) => gate.accept(message).forEach(applyTransactions),
    health: (health) => {
      live.setHealth(health);
      release.seen(health);
    },
    error: (payload) => toast((payload && payload.message) || "The server refused the request", "error"),
  },
  onState: (connState) => {
    live.setConnection(connState);
    table.report();
  },
  onSubscribed: () => gate.subscribed(),
  onAck: (ack) => gate.acked(ack).forEach(applyTransactions),
});

/** Apply a state change: URL, table limit, subscription. */
function commit(changes) {
  const before = { ...state };
  Object.assign(state, changes);
  saveUrl();
  if (state.limit !== before.limit) table.setLimit(state.limit);
  if (FILTER_KEYS.some((key) => state[key] !== before[key])) {
    // another view: a paused frame of the old one would mislead; pause again on the new rows
    if (table.paused) {
      pauseAfterSnapshot = true;
      table.release("pause");
    }
    table.clear();
  }
  if (state.window !== before.window) {
    for (const el of document.querySelectorAll("[data-window-label]")) el.textContent = state.window;
    $("stats").classList.add("is-pending");
  }
  if (!sameView(before, state)) feed.subscribe(viewOf(state));
  filters.sync();
}

function bindControls() {
  for (const name of ["window", "refresh", "limit"]) {
    $(name).addEventListener("change", (e) => commit({ [name]: Number(e.target.value) }));
  }
  $("view-form").addEventListener("submit", (e) => e.preventDefault());
  attachSuggestions($("username"), $("users-list"), config.usersUrl);
}

function setPaused(paused) {
  pauseAfterSnapshot = false;
  if (paused) table.hold("pause");
  else table.release("pause");
  const button = $("pause");
  button.textContent = paused ? "Resume" : "Pause";
  button.setAttribute("aria-pressed", paused ? "true" : "false");
  button.title = paused ? "Show the live rows again" : "Stop the rows from moving (the figures keep updating)";
  commit({ paused });
}

function setZone(tz) {
  zone.tz = tz;
  for (const button of $("tz-toggle").querySelectorAll("button[data-tz]")) {
    button.setAttribute("aria-pressed", button.dataset.tz === tz ? "true" : "false");
  }
  for (const el of document.querySelectorAll("[data-zone-label]")) el.textContent = `(${zone.storedLabel})`;
  document.querySelector("[data-zone-foot]").textContent = zone.storedNote;
  $("tz-toggle").title = zone.dbClock === "local"
    ? "Table times stay as stored: the database's local zone is unknown to this page" : "";
  table.refillTimes();
  if (detail.isOpen) detail.render();
  statsPanel.setZone(zone);
  tickClock();
  commit({ tz });
}

function tickClock() {
  $("wall-clock").textContent = zone.instant(new Date());
}

function setKiosk(on) {
  document.documentElement.classList.toggle("kiosk", on);
  if (on) table.release("pointer");
  commit({ kiosk: on });
  wall.set(on);
}

async function copyRecord(rec, button = null) {
  if (await copyText(recordText(rec, config.columns))) {
    if (button) {
      button.classList.add("copied");
      setTimeout(() => button.classList.remove("copied"), 1500);
    }
    toast(`Copied the record of ${rec.file_name}`, "success");
  } else {
    toast("Copying failed: the browser refused access to the clipboard", "error");
  }
}

function openDetail(id, focus = true) {
  detail.open(id, table.latest(id) || table.record(id), focus);
  table.select(id);
  if (state.detail !== id) commit({ detail: id });
}

function bindTable() {
  const tbody = $("tx-table").tBodies[0];
  tbody.addEventListener("click", (e) => {
    const button = e.target.closest("button.copy");
    const row = e.target.closest("tr[data-id]");
    if (button) {
      const rec = table.record(button.dataset.id);
      if (rec) copyRecord(rec, button);
    } else if (row) {
      openDetail(row.dataset.id);
    }
  });
  tbody.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || !e.target.matches("tr[data-id]")) return;
    e.preventDefault(); // else the Enter also activates the panel's close button, focused now
    openDetail(e.target.dataset.id);
  });
  table.bindHolds(() => !state.kiosk);
}

function onEscape(e) {
  if (e.key !== "Escape" || e.target.matches("input, select, textarea")) return;
  if (detail.isOpen) detail.close();
  else if (state.kiosk) setKiosk(false);
}

bindControls();
bindTable();
$("kiosk-toggle").addEventListener("click", () => setKiosk(true));
$("kiosk-exit").addEventListener("click", () => setKiosk(false));
$("pause").addEventListener("click", () => setPaused(!table.paused));
$("tz-toggle").addEventListener("click", (e) => {
  const button = e.target.closest("button[data-tz]");
  if (button) setZone(button.dataset.tz);
});
document.addEventListener("keydown", onEscape);
setInterval(tickClock, 1000);
setZone(zone.tz);
wall.set(state.kiosk);
filters.sync();
saveUrl(); // normalise the URL (bad values were replaced by defaults server-side)
feed.subscribe(viewOf(state));

/**
 * The table's filters: search (q), user, statuses, stuck only, the click-through from the
 * stat cards and the per-server rows, and the list of active filters with a way to clear them.
 *
 * Decisions:
 * - Every filter is a view key of the server (validate.py): the page only changes `state`
 *   through `commit`, which writes the URL and subscribes again, so a filter is bookmarkable
 *   and pushed through the shared poller like the others.
 * - Statuses: several at once or "failures only" (config.failures), in the table's order
 *   (config.statuses); the URL says `status=failures` for exactly the failures. The picker
 *   is a button opening a list of checkboxes: Tab and Space work, Escape closes it.
 * - Text filters are debounced (the server would get a subscribe per keystroke) and cleaned
 *   the way the server checks them (no control characters, at most config.maxLength).
 * - A card or a server row toggles its filter: a second click shows everything again. A wall
 *   screen (kiosk) is not clicked: there they do nothing.
 */

import { age } from "./format.js";

const TYPING_MS = 400;
const TEXT_KEYS = ["q", "username"];
const LABELS = { q: "Search", username: "User", status: "Status", ingress_server: "Ingress server",
  egress_server: "Egress server", stuck: "Stuck only" };
export const FILTER_KEYS = Object.keys(LABELS);

/** The statuses a `status` value names, as a Set ("" is none: every status). */
export function chosenStatuses(status, config) {
  if (!status) return new Set();
  if (status === "failures") return new Set(config.failures);
  return new Set(String(status).split(",").filter((s) => config.statuses.includes(s)));
}

/** The `status` value of a set of statuses: "", "failures" or "A,B" in the table's order. */
export function statusValue(set, config) {
  const list = config.statuses.filter((s) => set.has(s));
  if (list.length === 0 || list.length === config.statuses.length) return "";
  if (list.length === config.failures.length && config.failures.every((s) => set.has(s))) return "failures";
  return list.join(",");
}

function statusText(status, config) {
  if (!status) return "All statuses";
  if (status === "failures") return "Failures only";
  const list = [...chosenStatuses(status, config)];
  return list.length <= 2 ? list.join(" + ") : `${list.length} statuses`;
}

function clean(value, max) {
  // the server refuses control characters and over-long text: never send them
  return value.replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(0, max);
}

export class FilterBar {
  /** @param {object} opts {config, state, commit(changes), stats: StatsPanel, $: id => el} */
  constructor({ config, state, commit, stats, $ }) {
    Object.assign(this, { config, state, commit, stats, $ });
    this.cards = [...document.querySelectorAll("#stats .figure[data-filter-key]")];
    for (const el of document.querySelectorAll("[data-stuck-after]")) el.textContent = age(config.stuckAfter);
    for (const key of TEXT_KEYS) this.bindText(key);
    this.bindStatus();
    $("stuck").addEventListener("click", () => commit({ stuck: !state.stuck }));
    $("clear-filters").addEventListener("click", () => this.clear());
    $("active-filters").addEventListener("click", (e) => {
      const button = e.target.closest("button[data-clear]");
      if (button) this.clear([button.dataset.clear]);
    });
    for (const card of this.cards) {
      card.addEventListener("click", () => this.toggle(card));
      card.addEventListener("keydown", (e) => {
        if (e.key !== "Enter" && e.key !== " ") return;
        e.preventDefault();
        this.toggle(card);
      });
    }
  }

  /** A stat card's filter on, or off when it is already on. */
  toggle(card) {
    if (this.state.kiosk) return;
    const key = card.dataset.filterKey;
    const value = key === "stuck" ? true : card.dataset.filterValue;
    this.commit({ [key]: this.state[key] === value ? this.config.defaults[key] : value });
  }

  /** A server row was picked: filter on it, or off when it is the one filtered on. */
  pick(key, server) {
    this.commit({ [key]: this.state[key] === server ? "" : server });
  }

  /** Back to the defaults for `keys` (every filter when none are named). */
  clear(keys = FILTER_KEYS) {
    this.commit(Object.fromEntries(keys.map((k) => [k, this.config.defaults[k]])));
  }

  /** The filters that differ from the defaults: [[key, value]]. */
  active() {
    return FILTER_KEYS.filter((k) => this.state[k] !== this.config.defaults[k]).map((k) => [k, this.state[k]]);
  }

  /** What the filters say, for the empty table: "user “x”, status TIMEOUT". */
  describe() {
    return this.active().map(([k, v]) => this.chipText(k, v)).join(", ");
  }

  chipText(key, value) {
    if (key === "stuck") return LABELS.stuck;
    if (key === "status") return `${LABELS.status}: ${statusText(value, this.config)}`;
    return `${LABELS[key]}: “${value}”`;
  }

  /** Bring every control to the state (after any commit). */
  sync() {
    const { state, $ } = this;
    for (const key of TEXT_KEYS) {
      const input = $(key);
      if (document.activeElement !== input && clean(input.value, this.config.maxLength[key]) !== state[key]) input.value = state[key];
    }
    const chosen = chosenStatuses(state.status, this.config);
    for (const box of this.menu.querySelectorAll("input[type=checkbox]")) box.checked = chosen.has(box.value);
    $("status").textContent = statusText(state.status, this.config);
    $("status").classList.toggle("is-on", Boolean(state.status));
    $("stuck").setAttribute("aria-pressed", state.stuck ? "true" : "false");
    for (const card of this.cards) {
      const key = card.dataset.filterKey;
      const on = key === "stuck" ? state.stuck : state[key] === card.dataset.filterValue;
      card.setAttribute("aria-pressed", on ? "true" : "false");
    }
    this.stats.setPicked({ ingress_server: state.ingress_server, egress_server: state.egress_server });
    this.renderActive();
  }

  renderActive() {
    const active = this.active();
    const box = this.$("active-filters");
    box.hidden = active.length === 0;
    box.querySelector(".active-list").replaceChildren(...active.map(([key, value]) => {
      const chip = document.createElement("span");
      chip.className = "filter-chip";
      const text = document.createElement("span");
      text.textContent = this.chipText(key, value);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-ghost btn-sm btn-icon controls";
      remove.dataset.clear = key;
      remove.setAttribute("aria-label", `Remove the filter ${text.textContent}`);
      remove.title = "Remove this filter";
      remove.textContent = "×";
      chip.append(text, remove);
      return chip;
    }));
  }

  bindText(key) {
    const input = this.$(key);
    let timer = null;
    const apply = () => {
      clearTimeout(timer);
      this.commit({ [key]: clean(input.value, this.config.maxLength[key]) });
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(apply, TYPING_MS);
    });
    input.addEventListener("change", apply);
    input.form.addEventListener("submit", apply);
  }

  bindStatus() {
    const button = this.$("status");
    const menu = this.$("status-menu");
    const pick = this.$("status-pick");
    this.menu = menu;
    const open = (on) => {
      menu.hidden = !on;
      button.setAttribute("aria-expanded", on ? "true" : "false");
    };
    button.addEventListener("click", () => {
      open(menu.hidden);
      if (!menu.hidden) menu.querySelector("input, button").focus();
    });
    menu.addEventListener("change", () => {
      const set = new Set([...menu.querySelectorAll("input:checked")].map((box) => box.value));
      this.commit({ status: statusValue(set, this.config) });
    });
    menu.addEventListener("click", (e) => {
      const quick = e.target.closest("button[data-status-set]");
      if (quick) this.commit({ status: quick.dataset.statusSet });
    });
    pick.addEventListener("keydown", (e) => {
      if (e.key !== "Escape" || menu.hidden) return;
      e.stopPropagation();
      open(false);
      button.focus();
    });
    pick.addEventListener("focusout", (e) => {
      if (!pick.contains(e.relatedTarget)) open(false);
    });
    document.addEventListener("pointerdown", (e) => {
      if (!pick.contains(e.target)) open(false);
    });
  }
}


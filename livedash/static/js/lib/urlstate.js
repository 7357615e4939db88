/**
 * The page's state <-> its URL, so a wall screen is a bookmark and a reload restores the view.
 *
 * Decisions:
 * - View keys (window, refresh, limit, username, status) are written only when they differ
 *   from the server's defaults (`config.defaults`: never a copy here), so a clean "/" means
 *   the defaults. The server renders them back into the controls.
 * - Page-only keys never reach the server's view: kiosk=1, paused=1, tz=utc|local (only when
 *   it differs from the database clock's zone), detail=<transaction_id>. The page reads them
 *   here (`readPage`); theme= belongs to lib/theme.js. Other parameters are left untouched.
 * - Writes use history.replaceState: changing a filter is not a navigation step.
 */

const TRUE = ["1", "true", "yes", "on"];

/** The page-only keys of the current URL: {kiosk, paused, tz, detail}. */
export function readPage(search = window.location.search) {
  const params = new URLSearchParams(search);
  const flag = (name) => TRUE.includes((params.get(name) || "").trim().toLowerCase());
  const tz = params.get("tz");
  return { kiosk: flag("kiosk"), paused: flag("paused"), tz: tz === "utc" || tz === "local" ? tz : null,
    detail: params.get("detail") || null };
}

function put(params, key, value) {
  if (value === undefined || value === null || value === "" || value === false) params.delete(key);
  else params.set(key, value === true ? "1" : String(value));
}

/**
 * Write `state` into the URL: its view keys against `defaults`, and the page keys
 * {kiosk, paused, tz, detail} (tz only when it is not `tzDefault`).
 */
export function writeState(state, { defaults, tzDefault }) {
  const url = new URL(window.location.href);
  for (const [key, fallback] of Object.entries(defaults)) {
    put(url.searchParams, key, state[key] === fallback ? "" : state[key]);
  }
  put(url.searchParams, "kiosk", Boolean(state.kiosk));
  put(url.searchParams, "paused", Boolean(state.paused));
  put(url.searchParams, "tz", state.tz === tzDefault ? "" : state.tz);
  put(url.searchParams, "detail", state.detail || "");
  if (url.href !== window.location.href) history.replaceState(history.state, "", url);
}

/**
 * View state <-> the page URL, so a wall screen is a bookmark and a reload restores the view.
 *
 * Only values that differ from the defaults are written (a clean "/" means the defaults);
 * theme is owned by theme.js and other parameters are left untouched. Writes use
 * history.replaceState: changing a filter is not a navigation step.
 */

export const DEFAULTS = { window: 10, refresh: 3, limit: 50, username: "", status: "" };

/** Write `state` ({window, refresh, limit, username, status, kiosk}) into the URL. */
export function writeState(state) {
  const url = new URL(window.location.href);
  for (const [key, fallback] of Object.entries(DEFAULTS)) {
    const value = state[key];
    if (value === undefined || value === null || value === fallback || value === "") {
      url.searchParams.delete(key);
    } else {
      url.searchParams.set(key, String(value));
    }
  }
  if (state.kiosk) url.searchParams.set("kiosk", "1");
  else url.searchParams.delete("kiosk");
  if (url.href !== window.location.href) history.replaceState(history.state, "", url);
}

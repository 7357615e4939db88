/**
 * The dark/light theme toggle (#theme-toggle in base.html), on every page.
 *
 * The theme is <html data-theme>. The server renders it from ?theme= or the `livedash_theme`
 * cookie, so there is no flash of the wrong theme; the toggle writes both (the URL with
 * history.replaceState, so a bookmark keeps it) and tells listeners via a "themechange" event.
 */

const COOKIE = "livedash_theme";
const YEAR_S = 365 * 24 * 3600;

/** The current theme: "dark" or "light". */
export function currentTheme() {
  return document.documentElement.dataset.theme === "light" ? "light" : "dark";
}

function reflect(button, theme) {
  const next = theme === "light" ? "dark" : "light";
  button.setAttribute("aria-pressed", theme === "light" ? "true" : "false");
  button.title = `Switch to the ${next} theme`;
}

/** Apply `theme`, remember it in the cookie and the URL, and announce it. */
export function setTheme(theme) {
  const value = theme === "light" ? "light" : "dark";
  document.documentElement.dataset.theme = value;
  document.cookie = `${COOKIE}=${value}; path=/; max-age=${YEAR_S}; samesite=lax`;
  const url = new URL(window.location.href);
  url.searchParams.set("theme", value);
  history.replaceState(history.state, "", url);
  const button = document.getElementById("theme-toggle");
  if (button) reflect(button, value);
  document.dispatchEvent(new CustomEvent("themechange", { detail: { theme: value } }));
}

function init() {
  const button = document.getElementById("theme-toggle");
  if (!button) return;
  reflect(button, currentTheme());
  button.addEventListener("click", () => setTheme(currentTheme() === "light" ? "dark" : "light"));
}

init();

/**
 * The dark/light theme (#theme-toggle in base.html), on every page.
 *
 * A classic script, loaded blocking in <head> (not a module): it must set the theme before the
 * first paint, or a light-preferring system would flash the dark page first.
 *
 * Decisions:
 * - The theme is <html data-theme>. The server renders a chosen theme (?theme= or the
 *   `livedash_theme` cookie) straight away; with no choice it renders `data-theme-auto`, and
 *   this script follows the system's preference (prefers-color-scheme), also when it changes
 *   (a wall screen whose OS switches at dusk).
 * - The toggle is a choice: it writes the cookie and the URL (history.replaceState, so a
 *   bookmark keeps it) and stops following the system.
 * - Every change is announced with a "themechange" event on document (the charts re-read
 *   their colours from it).
 */

(function theme() {
  const COOKIE = "livedash_theme";
  const YEAR_S = 365 * 24 * 3600;
  const root = document.documentElement;
  const system = window.matchMedia("(prefers-color-scheme: light)");

  function current() {
    return root.dataset.theme === "light" ? "light" : "dark";
  }

  function reflect() {
    const button = document.getElementById("theme-toggle");
    if (!button) return;
    const theme = current();
    button.setAttribute("aria-pressed", theme === "light" ? "true" : "false");
    button.title = `Switch to the ${theme === "light" ? "dark" : "light"} theme`;
  }

  function apply(theme) {
    if (root.dataset.theme === theme) return;
    root.dataset.theme = theme;
    reflect();
    document.dispatchEvent(new CustomEvent("themechange", { detail: { theme } }));
  }

  function followSystem() {
    if (root.hasAttribute("data-theme-auto")) apply(system.matches ? "light" : "dark");
  }

  function choose(theme) {
    root.removeAttribute("data-theme-auto");
    document.cookie = `${COOKIE}=${theme}; path=/; max-age=${YEAR_S}; samesite=lax`;
    const url = new URL(window.location.href);
    url.searchParams.set("theme", theme);
    history.replaceState(history.state, "", url);
    apply(theme);
  }

  followSystem();
  system.addEventListener("change", followSystem);
  document.addEventListener("DOMContentLoaded", () => {
    reflect();
    const button = document.getElementById("theme-toggle");
    if (button) button.addEventListener("click", () => choose(current() === "light" ? "dark" : "light"));
  });
})();

/**
 * Username suggestions for a <datalist>, from /api/users?prefix=.
 *
 * Debounced, one request in flight (the previous one is aborted), and silent on failure:
 * suggestions are a convenience, the filter works without them.
 */

const DEBOUNCE_MS = 200;

/** Keep `datalist` filled with known usernames starting with what `input` holds. */
export function attachSuggestions(input, datalist, url) {
  let timer = null;
  let controller = null;
  let last = null;

  async function load() {
    const prefix = input.value.trim();
    if (prefix === last || prefix.length > 50) return;
    last = prefix;
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const response = await fetch(`${url}?prefix=${encodeURIComponent(prefix)}`,
        { signal: controller.signal, headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const { users = [] } = await response.json();
      datalist.replaceChildren(...users.map((name) => {
        const option = document.createElement("option");
        option.value = name;
        return option;
      }));
    } catch {
      last = null; // aborted or offline: try again on the next keystroke
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(load, DEBOUNCE_MS);
  });
  input.addEventListener("focus", load);
}

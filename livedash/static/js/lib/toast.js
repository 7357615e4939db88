/**
 * Toasts: short confirmations and errors in the #toasts live region (base.html).
 *
 * Text only (textContent), at most MAX on screen (the oldest goes first), errors stay longer
 * and are announced assertively.
 */

const MAX = 4;
const ICONS = { info: "info", success: "check-circle-2", error: "alert-triangle" };

function iconElement(name) {
  const sprite = document.body.dataset.icons || "";
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
  use.setAttribute("href", `${sprite}#${name}`);
  svg.append(use);
  return svg;
}

/** An <svg class="icon"> using the sprite symbol `name`. */
export { iconElement as icon };

function dismiss(el) {
  el.classList.add("toast-leaving");
  setTimeout(() => el.remove(), 300);
}

/** Show `message` as a toast of `kind` ("info" | "success" | "error") for a few seconds. */
export function toast(message, kind = "info", timeoutMs = kind === "error" ? 8000 : 2500) {
  const box = document.getElementById("toasts");
  if (!box) return;
  while (box.children.length >= MAX) box.firstElementChild.remove();
  const el = document.createElement("div");
  el.className = `toast toast-${kind}`;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  const text = document.createElement("span");
  text.textContent = String(message);
  el.append(iconElement(ICONS[kind] || ICONS.info), text);
  el.addEventListener("click", () => dismiss(el));
  box.append(el);
  setTimeout(() => dismiss(el), timeoutMs);
}

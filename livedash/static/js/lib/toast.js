/**
 * Toasts: short confirmations and errors in the #toasts live region (base.html).
 *
 * Text only (textContent), at most MAX on screen (the oldest goes first), errors stay longer
 * and are announced assertively.
 */

import { icon } from "./icons.js";

const MAX = 4;
const ICONS = { info: "info", success: "check-circle-2", error: "alert-triangle" };

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
  el.append(icon(ICONS[kind] || ICONS.info), text);
  el.addEventListener("click", () => dismiss(el));
  box.append(el);
  setTimeout(() => dismiss(el), timeoutMs);
}

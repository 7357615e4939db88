/**
 * Copy to the clipboard, also over plain http from another host.
 *
 * `navigator.clipboard` exists only in secure contexts (https or localhost), and wall screens
 * and operators often reach the app over plain http by host name, so when it is missing or
 * refuses, a hidden textarea is selected and `document.execCommand("copy")` does the work
 * (still supported for a user-initiated click).
 */

function legacyCopy(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.setAttribute("aria-hidden", "true");
  area.className = "clip-source";
  const focused = document.activeElement;
  document.body.append(area);
  area.select();
  area.setSelectionRange(0, text.length);
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  if (focused && typeof focused.focus === "function") focused.focus();
  return ok;
}

/** Put `text` on the clipboard; resolves to true when it worked. */
export async function copyText(text) {
  if (window.isSecureContext && navigator.clipboard && navigator.clipboard.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // permission refused or document not focused: try the legacy path below
    }
  }
  return legacyCopy(text);
}

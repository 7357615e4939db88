/**
 * Icons from the lucide sprite, for elements the JS creates.
 *
 * A page may inline the symbols its JS uses as <symbol id="i-NAME"> (the dashboard does):
 * Chromium re-fetches an external sprite for <use> elements created later and draws nothing
 * while the server is unreachable. Without an inline symbol the vendored sprite file is used.
 */

const SVG_NS = "http://www.w3.org/2000/svg";

/** The href of icon `name`: the inline symbol when the page has it, else the sprite file. */
export function iconHref(name) {
  if (document.getElementById(`i-${name}`)) return `#i-${name}`;
  return `${document.body.dataset.icons || ""}#${name}`;
}

/** A new <svg class="icon" aria-hidden="true"> showing icon `name`. */
export function icon(name) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS(SVG_NS, "use");
  use.setAttribute("href", iconHref(name));
  svg.append(use);
  return svg;
}

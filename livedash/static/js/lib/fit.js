/**
 * Fitting a wall screen: how many whole rows fit a box, and figures that never overflow.
 *
 * Decisions:
 * - The layout (CSS) gives each part its share of the viewport; JS only counts how many whole
 *   rows fit the space a part got, so nothing is half shown and nothing scrolls.
 * - A figure that would not fit its card at the designed size is scaled down to fit (measured
 *   after its text changed), never cut: "81.5 …" with the unit hidden is a wrong figure.
 * - Sizes are re-measured when a box changes size (ResizeObserver), at most once a frame.
 */

/** Whole rows of `rowHeight` px that fit in `available` px (never negative). */
export function rowsThatFit(available, rowHeight) {
  if (!(rowHeight > 0)) return 0;
  return Math.max(0, Math.floor((available + 0.5) / rowHeight));
}

/** Call `callback()` once a frame at most while any of `elements` changes size. */
export function watchSize(elements, callback) {
  let queued = false;
  const observer = new ResizeObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      callback();
    });
  });
  for (const el of elements) if (el) observer.observe(el);
  return observer;
}

/** Shrink `el`'s font until its text fits its width (back to the CSS size first). */
export function fitText(el) {
  el.style.removeProperty("font-size");
  const room = el.clientWidth;
  const need = el.scrollWidth;
  if (need <= room + 1 || room === 0) return;
  const size = parseFloat(getComputedStyle(el).fontSize);
  el.style.fontSize = `${Math.floor(size * (room / need) * 0.97)}px`;
}

/**
 * Short-lived highlights of table rows ("new", "changed") without per-frame work.
 *
 * A CSS animation on every new row's cells made the renderer recalculate styles on every
 * frame while any row was animating, which at 10 transfers/s is always (about 75 % of the
 * main thread in kiosk). A highlight is now a static class, set once and removed once by one
 * timer per batch: two style changes per row instead of one per frame.
 */

const CLASSES = ["row-new", "row-changed"];

export class Highlights {
  /** @param {number} ms how long a highlight stays */
  constructor(ms = 2000) {
    this.ms = ms;
    this.until = new Map(); // element -> time (performance.now()) its highlight ends
    this.timer = null;
  }

  /** Highlight `el` with `cls` ("row-new" | "row-changed") for a while. */
  mark(el, cls) {
    if (!el.classList.contains(cls)) {
      el.classList.remove(...CLASSES);
      el.classList.add(cls);
    }
    this.until.set(el, performance.now() + this.ms);
    if (this.timer === null) this.timer = setTimeout(() => this.sweep(), this.ms);
  }

  /** Forget `el` (it left the page). */
  drop(el) {
    this.until.delete(el);
  }

  sweep() {
    this.timer = null;
    const now = performance.now();
    let next = Infinity;
    for (const [el, until] of this.until) {
      if (until <= now + 20) {
        el.classList.remove(...CLASSES);
        this.until.delete(el);
      } else {
        next = Math.min(next, until);
      }
    }
    if (next !== Infinity) this.timer = setTimeout(() => this.sweep(), next - now);
  }
}

/**
 * Picking up a new release: a screen open for weeks reloads itself when the server's build
 * changes.
 *
 * Decisions:
 * - The build the page belongs to is `config.build` (rendered with the page) or, when the
 *   server does not send one there, the first `health.build` seen. A different `health.build`
 *   later means a new release is serving: the page reloads (the URL holds the whole view).
 * - Never while the operator is busy: typing in a field (focus in an input, select or
 *   textarea) or reading the detail panel. Then the reload waits and happens as soon as they
 *   stop (focus leaves the field, the panel closes).
 * - Feature-detected: without `build` in health nothing ever happens.
 */

const FIELD = "input, textarea, select, [contenteditable]";

export class ReleaseWatch {
  /**
   * @param {object} opts {build: string|null (config.build), busy: () => bool (e.g. the
   *   detail panel is open), reload: () => void}
   */
  constructor({ build = null, busy = () => false, reload = () => window.location.reload() }) {
    this.build = build || null;
    this.busy = busy;
    this.reload = reload;
    this.pending = false;
    document.addEventListener("focusout", () => setTimeout(() => this.tryReload(), 0));
  }

  /** A health event: remember the first build, reload when a different one serves. */
  seen(health) {
    const build = health && health.build;
    if (!build) return;
    if (this.build === null) this.build = build;
    else if (build !== this.build) this.pending = true;
    this.tryReload();
  }

  /** True while the operator types in a field or the page says it is busy. */
  operatorBusy() {
    const active = document.activeElement;
    return Boolean(active && active.matches && active.matches(FIELD)) || this.busy();
  }

  /** Reload now if a new build is waiting and nobody is busy (also call when busy ends). */
  tryReload() {
    if (!this.pending || this.operatorBusy()) return;
    this.pending = false;
    this.reload();
  }
}

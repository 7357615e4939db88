/**
 * Which `transactions` messages belong to the view on screen.
 *
 * Decisions (the live-path contract's view keys):
 * - After every subscribe, until its ack arrives, messages are held. The ack names the view's
 *   room key (`view.key`): held messages whose `view` equals it are applied, the others are
 *   dropped; after that every message whose `view` differs is dropped. So a delta of the
 *   previous view, still in flight during a switch, never touches the new view's rows.
 * - A server that sends no keys (a message or ack without them) is handled as before keys
 *   existed: after a subscribe, deltas are ignored until the snapshot that follows it.
 */

export class ViewGate {
  constructor() {
    this.key = null;
    this.pending = false;
    this.held = [];
    this.needSnapshot = true;
  }

  /** A subscribe was sent: hold messages until its ack. */
  subscribed() {
    this.pending = true;
    this.held = [];
    this.needSnapshot = true;
  }

  /** The subscribe's ack arrived: the held messages to apply now, in order. */
  acked(ack) {
    this.pending = false;
    const view = ack && ack.ok ? ack.view : null;
    this.key = view && typeof view.key === "string" ? view.key : null;
    const held = this.held;
    this.held = [];
    return held.filter((message) => this.admit(message));
  }

  /** A `transactions` message arrived: the messages to apply now ([] or [message]). */
  accept(message) {
    if (!message) return [];
    if (this.pending) {
      this.held.push(message);
      return [];
    }
    return this.admit(message) ? [message] : [];
  }

  admit(message) {
    const snapshot = Array.isArray(message.snapshot);
    const keyed = this.key !== null && typeof message.view === "string";
    const ok = keyed ? message.view === this.key : snapshot || !this.needSnapshot;
    if (ok && snapshot) this.needSnapshot = false;
    return ok;
  }
}

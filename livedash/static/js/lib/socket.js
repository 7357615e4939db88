/**
 * The live feed: one Socket.IO connection, its subscription, and its connection state.
 *
 * Decisions:
 * - socket.io reconnects by itself (capped backoff). A reconnected client is in no rooms, so
 *   on EVERY connect the current view is subscribed again, and the table waits for the fresh
 *   snapshot that follows (it missed deltas while away).
 * - States for the indicator: "connecting" (first attempt), "connected", "reconnecting"
 *   (lost, retrying), "offline" (the browser is offline, or OFFLINE_AFTER attempts failed;
 *   retrying continues).
 * - Subscribing while disconnected only records the view; the next connect sends it. The
 *   subscribe's ack goes to `onAck` (the page matches messages to its view with it).
 */

import { io } from "../../vendor/socket.io-client-4.8.4/socket.io.esm.min.js";

const OFFLINE_AFTER = 4;

export class LiveFeed {
  /**
   * @param {object} opts
   * @param {string} opts.path        Socket.IO path (e.g. "/socket.io")
   * @param {object} opts.handlers    {stats, transactions, health, error}: event callbacks
   * @param {function} opts.onState   (state, detail) for the connection indicator
   * @param {function} [opts.onSubscribed]  (view) after each subscribe was sent
   * @param {function} [opts.onAck]  (ack) when the server answered a subscribe
   */
  constructor({ path, handlers, onState = () => {}, onSubscribed = () => {}, onAck = () => {} }) {
    this.view = null;
    this.onState = onState;
    this.onSubscribed = onSubscribed;
    this.onAck = onAck;
    this.socket = io({ path, reconnectionDelay: 1000, reconnectionDelayMax: 10000, timeout: 10000 });
    for (const [event, handler] of Object.entries(handlers)) this.socket.on(event, handler);
    this.bindConnection();
  }

  bindConnection() {
    const { socket } = this;
    socket.on("connect", () => {
      this.onState("connected");
      this.sendSubscribe();
    });
    socket.on("disconnect", (reason) => {
      this.onState(navigator.onLine === false ? "offline" : "reconnecting", reason);
    });
    socket.on("connect_error", () => {
      if (!socket.active) this.onState("offline", "refused");
    });
    socket.io.on("reconnect_attempt", (attempt) => {
      const offline = navigator.onLine === false || attempt >= OFFLINE_AFTER;
      this.onState(offline ? "offline" : "reconnecting", attempt);
    });
    window.addEventListener("offline", () => this.onState("offline", "browser offline"));
    window.addEventListener("online", () => {
      if (!socket.connected) socket.connect();
    });
  }

  /** Show `view` from now on ({window, refresh, limit, username, status}). */
  subscribe(view) {
    this.view = { ...view };
    if (this.socket.connected) this.sendSubscribe();
  }

  sendSubscribe() {
    if (!this.view) return;
    const view = { ...this.view };
    this.onSubscribed(view);
    // A refusal also arrives as an `error` event, which the page shows as a toast.
    this.socket.emit("subscribe", view, (ack) => this.onAck(ack));
  }
}

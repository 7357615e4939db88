/**
 * Warn and critical levels on the wall screen: each card with a configured level shows it as
 * colour plus a word, and the alarm strip names what is wrong.
 *
 * Decisions:
 * - The server decides the levels (livedash/alarms.py: `levels` and `alarms` in the stats
 *   payload); the page only shows them, so every screen and /api/stats agree. The thresholds
 *   in the config block only explain a level (the card's title).
 * - Never colour alone: a card at a level carries the word WARN or CRITICAL, and the strip
 *   repeats each sentence with its level.
 * - The strip is a polite live region (role=status): a screen reader hears a new alarm
 *   without being interrupted; it is hidden when nothing is wrong. The DOM is only touched
 *   when what it says changes (a wall screen runs for weeks).
 */

import { fitText } from "./fit.js";

const WORDS = { warn: "WARN", critical: "CRITICAL" };

function limitText(value, unit) {
  return unit === "%" || unit === "s" ? `${value} ${unit}` : `${value}${unit}`;
}

/** "warn at 5 %, critical at 10 %" (or "below" for a floor) for a threshold. */
function explain(t) {
  const rel = t.below ? "below" : "at";
  return `warn ${rel} ${limitText(t.warn, t.unit)}, critical ${rel} ${limitText(t.critical, t.unit)}`;
}

export class Levels {
  /**
   * @param {HTMLElement} stats the #stats section (cards [data-figure])
   * @param {HTMLElement} strip the alarm strip (#alarms, with a ul)
   * @param {object} thresholds config.thresholds {figure: {warn, critical, unit, below}}
   */
  constructor(stats, strip, thresholds = {}) {
    this.cards = new Map([...stats.querySelectorAll("[data-figure]")].map((el) => [el.dataset.figure, el]));
    this.strip = strip;
    this.list = strip.querySelector("ul");
    this.thresholds = thresholds;
    this.shown = "";
  }

  /** Show the levels and alarms of one stats payload (absent: nothing is at a level). */
  render(stats) {
    const levels = (stats && stats.levels) || {};
    for (const [key, card] of this.cards) this.setLevel(card, key, levels[key] || "");
    this.renderStrip((stats && stats.alarms) || []);
  }

  setLevel(card, key, level) {
    const shown = WORDS[level] ? level : "";
    if ((card.dataset.level || "") === shown) return;
    if (shown) card.dataset.level = shown;
    else delete card.dataset.level;
    const word = card.querySelector("[data-level-word]");
    word.hidden = !shown;
    word.textContent = shown ? WORDS[shown] : "";
    const t = this.thresholds[key];
    word.title = shown && t ? `${WORDS[shown]}: ${explain(t)}` : "";
    fitText(card.querySelector(".figure-value")); // the word takes room beside the figure
  }

  renderStrip(alarms) {
    const text = alarms.map((a) => `${a.level}:${a.message}`).join("\n");
    if (text === this.shown) return;
    this.shown = text;
    this.strip.hidden = alarms.length === 0;
    this.strip.dataset.level = alarms.some((a) => a.level === "critical") ? "critical" : "warn";
    this.list.replaceChildren(...alarms.map((a) => {
      const li = document.createElement("li");
      li.dataset.level = a.level;
      li.dataset.alarm = a.figure;
      const word = document.createElement("strong");
      word.className = "level-word";
      word.textContent = WORDS[a.level] || String(a.level).toUpperCase();
      const message = document.createElement("span");
      message.textContent = a.message;
      li.append(word, message);
      return li;
    }));
  }
}

/**
 * Small per-minute charts (Chart.js 4 UMD, loaded by a plain <script> as window.Chart).
 *
 * Decisions:
 * - One chart instance per canvas for the page's life: data is replaced in place and drawn
 *   with animation off (a wall screen runs for weeks; no per-tick allocations or tweening).
 * - Colours come from the CSS custom properties, re-read on "themechange", so the charts
 *   follow the theme like everything else; the tick labels follow the page's type size,
 *   re-read when the layout changes (a wall screen scales its type with the viewport).
 */

const Chart = window.Chart;

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function withAlpha(hex, alpha) {
  const a = Math.round(alpha * 255).toString(16).padStart(2, "0");
  return /^#[0-9a-f]{6}$/i.test(hex) ? `${hex}${a}` : hex;
}

/** "HH:MM" labels for the minutes of a series, from each minute's start (`minute_starts`,
 * stored times), in the page's zone when one is given (a TimeZone). */
export function minuteLabels(series, zone = null) {
  return (series.minute_starts || []).map((start) => {
    const text = String(start);
    return (zone ? zone.stored(`${text.slice(0, 16)}:00`).time : text.slice(11)).slice(0, 5);
  });
}

if (Chart) {
  Chart.defaults.font.family = "Inter, system-ui, sans-serif";
  Chart.defaults.font.size = 11;
}

export class MiniChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {object} opts {kind: "bar"|"line", colorVar: "--st-complete", format: (n) => string,
   *                       integer: true for counts (no fractional ticks)}
   */
  constructor(canvas, { kind, colorVar, format, integer = false }) {
    this.integer = integer;
    this.colorVar = colorVar;
    this.kind = kind;
    this.format = format;
    if (!Chart) return;
    this.chart = new Chart(canvas, {
      type: kind,
      data: { labels: [], datasets: [{ data: [], pointRadius: 0, borderWidth: kind === "line" ? 2 : 0,
        tension: 0.3, cubicInterpolationMode: "monotone", fill: kind === "line", borderRadius: 2, categoryPercentage: 0.9, barPercentage: 0.9 }] },
      options: this.options(),
    });
    this.restyle();
  }

  options() {
    const format = this.format;
    return {
      responsive: true, maintainAspectRatio: false, animation: false,
      layout: { padding: { top: 4 } },
      interaction: { mode: "index", intersect: false },
      plugins: {
        colors: { enabled: false }, // our colours come from the theme, see restyle()
        legend: { display: false },
        tooltip: { displayColors: false, callbacks: { label: (ctx) => format(ctx.parsed.y) } },
      },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 7 } },
        y: { beginAtZero: true, border: { display: false },
          ticks: { maxTicksLimit: 4, precision: this.integer ? 0 : undefined,
            callback: (value) => format(value) } },
      },
    };
  }

  /** Apply the current theme's colours and the page's type size (a wall screen scales it). */
  restyle() {
    if (!this.chart) return;
    const color = cssVar(this.colorVar);
    const text = cssVar("--text-muted");
    const size = Math.round(parseFloat(getComputedStyle(document.documentElement).fontSize) * 0.7);
    const grid = withAlpha(cssVar("--border"), 0.7);
    const dataset = this.chart.data.datasets[0];
    dataset.borderColor = color;
    dataset.backgroundColor = this.kind === "line" ? withAlpha(color, 0.18) : withAlpha(color, 0.75);
    const { x, y } = this.chart.options.scales;
    x.ticks.color = text;
    y.ticks.color = text;
    x.ticks.font = { size };
    y.ticks.font = { size };
    y.grid.color = grid;
    x.border.color = grid;
    this.chart.update(); // a full update: "none" would keep the elements' cached colours
  }

  /** Show `values` (oldest first) against their minute `labels`. */
  update(values, labels) {
    if (!this.chart) return;
    this.chart.data.labels = labels;
    this.chart.data.datasets[0].data = values;
    this.chart.update("none");
  }
}

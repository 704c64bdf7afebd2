// Time-series charts on uPlot (loaded as the global `uPlot` from /assets/uplot/). Colours come from the page's CSS
// variables, so a chart follows light or dark mode; it is rebuilt when the mode or its set of series changes, and
// resized with its box.

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
export const PALETTE = ['--c1', '--c2', '--c3', '--c4', '--c5', '--c6'];

function axisStyle() {
  const stroke = css('--muted');
  const grid = { stroke: css('--grid'), width: 1 };
  return { stroke, grid, ticks: grid };
}

/**
 * One chart. `series`: `[{label, color (a CSS variable), dashed?}]`; `format(y)` labels the y axis and the legend.
 * `setData([xs, ...ys])` draws; the x values are seconds since the epoch (shown in local time).
 */
export class TimeChart {
  constructor(el, { series, format = (v) => String(v), height = 200 }) {
    this.el = el;
    this.series = series;
    this.format = format;
    this.height = height;
    this.data = [[], ...series.map(() => [])];
    /** [from, to] in s: the x axis shows the whole range asked for, not only where there is data. */
    this.xRange = null;
    this.plot = null;
    this.build();
    new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: this.height })).observe(el);
  }

  width() {
    return Math.max(200, this.el.clientWidth);
  }

  /** (Re)creates the uPlot instance with the current colours and series. */
  build() {
    this.plot?.destroy();
    const fmt = this.format;
    const value = (_u, v) => (v === null || v === undefined ? '–' : fmt(v));
    this.plot = new uPlot(
      {
        width: this.width(),
        height: this.height,
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
        scales: { x: { time: true, range: (_u, min, max) => this.xRange ?? [min, max] }, y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(max ?? 1, 1e-9) * 1.05] } },
        axes: [axisStyle(), { ...axisStyle(), size: 60, values: (_u, ticks) => ticks.map(fmt) }],
        series: [
          {},
          ...this.series.map((s) => ({
            label: s.label,
            stroke: css(s.color),
            width: s.dashed ? 1.25 : 1.75,
            dash: s.dashed ? [6, 4] : undefined,
            points: { show: false },
            value,
          })),
        ],
      },
      this.data,
      this.el,
    );
  }

  setData(data, xRange = null) {
    this.data = data;
    this.xRange = xRange;
    this.plot.setData(data);
  }

  /** Replaces the series (e.g. a new error status appeared); redraws with the current data. */
  setSeries(series, data, xRange = null) {
    this.series = series;
    this.data = data;
    this.xRange = xRange;
    this.build();
  }

  /** How many points the first series has (for tests and for "no data" notes). */
  get points() {
    return this.data[1]?.filter((v) => v !== null && v !== undefined).length ?? 0;
  }
}

export const fmtNumber = (v) => (Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(Math.abs(v) >= 10_000 ? 0 : 1)}k` : String(Math.round(v * 100) / 100));
export const fmtPercent = (v) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)} %`;

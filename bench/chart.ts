// The chart RESULTS.md and the README show: horizontal bars of lines/s (median, with a min–max whisker) for
// logpulse's end-to-end scenarios and the peers, on a log scale (the values span three orders of magnitude),
// each bar labelled with its value. Hand-written SVG: no dependency, and GitHub renders it as an image.
import type { BenchResults, Measured, PeerSeries, ThroughputSummary } from './results.js';
import { si } from './stats.js';
import { esc } from './svg.js';

interface Bar {
  label: string;
  kind: 'logpulse' | 'naive' | 'spark';
  s: ThroughputSummary | null;
  note: string;
}

const COLORS = { logpulse: '#2f6fdf', naive: '#8a8f98', spark: '#e8793a' } as const;
const W = 860;
const LEFT = 330;
const RIGHT = 150;
const ROW = 34;
const TOP = 58;

/** 1 k, 10 k, 100 k, 1 M, 10 M. */
const tick = (v: number) => (v >= 1e6 ? `${v / 1e6} M` : v >= 1e3 ? `${v / 1e3} k` : String(v));

function bar<T extends { summary: ThroughputSummary }>(label: string, kind: Bar['kind'], m: Measured<T>, note = ''): Bar {
  return m.status === 'measured' ? { label, kind, s: m.summary, note } : { label, kind, s: null, note: m.fatal ? 'NOT MEASURED (see RESULTS.md)' : `not measured: ${m.reason.split(/[.:(]/)[0]!.trim()}` };
}

export function renderChart(r: BenchResults): string {
  const ratio = (m: Measured<PeerSeries>) => (m.status === 'measured' ? `logpulse ${m.throughputRatio.median.toFixed(1)}× faster` : '');
  // logpulse on each peer's file, on the peers' clock: the bar each ratio compares with.
  const paired = (label: string, ...ms: Measured<PeerSeries>[]): Bar[] => {
    const m = ms.find((x) => x.status === 'measured');
    return m?.status === 'measured' ? [{ label: `${label} (${tick(m.dataset.lines)} lines)`, kind: 'logpulse', s: m.logpulseSummary, note: '' }] : [];
  };
  const bars: Bar[] = [
    bar('logpulse: file → daemon', 'logpulse', r.e2e.file),
    bar('logpulse: gen → TCP → daemon', 'logpulse', r.e2e.tcp),
    bar('logpulse: Kafka → daemon', 'logpulse', r.e2e.kafka),
    ...paired('logpulse, start-up excluded', r.peers.naive),
    bar('naive Node.js (readline + JSON.parse)', 'naive', r.peers.naive, ratio(r.peers.naive)),
    ...paired('logpulse, start-up excluded', r.peers.sparkFile, r.peers.sparkSocket),
    bar('Spark (seed job), files', 'spark', r.peers.sparkFile, ratio(r.peers.sparkFile)),
    bar('Spark (seed job), socket as the seed', 'spark', r.peers.sparkSocket, ratio(r.peers.sparkSocket)),
  ];
  const values = bars.flatMap((b) => (b.s ? [b.s.linesPerSecond.min, b.s.linesPerSecond.max] : [])).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values, 1e5)));
  // Room for scenario a's target line (2 M lines/s) and for the labels right of the longest bar.
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, 3e6) * 1.5));
  const plotW = W - LEFT - RIGHT;
  const x = (v: number) => LEFT + (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * plotW;
  const H = TOP + bars.length * ROW + 48;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  const when = `${r.startedAt.slice(0, 10)}, ${r.machine.cpus} × ${r.machine.cpuModel}${r.quick ? ' — QUICK SMOKE RUN, not representative' : ''}${r.only ? ` — PARTIAL RUN (--only ${r.only.join(',')})` : ''}`;
  out.push(`<text x="16" y="24" font-size="15" font-weight="600" fill="#1f2328">End-to-end throughput, lines/s (log scale; bar = median, whisker = min–max of the runs)</text>`);
  out.push(`<text x="16" y="43" fill="#59636e">${esc(when)}</text>`);
  for (let d = lo; d <= hi; d *= 10) {
    const gx = x(d).toFixed(1);
    out.push(`<line x1="${gx}" y1="${TOP - 6}" x2="${gx}" y2="${TOP + bars.length * ROW}" stroke="#d1d9e0" stroke-width="1"/>`);
    out.push(`<text x="${gx}" y="${TOP + bars.length * ROW + 18}" text-anchor="middle" fill="#59636e">${tick(d)}</text>`);
  }
  const tx = x(2e6).toFixed(1);
  out.push(`<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${TOP + bars.length * ROW}" stroke="#1a7f37" stroke-width="1.2" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${tx}" y="${TOP + bars.length * ROW + 36}" text-anchor="middle" fill="#1a7f37">target a: 2 M</text>`);
  bars.forEach((b, i) => {
    const y = TOP + i * ROW;
    out.push(`<text x="${LEFT - 10}" y="${y + 19}" text-anchor="end" fill="#1f2328">${esc(b.label)}</text>`);
    if (!b.s) {
      out.push(`<text x="${LEFT + 6}" y="${y + 19}" fill="#cf222e" font-style="italic" stroke="#ffffff" stroke-width="4" paint-order="stroke">${esc(b.note)}</text>`);
      return;
    }
    const s = b.s.linesPerSecond;
    const bw = Math.max(1, x(s.median) - LEFT);
    out.push(`<rect x="${LEFT}" y="${y + 6}" width="${bw.toFixed(1)}" height="${ROW - 12}" rx="2" fill="${COLORS[b.kind]}"/>`);
    if (s.runs.length > 1) {
      const [a, c, m] = [x(s.min), x(s.max), y + ROW / 2];
      out.push(`<path d="M${a.toFixed(1)} ${m}H${c.toFixed(1)}M${a.toFixed(1)} ${m - 5}V${m + 5}M${c.toFixed(1)} ${m - 5}V${m + 5}" stroke="#1f2328" stroke-width="1.2" fill="none"/>`);
    }
    const label = `${si(s.median)}${b.note ? ` · ${b.note}` : ''}`;
    // A white halo keeps the label readable where it crosses a grid or the target line.
    out.push(`<text x="${(Math.max(x(s.max), x(s.median)) + 8).toFixed(1)}" y="${y + 19}" fill="#1f2328" stroke="#ffffff" stroke-width="4" paint-order="stroke">${esc(label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

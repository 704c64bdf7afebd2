// latency-chart.svg, beside chart.svg: latency against throughput, one colour per source, points at each rate of
// scenario c (x: the achieved lines/s, y: p99 ms, both log scales). Solid: crossing → alert fired (emitted_at);
// dashed: → alert on the alerts topic. Hand-written SVG as chart.svg, no dependency.
import { type BenchResults, latencyFiguresOf, type LatencyMeasure, type LatencySource } from './results.js';
import { si, summarize } from './stats.js';
import { esc } from './svg.js';

const COLORS: Record<LatencySource, string> = { stdin: '#8a5cf6', 'tcp-listen': '#2f6fdf', 'kafka-1': '#e8793a', 'kafka-3': '#1a7f37' };
const SERIES: { measure: LatencyMeasure; dash: string; name: string }[] = [
  { measure: 'emitted', dash: '', name: 'alert fired' },
  { measure: 'topic', dash: '6 4', name: 'alert on topic' },
];
const W = 860;
const H = 460;
const L = 70;
const R = 200;
const T = 58;
const B = 52;

const tick = (v: number) => (v >= 1e6 ? `${v / 1e6} M` : v >= 1e3 ? `${v / 1e3} k` : String(v));

interface Point {
  rate: number;
  ms: number;
  saturation: boolean;
}

export function renderLatencyChart(r: BenchResults): string {
  const lines: { source: LatencySource; s: (typeof SERIES)[number]; pts: Point[] }[] = [];
  for (const source of Object.keys(COLORS) as LatencySource[]) {
    for (const s of SERIES) {
      const pts: Point[] = [];
      for (const l of r.e2e.latency) {
        if (l.status !== 'measured' || (l.source ?? 'tcp-listen') !== source) continue;
        const p99 = summarize(l.runs.map((run) => latencyFiguresOf(run, s.measure)?.p99Ms ?? Number.NaN)).median;
        const rate = summarize(l.runs.map((run) => run.achievedRate)).median;
        if (Number.isFinite(p99) && Number.isFinite(rate) && rate > 0) pts.push({ rate, ms: Math.max(p99, 0.1), saturation: l.rate === 0 });
      }
      if (pts.length > 0) lines.push({ source, s, pts: pts.sort((a, b) => a.rate - b.rate) });
    }
  }
  const all = lines.flatMap((x) => x.pts);
  // × 1.05: an achieved 999 lines/s still starts the axis at 1 k, not 100.
  const x0 = 10 ** Math.floor(Math.log10(Math.min(...all.map((p) => p.rate * 1.05), 1000)));
  const x1 = 10 ** Math.ceil(Math.log10(Math.max(...all.map((p) => p.rate), 1e6)));
  const y0 = 10 ** Math.floor(Math.log10(Math.min(...all.map((p) => p.ms), 10)));
  const y1 = 10 ** Math.ceil(Math.log10(Math.max(...all.map((p) => p.ms), 100)));
  const px = (v: number) => L + ((Math.log10(v) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0))) * (W - L - R);
  const py = (v: number) => H - B - ((Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * (H - T - B);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="16" y="24" font-size="15" font-weight="600" fill="#1f2328">p99 latency against throughput, per source (log scales; median of the runs)</text>`);
  const when = `${r.startedAt.slice(0, 10)}, ${r.machine.cpus} × ${r.machine.cpuModel}, load ${r.machine.loadAvgAtStart[0]}${r.quick ? ' — QUICK RUN' : ''}${r.only ? ` (--only ${r.only.join(',')})` : ''}; hollow point: saturation`;
  out.push(`<text x="16" y="43" fill="#59636e">${esc(when)}</text>`);
  for (let v = x0; v <= x1; v *= 10) {
    out.push(`<line x1="${px(v).toFixed(1)}" y1="${T}" x2="${px(v).toFixed(1)}" y2="${H - B}" stroke="#d1d9e0"/>`);
    out.push(`<text x="${px(v).toFixed(1)}" y="${H - B + 18}" text-anchor="middle" fill="#59636e">${tick(v)}</text>`);
  }
  for (let v = y0; v <= y1; v *= 10) {
    out.push(`<line x1="${L}" y1="${py(v).toFixed(1)}" x2="${W - R}" y2="${py(v).toFixed(1)}" stroke="#d1d9e0"/>`);
    out.push(`<text x="${L - 8}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end" fill="#59636e">${v >= 1000 ? `${v / 1000} s` : `${v} ms`}</text>`);
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle" fill="#1f2328">lines/s achieved</text>`);
  for (const { source, s, pts } of lines) {
    const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.rate).toFixed(1)} ${py(p.ms).toFixed(1)}`).join('');
    out.push(`<path d="${d}" fill="none" stroke="${COLORS[source]}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    for (const p of pts) out.push(`<circle cx="${px(p.rate).toFixed(1)}" cy="${py(p.ms).toFixed(1)}" r="4" fill="${p.saturation ? '#ffffff' : COLORS[source]}" stroke="${COLORS[source]}" stroke-width="2"><title>${esc(`${source}, ${s.name}: p99 ${p.ms.toFixed(1)} ms at ${si(p.rate)} lines/s`)}</title></circle>`);
  }
  // Legend: sources by colour, measures by dash.
  let ly = T + 6;
  for (const source of Object.keys(COLORS) as LatencySource[]) {
    out.push(`<rect x="${W - R + 20}" y="${ly}" width="14" height="14" fill="${COLORS[source]}"/><text x="${W - R + 42}" y="${ly + 12}" fill="#1f2328">${source}</text>`);
    ly += 22;
  }
  ly += 8;
  for (const s of SERIES) {
    out.push(`<line x1="${W - R + 20}" y1="${ly + 7}" x2="${W - R + 48}" y2="${ly + 7}" stroke="#1f2328" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/><text x="${W - R + 56}" y="${ly + 12}" fill="#1f2328">${s.name} p99</text>`);
    ly += 22;
  }
  if (lines.length === 0) out.push(`<text x="${L + 10}" y="${T + 30}" fill="#cf222e" font-style="italic">latency per source not measured in this results file</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

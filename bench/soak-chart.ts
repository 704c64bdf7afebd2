// soak-chart.svg, beside chart.svg and latency-chart.svg: resident memory over time, one small panel per soak
// scenario (each with its own time axis, since runs differ in length), the warm-up shaded, the least-squares line
// of the samples after it drawn over them, and open files on the right-hand axis. Hand-written SVG as the others.
import { scenarioName, type SoakPick } from './soak-results.js';
import { leastSquaresSlope } from './stats.js';
import { esc } from './svg.js';

const W = 860;
const COLS = 2;
const PW = 400;
const PH = 190;
const GAP_X = 30;
const TOP = 58;
const PANEL_TOP = 34;
const PL = 48;
const PR = 34;
const PB = 30;
const RSS = '#2f6fdf';
const FIT = '#cf222e';
const FDS = '#8a8f98';


/** A round step for about `n` ticks over `span`. */
function niceStep(span: number, n: number): number {
  const raw = span / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

function panel(p: SoakPick, x0: number, y0: number): string[] {
  const out: string[] = [];
  const { t, rssMb, fds } = p.run.samples;
  const min = t.map((v) => v / 60);
  const tMax = Math.max(min.at(-1) ?? 1, 0.1);
  const lo = Math.min(...rssMb);
  const hi = Math.max(...rssMb);
  const yStep = niceStep(Math.max(hi - lo, 10) * 1.4, 4);
  const yMin = Math.max(0, Math.floor((lo - yStep * 0.5) / yStep) * yStep);
  const yMax = Math.ceil((hi + yStep * 0.5) / yStep) * yStep;
  const fMax = Math.max(10, Math.ceil((Math.max(...fds) * 1.2) / 10) * 10);
  const iw = PW - PL - PR;
  const ih = PH - PANEL_TOP - PB;
  const px = (m: number) => x0 + PL + (m / tMax) * iw;
  const py = (v: number) => y0 + PANEL_TOP + ih - ((v - yMin) / (yMax - yMin)) * ih;
  const pf = (v: number) => y0 + PANEL_TOP + ih - (v / fMax) * ih;
  const f = p.run.figures;
  const mode = p.from.mode === 'quick' ? 'quick' : p.from.mode;
  out.push(`<text x="${x0 + PL}" y="${y0 + 14}" font-weight="600" fill="#1f2328">${esc(scenarioName(p.run))}</text>`);
  out.push(`<text x="${x0 + PL}" y="${y0 + 28}" fill="#59636e" font-size="11">${esc(`${mode}, ${p.from.startedAt.slice(0, 10)}: ${f.slopeMbPerHour >= 0 ? '+' : ''}${f.slopeMbPerHour.toFixed(1)} MB/h after warm-up, fds ${f.fdsStart} → ${f.fdsEnd}`)}</text>`);
  out.push(`<rect x="${px(0).toFixed(1)}" y="${y0 + PANEL_TOP}" width="${(px(p.run.warmupSeconds / 60) - px(0)).toFixed(1)}" height="${ih}" fill="#f6f8fa"/>`);
  for (let v = yMin; v <= yMax + 1e-9; v += yStep) {
    out.push(`<line x1="${x0 + PL}" y1="${py(v).toFixed(1)}" x2="${x0 + PL + iw}" y2="${py(v).toFixed(1)}" stroke="#d1d9e0"/>`);
    out.push(`<text x="${x0 + PL - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end" fill="#59636e" font-size="11">${v}</text>`);
  }
  const xStep = niceStep(tMax, 5);
  // A run of 14.99 min still gets its 15 tick.
  for (let m = 0; m <= tMax * 1.01; m += xStep) out.push(`<text x="${px(m).toFixed(1)}" y="${y0 + PANEL_TOP + ih + 16}" text-anchor="middle" fill="#59636e" font-size="11">${+m.toFixed(2)}</text>`);
  out.push(`<text x="${x0 + PL + iw}" y="${y0 + PANEL_TOP + ih + 28}" text-anchor="end" fill="#59636e" font-size="11">min</text>`);
  out.push(`<text x="${x0 + PL + iw + 6}" y="${(pf(fMax) + 4).toFixed(1)}" fill="${FDS}" font-size="11">${fMax}</text>`);
  const path = (ys: number[], y: (v: number) => number) => ys.map((v, i) => `${i === 0 ? 'M' : 'L'}${px(min[i]!).toFixed(1)} ${y(v).toFixed(1)}`).join('');
  out.push(`<path d="${path(fds, pf)}" fill="none" stroke="${FDS}" stroke-width="1" stroke-dasharray="3 2"/>`);
  out.push(`<path d="${path(rssMb, py)}" fill="none" stroke="${RSS}" stroke-width="1.5"/>`);
  // The fit, through the samples after warm-up (slope and intercept recomputed here from the same samples).
  const from = t.findIndex((v) => v >= p.run.warmupSeconds);
  if (from >= 0 && t.length - from >= 2) {
    const ts = t.slice(from);
    const ys = rssMb.slice(from);
    const k = leastSquaresSlope(ts, ys);
    const mt = ts.reduce((a, b) => a + b, 0) / ts.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    const at = (s: number) => my + k * (s - mt);
    out.push(`<line x1="${px(ts[0]! / 60).toFixed(1)}" y1="${py(at(ts[0]!)).toFixed(1)}" x2="${px(ts.at(-1)! / 60).toFixed(1)}" y2="${py(at(ts.at(-1)!)).toFixed(1)}" stroke="${FIT}" stroke-width="2"/>`);
  }
  out.push(`<rect x="${x0 + PL}" y="${y0 + PANEL_TOP}" width="${iw}" height="${ih}" fill="none" stroke="#8a8f98"/>`);
  return out;
}

export function renderSoakChart(picks: SoakPick[]): string {
  const rows = Math.max(1, Math.ceil(picks.length / COLS));
  const H = TOP + rows * (PH + 16) + 10;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="16" y="24" font-size="15" font-weight="600" fill="#1f2328">Soak: daemon RSS (MB) over time, per source and error rate</text>`);
  out.push(`<text x="16" y="43" fill="#59636e"><tspan fill="${RSS}">━ RSS</tspan>   <tspan fill="${FIT}">━ least-squares fit after warm-up</tspan>   <tspan fill="${FDS}">┅ open files (right scale)</tspan>   shaded: warm-up</text>`);
  picks.forEach((p, i) => out.push(...panel(p, 16 + (i % COLS) * (PW + GAP_X), TOP + Math.floor(i / COLS) * (PH + 16))));
  if (picks.length === 0) out.push(`<text x="26" y="${TOP + 30}" fill="#cf222e" font-style="italic">no soak run committed yet</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

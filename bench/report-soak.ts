// RESULTS.md's soak section (issue 20): per scenario, the longest soak run committed (soak-results.ts's
// bestSoakRuns), with its mode and date, since runs of different lengths and days sit side by side.
import { scenarioName, type SoakPick } from './soak-results.js';
import { si } from './stats.js';

/** Above this many MB/hour after warm-up, memory is called growing (issue 20: flat within ±10 %). */
export const GROWING_MB_PER_HOUR = 20;

const f0 = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '—');
const slope = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(1)}` : '—');
const minutes = (s: number) => (s >= 600 ? `${(s / 60).toFixed(0)} min` : `${(s / 60).toFixed(1)} min`);

/** Runs shorter than this are too short to call: RSS swings in a ~2-minute garbage-collection sawtooth. */
export const SHORTEST_VERDICT_SECONDS = 600;

/** flat / growing from the slope after warm-up, with the band the samples stayed in. */
export function verdict(p: SoakPick): string {
  const f = p.run.figures;
  if (!Number.isFinite(f.slopeMbPerHour)) return 'no samples';
  if (p.run.seconds < SHORTEST_VERDICT_SECONDS) return `too short to tell (band ±${f0(f.bandPercent)} %)`;
  // Issue 20's criterion first: every sample after warm-up within ±10 % of the after-warm-up RSS. Beyond it,
  // growing is a slope above the bound over the whole span after warm-up AND over its second half (memory still
  // settling just after the warm-up tilts the first alone; a sawtooth tilts short spans either way).
  const late = f.lateSlopeMbPerHour ?? f.slopeMbPerHour;
  const lateText = f.lateSlopeMbPerHour === undefined ? '' : `; second half ${slope(f.lateSlopeMbPerHour)} MB/h`;
  if (f.bandPercent <= 10) return `flat: within ±10 % (±${f0(f.bandPercent)} %${lateText})`;
  const growing = f.slopeMbPerHour > GROWING_MB_PER_HOUR && late > GROWING_MB_PER_HOUR;
  return `${growing ? '**growing**' : 'no trend'} (band ±${f0(f.bandPercent)} %${lateText})`;
}

export function soakSection(picks: SoakPick[], jsonRelOf: (path: string) => string): string[] {
  const L: string[] = ['## Soak: memory and open files over time (issue 20)', ''];
  if (picks.length === 0) return [...L, 'No soak run committed yet: `npm run bench:soak` (30 min a scenario) or `npm run bench:soak -- --quick` (2 min).', ''];
  L.push('![RSS over time, per soak scenario](soak-chart.svg)', '');
  L.push('| scenario | run (mode, date, load at start) | lines/s achieved | RSS after warm-up MB | RSS at end MB | min – max MB | slope MB/hour | verdict | open files start → end (max) | API polls (errors), SSE events |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const p of picks) {
    const r = p.run;
    const f = r.figures;
    const conn = r.connections ? `, ${r.connections} connections` : '';
    L.push(`| ${scenarioName(r)} | ${p.from.mode === 'quick' ? 'QUICK, ' : ''}${minutes(r.seconds)} (warm-up ${f0(r.warmupSeconds)} s), ${p.from.startedAt.slice(0, 16).replace('T', ' ')} UTC, load ${r.loadAvgAtStart[0] ?? '—'}, [json](${jsonRelOf(p.path)}) | ${si(r.achievedRate)} (asked ${si(r.rate)}${conn}) | ${f0(f.rssAfterWarmupMb)} | ${f0(f.rssEndMb)} | ${f0(f.rssMinMb)} – ${f0(f.rssMaxMb)} | ${slope(f.slopeMbPerHour)}${f.heapSlopeMbPerHour === undefined ? '' : ` (main JS heap ${slope(f.heapSlopeMbPerHour)})`} | ${verdict(p)} | ${f.fdsStart} → ${f.fdsEnd} (${f.fdsMax}) | ${r.polls} (${r.pollErrors}), ${r.sseEvents} |`);
  }
  const hows = [...new Set(picks.map((p) => p.from.how))];
  L.push('', `How: ${hows.join(' / ')}. Verdict: flat when every sample after warm-up is within ±10 % of the after-warm-up RSS (issue 20); otherwise growing when the slope is above ${GROWING_MB_PER_HOUR} MB/hour over the samples after warm-up and over their second half. Over 15 minutes the fitted slope moves by ±30 MB/hour with the span chosen (the sawtooth), so only the 30-minute runs bound it tightly. RSS rises and falls in a sawtooth of one to two minutes (garbage collection) of about ±15 %, so a slope from a 2-minute (QUICK) run, 90 s of samples extrapolated to an hour, is hundreds of MB/hour either way and means nothing: runs under ${SHORTEST_VERDICT_SECONDS / 60} minutes get no verdict; the longer runs are the ones to read.`, '');
  const failed = [...new Map(picks.flatMap((p) => p.from.failed.map((x) => [x.scenario, x] as const))).values()].filter((x) => !picks.some((p) => scenarioName(p.run) === x.scenario));
  for (const x of failed) L.push(`- **NOT MEASURED** — soak ${x.scenario}: ${x.reason.split('\n')[0]}`);
  if (failed.length) L.push('');
  return L;
}

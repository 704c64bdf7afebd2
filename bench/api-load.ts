// `node --import tsx bench/api-load.ts [LINES] [RUNS]` — what serving the API costs the pipeline (issue 11's goal:
// file → daemon throughput within 5 % of `--no-api`): the main dataset (bench/dataset.ts, default 4 M seed-shaped
// lines) through `--source file:` with 2 workers and the archive on, alternately with `--no-api` and with the API
// polled at 50 requests/s (the stats routes, /metrics, /ready, /windows round-robin) and one dashboard connected
// (`/events`, read as it streams), RUNS times each (default 3). Wall time from spawn to exit, and the stream alone
// (source started → every output durable), since the API's start-up (~0.3 s: fastify, its schemas, the OpenAPI
// document) is paid once and weighs 10 % on a 3 s run.
import { join } from 'node:path';

import { Daemon, nowMs, scratchDir } from './daemon.js';
import { writeDataset } from './dataset.js';

const lines = Number(process.argv[2] ?? 4_000_000);
const runs = Number(process.argv[3] ?? 3);
const say = (m: string) => process.stderr.write(`${m}\n`);
const POLL_MS = 20;
const ROUTES = ['/ip-stats?limit=20', '/url-stats?sort=errors&limit=20', '/status-stats', '/minute-stats?limit=60', '/metrics', '/ready', '/windows?limit=100'];

interface Load {
  requests: number;
  failed: number;
  events: number;
  stop: () => Promise<void>;
}

/** Polls `base` every POLL_MS and keeps one `/events` stream open, until stopped. */
function load(base: string): Load {
  const state: Load = { requests: 0, failed: 0, events: 0, stop: async () => undefined };
  const abort = new AbortController();
  let i = 0;
  const timer = setInterval(() => {
    const route = ROUTES[i++ % ROUTES.length]!;
    fetch(`${base}${route}`, { signal: abort.signal })
      .then(async (res) => {
        await res.arrayBuffer();
        state.requests++;
        // /ready answers 503 while the daemon starts and stops: an answer, not a failure.
        if (res.status >= 500 && res.status !== 503) {
          state.failed++;
          if (process.env.BENCH_DEBUG) say(`${route}: ${res.status}`);
        }
      })
      .catch((err: Error) => {
        // The daemon closes its API as it exits: requests then are refused or cut, not failed.
        if (!abort.signal.aborted && !/ECONNREFUSED|ECONNRESET/.test(String(err.cause))) {
          state.failed++;
          if (process.env.BENCH_DEBUG) say(`${route}: ${err.message} ${String(err.cause)}`);
        }
      });
  }, POLL_MS);
  const sse = fetch(`${base}/events`, { signal: abort.signal })
    .then(async (res) => {
      if (res.status !== 200 || res.body === null) return;
      for await (const chunk of res.body) state.events += String(Buffer.from(chunk)).split('\n\n').length - 1;
    })
    .catch(() => undefined);
  state.stop = async () => {
    clearInterval(timer);
    abort.abort();
    await sse;
  };
  return state;
}

interface Run {
  /** Spawn to exit. */
  seconds: number;
  /** 'source started' to the final totals: reading, processing, every output durable (start-up left out). */
  streamSeconds: number;
  /** Spawn to 'source started'. */
  startSeconds: number;
  load: Load | null;
}

async function once(source: string, api: boolean): Promise<Run> {
  const scratch = scratchDir(api ? 'api-on' : 'api-off');
  try {
    const started = nowMs();
    const d = new Daemon({
      source,
      dir: scratch.path,
      workers: 2,
      api,
      configYaml: `console:\n  enabled: false\narchive:\n  enabled: true\n  dir: ${join(scratch.path, 'logs')}\nbatch:\n  dir: ${join(scratch.path, 'batch')}\n`,
    });
    const polling = api ? load(await d.apiUrl) : null;
    const code = await d.exited;
    const seconds = (nowMs() - started) / 1000;
    await polling?.stop();
    if (code !== 0 || d.totals?.lines !== lines) throw new Error(`daemon exited ${code} after ${d.totals?.lines} lines:\n${d.stderrTail}`);
    return { seconds, streamSeconds: (d.totalsAtMs - d.sourceStartedAtMs) / 1000, startSeconds: (d.sourceStartedAtMs - started) / 1000, load: polling };
  } finally {
    scratch.dispose();
  }
}

const data = scratchDir('api-data');
try {
  const ds = await writeDataset(data.path, lines);
  say(`dataset: ${lines.toLocaleString('en')} lines, ${(ds.bytes / 1e6).toFixed(0)} MB`);
  const off: Run[] = [];
  const on: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const a = await once(`file:${ds.path}`, false);
    const b = await once(`file:${ds.path}`, true);
    off.push(a);
    on.push(b);
    say(
      `run ${i + 1}: --no-api ${a.seconds.toFixed(2)} s (stream ${a.streamSeconds.toFixed(2)} s), API polled ${b.seconds.toFixed(2)} s ` +
        `(stream ${b.streamSeconds.toFixed(2)} s; ${b.load?.requests} requests, ${b.load?.failed} failed, ${b.load?.events} events)`,
    );
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const of = (rs: Run[], k: 'seconds' | 'streamSeconds' | 'startSeconds') => median(rs.map((r) => r[k]));
  const last = on.at(-1)!.load!;
  process.stdout.write(
    `${JSON.stringify({
      lines,
      runs,
      noApiLinesPerSecond: Math.round(lines / of(off, 'seconds')),
      apiLinesPerSecond: Math.round(lines / of(on, 'seconds')),
      costPercent: +((1 - of(off, 'seconds') / of(on, 'seconds')) * 100).toFixed(1),
      streamCostPercent: +((1 - of(off, 'streamSeconds') / of(on, 'streamSeconds')) * 100).toFixed(1),
      startSeconds: { noApi: +of(off, 'startSeconds').toFixed(2), api: +of(on, 'startSeconds').toFixed(2) },
      lastRun: { requests: last.requests, failed: last.failed, events: last.events },
    })}\n`,
  );
} finally {
  data.dispose();
}

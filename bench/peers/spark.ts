// The Spark peer: the seed's Structured Streaming job (shared/reference/ORIGINALS.md §1, `log_analyzer.py`) run
// by pyspark in a gitignored venv (bench/.venv), on local[2], over a file source or, exactly as the seed, over a
// TCP socket source fed like `nc -lk 9999`. See spark/log_analyzer.py for the job and its (stated) tuning.
import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ProcessTreeMonitor } from '../../test/support/proc-tree.js';
import { scratchDir } from '../daemon.js';
import { EventChild, countLinesUnder, datasetFacts, linesUnder, now, result } from './common.js';
import { LineServer } from './line-server.js';
import { type PeerResult, PeerUnavailable } from './types.js';

/** The last 3.5 release: the line the seed used (it pulls spark-sql-kafka 3.5.0); supports Java 8/11/17/21. */
export const PYSPARK_VERSION = '3.5.9';
const VENV = fileURLToPath(new URL('../.venv', import.meta.url));
const PYTHON = join(VENV, 'bin', 'python');
const JOB = fileURLToPath(new URL('./spark/log_analyzer.py', import.meta.url));

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      out = (out + d.toString('utf8')).slice(-20000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(t);
      resolve({ code: -1, out: `${out}\n${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

async function javaVersion(): Promise<string> {
  const r = await run('java', ['-version'], 30_000);
  if (r.code !== 0) throw new PeerUnavailable('spark', `no working 'java' on PATH (Spark needs Java 8/11/17/21): ${r.out.trim()}`);
  const m = /version "([^"]+)"/.exec(r.out);
  const v = m ? m[1] : 'unknown';
  const major = Number(v.startsWith('1.') ? v.split('.')[1] : v.split('.')[0]);
  if (![8, 11, 17, 21].includes(major)) {
    throw new PeerUnavailable('spark', `Java ${v} is not supported by Spark ${PYSPARK_VERSION} (needs 8, 11, 17 or 21)`);
  }
  return v;
}

async function installedPyspark(): Promise<string | null> {
  if (!existsSync(PYTHON)) return null;
  const r = await run(PYTHON, ['-c', 'import pyspark; print(pyspark.__version__)'], 60_000);
  return r.code === 0 ? r.out.trim().split('\n').pop()!.trim() : null;
}

let ensured: Promise<void> | null = null;

/**
 * Makes sure `bench/.venv` exists with pyspark ${PYSPARK_VERSION} and that Java works. Idempotent: when already
 * installed it only checks (~0.3 s). Installing downloads ~320 MB from PyPI. Throws PeerUnavailable with the
 * pip or java output when it cannot.
 */
export function ensureSpark(): Promise<void> {
  ensured ??= (async () => {
    await javaVersion();
    if ((await installedPyspark()) === PYSPARK_VERSION) return;
    if (!existsSync(PYTHON)) {
      const v = await run('python3', ['-m', 'venv', VENV], 120_000);
      if (v.code !== 0) throw new PeerUnavailable('spark', `python3 -m venv ${VENV} failed: ${v.out.trim()}`);
    }
    const pip = await run(
      join(VENV, 'bin', 'pip'),
      ['install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', `pyspark==${PYSPARK_VERSION}`],
      30 * 60_000,
    );
    if (pip.code !== 0) throw new PeerUnavailable('spark', `pip install pyspark==${PYSPARK_VERSION} failed:\n${pip.out.slice(-4000)}`);
    const got = await installedPyspark();
    if (got !== PYSPARK_VERSION) throw new PeerUnavailable('spark', `pyspark installed but 'import pyspark' gives ${got ?? 'an error'}`);
  })();
  ensured.catch(() => {
    ensured = null; // a later call may retry (e.g. after the network comes back)
  });
  return ensured;
}

export interface SparkPeerOptions {
  dataFile: string;
  /** Lines in dataFile; checked against the file and against what Spark read. */
  lines: number;
  mode: 'file' | 'socket';
  /** Socket mode's processingTime trigger. The seed's is '10 seconds'; default '0 seconds' (as fast as possible). */
  trigger?: string;
  /**
   * Socket mode's feed (see line-server.ts): 'paced' (default) keeps at most `inFlightLines` lines unprocessed, like
   * a producer Spark keeps up with; 'burst' writes the whole file at once, which Spark's socket source turns into
   * one huge micro-batch read in O(n^2) time.
   */
  feed?: 'paced' | 'burst';
  /** Paced feed: lines sent ahead of the slowest query's progress; default 20 000. */
  inFlightLines?: number;
  /** spark.sql.shuffle.partitions; default 2 (= cores). Spark's own default is 200. */
  shufflePartitions?: number;
  /** spark.driver.memory (local mode: the only JVM); default '1g'. */
  driverMemory?: string;
  /** Gives up (and kills the job) after this long; default scales with the input. */
  timeoutMs?: number;
}

/**
 * Runs the seed's job on `dataFile` and measures it.
 *
 * Timed (`seconds`): from the job's `start` event — SparkSession/JVM already up, printed right before the first of
 * the three queries starts — to its `done` event: file mode, every query (availableNow) has terminated after
 * processing the whole input; socket mode, the sum of numInputRows over the micro-batches of every query has
 * reached `lines`, i.e. every line was read and that batch's output committed. Python/JVM start-up
 * (`notes.startupSeconds`) and the shutdown after `done` are excluded; CPU % is over the same interval; peak RSS
 * is over the whole life of the python process and its JVM.
 */
export async function sparkPeer(opts: SparkPeerOptions): Promise<PeerResult> {
  const peer = `spark (${opts.mode})`;
  await ensureSpark();
  const facts = await datasetFacts(opts.dataFile);
  if (facts.lines !== opts.lines) throw new Error(`${peer}: ${opts.dataFile} has ${facts.lines} lines, not ${opts.lines}`);
  const shufflePartitions = opts.shufflePartitions ?? 2;
  const trigger = opts.trigger ?? '0 seconds';
  const feed = opts.feed ?? 'paced';
  const inFlightLines = opts.inFlightLines ?? 20_000;
  const timeoutMs = opts.timeoutMs ?? 300_000 + facts.lines * 2;

  const scratch = scratchDir('spark');
  const work = scratch.path;
  const out = join(work, 'out');
  const args = [JOB, '--mode', opts.mode, '--out', out, '--checkpoint', join(work, 'checkpoint'), '--expected', String(facts.lines)];
  args.push('--shuffle-partitions', String(shufflePartitions), '--driver-memory', opts.driverMemory ?? '1g');
  let server: LineServer | null = null;
  let job: EventChild | null = null;
  try {
    if (opts.mode === 'file') {
      const input = join(work, 'input');
      mkdirSync(input);
      const target = join(input, basename(opts.dataFile));
      try {
        linkSync(opts.dataFile, target);
      } catch {
        symlinkSync(opts.dataFile, target); // another filesystem
      }
      args.push('--input', input);
    } else {
      server = await LineServer.open(opts.dataFile, feed === 'burst' ? null : inFlightLines);
      args.push('--host', '127.0.0.1', '--port', String(server.port), '--trigger', trigger);
    }

    const env: NodeJS.ProcessEnv = { ...process.env, PYSPARK_PYTHON: PYTHON, PYSPARK_DRIVER_PYTHON: PYTHON, SPARK_LOCAL_IP: '127.0.0.1' };
    delete env.SPARK_HOME; // the venv's pyspark, not some other install
    const spawnedAt = now();
    // Each query's lines read so far, from its progress events; the paced feed follows the slowest query.
    const read: Record<string, number> = {};
    const onEvent = (e: { event: string; [k: string]: unknown }) => {
      if (e.event !== 'progress') return;
      read[String(e.query)] = Number(e.total);
      const totals = ['metrics', 'alerts', 'errors'].map((q) => read[q] ?? 0);
      server?.setProcessed(Math.min(...totals));
    };
    job = new EventChild(PYTHON, ['-u', ...args], { cwd: work, env }, onEvent);
    const monitor = new ProcessTreeMonitor(job.child.pid!);
    let cpuAtStart = 0;
    let cpuAtDone = 0;
    try {
      try {
        await job.waitFor('ready', 180_000);
      } catch (err) {
        throw new PeerUnavailable(peer, `the SparkSession did not start: ${(err as Error).message}`);
      }
      const start = await job.waitFor('start', 60_000);
      cpuAtStart = monitor.sample();
      const done = await job.waitFor('done', timeoutMs);
      cpuAtDone = monitor.sample();
      await job.waitExit(60_000);
      const stats = monitor.stop();
      const seconds = done.at - start.at;
      if (job.exited?.code !== 0) throw new Error(`${peer}: job exited ${job.exited?.code ?? job.exited?.signal} after done\n${job.output()}`);

      // Spark really processed every line: every query read them all, every error record was written, and the
      // per-window error counts add up to the errors in the data (no record lost as late or unparsable).
      const rows = done.rows as Record<string, number>;
      for (const q of ['metrics', 'alerts', 'errors']) {
        if (rows[q] !== facts.lines) throw new Error(`${peer}: query ${q} read ${rows[q]} rows, the input has ${facts.lines}`);
      }
      const errorsWritten = countLinesUnder(join(out, 'errors'));
      if (errorsWritten !== facts.errors) throw new Error(`${peer}: wrote ${errorsWritten} error records, the input has ${facts.errors}`);
      const windows = lastRowPerWindow(join(out, 'metrics'));
      const counted = [...windows.values()].reduce((s, r) => s + r.error_count, 0);
      if (counted !== facts.errors) throw new Error(`${peer}: windows count ${counted} errors, the input has ${facts.errors}`);
      const alerts = countLinesUnder(join(out, 'alerts'));
      const batches = job.events.filter((e) => e.event === 'progress' && e.query === 'errors').length;

      const notes: Record<string, string | number> = {
        startupSeconds: +(start.at - spawnedAt).toFixed(2),
        pyspark: PYSPARK_VERSION,
        shufflePartitions,
        driverMemory: opts.driverMemory ?? '1g',
        microBatches: batches,
        windowRows: windows.size,
        alertRows: alerts,
        peakRssBreakdownMb: stats.peakBreakdown,
      };
      if (opts.mode === 'socket') {
        notes.trigger = trigger;
        notes.feed = feed === 'paced' ? `paced, ${inFlightLines} lines in flight` : 'burst';
      }
      return result(peer, facts, seconds, cpuAtDone - cpuAtStart, stats.peakRssMb, notes);
    } finally {
      monitor.stop();
    }
  } finally {
    job?.kill();
    if (job) await job.exitPromise;
    await server?.close();
    scratch.dispose();
  }
}

interface MetricsRow {
  window: { start: string; end: string };
  status: number;
  error_count: number;
  unique_ips: number;
  error_urls: string[];
}

/** Update mode re-emits a window each batch it changes; its final value is the row of the latest batch. */
function lastRowPerWindow(dir: string): Map<string, MetricsRow> {
  const rows = new Map<string, MetricsRow>();
  if (!existsSync(dir)) return rows;
  // Paths sort by batch (batch=000000, ...), so later batches overwrite earlier ones.
  for (const { line } of linesUnder(dir)) {
    const r = JSON.parse(line) as MetricsRow;
    rows.set(`${r.window.start}|${r.status}`, r);
  }
  return rows;
}

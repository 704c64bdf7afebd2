// The Spark engine: `spark-submit --master <url> assets/spark/views.py SPEC.json` runs the same view SQL as DuckDB
// (in Spark's dialect, dialect.ts) over the same archive files and writes the same view files. The driver reports
// on stdout (`logpulse-event {json}` lines: started, view, done, error); Spark's own log, on stderr, goes to the
// logger at debug, its last lines into the error when Spark fails without saying why.
//
// Spark runs wherever the master puts its executors: with anything but local[N], the archive and batch.dir must be
// at the same paths there (a shared file system). Its settings come from spark-submit's usual places
// (SPARK_CONF_DIR's spark-defaults.conf); the driver fixes only what the views' meaning depends on (views.py).
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { LogpulseError } from '../errors.js';
import { SPARK } from './dialect.js';
import { culprit } from './duck.js';
import type { ViewEngine, ViewJob } from './engine.js';
import { sparkSpec } from './spark-spec.js';

/** The driver script: relative to this module, so the same path works from src/ (tsx) and from dist/. */
export const SPARK_DRIVER = fileURLToPath(new URL('../../assets/spark/views.py', import.meta.url));

export interface SparkOptions {
  /** `batch.sparkMaster` / `--master`. */
  master: string;
  /** `batch.sparkSubmit`: a path, or a name looked up on PATH. */
  sparkSubmit: string;
}

const EVENT = 'logpulse-event ';
/** Lines of Spark's stderr kept for an error that has no message of its own (the JVM did not start, …). */
const TAIL_LINES = 20;

interface DriverEvent {
  event: 'started' | 'view' | 'done' | 'error';
  name?: string;
  kind?: 'input' | 'output' | 'engine' | 'unknown';
  message?: string;
  path?: string | null;
  [key: string]: unknown;
}

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return existsSync(path);
  } catch {
    return false;
  }
};

/** The spark-submit to run: `command` itself when it names a path, else the first on PATH; null when none. */
export function findSparkSubmit(command: string, path: string = process.env.PATH ?? ''): string | null {
  if (command.includes('/')) return isExecutable(command) ? resolve(command) : null;
  for (const dir of path.split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, command))) return join(dir, command);
  }
  return null;
}

function notFound(command: string): LogpulseError {
  return new LogpulseError(
    'LP_ERR_BATCH_ENGINE',
    `spark-submit not found (batch.sparkSubmit: ${command}${command.includes('/') ? '' : ', looked up on PATH'}). ` +
      'Install Spark 3.5 and Java 8, 11, 17 or 21, e.g. `python3 -m venv spark && spark/bin/pip install pyspark==3.5.9`, ' +
      'then set batch.sparkSubmit to spark/bin/spark-submit (in a clone of logpulse, scripts/spark-install does this ' +
      'and prints the path); or use --engine duckdb',
  );
}

/**
 * The environment spark-submit runs in. A pip-installed pyspark's spark-submit (a venv's bin/) finds its Spark by
 * running python3 from PATH, which is not the venv's unless the venv is activated: its python is named instead.
 * With local[N] the driver and executors talk over loopback (no host name lookup).
 */
function sparkEnv(submit: string, master: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const python = join(dirname(submit), 'python');
  if (env.PYSPARK_PYTHON === undefined && existsSync(join(dirname(submit), 'find_spark_home.py')) && existsSync(python)) {
    env.PYSPARK_PYTHON = python;
  }
  if (master.startsWith('local') && env.SPARK_LOCAL_IP === undefined) env.SPARK_LOCAL_IP = '127.0.0.1';
  return env;
}

/** The LogpulseError for a failed run: the driver's own `error` event, else what Spark last said. */
async function failure(job: ViewJob, error: DriverEvent | null, exit: string, tail: string[]): Promise<LogpulseError> {
  const message = error?.message ?? `spark-submit ${exit}: ${tail.join(' | ') || 'no output'}`;
  if (error?.kind === 'output') {
    return new LogpulseError('LP_ERR_BATCH_OUTPUT', `cannot write ${error.path ?? 'the views'}: ${message}`, { path: error.path ?? undefined });
  }
  if (error?.kind === 'input' || error?.kind === 'unknown') {
    // Spark did not always name the file: the one DuckDB cannot scan alone, if any, is it.
    const named = error.path == null ? undefined : job.files.find((f) => resolve(f) === error.path);
    const file = named ?? (await culprit(job.conn, job.files, message));
    if (file !== undefined) {
      return new LogpulseError('LP_ERR_BATCH_INPUT', `cannot read ${file} (corrupt, or not in the archive's schema): ${message}`, { path: file });
    }
  }
  return new LogpulseError('LP_ERR_BATCH_ENGINE', `Spark failed: ${message}`);
}

async function runSpark(o: SparkOptions, job: ViewJob): Promise<void> {
  const submit = findSparkSubmit(o.sparkSubmit);
  if (submit === null) throw notFound(o.sparkSubmit);
  job.progress.step('starting Spark');
  const work = mkdtempSync(join(tmpdir(), 'logpulse-spark-'));
  try {
    const specPath = join(work, 'spec.json');
    writeFileSync(specPath, JSON.stringify(sparkSpec(job)));
    const args = ['--master', o.master, '--name', 'logpulse-batch', SPARK_DRIVER, specPath];
    job.log.info({ sparkSubmit: submit, master: o.master }, 'batch: submitting the views to Spark');
    // Its own working directory: Spark may leave files there (spark-warehouse/, derby.log).
    const child = spawn(submit, args, { cwd: work, env: sparkEnv(submit, o.master), stdio: ['ignore', 'pipe', 'pipe'] });
    let error: DriverEvent | null = null;
    const tail: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith(EVENT)) return job.log.debug({ spark: line }, 'spark');
      const e = JSON.parse(line.slice(EVENT.length)) as DriverEvent;
      if (e.event === 'view') job.progress.step(e.name ?? '?');
      else if (e.event === 'started') job.log.info({ master: e.master, version: e.version, parallelism: e.parallelism }, 'batch: Spark started');
      else if (e.event === 'error') error = e;
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      job.log.debug({ spark: line }, 'spark');
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    });
    const exit = await new Promise<string | null>((done, fail) => {
      child.once('error', fail);
      child.once('close', (code, signal) => done(code === 0 ? null : code === null ? `killed by ${signal}` : `exited ${code}`));
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw notFound(o.sparkSubmit);
      throw new LogpulseError('LP_ERR_BATCH_ENGINE', `cannot run ${submit}: ${err.message}`, { cause: err });
    });
    if (exit !== null) throw await failure(job, error, exit, tail);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The Spark engine for `--engine spark`. */
export function sparkEngine(o: SparkOptions): ViewEngine {
  return { name: 'spark', dialect: SPARK, setupSteps: 1, writeViews: (job) => runSpark(o, job) };
}

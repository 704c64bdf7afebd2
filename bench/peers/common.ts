// Helpers the peers share: a child process speaking JSON lines on stdout, and the ground truth of a dataset
// (lines, bytes, error records) the peers' outputs are checked against. They are measured as logpulse is, by
// test/support/proc-tree.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { runFigures } from '../results.js';
import type { PeerResult } from './types.js';

export interface JsonEvent {
  event: string;
  [key: string]: unknown;
}

/**
 * A child process that reports on stdout as JSON lines (`{"event": ...}`); other stdout lines and stderr are
 * kept (the tail) for error messages. Each event is stamped with the parent's monotonic clock on arrival.
 */
export class EventChild {
  readonly child: ChildProcess;
  readonly events: Array<JsonEvent & { at: number }> = [];
  private stderrTail = '';
  private stdoutTail = '';
  private waiters: Array<() => void> = [];
  exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  readonly exitPromise: Promise<void>;

  constructor(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv }, onEvent?: (e: JsonEvent, at: number) => void) {
    // detached: own process group, so a timeout can end this child and everything it started, by group id.
    this.child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const rl = createInterface({ input: this.child.stdout! });
    rl.on('line', (line) => {
      const at = now();
      if (line.startsWith('{"event"')) {
        try {
          const e = JSON.parse(line) as JsonEvent;
          this.events.push({ ...e, at });
          if (process.env.PEERS_DEBUG) process.stderr.write(`[${at.toFixed(3)}] ${line}\n`);
          onEvent?.(e, at);
          this.wake();
          return;
        } catch {
          // not ours: keep it as text
        }
      }
      this.stdoutTail = (this.stdoutTail + line + '\n').slice(-8000);
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-20000);
    });
    this.exitPromise = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.exited = { code, signal };
        this.wake();
        resolve();
      });
      this.child.on('error', (err) => {
        this.stderrTail += `\nspawn error: ${err.message}`;
        this.exited = { code: -1, signal: null };
        this.wake();
        resolve();
      });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves with the first event named `name`; rejects if the child exits first or `timeoutMs` passes. */
  async waitFor(name: string, timeoutMs: number): Promise<JsonEvent & { at: number }> {
    const deadline = now() + timeoutMs / 1000;
    for (;;) {
      const e = this.events.find((x) => x.event === name);
      if (e) return e;
      const failed = this.events.find((x) => x.event === 'error');
      if (failed) throw new Error(`child reported an error: ${String(failed.message)}\n${this.output()}`);
      if (this.exited) throw new Error(`child exited (${this.exited.code ?? this.exited.signal}) before '${name}'\n${this.output()}`);
      const left = deadline - now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for '${name}'\n${this.output()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left * 1000, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  output(): string {
    return `--- stdout (tail) ---\n${this.stdoutTail.slice(-3000)}--- stderr (tail) ---\n${this.stderrTail.slice(-6000)}`;
  }

  /** Ends the child's process group (the child and everything it started) if it is still running. */
  kill(): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Waits for a normal exit; kills the group after `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<void> {
    const t = setTimeout(() => this.kill(), timeoutMs);
    await this.exitPromise;
    clearTimeout(t);
  }
}

/** Monotonic seconds. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

export interface DatasetFacts {
  lines: number; // non-blank lines
  bytes: number;
  errors: number; // records with status >= 400
}

const factsCache = new Map<string, DatasetFacts>();

/** Ground truth for a seed-shaped JSON-lines file, computed once per file (and size/mtime) per process. */
export async function datasetFacts(file: string): Promise<DatasetFacts> {
  const st = statSync(file);
  const key = `${file}:${st.size}:${st.mtimeMs}`;
  const cached = factsCache.get(key);
  if (cached) return cached;
  let lines = 0;
  let errors = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    lines++;
    const status = Number((JSON.parse(line) as { status: unknown }).status);
    if (status >= 400) errors++;
  }
  const facts = { lines, bytes: st.size, errors };
  factsCache.set(key, facts);
  return facts;
}

/** Counts newline-terminated non-blank lines in every data file under `dir` (skips `_*` and `.*` names, as Spark readers do). */
export function countLinesUnder(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    if (name.startsWith('_') || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      n += countLinesUnder(p);
      continue;
    }
    n += countLines(p);
  }
  return n;
}

/** Non-empty lines in a file (a last line without a newline counts). */
export function countLines(file: string): number {
  const buf = readFileSync(file);
  let n = 0;
  let start = 0;
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, start)) {
    if (i > start) n++;
    start = i + 1;
  }
  if (start < buf.length) n++;
  return n;
}

/** Every non-blank line of every data file under `dir`, with its path. */
export function linesUnder(dir: string): Array<{ path: string; line: string }> {
  const out: Array<{ path: string; line: string }> = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('_') || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...linesUnder(p));
    else for (const line of readFileSync(p, 'utf8').split('\n')) if (line.trim() !== '') out.push({ path: p, line });
  }
  return out;
}

export function result(
  peer: string,
  facts: DatasetFacts,
  seconds: number,
  cpuSeconds: number,
  peakRssMb: number,
  notes?: Record<string, string | number>,
): PeerResult {
  return { peer, ...runFigures(facts, seconds, cpuSeconds, peakRssMb), ...(notes ? { notes } : {}) };
}

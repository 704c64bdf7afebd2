// The real daemon (`dist/cli/main.js run`) as the end-to-end benches drive it: spawned with its outputs and
// checkpoint in a scratch directory (a checkpoint left in the working directory would be restored by the next
// run), watched through its stdout (console: alerts) and stderr (JSON logs: 'source started', final totals).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { type CliProcess, spawnCli } from '../test/support/cli.js';

/** A scratch directory under the system temp dir, removed by `dispose`. */
export function scratchDir(label: string): { path: string; dispose: () => void } {
  const path = mkdtempSync(join(tmpdir(), `logpulse-bench-${label}-`));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

export interface DaemonOptions {
  source: string;
  /** Scratch directory: outputs under `out/`, checkpoint under `checkpoint/`, the config file if any. */
  dir: string;
  workers?: number;
  /** YAML written to `dir/logpulse.yaml` and passed with `-c` (flags still win). */
  configYaml?: string;
  /** Serve the HTTP API (on a free port, see `apiUrl`); off by default (`--no-api`). */
  api?: boolean;
  /**
   * A FIFO the daemon gets as its standard input (for `--source stdin:`), opened read-write by a shell that then
   * execs the daemon: the open does not wait for a writer, and the daemon never sees the end of its input (it is
   * stopped by a signal), so the bench's writer can come and go.
   */
  stdinFifo?: string;
}

export interface DaemonTotals {
  lines: number;
  records: number;
  errors: number;
}

/** hrtime in milliseconds: one monotonic clock for every timestamp the benches compare, across threads. */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export class Daemon {
  readonly child: ChildProcess;
  readonly outDir: string;
  /** Resolves when the source is ready (a listening source accepts connections from then on). */
  readonly started: Promise<void>;
  readonly exited: Promise<number | null>;
  /** The totals of the last log line that carried them (the final 'input ended' or 'stopped' line). */
  totals: DaemonTotals | null = null;
  /** When the 'source started' line reached us (nowMs clock): start-up is over, input is being read. */
  sourceStartedAtMs = Number.NaN;
  /** When the final totals line reached us: input done, every window emitted, every output durable. */
  totalsAtMs = Number.NaN;
  /** The API's URL once it listens (with `api: true`). */
  readonly apiUrl: Promise<string>;
  readonly #cli: CliProcess;
  readonly #stdoutListeners: ((line: string, atMs: number) => void)[] = [];
  readonly #logWaits: { text: string; resolve: () => void }[] = [];

  constructor(o: DaemonOptions) {
    this.outDir = join(o.dir, 'out');
    const args = ['run', '--source', o.source, '--output', this.outDir, '--checkpoint', join(o.dir, 'checkpoint'), '--workers', String(o.workers ?? 2)];
    if (o.api !== true) args.push('--no-api');
    const yaml = `${o.configYaml ?? ''}${o.api === true ? '\napi:\n  port: 0\n' : ''}`;
    if (yaml !== '') {
      const cfg = join(o.dir, 'logpulse.yaml');
      writeFileSync(cfg, yaml);
      args.push('-c', cfg);
    }
    // NO_COLOR: the console's alert lines are parsed, so they must stay plain text whatever the terminal.
    // stdout 'pipe': read here, line by line as it comes, never kept whole.
    const via = o.stdinFifo === undefined ? undefined : ['sh', '-c', 'exec "$@" <> "$0"', o.stdinFifo];
    this.#cli = spawnCli(args, { stdout: 'pipe', cwd: o.dir, env: { NO_COLOR: '1' }, ...(via ? { via } : {}) });
    this.child = this.#cli.child;
    // Resolves once stdio is drained, so the final log line (the totals) has been read.
    this.exited = this.#cli.exit;
    let ready: () => void = () => undefined;
    this.started = new Promise<void>((resolve, reject) => {
      ready = resolve;
      void this.exited.then((code) => reject(new Error(`daemon exited ${code} before its source started:\n${this.stderrTail}`)));
    });
    // The rejection is only interesting to whoever awaits `started`; an exit after start is not an error here.
    this.started.catch(() => undefined);
    let listening: (url: string) => void = () => undefined;
    this.apiUrl = new Promise<string>((resolve) => (listening = resolve));
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      for (const w of this.#logWaits.splice(0)) (line.includes(w.text) ? w.resolve : () => this.#logWaits.push(w))();
      if (line.includes('"api listening"')) listening((JSON.parse(line) as { url: string }).url);
      if (line.includes('"source started"')) {
        this.sourceStartedAtMs = nowMs();
        ready();
      }
      if (line.includes('"totals"')) {
        try {
          const t = (JSON.parse(line) as { totals?: DaemonTotals }).totals;
          if (t) {
            this.totals = { lines: t.lines, records: t.records, errors: t.errors };
            this.totalsAtMs = nowMs();
          }
        } catch {
          // not one of ours; stderrTail shows it in the error message
        }
      }
    });
    // Timestamped as the chunk arrives (before splitting into lines), so alert latency is not inflated by parsing.
    let partial = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const at = nowMs();
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) for (const l of this.#stdoutListeners) l(line, at);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The last 40 lines of its log, for error messages. */
  get stderrTail(): string {
    return this.#cli.stderr().trimEnd().split('\n').slice(-40).join('\n');
  }

  /** Resolves at the first log line (stderr) from now on that contains `text`. */
  logged(text: string): Promise<void> {
    return new Promise((resolve) => this.#logWaits.push({ text, resolve }));
  }

  onStdoutLine(listener: (line: string, atMs: number) => void): void {
    this.#stdoutListeners.push(listener);
  }

  /** SIGTERM (graceful: drain, flush, checkpoint) and wait for the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  /** For error paths: no drain. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

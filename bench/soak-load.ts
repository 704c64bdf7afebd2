// The soak's load, one kind per source (issue 20): what feeds the daemon at a fixed rate for the whole run.
// - generator: nothing outside; the daemon's own `generator:?rate=R&errorRate=E&seed=S`.
// - file: `logpulse gen --rate R` appending to a file the daemon follows (`file:PATH?follow=true`).
// - tcp-listen: `logpulse gen --rate R --count R×RECONNECT_SECONDS --out tcp://…`, one after the other: each
//   opens a connection, writes its lines, closes it (issue 20: no file descriptor growth across connections).
// - kafka: `logpulse gen --rate R --out kafka://…` into a fresh 3-partition topic the daemon consumes.
// `logpulse gen`'s errors are its 404 and 500 lines: `--status-dist` weighs 200, 404 and 500.
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

import { type CliProcess, spawnCli } from '../test/support/cli.js';
import { createTopic, deleteTopic } from '../test/support/kafka.js';
import { freePort } from '../test/support/net.js';
import type { SoakSource } from './soak-results.js';

/** tcp-listen: seconds of lines per connection. */
export const RECONNECT_SECONDS = 10;
const KAFKA_PARTITIONS = 3;

export interface SoakLoad {
  /** The daemon's `--source`. */
  uri: string;
  /** Text a log line of the daemon shows once it reads (Kafka: its partitions assigned), or null: 'source started' is enough. */
  readyLog: string | null;
  /** Starts writing (after the daemon is ready). */
  start(): void;
  /** Stops writing; throws if a writer failed on its own before. */
  stop(): Promise<void>;
  /** Connections opened so far (tcp-listen). */
  readonly connections: number;
}

function statusDist(errorRate: number): string[] {
  const errorsPercent = Math.round(errorRate * 100);
  return ['--status-dist', String(100 - errorsPercent), String(errorsPercent / 2), String(errorsPercent / 2)];
}

/** One `logpulse gen` child; its failure (an exit we did not ask for) is kept for `stop` to report. */
class Writer {
  failure: string | null = null;
  readonly exit: Promise<number | null>;
  readonly #p: CliProcess;
  #stopping = false;

  /** `appendTo`: its standard output appended to that file (by the shell that execs it), else ignored. */
  constructor(args: string[], cwd: string, appendTo?: string) {
    const via = appendTo === undefined ? undefined : ['sh', '-c', 'exec "$@" >> "$0"', appendTo];
    this.#p = spawnCli(['gen', ...args], { stdout: 'ignore', cwd, ...(via ? { via } : {}) });
    this.exit = this.#p.exit.then((code) => {
      if (!this.#stopping && code !== 0) this.failure = `logpulse gen ${args.join(' ')} exited ${code}: ${this.#p.stderr().trim().split('\n').slice(-3).join(' | ')}`;
      return code;
    });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#p.child.exitCode === null && this.#p.child.signalCode === null) this.#p.child.kill('SIGTERM');
    await this.exit;
  }
}

/** A single writer for the whole run. */
function steady(uri: string, args: string[], cwd: string, readyLog: string | null, appendTo?: string, cleanup: () => Promise<void> = async () => undefined): SoakLoad {
  let w: Writer | null = null;
  return {
    uri,
    readyLog,
    connections: 0,
    start: () => void (w = new Writer(args, cwd, appendTo)),
    async stop() {
      const failure = w?.failure ?? null;
      await w?.stop();
      await cleanup();
      if (failure) throw new Error(failure);
    },
  };
}

/** tcp-listen: one connection per RECONNECT_SECONDS of lines, a new writer as soon as the last one exits. */
function reconnecting(port: number, args: string[], rate: number, cwd: string): SoakLoad {
  let w: Writer | null = null;
  let stopped = false;
  let failure: string | null = null;
  let connections = 0;
  const next = (): void => {
    if (stopped) return;
    connections++;
    const cur = new Writer([...args, '--count', String(rate * RECONNECT_SECONDS), '--out', `tcp://127.0.0.1:${port}`], cwd);
    w = cur;
    void cur.exit.then(() => {
      failure ??= cur.failure;
      if (failure === null) next();
    });
  };
  return {
    uri: `tcp-listen://127.0.0.1:${port}`,
    readyLog: null,
    get connections() {
      return connections;
    },
    start: next,
    async stop() {
      stopped = true;
      await w?.stop();
      if (failure) throw new Error(failure);
    },
  };
}

export interface SoakLoadOptions {
  source: SoakSource;
  rate: number;
  errorRate: number;
  seed: number;
  /** A scratch directory for the followed file. */
  dir: string;
  /** The bench's broker (`host:port`) for the Kafka source. */
  brokers: string | null;
}

export async function soakLoad(o: SoakLoadOptions): Promise<SoakLoad> {
  const gen = ['--rate', String(o.rate), '--seed', String(o.seed), ...statusDist(o.errorRate)];
  if (o.source === 'generator') {
    return { uri: `generator:?rate=${o.rate}&errorRate=${o.errorRate}&seed=${o.seed}`, readyLog: null, connections: 0, start: () => undefined, stop: async () => undefined };
  }
  if (o.source === 'file') {
    const path = join(o.dir, 'access.log');
    closeSync(openSync(path, 'a')); // the daemon follows it from the start: it must exist
    return steady(`file:${path}?follow=true`, gen, o.dir, null, path);
  }
  if (o.source === 'tcp-listen') return reconnecting(await freePort(), gen, o.rate, o.dir);
  if (o.brokers === null) throw new Error('no Kafka broker');
  const brokers = o.brokers;
  const topic = await createTopic(brokers, KAFKA_PARTITIONS, 'soak');
  return steady(`kafka://${brokers}/${topic}?group=${topic}&startingOffsets=earliest`, [...gen, '--out', `kafka://${brokers}/${topic}`], o.dir, 'partitions assigned', undefined, () => deleteTopic(brokers, topic).catch(() => undefined));
}

// `tcp://HOST:PORT` connects to a producer that serves lines (Spark's socket source fed by `nc -lk 9999`).
// Producers come and go, so a refused or closed connection is retried forever with capped, jittered backoff;
// each successful connection is a stream of its own, since its event times restart with the producer.
import { connect, type Socket } from 'node:net';

import { alreadyStarted, type Source, type SourceSink } from './source.js';

export interface BackoffOptions {
  /** First retry delay. Default 100 ms. */
  initialMs?: number;
  /** Delays double up to this. Default 5000 ms. */
  maxMs?: number;
}

export interface TcpClientSourceOptions {
  /** Defaults to `tcp://host:port`. */
  uri?: string;
  host: string;
  port: number;
  backoff?: BackoffOptions | undefined;
}

const DEFAULT_INITIAL_MS = 100;
const DEFAULT_MAX_MS = 5000;
/** Detects a producer host that vanished without a FIN (power loss, NAT drop) instead of waiting forever. */
const KEEPALIVE_MS = 30_000;

export class TcpClientSource implements Source {
  readonly uri: string;
  readonly finite = false;
  readonly #host: string;
  readonly #port: number;
  readonly #initialMs: number;
  readonly #maxMs: number;
  /** `tcp://host:port` with IPv6 hosts in brackets; stream names append `#<connection number>`. */
  readonly #base: string;
  #sink: SourceSink | null = null;
  #socket: Socket | null = null;
  #closed: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #connections = 0;
  /** Consecutive attempts that did not connect; 0 while connected or before the first failure. */
  #failures = 0;
  #paused = false;
  #stopped = false;

  constructor(options: TcpClientSourceOptions) {
    this.#host = options.host;
    this.#port = options.port;
    this.#base = `tcp://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
    this.uri = options.uri ?? this.#base;
    this.#initialMs = options.backoff?.initialMs ?? DEFAULT_INITIAL_MS;
    this.#maxMs = options.backoff?.maxMs ?? DEFAULT_MAX_MS;
  }

  /** Resolves at once: a producer that is not up yet is a retried `warn`, not a failure to start. */
  start(sink: SourceSink): Promise<void> {
    if (this.#sink !== null || this.#stopped) {
      return Promise.reject(alreadyStarted(this.uri));
    }
    this.#sink = sink;
    this.#connect();
    return Promise.resolve();
  }

  pause(): void {
    this.#paused = true;
    this.#socket?.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#socket?.resume();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#socket?.destroy();
    await this.#closed;
  }

  #connect(): void {
    const sink = this.#sink as SourceSink;
    const socket = connect({ host: this.#host, port: this.#port });
    this.#socket = socket;
    let stream: string | null = null;
    let lastError: NodeJS.ErrnoException | null = null;
    this.#closed = new Promise((closed) => socket.once('close', () => closed()));

    socket.once('connect', () => {
      if (this.#stopped) return;
      this.#failures = 0;
      this.#connections += 1;
      stream = `${this.#base}#${this.#connections}`;
      socket.setKeepAlive(true, KEEPALIVE_MS);
      if (this.#paused) socket.pause();
    });
    socket.on('data', (chunk: Buffer) => {
      if (stream !== null && !this.#stopped) sink.data(stream, chunk);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      lastError = err;
    });
    socket.once('close', (hadError: boolean) => {
      if (this.#socket === socket) this.#socket = null;
      if (this.#stopped) return;
      if (stream !== null) {
        // A reset cut its last partial line off: that line is rejected rather than parsed.
        sink.streamEnd(stream, hadError);
      } else {
        this.#failures += 1;
        // Once per failure streak: a producer that is down for an hour must not flood the log.
        if (this.#failures === 1) {
          sink.warn(`${this.uri}: cannot connect; retrying with backoff until it succeeds`, {
            error: lastError?.message,
            code: lastError?.code,
          });
        }
      }
      this.#scheduleReconnect();
    });
  }

  /** "Equal jitter": half the exponential delay fixed, half random, so clients restarted together spread out. */
  #scheduleReconnect(): void {
    const exp = Math.min(this.#maxMs, this.#initialMs * 2 ** Math.max(0, this.#failures - 1));
    const delay = exp / 2 + Math.random() * (exp / 2);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (!this.#stopped) this.#connect();
    }, delay);
  }
}

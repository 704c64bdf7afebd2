// `tcp-listen://HOST:PORT` accepts any number of producers at once (`genlogs | nc host port`, log shippers).
// Every connection is its own stream: producers' clocks and orders are independent, so each has its own watermark.
// Producers are not trusted (README, Input limits): at most `maxConnections` at once, a connection without a complete
// line for `idleTimeoutMs` is closed, and what they cause is logged at most every 30 s.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

import { DEFAULT_MAX_CONNECTIONS } from '../config/schema-limits.js';
import { LogpulseError } from '../errors.js';
import { alreadyStarted, type ConnectionCounts, type ConnectionLimits, type Source, type SourceSink } from './source.js';

export interface TcpListenSourceOptions {
  /** Defaults to `tcp-listen://host:port`. */
  uri?: string;
  host: string;
  /** 0 picks a free port; read it back from `address` after start(). */
  port: number;
  /** Defaults: 256 connections, 5 minutes without a complete line. */
  limits?: Partial<ConnectionLimits> | undefined;
}

const KEEPALIVE_MS = 30_000;
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { maxConnections: DEFAULT_MAX_CONNECTIONS, idleTimeoutMs: 5 * 60_000 };
/** What producers cause (refused, idle or reset connections) is logged at most this often, with running counts. */
const WARN_EVERY_MS = 30_000;
const NEWLINE = 0x0a;

interface Connection {
  readonly socket: Socket;
  readonly stream: string;
  /** When its last complete line (its last newline) arrived, or it connected, or reading resumed. */
  lastLineAt: number;
  idleTimer: NodeJS.Timeout | null;
  /** Closed by us for idleness: its unfinished line is cut off. */
  idle: boolean;
}

export class TcpListenSource implements Source {
  readonly uri: string;
  readonly finite = false;
  readonly #host: string;
  readonly #port: number;
  #limits: ConnectionLimits;
  readonly #open = new Map<Socket, Connection>();
  #server: Server | null = null;
  /** Pending until listen() settles, so a stop() racing start() can still close what start() opened. */
  #listening: Promise<void> = Promise.resolve();
  #sink: SourceSink | null = null;
  #connections = 0;
  #refused = 0;
  #idleClosed = 0;
  readonly #warnedAt = new Map<string, number>();
  #paused = false;
  #pausedAt = 0;
  #stopped = false;

  constructor(options: TcpListenSourceOptions) {
    this.#host = options.host;
    this.#port = options.port;
    this.#limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
    this.uri = options.uri ?? `tcp-listen://${bracket(options.host)}:${options.port}`;
  }

  /** The bound address once listening (the real port when the URI asked for 0), otherwise null. */
  get address(): AddressInfo | null {
    const address = this.#server?.address();
    return address !== null && typeof address === 'object' ? address : null;
  }

  connections(): ConnectionCounts {
    return { open: this.#open.size, refused: this.#refused, idleClosed: this.#idleClosed };
  }

  setLimits(limits: ConnectionLimits): void {
    this.#limits = { maxConnections: limits.maxConnections, idleTimeoutMs: limits.idleTimeoutMs };
    for (const c of this.#open.values()) this.#armIdle(c, limits.idleTimeoutMs);
  }

  start(sink: SourceSink): Promise<void> {
    if (this.#sink !== null || this.#stopped) {
      return Promise.reject(alreadyStarted(this.uri));
    }
    this.#sink = sink;
    // pauseOnConnect: no byte is read before we know whether the pipeline wants data right now.
    const server = createServer({ pauseOnConnect: true }, (socket) => this.#accept(socket));
    this.#server = server;
    this.#listening = new Promise((resolve, reject) => {
      const onListenError = (err: NodeJS.ErrnoException): void => {
        this.#server = null;
        reject(listenError(this.uri, err));
      };
      server.once('error', onListenError);
      server.listen({ host: this.#host, port: this.#port }, () => {
        server.off('error', onListenError);
        // After listening, errors are per-accept hiccups (EMFILE…): the server keeps running.
        server.on('error', (err: NodeJS.ErrnoException) => {
          if (!this.#stopped) this.#warn('server', `${this.uri}: server error`, { error: err.message, code: err.code });
        });
        resolve();
      });
    });
    return this.#listening;
  }

  pause(): void {
    if (!this.#paused) this.#pausedAt = Date.now();
    this.#paused = true;
    for (const socket of this.#open.keys()) socket.pause();
  }

  resume(): void {
    const now = Date.now();
    // Time spent paused by us is not the producer's idleness: it is taken off each connection's idle time.
    const paused = this.#paused ? now - this.#pausedAt : 0;
    this.#paused = false;
    for (const c of this.#open.values()) {
      c.lastLineAt = Math.min(now, c.lastLineAt + paused);
      c.socket.resume();
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#listening.catch(() => undefined);
    const server = this.#server;
    const sockets = [...this.#open.keys()];
    const closing = sockets.map((socket) => new Promise<void>((closed) => (socket.destroyed ? closed() : socket.once('close', () => closed()))));
    for (const c of this.#open.values()) if (c.idleTimer) clearTimeout(c.idleTimer);
    for (const socket of sockets) socket.destroy();
    if (server !== null && server.listening) {
      await new Promise<void>((closed) => server.close(() => closed()));
    }
    await Promise.all(closing);
  }

  #accept(socket: Socket): void {
    if (this.#stopped) {
      socket.destroy();
      return;
    }
    if (this.#open.size >= this.#limits.maxConnections) {
      // Closed before a byte is read: a flood of connections costs a counter, not a stream each.
      this.#refused += 1;
      socket.destroy();
      this.#warn('refused', `${this.uri}: limits.maxConnections reached; closing new connections`, { maxConnections: this.#limits.maxConnections, refused: this.#refused });
      return;
    }
    const sink = this.#sink as SourceSink;
    this.#connections += 1;
    const stream = `${this.#base()}/${bracket(socket.remoteAddress ?? 'unknown')}:${socket.remotePort ?? 0}#${this.#connections}`;
    const c: Connection = { socket, stream, lastLineAt: Date.now(), idleTimer: null, idle: false };
    this.#open.set(socket, c);
    this.#armIdle(c, this.#limits.idleTimeoutMs);
    socket.setKeepAlive(true, KEEPALIVE_MS);
    socket.on('data', (chunk: Buffer) => {
      if (this.#stopped) return;
      // Bytes without a newline are not activity: a producer trickling a line forever is idle.
      if (chunk.includes(NEWLINE)) c.lastLineAt = Date.now();
      sink.data(stream, chunk);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A producer resetting its connection is its business, but an operator may want to know it was not clean.
      if (!this.#stopped) this.#warn('error', `${this.uri}: connection error`, { stream, error: err.message, code: err.code });
    });
    socket.once('close', (hadError: boolean) => {
      this.#open.delete(socket);
      if (c.idleTimer) clearTimeout(c.idleTimer);
      // Reset or closed for idleness: its last partial line was cut off, not finished.
      if (!this.#stopped) sink.streamEnd(stream, hadError || c.idle);
    });
    if (!this.#paused) socket.resume();
  }

  /** (Re)starts the idle check of `c`: by default when it will have gone `idleMs` without a complete line. */
  #armIdle(c: Connection, idleMs: number, due = Math.max(0, c.lastLineAt + idleMs - Date.now())): void {
    if (c.idleTimer) clearTimeout(c.idleTimer);
    c.idleTimer = null;
    if (idleMs <= 0) return;
    c.idleTimer = setTimeout(() => this.#checkIdle(c), due);
    c.idleTimer.unref();
  }

  #checkIdle(c: Connection): void {
    c.idleTimer = null;
    const idleMs = this.#limits.idleTimeoutMs;
    if (this.#stopped || c.socket.destroyed || idleMs <= 0) return;
    if (this.#paused) {
      // We are not reading it: whether it is idle is decided after `resume` (which takes the paused time off).
      this.#armIdle(c, idleMs, idleMs);
      return;
    }
    if (Date.now() - c.lastLineAt < idleMs) {
      this.#armIdle(c, idleMs);
      return;
    }
    c.idle = true;
    this.#idleClosed += 1;
    c.socket.destroy();
    this.#warn('idle', `${this.uri}: closed connections without a complete line for limits.idleTimeout`, { stream: c.stream, idleTimeoutMs: idleMs, idleClosed: this.#idleClosed });
  }

  /** A warning of `kind` at most every 30 s: hostile producers must not be able to flood the log either. */
  #warn(kind: string, message: string, details: Record<string, unknown>): void {
    const now = Date.now();
    if (now - (this.#warnedAt.get(kind) ?? Number.NEGATIVE_INFINITY) < WARN_EVERY_MS) return;
    this.#warnedAt.set(kind, now);
    this.#sink?.warn(message, details);
  }

  /** `tcp-listen://host:port` with the bound port, so names stay distinct when the URI said port 0. */
  #base(): string {
    return `tcp-listen://${bracket(this.#host)}:${this.address?.port ?? this.#port}`;
  }
}

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function listenError(uri: string, err: NodeJS.ErrnoException): LogpulseError {
  const reason =
    err.code === 'EADDRINUSE'
      ? 'address already in use'
      : err.code === 'EACCES'
        ? 'permission denied (ports below 1024 need privileges)'
        : err.code === 'EADDRNOTAVAIL'
          ? 'no such local address'
          : err.message;
  return new LogpulseError('LP_ERR_SOURCE_LISTEN', `cannot listen on ${uri}: ${reason} (${err.code ?? 'error'})`, { cause: err });
}

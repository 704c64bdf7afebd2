// `tcp-listen://HOST:PORT` accepts any number of producers at once (`genlogs | nc host port`, log shippers).
// Every connection is its own stream: producers' clocks and orders are independent, so each has its own watermark.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

import { LogpulseError } from '../errors.js';
import { alreadyStarted, type Source, type SourceSink } from './source.js';

export interface TcpListenSourceOptions {
  /** Defaults to `tcp-listen://host:port`. */
  uri?: string;
  host: string;
  /** 0 picks a free port; read it back from `address` after start(). */
  port: number;
}

const KEEPALIVE_MS = 30_000;

export class TcpListenSource implements Source {
  readonly uri: string;
  readonly finite = false;
  readonly #host: string;
  readonly #port: number;
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  /** Pending until listen() settles, so a stop() racing start() can still close what start() opened. */
  #listening: Promise<void> = Promise.resolve();
  #sink: SourceSink | null = null;
  #connections = 0;
  #paused = false;
  #stopped = false;

  constructor(options: TcpListenSourceOptions) {
    this.#host = options.host;
    this.#port = options.port;
    this.uri = options.uri ?? `tcp-listen://${bracket(options.host)}:${options.port}`;
  }

  /** The bound address once listening (the real port when the URI asked for 0), otherwise null. */
  get address(): AddressInfo | null {
    const address = this.#server?.address();
    return address !== null && typeof address === 'object' ? address : null;
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
          if (!this.#stopped) sink.warn(`${this.uri}: server error`, { error: err.message, code: err.code });
        });
        resolve();
      });
    });
    return this.#listening;
  }

  pause(): void {
    this.#paused = true;
    for (const socket of this.#sockets) socket.pause();
  }

  resume(): void {
    this.#paused = false;
    for (const socket of this.#sockets) socket.resume();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#listening.catch(() => undefined);
    const server = this.#server;
    const closing = [...this.#sockets].map(
      (socket) => new Promise<void>((closed) => (socket.destroyed ? closed() : socket.once('close', () => closed()))),
    );
    for (const socket of this.#sockets) socket.destroy();
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
    const sink = this.#sink as SourceSink;
    this.#connections += 1;
    const stream = `${this.#base()}/${bracket(socket.remoteAddress ?? 'unknown')}:${socket.remotePort ?? 0}#${this.#connections}`;
    this.#sockets.add(socket);
    socket.setKeepAlive(true, KEEPALIVE_MS);
    socket.on('data', (chunk: Buffer) => {
      if (!this.#stopped) sink.data(stream, chunk);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A producer resetting its connection is its business, but an operator may want to know it was not clean.
      if (!this.#stopped) sink.warn(`${this.uri}: connection error`, { stream, error: err.message, code: err.code });
    });
    socket.once('close', () => {
      this.#sockets.delete(socket);
      if (!this.#stopped) sink.streamEnd(stream);
    });
    if (!this.#paused) socket.resume();
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

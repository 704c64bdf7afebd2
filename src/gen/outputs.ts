// Where `logpulse gen` writes: stdout, every client of a listening socket (like `| nc -lk`), or one server it
// connects to (reconnecting with backoff). Blocks are whole lines, so a reader joining or leaving never sees a
// torn line. Backpressure everywhere: a block's promise resolves only once its buffer may be reused.
import { connect, createServer, type Server, type Socket } from 'node:net';

import { type KafkaSecurity, PLAINTEXT } from '../kafka/client-config.js';
import { growPipe } from '../native.js';
import { BLOCK_BYTES } from './generate.js';
import { KafkaOutput } from './kafka-output.js';
import type { OutputSpec } from './options.js';
import type { Output, Say } from './output.js';

/** How long close() lets clients take the last bytes before their sockets are destroyed. */
const CLOSE_GRACE_MS = 2000;

/** Errors meaning "the reader went away", which end the run quietly (`logpulse gen | head -5`). */
const GONE = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

export class StreamOutput implements Output {
  closed = false;
  failure: Error | null = null;
  readonly #stream: NodeJS.WritableStream;

  constructor(stream: NodeJS.WritableStream = process.stdout) {
    this.#stream = stream;
    // Without a listener an EPIPE would crash the process with a stack trace.
    stream.on('error', (err: NodeJS.ErrnoException) => this.#fail(err));
  }

  ready(): null {
    return null;
  }

  write(block: Buffer): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#stream.write(block, (err) => {
        if (err) this.#fail(err as NodeJS.ErrnoException);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #fail(err: NodeJS.ErrnoException): void {
    this.closed = true;
    if (!GONE.has(err.code ?? '') && this.failure === null) this.failure = err;
  }
}

interface Client {
  socket: Socket;
  /** Resolvers of writes not yet acknowledged; all released when the client goes away. */
  pending: Set<() => void>;
}

/** `tcp-listen://HOST:PORT`: serves every connected client the same stream, from the block after it connects. */
export class TcpListenOutput implements Output {
  readonly closed = false;
  readonly failure = null;
  readonly #clients = new Set<Client>();
  readonly #server: Server;
  readonly #say: Say;
  #waiters: (() => void)[] = [];

  constructor(say: Say) {
    this.#say = say;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  /** Binds; resolves with the address actually bound (port 0 picks a free one). */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        const a = this.#server.address();
        resolve(typeof a === 'object' && a !== null ? { host: a.address, port: a.port } : { host, port });
      });
    });
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  ready(): Promise<void> | null {
    if (this.#clients.size > 0) return null;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  write(block: Buffer): Promise<void> {
    // The slowest client sets the pace, as a pipe would: every client gets every block once connected.
    const writes: Promise<void>[] = [];
    for (const c of this.#clients) {
      writes.push(
        new Promise((resolve) => {
          const done = (): void => {
            c.pending.delete(done);
            resolve();
          };
          c.pending.add(done);
          c.socket.write(block, done);
        }),
      );
    }
    return Promise.all(writes).then(() => undefined);
  }

  async close(): Promise<void> {
    const closing = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Promise.all([...this.#clients].map((c) => endGracefully(c.socket)));
    await closing;
  }

  #accept(socket: Socket): void {
    const client: Client = { socket, pending: new Set() };
    this.#clients.add(client);
    const who = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.#say(`client ${who} connected (${this.#clients.size} connected)`);
    socket.on('error', () => {}); // a reset client is simply gone: 'close' follows
    socket.resume(); // whatever a client sends is ignored
    socket.on('close', () => {
      this.#clients.delete(client);
      for (const done of [...client.pending]) done();
      this.#say(`client ${who} disconnected (${this.#clients.size} connected)`);
    });
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** `tcp://HOST:PORT`: one connection to a server, re-established with doubling backoff while the run lasts. */
export class TcpClientOutput implements Output {
  readonly closed = false;
  readonly failure = null;
  readonly #host: string;
  readonly #port: number;
  readonly #say: Say;
  readonly #backoff: Backoff;
  #socket: Socket | null = null;
  #connected = false;
  #delayMs: number;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #pending = new Set<() => void>();
  #waiters: (() => void)[] = [];
  /** One message per outage, not one per retry. */
  #reported = false;

  constructor(host: string, port: number, say: Say, backoff: Backoff = { initialMs: 100, maxMs: 5000 }) {
    this.#host = host;
    this.#port = port;
    this.#say = say;
    this.#backoff = backoff;
    this.#delayMs = backoff.initialMs;
    this.#connect();
  }

  ready(): Promise<void> | null {
    if (this.#connected) return null;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  write(block: Buffer): Promise<void> {
    const socket = this.#socket;
    if (!this.#connected || socket === null) return Promise.resolve(); // ready() said otherwise; a lost block
    return new Promise((resolve) => {
      const done = (): void => {
        this.#pending.delete(done);
        resolve();
      };
      this.#pending.add(done);
      socket.write(block, done);
    });
  }

  async close(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#socket !== null) await endGracefully(this.#socket);
  }

  #connect(): void {
    const socket = connect({ host: this.#host, port: this.#port });
    this.#socket = socket;
    socket.on('connect', () => {
      this.#connected = true;
      this.#delayMs = this.#backoff.initialMs;
      this.#reported = false;
      this.#say(`connected to ${this.#host}:${this.#port}`);
      socket.resume();
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w();
    });
    let failure = '';
    socket.on('error', (err: NodeJS.ErrnoException) => {
      failure = err.code ?? err.message;
      // A failed attempt; a connection that breaks is reported once, on 'close'.
      if (!this.#connected && !this.#reported && !this.#stopped) {
        this.#reported = true;
        this.#say(`${this.#host}:${this.#port}: ${failure}; retrying with backoff up to ${this.#backoff.maxMs / 1000} s`);
      }
    });
    socket.on('close', () => {
      const wasConnected = this.#connected;
      this.#connected = false;
      this.#socket = null;
      for (const done of [...this.#pending]) done();
      if (this.#stopped) return;
      if (wasConnected) {
        this.#reported = true;
        this.#say(`connection to ${this.#host}:${this.#port} closed${failure === '' ? '' : ` (${failure})`}; reconnecting`);
      }
      this.#timer = setTimeout(() => {
        this.#timer = null;
        if (!this.#stopped) this.#connect();
      }, this.#delayMs);
      this.#delayMs = Math.min(this.#delayMs * 2, this.#backoff.maxMs);
    });
  }
}

function endGracefully(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end();
  });
}

/** Builds the output of a parsed `--out`; tcp-listen is bound before the first line is made. */
export async function openOutput(spec: OutputSpec, say: Say, kafkaSecurity: KafkaSecurity = PLAINTEXT): Promise<Output> {
  switch (spec.kind) {
    case 'stdout':
      // Node writes to a pipe synchronously: with the default 64 KiB pipe each block would wait for the reader
      // to take nearly all of it, so making lines and reading them would never overlap (native/binding/src/pipe.rs).
      growPipe(1, BLOCK_BYTES);
      return new StreamOutput(process.stdout);
    case 'tcp-listen': {
      const out = new TcpListenOutput(say);
      const bound = await out.listen(spec.host, spec.port);
      const host = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
      say(`serving tcp-listen://${host}:${bound.port}`);
      return out;
    }
    case 'tcp':
      return new TcpClientOutput(spec.host, spec.port, say);
    case 'kafka': {
      const out = new KafkaOutput(spec.brokers, spec.topic, kafkaSecurity, say);
      await out.connect();
      return out;
    }
  }
}

import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import type { ConnectionLimits } from '../../src/sources/source.js';
import { DEFAULT_CONNECTION_LIMITS, TcpListenSource } from '../../src/sources/tcp-listen.js';
import { sleep } from '../support/wait.js';
import { RecordingSink } from './recording-sink.js';

const sources: TcpListenSource[] = [];
const clients: Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

async function listen(sink: RecordingSink, limits?: Partial<ConnectionLimits>): Promise<{ source: TcpListenSource; port: number }> {
  const source = new TcpListenSource({ host: '127.0.0.1', port: 0, limits });
  sources.push(source);
  await source.start(sink);
  const port = source.address?.port;
  if (port === undefined) throw new Error('no bound port');
  return { source, port };
}

function client(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
    clients.push(socket);
  });
}

const write = (socket: Socket, data: Buffer | string): Promise<void> =>
  new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));

const endAndWait = (socket: Socket): Promise<void> =>
  new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.end();
  });

describe('tcp-listen source', () => {
  it('is unbounded and exposes the bound port only once listening', async () => {
    const source = new TcpListenSource({ host: '127.0.0.1', port: 0 });
    sources.push(source);
    expect(source.finite).toBe(false);
    expect(source.address).toBeNull();
    await source.start(new RecordingSink());
    expect(source.address?.port).toBeGreaterThan(0);
  });

  it('two concurrent producers are two streams, each byte-exact, each ended on close', async () => {
    const sink = new RecordingSink();
    const { port } = await listen(sink);
    const a = await client(port);
    const b = await client(port);
    const portA = a.localPort as number; // gone once the socket is closed
    const portB = b.localPort as number;
    const partsA = Array.from({ length: 20 }, () => randomBytes(32 * 1024));
    const partsB = Array.from({ length: 20 }, () => randomBytes(32 * 1024));
    for (let i = 0; i < 20; i++) {
      await write(a, partsA[i] as Buffer);
      await write(b, partsB[i] as Buffer);
    }
    await Promise.all([endAndWait(a), endAndWait(b)]);
    await sink.waitFor('both streams ended', () => sink.streamEnds.length === 2);

    const names = sink.streams();
    expect(names).toHaveLength(2);
    for (const name of names) {
      expect(name).toMatch(new RegExp(`^tcp-listen://127\\.0\\.0\\.1:${port}/127\\.0\\.0\\.1:\\d+#[12]$`));
    }
    const byPort = (p: number): string => names.find((n) => n.includes(`/127.0.0.1:${p}#`)) as string;
    expect(sink.bytes(byPort(portA)).equals(Buffer.concat(partsA))).toBe(true);
    expect(sink.bytes(byPort(portB)).equals(Buffer.concat(partsB))).toBe(true);
    expect(byPort(portA)).not.toBe(byPort(portB));
    expect(new Set(sink.streamEnds)).toEqual(new Set(names));
    expect(sink.endCount).toBe(0);
    expect(sink.violations).toEqual([]);
  });

  it('rejects start() when the port is in use, naming the address', async () => {
    const { port } = await listen(new RecordingSink());
    const second = new TcpListenSource({ host: '127.0.0.1', port });
    sources.push(second);
    await expect(second.start(new RecordingSink())).rejects.toThrow(
      `LP_ERR_SOURCE_LISTEN: cannot listen on tcp-listen://127.0.0.1:${port}: address already in use (EADDRINUSE)`,
    );
  });

  it('pause holds back current and new connections; resume delivers everything', async () => {
    const sink = new RecordingSink();
    const { source, port } = await listen(sink);
    const a = await client(port);
    await write(a, 'before pause\n');
    await sink.waitFor('first bytes', () => sink.dataCount === 1);

    source.pause();
    source.pause(); // idempotent
    const seen = sink.dataCount;
    const b = await client(port); // connects while paused
    const expectedA: Buffer[] = [Buffer.from('before pause\n')];
    const expectedB: Buffer[] = [];
    for (let i = 0; i < 10; i++) {
      const pa = Buffer.from(`a ${i}\n`);
      const pb = Buffer.from(`b ${i}\n`);
      expectedA.push(pa);
      expectedB.push(pb);
      a.write(pa);
      b.write(pb);
      await sleep(20);
    }
    expect(sink.dataCount).toBe(seen);

    source.resume();
    source.resume();
    const total = Buffer.concat([...expectedA, ...expectedB]).length;
    await sink.waitFor('all bytes', () => Buffer.concat(sink.chunks()).length === total);
    const [nameA, nameB] = sink.streams();
    expect(sink.bytes(nameA as string).equals(Buffer.concat(expectedA))).toBe(true);
    expect(sink.bytes(nameB as string).equals(Buffer.concat(expectedB))).toBe(true);
  });

  it('stop() closes the server and every connection and calls the sink no more', async () => {
    const sink = new RecordingSink();
    const { source, port } = await listen(sink);
    const a = await client(port);
    await write(a, 'x\n');
    await sink.waitFor('bytes', () => sink.dataCount === 1);
    const closed = new Promise<void>((resolve) => a.once('close', () => resolve()));
    a.on('error', () => undefined);
    await source.stop();
    await closed;
    expect(sink.events.length).toBe(1);
    await expect(client(port)).rejects.toThrow(/ECONNREFUSED/);
    await source.stop();
  });

  it('closes a connection as soon as limits.maxConnections are open, counts it and warns once', async () => {
    const sink = new RecordingSink();
    const { source, port } = await listen(sink, { maxConnections: 2 });
    const a = await client(port);
    const b = await client(port);
    await write(a, 'a\n');
    await write(b, 'b\n');
    await sink.waitFor('both streams', () => sink.streams().length === 2);
    for (let i = 0; i < 3; i++) {
      const extra = await client(port);
      extra.on('error', () => undefined);
      await new Promise<void>((closed) => extra.once('close', () => closed()));
    }
    expect(source.connections()).toEqual({ open: 2, refused: 3, idleClosed: 0 });
    expect(sink.warnings.filter((w) => w.includes('limits.maxConnections'))).toHaveLength(1);
    expect(sink.streams()).toHaveLength(2);
    // A freed place is taken again.
    await endAndWait(a);
    await sink.waitFor('a ended', () => sink.streamEnds.length === 1);
    const c = await client(port);
    await write(c, 'c\n');
    await sink.waitFor('c delivered', () => sink.streams().length === 3);
    expect(source.connections()).toEqual({ open: 2, refused: 3, idleClosed: 0 });
    expect(sink.violations).toEqual([]);
  });

  it('closes a connection without a complete line for limits.idleTimeout (a slowloris), cutting its partial line off', async () => {
    const sink = new RecordingSink();
    const { source, port } = await listen(sink, { idleTimeoutMs: 1000 });
    const talker = await client(port);
    const loris = await client(port);
    const lorisPort = loris.localPort as number;
    const lorisClosed = new Promise<void>((closed) => loris.once('close', () => closed()));
    loris.on('error', () => undefined);
    // Both send a byte every 50 ms; only the talker ends lines.
    const timer = setInterval(() => {
      talker.write('x\n');
      if (!loris.destroyed) loris.write('y');
    }, 50);
    try {
      await lorisClosed;
    } finally {
      clearInterval(timer);
    }
    const lorisStream = sink.streams().find((n) => n.includes(`:${lorisPort}#`)) as string;
    await sink.waitFor('the slowloris stream ended', () => sink.streamEnds.includes(lorisStream));
    expect(sink.cutEnds).toEqual([lorisStream]);
    expect(sink.text(lorisStream)).toMatch(/^y+$/);
    expect(source.connections()).toMatchObject({ open: 1, idleClosed: 1 });
    expect(sink.warnings.filter((w) => w.includes('limits.idleTimeout'))).toHaveLength(1);
    expect(talker.destroyed).toBe(false);
  });

  it('does not count time paused by backpressure as idleness', async () => {
    const sink = new RecordingSink();
    const { source, port } = await listen(sink, { idleTimeoutMs: 300 });
    const a = await client(port);
    await write(a, 'a\n');
    await sink.waitFor('data', () => sink.dataCount === 1);
    source.pause();
    await sleep(900);
    expect(source.connections()).toMatchObject({ open: 1, idleClosed: 0 });
    source.resume();
    // Resumed and still silent: idle from now on.
    await sink.waitFor('closed for idleness', () => sink.streamEnds.length === 1);
    expect(source.connections()).toMatchObject({ open: 0, idleClosed: 1 });
  });

  it('a connection reset mid-line ends its stream cut off; a clean close ends it whole', async () => {
    const sink = new RecordingSink();
    const { port } = await listen(sink);
    const reset = await client(port);
    const clean = await client(port);
    const resetPort = reset.localPort as number;
    const sent = ['a line\nhalf a li', 'a line\nunterminated last line'] as const;
    await write(reset, sent[0]);
    await write(clean, sent[1]);
    await sink.waitFor('both partial lines', () => Buffer.concat(sink.chunks()).length === sent[0].length + sent[1].length);
    reset.resetAndDestroy();
    await endAndWait(clean);
    await sink.waitFor('both ended', () => sink.streamEnds.length === 2);
    const resetStream = sink.streams().find((n) => n.includes(`:${resetPort}#`)) as string;
    expect(sink.cutEnds).toEqual([resetStream]);
    expect(sink.violations).toEqual([]);
  });

  it('takes new limits while running: connections already open stay, the next is judged by them', async () => {
    const sink = new RecordingSink();
    const { source, port } = await listen(sink, { maxConnections: 5 });
    const a = await client(port);
    const b = await client(port);
    await write(a, 'a\n');
    await write(b, 'b\n');
    await sink.waitFor('both streams', () => sink.streams().length === 2);
    source.setLimits({ maxConnections: 1, idleTimeoutMs: 0 });
    const c = await client(port);
    c.on('error', () => undefined);
    await new Promise<void>((closed) => c.once('close', () => closed()));
    expect(source.connections()).toEqual({ open: 2, refused: 1, idleClosed: 0 });
  });

  it('defaults to 256 connections and 5 minutes', () => {
    const source = new TcpListenSource({ host: '127.0.0.1', port: 0 });
    expect(source.connections()).toEqual({ open: 0, refused: 0, idleClosed: 0 });
    expect(DEFAULT_CONNECTION_LIMITS).toEqual({ maxConnections: 256, idleTimeoutMs: 300_000 });
  });
});

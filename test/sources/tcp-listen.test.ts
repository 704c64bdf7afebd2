import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { TcpListenSource } from '../../src/sources/tcp-listen.js';
import { sleep } from '../support/wait.js';
import { RecordingSink } from './recording-sink.js';

const sources: TcpListenSource[] = [];
const clients: Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

async function listen(sink: RecordingSink): Promise<{ source: TcpListenSource; port: number }> {
  const source = new TcpListenSource({ host: '127.0.0.1', port: 0 });
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
});

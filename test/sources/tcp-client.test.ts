import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { TcpClientSource } from '../../src/sources/tcp-client.js';
import { freePort } from '../support/net.js';
import { sleep } from '../support/wait.js';
import { RecordingSink } from './recording-sink.js';

const BACKOFF = { initialMs: 20, maxMs: 200 };
const sources: TcpClientSource[] = [];
const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A producer like `nc -lk`: calls `onConnection` for every client. */
function serve(port: number, onConnection: (socket: Socket, server: Server) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
      onConnection(socket, server);
    });
    servers.push(server);
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, () => resolve(server));
  });
}

const portOf = (server: Server): number => (server.address() as AddressInfo).port;

function client(port: number, sink: RecordingSink): TcpClientSource {
  const source = new TcpClientSource({ host: '127.0.0.1', port, backoff: BACKOFF });
  sources.push(source);
  void source.start(sink);
  return source;
}

describe('tcp client source', () => {
  it('survives the producer going away and coming back: two connections, two streams, one warning', async () => {
    const first = randomBytes(1024 * 1024);
    const second = Buffer.from('second connection\n');
    // Producer 1 sends its bytes, then shuts down completely (listener and connection).
    const producer1 = await serve(0, (socket, server) => {
      server.close();
      socket.end(first);
    });
    const port = portOf(producer1);
    const sink = new RecordingSink();
    const source = client(port, sink);
    expect(source.finite).toBe(false);
    const s1 = `tcp://127.0.0.1:${port}#1`;
    const s2 = `tcp://127.0.0.1:${port}#2`;
    await sink.waitFor('first stream ended', () => sink.streamEnds.includes(s1));
    expect(sink.bytes(s1).equals(first)).toBe(true);

    // Refused for a while: several attempts (20, 40, 80, 160 ms…) but a single warning. The first refusal is waited
    // for (on a loaded machine it can take longer than 400 ms); the 400 ms after it hold several more attempts.
    await sink.waitFor('a warning', () => sink.warnings.length > 0);
    await sleep(400);
    expect(sink.warnings).toHaveLength(1);
    expect(sink.warnings[0]).toMatch(/cannot connect; retrying/);
    const warn = sink.events.find((e) => e.type === 'warn');
    expect(warn?.type === 'warn' && warn.details?.['code']).toBe('ECONNREFUSED');

    await serve(port, (socket) => socket.write(second));
    await sink.waitFor('second stream', () => sink.bytes(s2).equals(second));
    expect(sink.streams()).toEqual([s1, s2]);
    expect(sink.streamEnds).toEqual([s1]);
    expect(sink.endCount).toBe(0);
    expect(sink.violations).toEqual([]);
  });

  it('starts before its producer exists and connects once it does', async () => {
    const port = await freePort();
    const sink = new RecordingSink();
    client(port, sink);
    await sink.waitFor('a warning', () => sink.warnings.length === 1);
    await sleep(300);
    await serve(port, (socket) => socket.write('hello\n'));
    await sink.waitFor('data', () => sink.text(`tcp://127.0.0.1:${port}#1`) === 'hello\n');
    expect(sink.warnings).toHaveLength(1);
  });

  it('pause stops delivery while the producer keeps writing; resume delivers the rest in order', async () => {
    let timer: NodeJS.Timeout | undefined;
    let sent = 0;
    const producer = await serve(0, (socket) => {
      timer = setInterval(() => socket.write(`line ${sent++}\n`), 5);
      socket.once('close', () => clearInterval(timer));
    });
    const port = portOf(producer);
    const sink = new RecordingSink();
    const source = client(port, sink);
    const stream = `tcp://127.0.0.1:${port}#1`;
    await sink.waitFor('some lines', () => sink.text(stream).includes('line 3\n'));

    source.pause();
    await sleep(20); // let a chunk already read land
    const seen = sink.dataCount;
    await sleep(200);
    expect(sink.dataCount).toBe(seen);
    const sentWhilePaused = sent;

    source.resume();
    await sink.waitFor('lines written during the pause', () => sink.text(stream).includes(`line ${sentWhilePaused}\n`));
    clearInterval(timer);
    const expected = Array.from({ length: sentWhilePaused + 1 }, (_, i) => `line ${i}\n`).join('');
    expect(sink.text(stream).startsWith(expected)).toBe(true);
  });

  it('stop() during backoff cancels the retry timer: no connection afterwards', async () => {
    const port = await freePort();
    const sink = new RecordingSink();
    const source = client(port, sink);
    await sink.waitFor('a warning', () => sink.warnings.length === 1);
    await source.stop();
    let connections = 0;
    await serve(port, () => connections++);
    await sleep(400);
    expect(connections).toBe(0);
    await source.stop(); // idempotent
  });

  it('stop() while connected closes the socket and calls the sink no more', async () => {
    const closed: Promise<void>[] = [];
    const producer = await serve(0, (socket) => {
      closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
      socket.write('x\n');
    });
    const sink = new RecordingSink();
    const source = client(portOf(producer), sink);
    await sink.waitFor('data', () => sink.dataCount === 1);
    await source.stop();
    await Promise.all(closed);
    await sleep(100);
    expect(sink.events.map((e) => e.type)).toEqual(['data']);
  });

  it('a producer resetting the connection mid-line ends the stream cut off; a clean close ends it whole', async () => {
    let n = 0;
    const producer = await serve(0, (socket) => {
      n += 1;
      // The first connection is reset after half a line, the second closed cleanly after one.
      if (n === 1) socket.write('a line\nhalf a li', () => setTimeout(() => socket.resetAndDestroy(), 50));
      else socket.end('unterminated last line');
    });
    const port = portOf(producer);
    const sink = new RecordingSink();
    client(port, sink);
    const s1 = `tcp://127.0.0.1:${port}#1`;
    const s2 = `tcp://127.0.0.1:${port}#2`;
    await sink.waitFor('both streams ended', () => sink.streamEnds.includes(s1) && sink.streamEnds.includes(s2));
    expect(sink.text(s1)).toBe('a line\nhalf a li');
    expect(sink.cutEnds).toEqual([s1]);
  });
});

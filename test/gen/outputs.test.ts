// --out tcp-listen:// (every client gets the same stream, like `| nc -lk`) and --out tcp:// (connects,
// reconnects with backoff), through the real CLI.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { type CliProcess, spawnCli } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { sleep, until } from '../support/wait.js';
import { textLines } from './helpers.js';

const JSON_LINE = /^\{"timestamp": "[^"]+", "ip": "[\d.]+", "method": "[A-Z]+", "url": "\/resource\/\d+", "status": \d{3}\}$/;
const running: CliProcess[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const g of running.splice(0)) if (g.child.exitCode === null) g.child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function start(args: string[]): CliProcess {
  const g = spawnCli(['gen', ...args]);
  running.push(g);
  return g;
}

interface Reader {
  socket: Socket;
  text: () => string;
  closed: Promise<unknown>;
}

function read(socket: Socket): Reader {
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => {});
  return { socket, text: () => text, closed: once(socket, 'close') };
}

async function client(port: number): Promise<Reader> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  return read(socket);
}

const wholeLines = (text: string): string[] => {
  expect(text.endsWith('\n')).toBe(true);
  const lines = textLines(text);
  for (const l of lines) expect(l).toMatch(JSON_LINE);
  return lines;
};

describe('--out tcp-listen://', () => {
  it('serves every connected client the same stream; clients come and go; SIGTERM ends them cleanly', async () => {
    const g = start(['--rate', '2000', '--out', 'tcp-listen://127.0.0.1:0']);
    await until('the serving message', () => /serving tcp-listen:\/\/127\.0\.0\.1:\d+/.test(g.stderr()));
    const port = Number(/serving tcp-listen:\/\/127\.0\.0\.1:(\d+)/.exec(g.stderr())![1]);

    // Nobody connected yet: nothing is made (no backlog burst, no stale lines for the first client).
    await sleep(300);
    const a = await client(port);
    await until('lines for a', () => textLines(a.text()).length > 200);
    const b = await client(port);
    await until('lines for b', () => textLines(b.text()).length > 200);
    a.socket.destroy(); // one client leaves; the other keeps receiving
    const bBefore = textLines(b.text()).length;
    await until('more lines for b', () => textLines(b.text()).length > bBefore + 200);
    const c = await client(port); // and a new one joins
    await until('lines for c', () => textLines(c.text()).length > 100);

    g.child.kill('SIGTERM');
    expect(await g.exit).toBe(0);
    await Promise.all([b.closed, c.closed]);
    const la = wholeLines(a.text());
    const lb = wholeLines(b.text());
    const lc = wholeLines(c.text());
    // The same stream: what b got while a was connected is exactly what a got from b's first line on.
    const fromB = la.indexOf(lb[0]!);
    expect(fromB).toBeGreaterThan(0);
    expect(la.slice(fromB)).toEqual(lb.slice(0, la.length - fromB));
    // c joined later: its lines are the tail of b's.
    expect(lb.slice(lb.length - lc.length)).toEqual(lc);
    // The first line came at once when a connected, not 300 ms of backlog before it.
    expect(la.length).toBeGreaterThan(200);
    expect(g.stderr()).toMatch(/client 127\.0\.0\.1:\d+ connected \(2 connected\)/);
  });

  it('a port in use is a runtime error naming the target: exit 1', async () => {
    const server = createServer();
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const g = start(['--out', `tcp-listen://127.0.0.1:${port}`]);
    expect(await g.exit).toBe(1);
    expect(g.stderr()).toMatch(new RegExp(`LP_ERR_GEN_OUTPUT: cannot open --out tcp-listen://127.0.0.1:${port}: EADDRINUSE`));
  });
});

describe('--out tcp://', () => {
  it('connects to a server that starts later, and reconnects when the connection drops', async () => {
    // A free port: the generator starts with nobody listening.
    const port = await freePort();

    const g = start(['--rate', '1000', '--out', `tcp://127.0.0.1:${port}`]);
    await until('a refused attempt', () => /ECONNREFUSED; retrying with backoff/.test(g.stderr()));

    const conns: Reader[] = [];
    const server = createServer((s) => conns.push(read(s)));
    servers.push(server);
    server.listen(port, '127.0.0.1');
    await until('first connection with lines', () => conns.length === 1 && textLines(conns[0]!.text()).length > 50);
    conns[0]!.socket.destroy();
    await until('a second connection with lines', () => conns.length === 2 && textLines(conns[1]!.text()).length > 50);

    g.child.kill('SIGTERM');
    expect(await g.exit).toBe(0);
    await conns[1]!.closed;
    wholeLines(conns[1]!.text());
    expect(g.stderr()).toMatch(/connected to 127\.0\.0\.1:\d+[\s\S]*reconnecting[\s\S]*connected to/);
  });
});

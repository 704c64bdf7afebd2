// Issue 20, long-run correctness: 10,000 producers connect to `tcp-listen://`, send a few lines and go — cleanly,
// closing mid-line, stalled mid-line or idle until the daemon closes them, or reset at once — and the daemon holds
// no more file descriptors than after its first 100 (each connection's socket and stream state go with it), and
// counts every line. The descriptors are compared by what they point at (test/support/fds.ts). The same for the
// `tcp://` client source, reconnecting 300 times to a producer that closes each connection after a few lines, and
// for the API: 2,000 clients of `/events` (the dashboard's feed) and `/windows`, each on a connection of its own.
// The 29 → 31 after 2,000 connections were the errors/ and rejected/ files being written: each kind's
// file is opened at its first record (and again after each rotation), so the test allows one per output kind.
import { once } from 'node:events';
import { get } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it, onTestFinished } from 'vitest';

import { descriptors, expectSameDescriptors, fdCount, showFds } from '../support/fds.js';
import { untilAsync } from '../support/wait.js';
import { metrics, startDaemon } from './disk-fault-helpers.js';

const CONNECTIONS = 10_000;
const FIRST = 100;
const AT_ONCE = 50;
const START_MS = Date.now() - 3_600_000;

/** What connection `i` does, and the lines it makes the daemon read (a cut partial line is a line, rejected). */
type Kind = 'clean' | 'partial' | 'stalled' | 'reset' | 'idle';
const KINDS: readonly Kind[] = ['clean', 'clean', 'clean', 'clean', 'partial', 'partial', 'stalled', 'reset', 'idle', 'idle'];
const kindOf = (i: number): Kind => KINDS[i % KINDS.length]!;
const LINES: Record<Kind, number> = { clean: 3, partial: 3, stalled: 3, reset: 0, idle: 0 };
const VALID: Record<Kind, number> = { clean: 3, partial: 3, stalled: 2, reset: 0, idle: 0 };
/** Connections the daemon closes for limits.idleTimeout. */
const IDLE_CLOSED = KINDS.filter((k) => k === 'stalled' || k === 'idle').length;

function linesOf(i: number, n: number): string {
  let text = '';
  for (let k = 0; k < n; k++) text += `{"timestamp": ${START_MS + i},"ip":"10.1.${(i >> 8) & 255}.${i & 255}","method":"GET","url":"/c/${k}","status":${k === 0 ? 500 : 200}}\n`;
  return text;
}

/** One producer: sends its lines and closes as its kind says; resolves once the connection is closed both ways. */
async function produce(port: number, i: number): Promise<void> {
  const s = createConnection({ host: '127.0.0.1', port });
  s.on('error', () => undefined); // the daemon closing an idle connection, or our own reset
  await once(s, 'connect');
  const closed = once(s, 'close');
  const kind = kindOf(i);
  if (kind === 'clean') s.end(linesOf(i, 3));
  else if (kind === 'partial') s.end(linesOf(i, 3).slice(0, -1)); // the last line without its newline: still a line
  else if (kind === 'stalled') {
    // Two lines and half a third, then nothing: the daemon cuts it after limits.idleTimeout (the half line is rejected).
    s.write(`${linesOf(i, 2)}{"timestamp": ${START_MS + i},"ip":"10.`);
    s.resume();
  } else if (kind === 'reset') {
    // Reset without a byte: bytes sent before a reset may be dropped by the kernel unread, so none are sent.
    s.resetAndDestroy();
  } else {
    s.resume(); // idle: sends nothing; the daemon closes it after limits.idleTimeout
  }
  await closed;
}

async function produceAll(port: number, from: number, to: number): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) await produce(port, next++);
  };
  await Promise.all(Array.from({ length: AT_ONCE }, worker));
}

const expectedLines = (n: number): number => Array.from({ length: n }, (_, i) => LINES[kindOf(i)]).reduce((a, b) => a + b, 0);
const expectedValid = (n: number): number => Array.from({ length: n }, (_, i) => VALID[kindOf(i)]).reduce((a, b) => a + b, 0);

it('10,000 tcp-listen connections opened and closed: no descriptor growth after the first 100, every line counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-tcp-fds-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'out');
  const { d, api, sourcePort } = await startDaemon(dir, out, '1s', 'limits: { idleTimeout: 200ms, maxConnections: 1000 }\n');
  const pid = d.child.pid!;
  const settled = async (n: number): Promise<Map<string, number>> => {
    let seen = '';
    await untilAsync(`${n} connections' ${expectedLines(n)} lines read and closed (${seen})`, async () => {
      const m = await metrics(api);
      const [lines, open] = [m.get('logpulse_lines_total{source="tcp-listen"}'), m.get('logpulse_tcp_connections')];
      seen = `lines ${lines}, records ${m.get('logpulse_records_total{source="tcp-listen"}')}, open ${open}, ${[...m].filter(([k]) => k.startsWith('logpulse_rejected_total')).join(' ')}`;
      return lines === expectedLines(n) && open === 0;
    }, { ms: 60_000 }).catch((err: Error) => {
      throw new Error(`${err.message}: ${seen}`);
    });
    return descriptors(pid, out);
  };

  await produceAll(sourcePort, 0, FIRST);
  const after100 = await settled(FIRST);
  await produceAll(sourcePort, FIRST, CONNECTIONS);
  const after10k = await settled(CONNECTIONS);

  const m = await metrics(api);
  console.info(`daemon descriptors: ${fdCount(after100)} after ${FIRST} connections (${showFds(after100)}), ${fdCount(after10k)} after ${CONNECTIONS} (${showFds(after10k)})`);
  expectSameDescriptors(after100, after10k);
  expect(m.get('logpulse_records_total{source="tcp-listen"}')).toBe(expectedValid(CONNECTIONS));
  expect(m.get('logpulse_tcp_connections_idle_closed_total')).toBe((CONNECTIONS / KINDS.length) * IDLE_CLOSED);
  expect(m.get('logpulse_tcp_connections_refused_total')).toBe(0);

  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr().slice(-2000)).toBe(0);
}, 180_000);

it('the tcp:// client source reconnecting 300 times: no descriptor growth after the first 30, every line counted', async () => {
  const RECONNECTS = 300;
  const BASELINE = 30;
  // The producer: each connection gets 3 lines and is closed (every fifth after half a line more: the daemon sees a
  // clean close mid-line, which counts the half line). Connections BASELINE and RECONNECTS are held open, idle, until
  // the daemon's descriptors are read: then the daemon is between reconnects by no fault of timing.
  const held = new Map<number, () => void>();
  const reached = new Map<number, () => void>();
  const heldReached = (n: number) => new Promise<void>((r) => reached.set(n, r));
  const atBaseline = heldReached(BASELINE);
  const atEnd = heldReached(RECONNECTS);
  let accepted = 0;
  const server = createServer((socket: Socket) => {
    const n = ++accepted;
    socket.on('error', () => undefined);
    if (n === BASELINE || n === RECONNECTS) {
      held.set(n, () => socket.end());
      reached.get(n)!();
      return;
    }
    if (n > RECONNECTS) socket.destroy();
    else socket.end(linesOf(n, 3) + (n % 5 === 0 ? '{"timestamp": 1, "ip"' : ''));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-tcp-client-fds-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'out');
  const { d, api } = await startDaemon(dir, out, '1s', '', `tcp://127.0.0.1:${port}`);
  const sent = (upTo: number) => Array.from({ length: upTo }, (_, i) => i + 1).filter((n) => n !== BASELINE && n !== RECONNECTS).map((n) => (n % 5 === 0 ? 4 : 3)).reduce((a, b) => a + b, 0);
  const settled = async (n: number): Promise<Map<string, number>> => {
    await untilAsync(`lines of ${n} connections read`, async () => (await metrics(api)).get('logpulse_lines_total{source="tcp"}') === sent(n), { ms: 60_000 });
    return descriptors(d.child.pid!, out);
  };
  try {
    await atBaseline;
    const first = await settled(BASELINE);
    held.get(BASELINE)!();
    await atEnd;
    const last = await settled(RECONNECTS);
    console.info(`daemon descriptors: ${fdCount(first)} at connection ${BASELINE} (${showFds(first)}), ${fdCount(last)} at ${RECONNECTS} (${showFds(last)})`);
    expectSameDescriptors(first, last);
    const m = await metrics(api);
    // The half lines are lines, rejected as malformed (a clean close counts its last partial line).
    expect(m.get('logpulse_rejected_total{reason="malformed"}')).toBe(Array.from({ length: RECONNECTS }, (_, i) => i + 1).filter((n) => n % 5 === 0 && n !== BASELINE && n !== RECONNECTS).length);
    expect(m.get('logpulse_records_total{source="tcp"}')).toBe((RECONNECTS - 2) * 3);
    d.child.kill('SIGTERM');
    expect(await d.exit, d.stderr().slice(-2000)).toBe(0);
  } finally {
    held.get(RECONNECTS)?.();
    server.close();
  }
}, 120_000);

it('1,000 dashboard clients of /events and 1,000 /windows polls, each on a connection of its own: no descriptor growth after the first 100', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-api-fds-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'out');
  const { d, api } = await startDaemon(dir, out, '1s');
  /** One client on a fresh connection (no keep-alive): waits for the first bytes of the answer, then goes. */
  const client = (path: string) =>
    new Promise<void>((resolve, reject) => {
      const req = get(`${api}${path}`, { agent: false }, (res) => {
        res.once('data', () => {
          res.destroy();
          resolve();
        });
      });
      req.on('error', reject);
    });
  const churn = async (from: number, to: number) => {
    for (let i = from; i < to; i += 20) await Promise.all(Array.from({ length: 20 }, (_, k) => client((i + k) % 2 === 0 ? '/events' : '/windows?limit=10')));
  };
  // The daemon's side of a closed connection goes once it has seen the close: read once its sockets are back to
  // what it had before any client (its listeners); if they never come back, the comparison below names them.
  const sockets = () => descriptors(d.child.pid!, out).get('socket') ?? 0;
  const before = sockets();
  const settled = async () => {
    await untilAsync('no API connection left', async () => sockets() <= before, { ms: 20_000 }).catch(() => undefined);
    return descriptors(d.child.pid!, out);
  };
  await churn(0, 100);
  const first = await settled();
  await churn(100, 2_000);
  const last = await settled();
  console.info(`daemon descriptors: ${fdCount(first)} after 100 API clients (${showFds(first)}), ${fdCount(last)} after 2,000 (${showFds(last)})`);
  expectSameDescriptors(first, last);
  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr().slice(-2000)).toBe(0);
}, 120_000);

// Cluster mode (issue 19): three daemons of one consumer group over a 6-partition topic, the lines produced once all
// three have joined. Each daemon counts a third of the records, yet the union of their metrics rows is what one
// daemon reading every partition writes — each window row once, its unique-IP estimate that of one sketch — and
// each alert fires once, including the crossings only the group-wide count reaches.
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { alertKeys, lines, readKind } from '../e2e/helpers.js';
import { apiUrl } from '../api/helpers.js';
import { spawnCli, waitForLog } from '../support/cli.js';
import { brokerInfo, createTopic, produceTo, readTopic } from '../support/kafka.js';
import { stateTopicSummary } from '../support/state-topic-dump.js';
import { until, untilAsync } from '../support/wait.js';
import { closeAllWindows, expectRows, inEventTimeOrder, referenceAlertKeys, referenceRows } from '../kafka/expect-rows.js';

const PARTITIONS = 6;

type Row = Record<string, unknown>;
/** Rows in one order whoever wrote them: by window, the summary row first, then by status. */
const ordered = (rows: Row[]): Row[] =>
  [...rows].sort(
    (x, y) =>
      String(x.window_start).localeCompare(String(y.window_start)) ||
      (x.kind === y.kind ? 0 : x.kind === 'status' ? 1 : -1) ||
      Number(x.status ?? 0) - Number(y.status ?? 0),
  );

/** A new 3-partition topic holding `count` seed-shaped lines of `logpulse gen --seed seed`, produced at full speed. */
async function filledTopic(brokers: string, count: number, seed: number, extra: string[] = []): Promise<string> {
  const topic = await createTopic(brokers, 3);
  const gen = spawnCli(['gen', '--rate', '0', '--count', String(count), '--seed', String(seed), ...extra, '--out', `kafka://${brokers}/${topic}`], { stdout: 'ignore' });
  expect(await gen.exit, gen.stderr()).toBe(0);
  return topic;
}

/** Starts daemons `names` of one group in cluster mode on `topic`; resolves once each has its share of partitions. */
async function startGroup(dir: string, topic: string, names: string[], withApi = false) {
  const broker = brokerInfo();
  const cfg = join(dir, 'c.yaml');
  // Debug logs (each cut) go to the whole logs a failed wait leaves beside the outputs.
  writeFileSync(cfg, 'console:\n  enabled: false\nlog:\n  level: debug\noutput:\n  rotateEvery: 1s\ncluster:\n  enabled: true\n');
  const apiCfg = join(dir, 'api.yaml');
  writeFileSync(apiCfg, 'api:\n  port: 0\nconsole:\n  enabled: false\noutput:\n  rotateEvery: 1s\ncluster:\n  enabled: true\n');
  const source = `kafka://${broker.plaintext}/${topic}?group=${topic}-g&startingOffsets=earliest`;
  const daemons = names.map((name) =>
    withApi
      ? spawnCli(['run', '-c', apiCfg, '--source', source, '--output', join(dir, name), '--checkpoint', join(dir, `${name}-ckpt`)])
      : spawnCli(['run', '-c', cfg, '--no-api', '--source', source, '--output', join(dir, name), '--checkpoint', join(dir, `${name}-ckpt`)]),
  );
  for (const d of daemons) await waitForLog(d, 'cluster: member of the group', 60_000);
  await until(() => daemons.map((d) => d.stderr().slice(-500)).join('\n'), () => daemons.every((d) => d.stderr().includes('partitions assigned')), { ms: 60_000 });
  // The last join moved every partition once more (eager rebalance): let that settle before producing.
  await new Promise((r) => setTimeout(r, 3000));
  const spawn = (name: string) => spawnCli(['run', '-c', cfg, '--no-api', '--source', source, '--output', join(dir, name), '--checkpoint', join(dir, `${name}-ckpt`)]);
  return { cfg, daemons, spawn };
}

it('three daemons in cluster mode write the rows and alerts of one daemon, each once', async () => {
  const broker = brokerInfo();
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-cluster-'));
  const topic = await createTopic(broker.plaintext, PARTITIONS);
  const names = ['a', 'b', 'c'];
  const { cfg, daemons } = await startGroup(dir, topic, names, true);

  const producer = spawnCli(['gen', '--rate', '30000', '--count', '300000', '--seed', '19', '--out', `kafka://${broker.plaintext}/${topic}`], { stdout: 'ignore' });
  expect((await once(producer.child, 'exit'))[0], producer.stderr()).toBe(0);
  await closeAllWindows(broker.plaintext, topic, PARTITIONS);

  const values = (await readTopic(broker.plaintext, topic, PARTITIONS)).flat().filter((v) => !v.includes('/closer'));
  expect(values.length).toBe(300_000);
  const want = referenceRows(inEventTimeOrder(values));
  const wantErrors = values.filter((l) => !/"status": 200/.test(l)).sort();
  const all = (kind: string) => names.flatMap((n) => lines(readKind(join(dir, n), kind)));
  const state = () =>
    `rows ${all('metrics').length} of ${want.length}, errors ${all('errors').length} of ${wantErrors.length}\n` +
    daemons.map((d, i) => `--- ${names[i]}:\n${d.stderr().slice(-2500)}`).join('\n');
  await until(state, () => all('metrics').length >= want.length && all('errors').length >= wantErrors.length, { ms: 90_000, everyMs: 500 });
  // Any daemon answers for the group: the API of the daemon that wrote the fewest rows lists every row and alert.
  const own = names.map((n) => lines(readKind(join(dir, n), 'metrics')).length);
  const least = own.indexOf(Math.min(...own));
  expect(own[least], 'that daemon wrote only part of the rows').toBeLessThan(want.length);
  const base = await apiUrl(daemons[least]!);
  const fetchTotal = async (path: string) => ((await (await fetch(`${base}${path}`)).json()) as { total: number }).total;
  const groupAlerts = names.flatMap((n) => lines(readKind(join(dir, n), 'alerts'))).length;
  await untilAsync(`${names[least]}'s /windows and /alerts`, async () => (await fetchTotal('/windows?limit=1')) === want.length && (await fetchTotal('/alerts?limit=1')) === groupAlerts, { ms: 20_000 });
  // Its /metrics: the group's three members, and the lag of each state partition it owns.
  const metrics = await (await fetch(`${base}/metrics`)).text();
  expect(metrics).toMatch(/^logpulse_cluster_members 3$/m);
  expect(metrics).toMatch(/^logpulse_cluster_info\{session="[^"]+",topic="logpulse-state\.[^"]+"\} 1$/m);
  expect(metrics).toMatch(/^logpulse_cluster_owner_lag_seconds\{partition="\d+"\} [\d.e+-]+$/m);

  // A fourth daemon joins once every row is written: the state partitions move to new owners, which read them from
  // their start — and must not write again the windows their c/ records say were written.
  const { spawn } = { spawn: (name: string) => spawnCli(['run', '-c', cfg, '--no-api', '--source', `kafka://${broker.plaintext}/${topic}?group=${topic}-g&startingOffsets=earliest`, '--output', join(dir, name), '--checkpoint', join(dir, `${name}-ckpt`)]) };
  const late = spawn('d');
  daemons.push(late);
  names.push('d');
  await waitForLog(late, 'cluster: owning these state partitions', 60_000);
  await new Promise((r) => setTimeout(r, 5000));
  expect(all('metrics').length, 'rows after the owners moved').toBe(want.length);

  for (const d of daemons) d.child.kill('SIGTERM');
  for (const d of daemons) expect(await d.exit, d.stderr()).toBe(0);

  // Every daemon read a share (which windows each owns depends on how many windows the data spans).
  for (const n of names.slice(0, 3)) expect(lines(readKind(join(dir, n), 'errors')).length, n).toBeGreaterThan(0);
  expect(all('errors').sort()).toEqual(wantErrors);
  const rows = ordered(all('metrics').map((l) => JSON.parse(l) as Row));
  expectRows(rows, ordered(want));
  // One daemon (cluster mode off) reading the same lines: the same rows, unique-IP estimates included (==).
  const solo = spawnCli(['run', '-c', cfg, '--no-api', '--source', `kafka://${broker.plaintext}/${topic}?group=${topic}-solo&startingOffsets=earliest&endingOffsets=latest`,
    '--output', join(dir, 'solo'), '--checkpoint', join(dir, 'solo-ckpt')]);
  expect(await solo.exit, solo.stderr()).toBe(0);
  const windows = new Set(want.map((r) => r.window_start));
  const soloRows = ordered(lines(readKind(join(dir, 'solo'), 'metrics')).map((l) => JSON.parse(l) as Row).filter((r) => windows.has(r.window_start)));
  expect(rows).toEqual(soloRows);
  // Each alert once, and exactly the crossings of the group-wide counts (some only the sum of three shares reaches).
  const fired = names.flatMap((n) => alertKeys(readKind(join(dir, n), 'alerts'))).sort();
  expect(fired).toEqual(referenceAlertKeys(want));
  const perDaemonMax = Math.max(...names.map((n) => lines(readKind(join(dir, n), 'errors')).length));
  expect(perDaemonMax).toBeLessThan(wantErrors.length);
}, 300_000);

it('a crossing only the group-wide count reaches (each daemon sees 50 of 150 errors) alerts exactly once', async () => {
  const broker = brokerInfo();
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-cluster-cross-'));
  const topic = await createTopic(broker.plaintext, PARTITIONS);
  const names = ['a', 'b', 'c'];
  const { daemons } = await startGroup(dir, topic, names);
  // 25 errors of status 503 per partition, all in one window: 150 in the group, 50 for each daemon's two partitions.
  const windowStart = Math.floor((Date.now() - 300_000) / 30_000) * 30_000;
  for (let p = 0; p < PARTITIONS; p++) {
    const values = Array.from({ length: 25 }, (_, i) => {
      const ts = new Date(windowStart + 1000 + i * 100 + p).toISOString();
      return `{"timestamp": "${ts}", "ip": "10.0.${p}.${i}", "method": "GET", "url": "/x", "status": 503}`;
    });
    await produceTo(broker.plaintext, topic, p, values);
  }
  await closeAllWindows(broker.plaintext, topic, PARTITIONS);
  const all = (kind: string) => names.flatMap((n) => lines(readKind(join(dir, n), kind)));
  await until(() => `alerts ${all('alerts').length}, rows ${all('metrics').length}\n${daemons.map((d) => d.stderr().slice(-1500)).join('\n')}`, () => all('metrics').length >= 2, { ms: 60_000, everyMs: 250 });
  for (const d of daemons) d.child.kill('SIGTERM');
  for (const d of daemons) expect(await d.exit, d.stderr()).toBe(0);

  // No daemon could have fired it alone: each holds 50 of the errors.
  for (const n of names) expect(lines(readKind(join(dir, n), 'errors')).length, n).toBe(50);
  const alerts = all('alerts').map((l) => JSON.parse(l) as { rule: string; group: string; value: number; window_start: string; message: string });
  expect(alerts.map((a) => [a.rule, a.group, a.window_start])).toEqual([['errors_per_status', '503', new Date(windowStart).toISOString()]]);
  // Early (alerts.early, the default): on the group's running count, as it crossed 100 — before the window closed.
  expect(alerts[0]!.value).toBeGreaterThan(100);
  expect(alerts[0]!.value).toBeLessThanOrEqual(150);
  expect(alerts[0]!.message).toContain('(early)');
  const status = all('metrics').map((l) => JSON.parse(l) as Row).filter((r) => r.kind === 'status');
  expect(status.map((r) => [r.status, r.error_count])).toEqual([[503, 150]]);
}, 180_000);

it('one daemon SIGKILLed mid-stream and restarted, a fourth joining mid-stream: still every row, error and alert once', async () => {
  const broker = brokerInfo();
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-cluster-kill-'));
  const topic = await createTopic(broker.plaintext, PARTITIONS);
  const { daemons, spawn } = await startGroup(dir, topic, ['a', 'b', 'c']);
  const producer = spawnCli(['gen', '--rate', '20000', '--count', '300000', '--seed', '23', '--out', `kafka://${broker.plaintext}/${topic}`], { stdout: 'ignore' });
  const produced = once(producer.child, 'exit');
  await new Promise((r) => setTimeout(r, 4000));
  // b dies without a word (its last cut's state is on the topic, what it read after is not), then comes back.
  daemons[1]!.child.kill('SIGKILL');
  await daemons[1]!.exit;
  daemons[1] = spawn('b');
  await new Promise((r) => setTimeout(r, 3000));
  daemons.push(spawn('d'));
  expect((await produced)[0], producer.stderr()).toBe(0);
  await closeAllWindows(broker.plaintext, topic, PARTITIONS);

  const names = ['a', 'b', 'c', 'd'];
  const values = (await readTopic(broker.plaintext, topic, PARTITIONS)).flat().filter((v) => !v.includes('/closer'));
  expect(values.length).toBe(300_000);
  const want = ordered(referenceRows(inEventTimeOrder(values)));
  const wantErrors = values.filter((l) => !/"status": 200/.test(l)).sort();
  const all = (kind: string) => names.flatMap((n) => lines(readKind(join(dir, n), kind)));
  const state = () =>
    `rows ${all('metrics').length} of ${want.length}, errors ${all('errors').length} of ${wantErrors.length}\n` +
    daemons.map((d, i) => `--- ${names[i]}:\n${d.stderr().slice(-2500)}`).join('\n');
  // The killed member holds its partitions until the group's session timeout (45 s) moves them.
  try {
    await until(state, () => all('metrics').length >= want.length && all('errors').length >= wantErrors.length, { ms: 180_000, everyMs: 500 });
  } catch (err) {
    // Each daemon's whole log, for the post-mortem (the message holds only their tails): beside its output, which
    // the test run removes at its end, or in LOGPULSE_TEST_DUMP_DIR.
    const dumps = process.env.LOGPULSE_TEST_DUMP_DIR ?? dir;
    daemons.forEach((d, i) => writeFileSync(join(dumps, `${names[i]}-${d.child.pid}.stderr`), d.stderr()));
    writeFileSync(join(dumps, 'state-topic.json'), await stateTopicSummary(broker.plaintext, `logpulse-state.${topic}-g`, 6));
    throw new Error(`${(err as Error).message}\n(whole logs in ${dumps})`);
  }
  for (const d of daemons) d.child.kill('SIGTERM');
  for (const d of daemons) expect(await d.exit, d.stderr()).toBe(0);

  expect(lines(readKind(join(dir, 'd'), 'errors')).length, 'the fourth daemon read a share').toBeGreaterThan(0);
  expect(all('errors').sort()).toEqual(wantErrors);
  expectRows(ordered(all('metrics').map((l) => JSON.parse(l) as Row)), want);
  const fired = names.flatMap((n) => alertKeys(readKind(join(dir, n), 'alerts'))).sort();
  expect(fired).toEqual(referenceAlertKeys(want));
}, 400_000);

it('alone and on a bounded read, a daemon in cluster mode writes what it writes without it', async () => {
  const broker = brokerInfo();
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-cluster-alone-'));
  // Simulated time, 3 ms a line: ten windows, more than the state topic's 6 partitions.
  const topic = await filledTopic(broker.plaintext, 100_000, 29, ['--start', '2026-01-01T00:00:00Z', '--step', '3']);
  const run = (name: string, cluster: boolean) => {
    const cfg = join(dir, `${name}.yaml`);
    writeFileSync(cfg, `console:\n  enabled: false\noutput:\n  rotateEvery: 1s\ncluster:\n  enabled: ${cluster}\n`);
    const source = `kafka://${broker.plaintext}/${topic}?group=${topic}-${name}&startingOffsets=earliest&endingOffsets=latest`;
    return spawnCli(['run', '-c', cfg, '--no-api', '--source', source, '--output', join(dir, name), '--checkpoint', join(dir, `${name}-ckpt`)]);
  };
  const on = run('on', true);
  expect(await on.exit, on.stderr()).toBe(0);
  expect(on.stderr()).toContain('cluster: member of the group');
  const off = run('off', false);
  expect(await off.exit, off.stderr()).toBe(0);
  // In the order written, not sorted: windows spread over every state partition still come out oldest first.
  const rows = (name: string) => lines(readKind(join(dir, name), 'metrics')).map((l) => JSON.parse(l) as Row);
  expect(new Set(rows('on').map((r) => r.window_start)).size).toBeGreaterThan(6);
  expect(rows('on')).toEqual(rows('off'));
  expect(lines(readKind(join(dir, 'on'), 'errors')).sort()).toEqual(lines(readKind(join(dir, 'off'), 'errors')).sort());
  expect(alertKeys(readKind(join(dir, 'on'), 'alerts'))).toEqual(alertKeys(readKind(join(dir, 'off'), 'alerts')));
}, 180_000);

it('a state topic the daemon cannot create: it says so, and runs on without cluster mode', async () => {
  const broker = brokerInfo();
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-cluster-refused-'));
  const topic = await filledTopic(broker.plaintext, 20_000, 31);
  const cfg = join(dir, 'c.yaml');
  // ".." is a name the broker refuses (as it would a topic the principal may not create).
  writeFileSync(cfg, 'console:\n  enabled: false\ncluster:\n  enabled: true\n  topic: ".."\n');
  const d = spawnCli(['run', '-c', cfg, '--no-api', '--source', `kafka://${broker.plaintext}/${topic}?group=${topic}-g&startingOffsets=earliest&endingOffsets=latest`, '--output', join(dir, 'out'), '--checkpoint', join(dir, 'ckpt')]);
  expect(await d.exit, d.stderr()).toBe(0);
  const warning = d.stderr().split('\n').find((l) => l.includes('running without cluster mode'));
  expect(warning, d.stderr()).toBeDefined();
  expect(warning).toContain('LP_ERR_CLUSTER');
  expect(warning).toContain('cannot create the state topic ..');
  expect(lines(readKind(join(dir, 'out'), 'metrics')).length).toBeGreaterThan(0);
}, 120_000);

// Alerts POSTed to `alerts.webhook` on the real daemon (README, Alerts): a receiver that answers 500, then is gone
// for about ten seconds, then comes back, while the daemon is restarted in between. In the end every alert of the
// alerts/ files reached the receiver, each exactly once after dropping repeats by idempotency key; each POST's
// signature verifies with the shared secret. The slack format's shape, and a reload that moves the webhook to
// another URL and format in place, taking the alerts queued for the old one along; the URL's path (a credential)
// never in the log.
import { once } from 'node:events';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { apiUrl } from '../api/helpers.js';
import { parseSamples } from '../api/prom-text.js';
import { type CliProcess, spawnCli, waitForLog } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { sleep, until } from '../support/wait.js';
import { type Received, WebhookReceiver } from '../support/webhook-receiver.js';
import { lines, readKind } from './helpers.js';

const SECRET = 'test-secret-\u00e9-42';
const WINDOW_MS = 1000;
const base = Math.floor((Date.now() - 3_600_000) / WINDOW_MS) * WINDOW_MS;

/**
 * Records in windows `first` … `first + windows - 1`: in each, three 500s and three 503s, so a rule with threshold 2
 * fires twice per window (one alert per status).
 */
function batch(first: number, windows: number): string {
  let text = '';
  for (let w = first; w < first + windows; w++) {
    for (let k = 0; k < 6; k++) {
      const status = k % 2 === 0 ? 500 : 503;
      text += `{"timestamp": ${base + w * WINDOW_MS + k * 10}, "ip": "10.0.0.${k}", "method": "GET", "url": "/x", "status": ${status}}\n`;
    }
  }
  return text;
}

async function send(port: number, text: string): Promise<void> {
  const s = createConnection({ host: '127.0.0.1', port });
  await once(s, 'connect');
  await new Promise<void>((r) => s.end(text, () => r()));
  await once(s, 'close');
}

const alertsLogged = (d: CliProcess) => d.stderr().split('\n').filter((l) => l.includes('"msg":"alert"')).length;
const triple = (a: { rule: string; window_start: string; group: string }) => `${a.rule}|${a.window_start}|${a.group}`;

/** Checks a POST's signature as a receiver would (README, Alerts: verifying the signature). */
function verifies(r: Received, secret: string): boolean {
  const timestamp = String(r.headers['x-logpulse-timestamp']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex')}`;
  return r.headers['x-logpulse-signature'] === expected && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
}

it('every alert reaches a receiver that fails, goes away and comes back, across a restart: once per idempotency key, signed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-webhook-'));
  const [sourcePort, hookPort] = [await freePort(), await freePort()];
  const receiver = new WebhookReceiver(hookPort);
  receiver.status = 500;
  await receiver.start();
  const out = join(dir, 'out');
  const cfg = join(dir, 'logpulse.yaml');
  writeFileSync(
    cfg,
    `source: "tcp-listen://127.0.0.1:${sourcePort}"
api: { enabled: false }
console: { enabled: false }
output: { dir: ${out}, rotateEvery: 300ms }
checkpoint: { dir: ${join(dir, 'cp')} }
pipeline: { window: 1s, watermark: 0s, workers: 2 }
alerts:
  early: true
  rules: [{ type: errors_per_status, threshold: 2 }]
  webhook: "${receiver.url}/hooks/logpulse?token=abc"
  webhookSecretEnv: LP_TEST_WEBHOOK_SECRET
`,
  );
  const env = { LP_TEST_WEBHOOK_SECRET: SECRET };

  // The receiver answers 500: retried, with backoff.
  const first = spawnCli(['run', '-c', cfg], { cwd: dir, env });
  await waitForLog(first, 'source started');
  await send(sourcePort, batch(0, 5));
  await until(() => `three 500s; stderr:\n${first.stderr()}`, () => receiver.received.length >= 3);
  // Then it is gone; more alerts fire meanwhile, and the daemon is restarted before any is delivered.
  await receiver.stop();
  const down = Date.now();
  await send(sourcePort, batch(5, 5));
  await until(() => `20 alerts; stderr:\n${first.stderr()}`, () => alertsLogged(first) === 20);
  first.child.kill('SIGTERM');
  expect(await first.exit, first.stderr()).toBe(0);
  expect(first.stderr()).toContain('webhook: alerts not delivered yet; saved for the next start');
  expect(receiver.delivered()).toEqual([]);

  const second = spawnCli(['run', '-c', cfg], { cwd: dir, env });
  await waitForLog(second, 'source started');
  expect(second.stderr()).toMatch(/"count":20,.*"msg":"webhook: undelivered alerts of the last run queued again"/);
  await send(sourcePort, batch(10, 5));
  await until(() => `10 more alerts; stderr:\n${second.stderr()}`, () => alertsLogged(second) >= 10);
  // About ten seconds after it went away, the receiver is back.
  await sleep(Math.max(0, down + 10_000 - Date.now()));
  receiver.status = 200;
  await receiver.start();
  const deliveredKeys = () => new Set(receiver.delivered().map((r) => r.headers['idempotency-key']));
  await until(() => `30 alerts delivered (${deliveredKeys().size}); stderr:\n${second.stderr()}`, () => deliveredKeys().size >= 30, { ms: 60_000, everyMs: 100 });
  second.child.kill('SIGTERM');
  expect(await second.exit, second.stderr()).toBe(0);

  const written = lines(readKind(out, 'alerts')).map((l) => JSON.parse(l) as Record<string, unknown> & { rule: string; window_start: string; group: string });
  // An alert of a window still open at the stop fires again when that window closes after the restart (the alert
  // engine's memory is not in the checkpoint): the same (rule, window, group), so the same idempotency key.
  const alerts = new Map<string, Record<string, unknown>[]>();
  for (const a of written) alerts.set(triple(a), [...(alerts.get(triple(a)) ?? []), a]);
  expect(alerts.size).toBe(30);
  // Each POST: JSON of the alert plus its key, the key in a header too, signed.
  const byKey = new Map<string, string>();
  for (const r of receiver.delivered()) {
    const body = JSON.parse(r.body) as Record<string, unknown> & { rule: string; window_start: string; group: string };
    const key = r.headers['idempotency-key'] as string;
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(body.idempotency_key).toBe(key);
    const { idempotency_key: _, ...alert } = body;
    expect(alerts.get(triple(body))).toContainEqual(alert);
    if (byKey.has(key)) expect(byKey.get(key)).toBe(triple(body)); // a repeat is the same alert
    byKey.set(key, triple(body));
    expect(r.path).toBe('/hooks/logpulse?token=abc');
    expect(r.headers['content-type']).toBe('application/json');
  }
  // Exactly one per alert once repeats are dropped: none lost across the restart, none made up.
  expect(byKey.size).toBe(alerts.size);
  expect(new Set(byKey.values())).toEqual(new Set(alerts.keys()));
  for (const r of receiver.received) expect(verifies(r, SECRET), r.body).toBe(true);
  expect(receiver.received.some((r) => verifies(r, 'another secret'))).toBe(false);
  // Neither the secret nor the URL's path and query are logged; the origin is.
  const log = first.stderr() + second.stderr();
  expect(log).toContain(`"webhook":"${receiver.url}"`);
  expect(log).not.toContain('token=abc');
  expect(log).not.toContain('/hooks/logpulse');
  expect(log).not.toContain(SECRET);
  await receiver.stop();
}, 120_000);

it('slack format; a reload moves the webhook to another URL and format in place, alerts queued for the old one included; /metrics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-webhook-slack-'));
  const sourcePort = await freePort();
  const slack = new WebhookReceiver(await freePort());
  const other = new WebhookReceiver(await freePort());
  await slack.start();
  await other.start();
  const cfg = join(dir, 'logpulse.yaml');
  const yaml = (webhook: string, format: string) => `source: "tcp-listen://127.0.0.1:${sourcePort}"
api: { port: 0 }
console: { enabled: false }
output: { dir: ${join(dir, 'out')}, rotateEvery: 300ms }
checkpoint: { dir: ${join(dir, 'cp')} }
pipeline: { window: 1s, watermark: 0s }
alerts: { rules: [{ type: errors_per_status, threshold: 2 }], webhook: "${webhook}", webhookFormat: ${format} }
`;
  writeFileSync(cfg, yaml(`${slack.url}/services/T000/B000/s3cr3tpart`, 'slack'));
  const d = spawnCli(['run', '-c', cfg], { cwd: dir });
  const url = await apiUrl(d);
  await waitForLog(d, 'source started');
  await send(sourcePort, batch(0, 3));
  await until(() => `6 Slack messages; stderr:\n${d.stderr()}`, () => slack.delivered().length >= 6);
  for (const r of slack.delivered()) {
    const message = JSON.parse(r.body) as { text: string; blocks: Array<{ type: string }> };
    expect(message.text).toMatch(/^logpulse alert ERRORS_PER_STATUS: errors_per_status 50[03] = 3 \(threshold 2\)$/);
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(r.headers['idempotency-key']).toMatch(/^[0-9a-f]{32}$/);
    expect(r.headers['x-logpulse-signature']).toBeUndefined(); // no secret configured
  }

  // The Slack hook goes away: the next alerts wait in the queue. A reload to another URL (JSON) sends them there.
  await slack.stop();
  await send(sourcePort, batch(3, 3));
  await until(() => `12 alerts and a failed delivery; stderr:\n${d.stderr()}`, () => alertsLogged(d) === 12 && d.stderr().includes('webhook: delivery failed; retrying'));
  writeFileSync(cfg, yaml(`${other.url}/in`, 'json'));
  d.child.kill('SIGHUP');
  await waitForLog(d, 'SIGHUP: config reloaded');
  expect(d.stderr()).toMatch(/"inPlace":\["alerts.webhook","alerts.webhookFormat"\]/);
  await send(sourcePort, batch(6, 3));
  await until(() => `12 JSON alerts at the new URL; stderr:\n${d.stderr()}`, () => other.delivered().length >= 12);
  expect(slack.received).toHaveLength(6);
  const moved = other.delivered().map((r) => JSON.parse(r.body) as { rule: string; window_start: string; group: string; value: number });
  for (const a of moved) expect(a).toMatchObject({ rule: 'errors_per_status', threshold: 2, value: 3 });
  // The six that waited for the gone hook are among them: windows 3 to 5.
  const windows = new Set(moved.map((a) => (Date.parse(a.window_start) - base) / WINDOW_MS));
  expect([...windows].sort((x, y) => x - y)).toEqual([3, 4, 5, 6, 7, 8]);
  expect(new Set(moved.map(triple)).size).toBe(12);

  const m = parseSamples(await (await fetch(`${url}/metrics`)).text());
  expect(m.get('logpulse_webhook_deliveries_total{result="ok"}')).toBe(18);
  expect(m.get('logpulse_webhook_deliveries_total{result="retry"}')).toBeGreaterThan(0);
  expect(m.get('logpulse_webhook_deliveries_total{result="failed"}')).toBe(0);
  expect(m.get('logpulse_webhook_queue')).toBe(0);
  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr()).toBe(0);
  expect(d.stderr()).not.toContain('s3cr3tpart');
  await other.stop();
}, 60_000);

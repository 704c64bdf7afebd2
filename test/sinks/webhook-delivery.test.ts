// The webhook's queue on its own, against a real local receiver: what a full queue drops, what is retried and what
// is not, what survives a stop, and what happens to queued alerts when the webhook is removed and set again.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import type { Alert } from '../../src/pipeline/output-port.js';
import { WebhookDelivery, type WebhookTarget, webhookTarget } from '../../src/sinks/webhook.js';
import { freePort } from '../support/net.js';
import { until } from '../support/wait.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const log = pino({ level: 'silent' });
const fast = { log, backoff: { baseMs: 10, capMs: 50 }, timeoutMs: 2000 };

const alert = (n: number): Alert => ({
  type: 'ERRORS_PER_STATUS',
  rule: 'errors_per_status',
  window_start: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
  window_end: new Date(Date.UTC(2026, 0, 1, 0, n + 1)).toISOString(),
  group: '500',
  value: 10 + n,
  threshold: 5,
  message: `alert ${n}`,
  emitted_at: '2026-01-01T01:00:00.000Z',
});

const target = (r: WebhookReceiver): WebhookTarget => webhookTarget({ webhook: `${r.url}/hook`, webhookFormat: 'json', webhookSecretEnv: null }, {})!;
const values = (r: WebhookReceiver) => r.delivered().map((x) => (JSON.parse(x.body) as Alert).value);

describe('WebhookDelivery', () => {
  it('a full queue drops the oldest not in flight (counted); what is left survives a stop and is delivered by the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-webhook-q-'));
    const receiver = new WebhookReceiver(await freePort()); // not listening yet: connections are refused
    const first = new WebhookDelivery({ ...fast, maxQueue: 3, concurrency: 1 });
    await first.open(dir, target(receiver));
    for (let n = 1; n <= 5; n++) first.send(alert(n));
    expect(first.counts.dropped).toBe(2);
    expect(first.queued).toBe(3);
    await until('a failed attempt', () => first.counts.retry > 0);
    await first.close(1000);
    expect(existsSync(join(dir, 'webhook.msgpack'))).toBe(true);

    await receiver.start();
    const second = new WebhookDelivery(fast);
    await second.open(dir, target(receiver));
    await until('three delivered', () => second.counts.ok === 3);
    expect(values(receiver).sort()).toEqual([11, 14, 15]); // 1 was in flight when 4 and 5 came
    await second.close(1000);
    // Nothing left: the next start sends nothing.
    const third = new WebhookDelivery(fast);
    await third.open(dir, target(receiver));
    expect(third.queued).toBe(0);
    await third.close(0);
    await receiver.stop();
  });

  it('retries a 500 until it is taken; a 400 is refused for good (not retried)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-webhook-r-'));
    const receiver = new WebhookReceiver(await freePort());
    await receiver.start();
    receiver.status = 500;
    const d = new WebhookDelivery(fast);
    await d.open(dir, target(receiver));
    d.send(alert(1));
    await until('three 500s', () => receiver.received.length >= 3);
    receiver.status = 200;
    await until('delivered', () => d.counts.ok === 1);
    expect(d.counts.retry).toBeGreaterThanOrEqual(3);
    receiver.status = 400;
    d.send(alert(2));
    await until('refused', () => d.counts.failed === 1);
    expect(receiver.received.filter((r) => r.status === 400)).toHaveLength(1);
    expect(d.queued).toBe(0);
    await d.close(0);
    await receiver.stop();
  });

  it('keeps what is queued when the webhook is removed, and sends it when one is set again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-webhook-t-'));
    const gone = new WebhookReceiver(await freePort());
    const next = new WebhookReceiver(await freePort());
    await next.start();
    const d = new WebhookDelivery(fast);
    await d.open(dir, target(gone));
    d.send(alert(1));
    d.send(alert(2));
    d.setTarget(null);
    d.send(alert(3)); // no webhook: not queued
    expect(d.queued).toBe(2);
    d.setTarget(target(next));
    await until('two delivered to the new URL', () => d.counts.ok === 2);
    expect(values(next).sort()).toEqual([11, 12]);
    await d.close(0);
    await next.stop();
  });

  it('a saved list that is not one is moved aside; one left with no webhook configured is discarded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-webhook-bad-'));
    writeFileSync(join(dir, 'webhook.msgpack'), 'not msgpack of alerts');
    const d = new WebhookDelivery(fast);
    await d.open(dir, null);
    expect(readdirSync(dir).filter((f) => f.startsWith('webhook.msgpack.rejected-'))).toHaveLength(1);
    await d.close(0);

    const receiver = new WebhookReceiver(await freePort());
    const saving = new WebhookDelivery(fast);
    await saving.open(dir, target(receiver));
    saving.send(alert(1));
    await saving.close(0);
    const without = new WebhookDelivery(fast);
    await without.open(dir, null);
    expect(without.queued).toBe(0);
    expect(existsSync(join(dir, 'webhook.msgpack'))).toBe(false);
    await without.close(0);
  });
});

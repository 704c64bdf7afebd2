// What a webhook POST carries: the idempotency key (one per rule, window and group, whatever else differs), the JSON
// and Slack bodies, the signature a receiver checks, and how long delivery waits after failures.
import { createHmac } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import type { Alert } from '../../src/pipeline/output-port.js';
import { backoffMs } from '../../src/sinks/webhook-backoff.js';
import { idempotencyKey, webhookBody } from '../../src/sinks/webhook-payload.js';
import { signatureHeaders } from '../../src/sinks/webhook-signature.js';

const alert: Alert = {
  type: 'URL_ERROR_RATE',
  rule: 'url_error_rate',
  window_start: '2026-01-01T10:00:00.000Z',
  window_end: '2026-01-01T10:01:00.000Z',
  group: '/search?q=<script>&x=1',
  value: 0.4567,
  threshold: 0.3,
  message: 'url /search?q=<script>&x=1: error rate 45.67 % > 30 % in window 2026-01-01T10:00:00.000Z (early)',
  emitted_at: '2026-01-01T10:00:12.345Z',
};

describe('idempotency key', () => {
  it('is the same for the same rule, window and group, whenever and however it fired', () => {
    const again = { ...alert, value: 0.5, message: 'at close', emitted_at: '2026-01-01T10:01:05.000Z' };
    expect(idempotencyKey(again)).toBe(idempotencyKey(alert));
    expect(idempotencyKey(alert)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('differs when any of the three does', () => {
    const keys = new Set([
      idempotencyKey(alert),
      idempotencyKey({ ...alert, rule: 'ip_error_rate' }),
      idempotencyKey({ ...alert, window_start: '2026-01-01T10:01:00.000Z' }),
      idempotencyKey({ ...alert, group: '/search' }),
      // The parts cannot run into each other.
      idempotencyKey({ rule: 'errors_per_status', window_start: 'a', group: 'b' }),
      idempotencyKey({ rule: 'errors_per_status', window_start: 'ab', group: '' }),
    ]);
    expect(keys.size).toBe(6);
  });
});

describe('bodies', () => {
  it('json: the alert as written to alerts/ files, plus its idempotency key', () => {
    expect(JSON.parse(webhookBody(alert, 'json'))).toEqual({ ...alert, idempotency_key: idempotencyKey(alert) });
  });

  it('slack: text and blocks, a rate as a percentage, markup characters escaped', () => {
    const message = JSON.parse(webhookBody(alert, 'slack')) as { text: string; blocks: Array<Record<string, unknown>> };
    expect(message.text).toBe('logpulse alert URL_ERROR_RATE: url_error_rate /search?q=&lt;script&gt;&amp;x=1 = 45.67 % (threshold 30 %)');
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(JSON.stringify(message.blocks)).not.toMatch(/<script>|&x/);
    expect(JSON.stringify(message.blocks)).toContain('2026-01-01T10:00:00.000Z – 2026-01-01T10:01:00.000Z');
  });
});

it('signature: HMAC-SHA256 of "<timestamp>.<body>" with the secret, as hex', () => {
  const body = webhookBody(alert, 'json');
  const headers = signatureHeaders('s3cret', body, 1_767_261_612);
  expect(headers['X-Logpulse-Timestamp']).toBe('1767261612');
  expect(headers['X-Logpulse-Signature']).toBe(`sha256=${createHmac('sha256', 's3cret').update(`1767261612.${body}`).digest('hex')}`);
  expect(signatureHeaders('other', body, 1_767_261_612)['X-Logpulse-Signature']).not.toBe(headers['X-Logpulse-Signature']);
  expect(signatureHeaders('s3cret', `${body} `, 1_767_261_612)['X-Logpulse-Signature']).not.toBe(headers['X-Logpulse-Signature']);
});

it('backoff doubles from 500 ms up to 30 s, at most a fifth less with jitter', () => {
  expect([1, 2, 3, 4, 5, 6, 7, 8, 100].map((n) => backoffMs(n, undefined, 0))).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  expect(backoffMs(3, undefined, 0.999)).toBeGreaterThanOrEqual(1600);
  expect(backoffMs(3, { baseMs: 100, capMs: 250 }, 0)).toBe(250);
});

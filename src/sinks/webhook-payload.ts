// What a webhook POST carries for one alert: its idempotency key and its body in the configured format. The key is
// derived from what makes an alert unique (the engine fires at most once per rule, window and group), so the same
// alert fired again — replayed after a crash, re-sent after a restart — has the same key and a receiver can drop it.
import { createHash } from 'node:crypto';

import type { Config } from '../config/types.js';
import type { Alert } from '../pipeline/output-port.js';
import { slackMessage } from './webhook-slack.js';

export type WebhookFormat = Config['alerts']['webhookFormat'];

/** 32 hex digits of SHA-256 over (rule, window_start, group): stable across restarts, replays and daemons. */
export function idempotencyKey(alert: Pick<Alert, 'rule' | 'window_start' | 'group'>): string {
  // NUL cannot occur in any of the three (a group is a status, a URL, an IP or "all"), so the join is unambiguous.
  return createHash('sha256').update(`${alert.rule}\0${alert.window_start}\0${alert.group}`).digest('hex').slice(0, 32);
}

/** The exact body bytes of the POST (what a signature covers). */
export function webhookBody(alert: Alert, format: WebhookFormat): string {
  if (format === 'slack') return JSON.stringify(slackMessage(alert));
  return JSON.stringify({ ...alert, idempotency_key: idempotencyKey(alert) });
}

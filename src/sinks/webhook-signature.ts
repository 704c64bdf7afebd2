// The optional HMAC-SHA256 signature of a webhook POST. It covers the timestamp and the exact body bytes
// (`<timestamp>.<body>`), so a receiver can tell the body is ours and unchanged, and refuse a captured request
// replayed later (an old timestamp) — the scheme Stripe and Slack use for theirs.
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Logpulse-Signature';
export const TIMESTAMP_HEADER = 'X-Logpulse-Timestamp';

/** The two headers of a signed POST: `timestamp` in whole seconds since the epoch. */
export function signatureHeaders(secret: string, body: string, timestamp: number): Record<string, string> {
  const hex = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: `sha256=${hex}` };
}

// One delivery attempt of one alert: a POST with a deadline, and what its answer means. 2xx: delivered. 408, 429
// and 5xx, a refused connection, a timeout: the receiver may take it later (retry). Any other status (400, 401,
// 404, a redirect…): the receiver refused this request, and the same bytes would be refused again (failed).
import type { Alert } from '../pipeline/output-port.js';
import { idempotencyKey, type WebhookFormat, webhookBody } from './webhook-payload.js';
import { signatureHeaders } from './webhook-signature.js';

/** Where and how alerts are POSTed. The URL is a credential (a Slack URL is): log `origin` only. */
export interface WebhookTarget {
  url: string;
  origin: string;
  format: WebhookFormat;
  /** The HMAC secret, or null: unsigned. */
  secret: string | null;
}

export type Attempt = { result: 'ok'; status: number } | { result: 'retry' | 'failed'; status?: number; error: string };

const USER_AGENT = 'logpulse-webhook/1';

export async function postAlert(target: WebhookTarget, alert: Alert, timeoutMs: number, abort: AbortSignal): Promise<Attempt> {
  const body = webhookBody(alert, target.format);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'Idempotency-Key': idempotencyKey(alert),
  };
  if (target.secret !== null) Object.assign(headers, signatureHeaders(target.secret, body, Math.floor(Date.now() / 1000)));
  let status: number;
  try {
    // Redirects are not followed: fetch would turn the POST into a GET, and the signature was made for this URL.
    const res = await fetch(target.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.any([abort, AbortSignal.timeout(timeoutMs)]) });
    status = res.status;
    // The body is not needed; reading it to the end returns the connection to the pool.
    await res.arrayBuffer().catch(() => undefined);
  } catch (err) {
    return { result: 'retry', error: describe(err, timeoutMs) };
  }
  if (status >= 200 && status < 300) return { result: 'ok', status };
  if (status === 408 || status === 429 || status >= 500) return { result: 'retry', status, error: `HTTP ${status}` };
  return { result: 'failed', status, error: `HTTP ${status}` };
}

/** A network error's cause in a few words (undici hides it in `cause`); never the URL. */
function describe(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (e.name === 'AbortError') return 'aborted (stopping)';
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

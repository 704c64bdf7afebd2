// Alerts POSTed to `alerts.webhook` (README, Alerts). The pipeline only hands an alert over (`send` never waits):
// a bounded in-memory queue is delivered in the background, a few requests at a time, each with a deadline.
// A failing receiver is retried with exponential backoff (capped) and one request at a time until it answers
// again, so an outage costs it a handful of requests, not a storm. Undelivered alerts are saved under
// `checkpoint.dir` at every durable cut, every second while they change, and at stop, and queued again at start:
// delivery is at-least-once, with an idempotency key per alert for receivers to drop repeats.
// The queue outlives the daemon's generations (a reload that rebuilds keeps it; one that changes the URL sends
// what is queued to the new one).
import type { Logger } from '../log.js';
import { Throttle } from '../kafka/throttle.js';
import type { Alert } from '../pipeline/output-port.js';
import { type Backoff, backoffMs, DEFAULT_BACKOFF } from './webhook-backoff.js';
import { idempotencyKey } from './webhook-payload.js';
import { postAlert, type WebhookTarget } from './webhook-post.js';
import { readPending, removePending, writePending } from './webhook-store.js';

export type { WebhookTarget } from './webhook-post.js';

/** What `logpulse_webhook_deliveries_total{result}` counts: attempts delivered, to retry, refused, and alerts dropped. */
export interface WebhookCounts {
  ok: number;
  retry: number;
  failed: number;
  dropped: number;
}

export interface WebhookOptions {
  log: Logger;
  /** Alerts held (queued and in flight) at most; beyond, the oldest queued is dropped. Default 10 000. */
  maxQueue?: number;
  /** Requests in flight at most while the receiver answers. Default 4. */
  concurrency?: number;
  /** Per-request deadline. Default 10 s. */
  timeoutMs?: number;
  backoff?: Backoff;
  /** How often the list of undelivered alerts is saved while it changes. Default 1 s. */
  saveEveryMs?: number;
}

export class WebhookDelivery {
  readonly counts: WebhookCounts = { ok: 0, retry: 0, failed: 0, dropped: 0 };
  readonly #o: Required<WebhookOptions>;
  #target: WebhookTarget | null = null;
  #queue: Alert[] = [];
  readonly #inFlight = new Set<Alert>();
  /** Consecutive failed attempts: > 0 means backing off and probing one request at a time. */
  #failures = 0;
  /** Failures counted so far: an attempt already in flight when another failed does not double the wait again. */
  #failureSeq = 0;
  #resumeAt = 0;
  #wake: NodeJS.Timeout | null = null;
  #saveTimer: NodeJS.Timeout | null = null;
  #dir: string | null = null;
  /** Where the list was last written (a changed `checkpoint.dir` moves it). */
  #savedDir: string | null = null;
  #dirty = false;
  #saving: Promise<void> = Promise.resolve();
  #abort = new AbortController();
  #closed = false;
  #changed: () => void = () => {};
  readonly #warnings = new Throttle(10_000);

  constructor(options: WebhookOptions) {
    this.#o = { maxQueue: 10_000, concurrency: 4, timeoutMs: 10_000, backoff: DEFAULT_BACKOFF, saveEveryMs: 1000, ...options };
  }

  /** Alerts not delivered yet: queued, and in flight. */
  get queued(): number {
    return this.#queue.length + this.#inFlight.size;
  }

  /** At start: where the list is kept (`checkpoint.dir`), what the last run left there, and the configured target. */
  async open(dir: string, target: WebhookTarget | null): Promise<void> {
    const log = this.#o.log;
    this.#dir = dir;
    this.#savedDir = dir;
    let alerts: Alert[] = [];
    try {
      const r = await readPending(dir);
      alerts = r.alerts;
      if (r.rejectedTo) log.error({ movedTo: r.rejectedTo }, 'webhook: the saved list of undelivered alerts is unreadable; moved aside');
    } catch (err) {
      log.error({ err: (err as Error).message }, 'webhook: the saved list of undelivered alerts could not be read');
    }
    if (alerts.length > 0 && target === null) {
      log.warn({ count: alerts.length }, 'webhook: undelivered alerts of the last run discarded (alerts.webhook is not set)');
      await removePending(dir).catch(() => undefined);
    } else if (alerts.length > 0) {
      this.#queue.push(...alerts);
      log.info({ count: alerts.length, webhook: target!.origin }, 'webhook: undelivered alerts of the last run queued again');
    }
    this.#target = target;
    this.#saveTimer = setInterval(() => {
      this.save().catch((err: unknown) => {
        if (this.#warnings.due('save')) log.error({ err: (err as Error).message }, 'webhook: saving the undelivered alerts failed (retrying)');
      });
    }, this.#o.saveEveryMs);
    this.#saveTimer.unref();
    this.#pump();
  }

  /**
   * A reload: a new URL, format or secret takes the queue as it is (requests in flight finish against the old
   * one). Null: no webhook any more; delivery stops, and what is queued is kept (in memory and on disk) in case it
   * comes back — a rebuild that rolls back sets it again — but not across a restart without it.
   */
  setTarget(next: WebhookTarget | null): void {
    const previous = this.#target;
    this.#target = next;
    if (next === null) {
      if (previous === null) return;
      this.#abort.abort();
      this.#abort = new AbortController();
      if (this.queued > 0) this.#o.log.warn({ count: this.queued, webhook: previous.origin }, 'webhook: alerts.webhook removed; undelivered alerts are no longer sent');
      return;
    }
    if (previous !== null && previous.url === next.url && previous.format === next.format && previous.secret === next.secret) return;
    // A new receiver (or the same one fixed) is tried at once.
    this.#failures = 0;
    this.#resumeAt = 0;
    this.#pump();
  }

  /** `checkpoint.dir` changed (a rebuild): the list is written there from now on, and removed from the old one. */
  setDir(dir: string): void {
    if (dir === this.#dir) return;
    this.#dir = dir;
    this.#dirty = true;
  }

  /** Queues an alert for delivery; never waits. */
  send(alert: Alert): void {
    if (this.#closed || this.#target === null) return;
    if (this.queued >= this.#o.maxQueue) {
      // The oldest queued goes (the newest says most about now); one in flight cannot. It is in alerts/ files either way.
      const dropped = this.#queue.shift() ?? alert;
      this.counts.dropped++;
      if (this.#warnings.due('full')) {
        this.#o.log.warn({ maxQueue: this.#o.maxQueue, dropped: this.counts.dropped, key: idempotencyKey(dropped) }, 'webhook: queue full; an undelivered alert was dropped');
      }
      if (dropped === alert) return;
    }
    this.#queue.push(alert);
    this.#dirty = true;
    this.#pump();
  }

  /** Writes the undelivered alerts (queued and in flight) if they changed since the last write. Writes never overlap. */
  save(): Promise<void> {
    const next = this.#saving.catch(() => undefined).then(() => this.#write());
    this.#saving = next;
    return next;
  }

  /**
   * The end of a run: delivery goes on for up to `drainMs` while the receiver answers (not at all while it is
   * failing), then stops; what is left is saved for the next start.
   */
  async close(drainMs: number): Promise<void> {
    if (this.#saveTimer) clearInterval(this.#saveTimer);
    const deadline = Date.now() + drainMs;
    while (this.queued > 0 && this.#target !== null && this.#failures === 0 && Date.now() < deadline) await this.#nextChange(deadline - Date.now());
    this.#closed = true;
    if (this.#wake) clearTimeout(this.#wake);
    this.#abort.abort();
    while (this.#inFlight.size > 0) await this.#nextChange(100);
    await this.save();
    if (this.queued > 0) this.#o.log.warn({ count: this.queued, webhook: this.#target?.origin }, 'webhook: alerts not delivered yet; saved for the next start');
  }

  #nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(1, ms));
      this.#changed = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async #write(): Promise<void> {
    const dir = this.#dir;
    if (dir === null || (!this.#dirty && this.#savedDir === dir)) return;
    this.#dirty = false;
    try {
      await writePending(dir, [...this.#inFlight, ...this.#queue]);
    } catch (err) {
      this.#dirty = true;
      throw err;
    }
    if (this.#savedDir !== null && this.#savedDir !== dir) await removePending(this.#savedDir).catch(() => undefined);
    this.#savedDir = dir;
  }

  #pump(): void {
    const target = this.#target;
    if (this.#closed || target === null) return;
    const wait = this.#resumeAt - Date.now();
    if (wait > 0) {
      if (this.#wake === null && this.#queue.length > 0) {
        this.#wake = setTimeout(() => {
          this.#wake = null;
          this.#pump();
        }, wait);
      }
      return;
    }
    const limit = this.#failures > 0 ? 1 : this.#o.concurrency;
    while (this.#inFlight.size < limit && this.#queue.length > 0) {
      const alert = this.#queue.shift()!;
      this.#inFlight.add(alert);
      void this.#attempt(alert, target, this.#abort.signal, this.#failureSeq);
    }
  }

  async #attempt(alert: Alert, target: WebhookTarget, signal: AbortSignal, failureSeq: number): Promise<void> {
    const outcome = await postAlert(target, alert, this.#o.timeoutMs, signal);
    const log = this.#o.log;
    this.#inFlight.delete(alert);
    this.#dirty = true;
    if (outcome.result === 'ok') {
      this.counts.ok++;
      if (this.#failures > 0 && target === this.#target) log.info({ webhook: target.origin, failedAttempts: this.#failures, queued: this.queued }, 'webhook: delivering again');
      if (target === this.#target) this.#failures = 0;
    } else if (signal.aborted) {
      this.#queue.unshift(alert); // stopping, or the webhook removed: kept, not an attempt that failed
    } else if (outcome.result === 'failed') {
      this.counts.failed++;
      log.warn({ webhook: target.origin, status: outcome.status, key: idempotencyKey(alert), rule: alert.rule }, 'webhook: the receiver refused an alert; not retried');
    } else {
      this.counts.retry++;
      this.#queue.unshift(alert);
      // A failure of a URL replaced meanwhile says nothing about the new one; several requests in flight when the
      // receiver went away are one failure, not several.
      if (target === this.#target && failureSeq === this.#failureSeq) {
        this.#failureSeq++;
        this.#failures++;
        this.#resumeAt = Date.now() + backoffMs(this.#failures, this.#o.backoff);
      }
      if (this.#warnings.due('retry')) {
        log.warn({ webhook: target.origin, error: outcome.error, failedAttempts: this.#failures, queued: this.queued }, 'webhook: delivery failed; retrying with backoff');
      }
    }
    this.#changed();
    this.#pump();
  }
}

/** The target `alerts.webhook*` describe, the secret read from the environment; null without a webhook. */
export function webhookTarget(alerts: { webhook: string | null; webhookFormat: WebhookTarget['format']; webhookSecretEnv: string | null }, env: NodeJS.ProcessEnv): WebhookTarget | null {
  if (alerts.webhook === null) return null;
  const secret = alerts.webhookSecretEnv === null ? null : env[alerts.webhookSecretEnv] || null;
  return { url: alerts.webhook, origin: new URL(alerts.webhook).origin, format: alerts.webhookFormat, secret };
}

// The live feed behind GET /events (Server-Sent Events): each closed-window row and each alert as the daemon emits
// it, and every second the pipeline's own rates. The pipeline never waits for a client: a write only queues bytes
// in the client's socket buffer, and a client whose backlog passes `maxBufferedBytes` (it reads slower than the
// feed comes) is dropped — its browser reconnects and reloads history. With no client connected the hub holds no
// timer and every feed call returns at its first line.
import type { ServerResponse } from 'node:http';

import type { Alert } from '../pipeline/output-port.js';
import type { PipelineTotals } from '../pipeline/pipeline.js';

/** What the `pipeline` events are computed from, read once per tick. */
export interface PipelineProbe {
  totals: () => Readonly<PipelineTotals>;
  pendingOutputBytes: () => number;
  /** Every window ending at or before this (µs since the epoch) is closed; null before the first. */
  closedThroughUs: () => number | null;
}

export interface LiveHubOptions {
  /** Null when no pipeline runs in this process (`logpulse api`): no `pipeline` events. */
  probe: PipelineProbe | null;
  tickMs?: number;
  heartbeatMs?: number;
  /** Bytes queued for one client beyond which it is dropped. */
  maxBufferedBytes?: number;
  /** The browser's reconnect delay, sent as `retry:`. */
  retryMs?: number;
}

interface Snapshot {
  at: number;
  lines: number;
  records: number;
  errors: number;
  late: number;
  rejected: number;
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

function snapshot(t: Readonly<PipelineTotals>): Snapshot {
  return { at: performance.now(), lines: t.lines, records: t.records, errors: t.errors, late: t.late, rejected: sum(t.rejected) };
}

export class LiveHub {
  readonly #probe: PipelineProbe | null;
  readonly #tickMs: number;
  readonly #heartbeatMs: number;
  readonly #maxBuffered: number;
  readonly #retryMs: number;
  readonly #clients = new Set<ServerResponse>();
  #tick: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #last: Snapshot | null = null;

  constructor(o: LiveHubOptions) {
    this.#probe = o.probe;
    this.#tickMs = o.tickMs ?? 1000;
    this.#heartbeatMs = o.heartbeatMs ?? 15_000;
    this.#maxBuffered = o.maxBufferedBytes ?? 1 << 20;
    this.#retryMs = o.retryMs ?? 2000;
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Takes over a response: the event-stream headers, `retry:`, a `hello` event, then the feed until it closes. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // A reverse proxy (nginx) would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.on('close', () => this.#detach(res));
    this.#clients.add(res);
    this.#send(res, `retry: ${this.#retryMs}\n\n`);
    this.#send(res, event('hello', JSON.stringify({ pipeline: this.#probe !== null })));
    if (this.#clients.size === 1) this.#startTimers();
  }

  /** A closed window's metrics rows (newline-JSON): one `window` event per row, the row's JSON as is. */
  windowRows(rows: Buffer): void {
    if (this.#clients.size === 0) return;
    let events = '';
    for (const line of rows.toString('utf8').split('\n')) if (line !== '') events += event('window', line);
    this.#broadcast(events);
  }

  alert(alert: Alert): void {
    if (this.#clients.size === 0) return;
    this.#broadcast(event('alert', JSON.stringify(alert)));
  }

  /** Ends every stream (the server is closing: an open stream would hold its close). */
  close(): void {
    for (const res of this.#clients) res.end();
    this.#clients.clear();
    this.#stopTimers();
  }

  #detach(res: ServerResponse): void {
    this.#clients.delete(res);
    if (this.#clients.size === 0) this.#stopTimers();
  }

  #broadcast(text: string): void {
    for (const res of this.#clients) this.#send(res, text);
  }

  #send(res: ServerResponse, text: string): void {
    if (res.destroyed || res.writableEnded) return;
    res.write(text);
    // Node queues what the socket has not taken yet; past the bound this client is not keeping up.
    if (res.writableLength > this.#maxBuffered) {
      this.#detach(res);
      res.destroy();
    }
  }

  #startTimers(): void {
    this.#heartbeat = setInterval(() => this.#broadcast(': heartbeat\n\n'), this.#heartbeatMs);
    this.#heartbeat.unref();
    if (this.#probe === null) return;
    this.#last = snapshot(this.#probe.totals());
    this.#tick = setInterval(() => this.#pipelineEvent(), this.#tickMs);
    this.#tick.unref();
  }

  #stopTimers(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    if (this.#tick !== null) clearInterval(this.#tick);
    this.#heartbeat = this.#tick = this.#last = null;
  }

  #pipelineEvent(): void {
    const probe = this.#probe!;
    const t = probe.totals();
    const now = snapshot(t);
    const last = this.#last ?? now;
    this.#last = now;
    const seconds = Math.max((now.at - last.at) / 1000, 1e-3);
    const rate = (k: Exclude<keyof Snapshot, 'at'>): number => Math.round(((now[k] - last[k]) / seconds) * 10) / 10;
    const closedThrough = probe.closedThroughUs();
    const data = {
      at: new Date().toISOString(),
      lines_per_s: rate('lines'),
      records_per_s: rate('records'),
      errors_per_s: rate('errors'),
      rejected_per_s: rate('rejected'),
      late_per_s: rate('late'),
      totals: { lines: t.lines, records: t.records, errors: t.errors, late: t.late, rejected: now.rejected, windows: t.windows, alerts: t.alerts },
      pending_output_bytes: probe.pendingOutputBytes(),
      closed_through: closedThrough === null ? null : new Date(closedThrough / 1000).toISOString(),
    };
    this.#broadcast(event('pipeline', JSON.stringify(data)));
  }
}

/** One SSE event; `data` is one line of JSON (JSON.stringify and the metrics rows never hold a newline). */
const event = (name: string, data: string): string => `event: ${name}\ndata: ${data}\n\n`;

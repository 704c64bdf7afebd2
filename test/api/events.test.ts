// GET /events (Server-Sent Events) against the real server: the stream's framing, window/alert/pipeline events as
// the hub is fed, auth (the header, or `access_token` on this route only), a client that does not read is dropped,
// and closing the server ends open streams instead of waiting for them.
import { connect } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import type { PipelineTotals } from '../../src/pipeline/pipeline.js';
import type { Alert } from '../../src/pipeline/output-port.js';
import { until } from '../support/wait.js';
import { alertOf, type InProcessApi, ndjson, startApi, windowRows } from './in-process.js';

interface SseEvent {
  event: string;
  data: string;
}

/** An open /events stream, read as it comes. */
class EventStream {
  text = '';
  ended = false;
  readonly #abort = new AbortController();
  readonly response: Promise<Response>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.response = fetch(url, { headers, signal: this.#abort.signal });
    void this.response.then(async (r) => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of r.body!) this.text += decoder.decode(chunk as Uint8Array, { stream: true });
      } catch {
        // aborted
      }
      this.ended = true;
    });
  }

  get events(): SseEvent[] {
    return this.text
      .split('\n\n')
      .map((block) => {
        const field = (name: string): string | undefined => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        return { event: field('event') ?? '', data: field('data') ?? '' };
      })
      .filter((e) => e.event !== '');
  }

  async waitFor(what: string, check: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
    await until(() => `${what}; stream so far:\n${this.text}`, () => check(this.events), { ms: 10_000 });
    return this.events;
  }

  close(): void {
    this.#abort.abort();
  }
}

let api: InProcessApi | null = null;
afterEach(async () => {
  await api?.server.close();
  api = null;
});

describe('/events', () => {
  it('text/event-stream with retry: and hello, then each window row and alert as fed', async () => {
    api = await startApi();
    const s = new EventStream(`${api.url}/events`);
    const r = await s.response;
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(r.headers.get('cache-control')).toContain('no-cache');
    await s.waitFor('hello', (e) => e.some((x) => x.event === 'hello'));
    expect(s.text.startsWith('retry: 2000\n\n')).toBe(true);
    expect(JSON.parse(s.events[0]!.data)).toEqual({ pipeline: false });
    expect(api.live.clients).toBe(1);

    const rows = windowRows('2026-12-06T10:00:00.000Z', 100, 10);
    api.live.windowRows(ndjson(rows));
    const alert = alertOf('2026-12-06T10:00:00.000Z', '500', '2026-12-06T10:00:03.000Z') as Alert;
    api.live.alert(alert);
    const events = await s.waitFor('2 windows and an alert', (e) => e.length >= 4);
    expect(events.slice(1).map((e) => [e.event, JSON.parse(e.data) as unknown])).toEqual([
      ['window', rows[0]],
      ['window', rows[1]],
      ['alert', alert],
    ]);
    s.close();
    await until('the client to be gone', () => api!.live.clients === 0);
  });

  it('pipeline events every tick: rates from the totals deltas, totals, pending bytes, closed_through', async () => {
    const totals: PipelineTotals = { lines: 0, bytes: 0, records: 0, errors: 0, late: 0, archived: 0, rejected: {}, windows: 0, alerts: 0, alertsByRule: {} };
    api = await startApi({
      hub: { tickMs: 50, probe: { totals: () => totals, pendingOutputBytes: () => 1234, closedThroughUs: () => Date.parse('2026-12-06T10:00:10Z') * 1000 } },
    });
    const s = new EventStream(`${api.url}/events`);
    await s.waitFor('hello', (e) => e.some((x) => x.event === 'hello'));
    Object.assign(totals, { lines: 1000, records: 990, errors: 100, late: 3, rejected: { malformed: 6, future: 4 }, windows: 2, alerts: 1 });
    const pipeline = (e: SseEvent[]): Record<string, unknown>[] => e.filter((x) => x.event === 'pipeline').map((x) => JSON.parse(x.data) as Record<string, unknown>);
    const events = await s.waitFor('a pipeline event with the new totals', (e) => pipeline(e).some((p) => (p.totals as { lines: number }).lines === 1000));
    const seen = pipeline(events).find((p) => (p.totals as { lines: number }).lines === 1000)!;
    expect(seen).toMatchObject({
      totals: { lines: 1000, records: 990, errors: 100, late: 3, rejected: 10, windows: 2, alerts: 1 },
      pending_output_bytes: 1234,
      closed_through: '2026-12-06T10:00:10.000Z',
    });
    // Rates are per second over the tick's real length: positive, in the ratio of the deltas.
    expect(seen.lines_per_s).toBeGreaterThan(0);
    expect((seen.errors_per_s as number) / (seen.lines_per_s as number)).toBeCloseTo(0.1, 1);
    expect(JSON.parse(events[0]!.data)).toEqual({ pipeline: true });
    s.close();
  });

  it('a client that does not read is dropped once its backlog passes the bound; the others keep the feed', async () => {
    api = await startApi({ hub: { maxBufferedBytes: 256 << 10 } });
    const { port } = new URL(api.url);
    const stalled = connect(Number(port), '127.0.0.1');
    stalled.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
    stalled.pause(); // never reads: the kernel buffers fill, then node's
    await until('the stalled client to attach', () => api!.live.clients === 1);
    const reader = new EventStream(`${api.url}/events`);
    await until('the reader to attach', () => api!.live.clients === 2);
    const big = ndjson(Array.from({ length: 20 }, () => ({ kind: 'summary', window_start: '2026-12-06T10:00:00.000Z', pad: 'x'.repeat(10_000) })));
    for (let i = 0; i < 2000 && api.live.clients === 2; i++) {
      api.live.windowRows(big);
      // Lets the reader's socket drain, as a live client's would.
      await new Promise((r) => setImmediate(r));
    }
    expect(api.live.clients).toBe(1);
    api.live.alert(alertOf('2026-12-06T10:00:00.000Z', '418', '2026-12-06T10:00:01.000Z') as Alert);
    await reader.waitFor('the alert on the reading client', (e) => e.some((x) => x.event === 'alert'));
    reader.close();
    stalled.destroy();
  });

  it('closing the server ends open streams (a browser tab never holds a daemon stop)', async () => {
    api = await startApi();
    const s = new EventStream(`${api.url}/events`);
    await s.waitFor('hello', (e) => e.some((x) => x.event === 'hello'));
    await api.server.close();
    api = null;
    await until('the stream to end', () => s.ended);
  });
});

describe('auth', () => {
  const token = 'tok-events-51c0';

  it('/events takes the token as a header or as access_token; other routes only as a header; the page is open', async () => {
    api = await startApi({ token });
    expect((await fetch(`${api.url}/events`)).status).toBe(401);
    expect((await fetch(`${api.url}/events?access_token=wrong`)).status).toBe(401);
    for (const [url, headers] of [
      [`${api.url}/events?access_token=${token}`, {}],
      [`${api.url}/events`, { authorization: `Bearer ${token}` }],
    ] as const) {
      const s = new EventStream(url, headers);
      expect((await s.response).status, url).toBe(200);
      await s.waitFor('hello', (e) => e.some((x) => x.event === 'hello'));
      s.close();
    }
    expect((await fetch(`${api.url}/windows?access_token=${token}`)).status).toBe(401);
    expect((await fetch(`${api.url}/alerts`)).status).toBe(401);
    expect((await fetch(`${api.url}/windows`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const page = await fetch(`${api.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect((await fetch(`${api.url}/assets/dashboard/app.js`)).status).toBe(200);
    expect((await fetch(`${api.url}/assets/uplot/uPlot.iife.min.js`)).status).toBe(200);
  });
});

describe('assets', () => {
  it('only the dashboard folder and uPlot files are served; nothing above them', async () => {
    api = await startApi();
    for (const path of ['/assets/uplot/uPlot.cjs.js', '/assets/uplot/..%2Fpackage.json', '/assets/dashboard/..%2F..%2Fpackage.json', '/assets/dashboard/nope.js']) {
      expect((await fetch(`${api.url}${path}`)).status, path).toBe(404);
    }
    const css = await fetch(`${api.url}/assets/uplot/uPlot.min.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
  });
});

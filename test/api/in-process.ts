// The real API server in the test's own process (listening on a free loopback port), over an output directory the
// test writes, with a ring and a live hub the test feeds itself: the routes' behaviour without a pipeline.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { History } from '../../src/api/history.js';
import { LiveHub, type LiveHubOptions } from '../../src/api/live.js';
import { createRegistry } from '../../src/api/metrics.js';
import { RecentOutputs } from '../../src/api/recent-outputs.js';
import { ApiServer } from '../../src/api/server.js';
import type { LambdaStats } from '../../src/api/stats/lambda.js';
import { createLogger } from '../../src/log.js';

export interface InProcessApi {
  url: string;
  server: ApiServer;
  outputDir: string;
  recent: RecentOutputs;
  live: LiveHub;
}

export interface InProcessOptions {
  token?: string;
  /** false: files only, as `logpulse api` serves them. */
  withRecent?: boolean;
  /** The live hub's options (default: no probe, as `logpulse api`). */
  hub?: Partial<LiveHubOptions>;
  /** The stats routes' tables (default: none, the routes answer 503). */
  stats?: LambdaStats;
}

export async function startApi(o: InProcessOptions = {}): Promise<InProcessApi> {
  const outputDir = mkdtempSync(join(tmpdir(), 'logpulse-api-out-'));
  const recent = new RecentOutputs();
  const live = new LiveHub({ probe: null, ...o.hub });
  const server = await ApiServer.create({
    host: '127.0.0.1',
    port: 0,
    token: o.token ?? null,
    log: createLogger('error'),
    readiness: () => ({}),
    registry: createRegistry(),
    history: new History({ outputDir, recent: o.withRecent === false ? null : recent }),
    live,
    stats: o.stats ?? null,
  });
  return { url: await server.listen(), server, outputDir, recent, live };
}

/** Writes a complete output file `<kind>-<time>-all-<seq>.ndjson` (or its `.part`) holding `rows`. */
export function writeOutputFile(outputDir: string, kind: 'metrics' | 'alerts', seq: number, rows: readonly object[], part = false): void {
  mkdirSync(join(outputDir, kind), { recursive: true });
  const name = `${kind}-20261206T100000Z-all-${String(seq).padStart(6, '0')}.ndjson${part ? '.part' : ''}`;
  writeFileSync(join(outputDir, kind, name), rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** The summary row and one status row of the 10 s window starting at `start` (ISO), as the daemon writes them. */
export function windowRows(start: string, requests: number, errors: number, status = 500): object[] {
  const end = new Date(Date.parse(start) + 10_000).toISOString();
  return [
    { kind: 'summary', window_start: start, window_end: end, requests, errors, error_rate: errors / requests, unique_ips: requests, error_unique_ips: errors },
    {
      kind: 'status',
      window_start: start,
      window_end: end,
      status,
      error_count: errors,
      unique_ips: errors,
      error_urls: ['/a'],
      top_urls: [{ url: '/a', count: errors }],
    },
  ];
}

export function alertOf(windowStart: string, group: string, emittedAt: string): object {
  return {
    type: 'ERRORS_PER_STATUS',
    rule: 'errors_per_status',
    window_start: windowStart,
    window_end: new Date(Date.parse(windowStart) + 10_000).toISOString(),
    group,
    value: 9,
    threshold: 2,
    message: `status ${group}: 9 errors > 2`,
    emitted_at: emittedAt,
  };
}

export const ndjson = (rows: readonly object[]): Buffer => Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));

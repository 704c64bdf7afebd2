// Issue 14: logpulse on what a real nginx and a real Apache write. Each server (Debian's package, installed on first
// use, run as this test's own process on loopback ports) serves a few thousand requests in four phases, each in its
// own wall-clock second — every method, 403/404/405/410/414/500/503, quoted user agents, long percent-encoded URLs,
// IPv6 clients — with raw bad requests the server answers itself (`GARBAGE`, an empty request line, HTTP/0.9, a bad
// protocol, bytes >= 0x80, a TLS handshake) in every phase. logpulse then reads each finished access log (the
// combined format with `--format clf`, the JSON one with `json.preset`) in one-second windows, and its rows and error
// records must equal an independent count of the log's bytes (test/support/web-servers-count.ts): every line the
// server wrote is a record, none rejected.
import { isUtf8 } from 'node:buffer';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { spawnCli } from '../support/cli.js';
import { ROOT } from '../support/paths.js';
import { type AccessLogFormat, countAccessLog, type LogCount } from '../support/web-servers-count.js';
import { type Sent, sendTraffic } from '../support/web-servers-traffic.js';
import { killWebServers, type ServerKind, startWebServer, type WebServer } from '../support/web-servers.js';
import { lines, listKind, readKind } from './helpers.js';

const WINDOW_MS = 1000;
const PHASES = 4;
const TRAFFIC = { phases: PHASES, perPhase: 600, seed: 1414 };

afterAll(killWebServers);

/** The daemon's config: one-second windows, a watermark no out-of-order line of the log comes near, quiet. */
function configFor(dir: string, format: AccessLogFormat, kind: ServerKind): string {
  const path = join(dir, `${kind}-${format}.yaml`);
  const input = format === 'combined' ? 'format: clf\n' : `format: json\njson:\n  preset: ${kind}\n`;
  writeFileSync(
    path,
    `${input}pipeline:\n  window: 1s\n  watermark: 1m\n  workers: 2\nconsole:\n  enabled: false\nalerts:\n  rules: []\n` +
      `checkpoint:\n  dir: ${join(dir, `checkpoint-${kind}-${format}`)}\n`,
  );
  return path;
}

/** The independent count as the daemon's summary rows would say it: `window_start → requests/errors/unique_ips`. */
function expectedSummaries(count: LogCount): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [start, w] of [...count.windows].sort(([a], [b]) => a - b)) {
    out[new Date(start).toISOString()] = `requests=${w.requests} errors=${w.errors} unique_ips=${w.clients.size}`;
  }
  return out;
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/** Everything the independent count says, as comparable text: the summaries and the errors by status. */
function countText(count: LogCount): { windows: Record<string, string>; errorsByStatus: [number, number][] } {
  return { windows: expectedSummaries(count), errorsByStatus: [...count.errorsByStatus].sort(([a], [b]) => a - b) };
}

describe('the independent count', () => {
  it.each(['nginx', 'apache'] as const)(
    "reads every line of %s's captured logs (test/fixtures/web-servers/), and its combined and JSON logs agree",
    (kind) => {
      const read = (format: AccessLogFormat): LogCount =>
        countAccessLog(readFileSync(join(ROOT, 'test', 'fixtures', 'web-servers', `${kind}-${format}.log`)), format, WINDOW_MS);
      const combined = read('combined');
      expect(combined.lines).toBe(kind === 'nginx' ? 264 : 261);
      expect(combined.windows.size).toBe(3);
      expect([...combined.errorsByStatus.keys()]).toContain(400);
      // Two formats of the same requests, read by two different parsers, must give the same counts.
      expect(countText(read('json'))).toEqual(countText(combined));
    },
  );
});

describe.each(['nginx', 'apache'] as const)('a real %s', (kind) => {
  let server: WebServer;
  let sent: Sent;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `logpulse-real-${kind}-`));
    server = await startWebServer(kind);
    try {
      sent = await sendTraffic(server.port, server.ipv6, TRAFFIC);
    } finally {
      await server.stop(); // graceful: every request answered is logged once it has exited
    }
  }, 15 * 60_000); // the first run installs the package (apt-get)

  it('logged the traffic: every ordinary request, the bad requests, many error statuses, IPv6, spread over windows', () => {
    const combined = readFileSync(server.combinedLog);
    const count = countAccessLog(combined, 'combined', WINDOW_MS);
    expect(count.lines, server.diagnostics()).toBeGreaterThanOrEqual(PHASES * TRAFFIC.perPhase);
    // The JSON log holds the same requests: read by the other parser, the same counts.
    expect(countText(countAccessLog(readFileSync(server.jsonLog), 'json', WINDOW_MS))).toEqual(countText(count));
    expect(count.windows.size).toBeGreaterThanOrEqual(PHASES);
    for (const status of [400, 403, 404, 405, 414, 500, 503]) expect([...count.errorsByStatus.keys()], `status ${status}`).toContain(status);
    const text = combined.toString('latin1');
    // The bad requests' lines, as the server wrote them (answers: sent.badAnswers).
    for (const bad of ['"GARBAGE" 400', '"GET /" 200', '"PRI * HTTP/2.0" 400', '"\\x16\\x03\\x01', '"GET /caf\\x']) {
      expect(text, sent.badAnswers.join('\n')).toContain(bad);
    }
    if (server.ipv6) expect(text).toMatch(/^::1 /m);
  });

  it.each(['combined', 'json'] as const)('logpulse reads its %s log: per-window counts and error records equal an independent count', async (format) => {
    const log = format === 'combined' ? server.combinedLog : server.jsonLog;
    const expected = countAccessLog(readFileSync(log), format, WINDOW_MS);
    const out = join(dir, `out-${format}`);
    const d = spawnCli(['run', '-c', configFor(dir, format, kind), '--source', `file:${log}`, '--output', out, '--no-api']);
    expect(await d.exit, d.stderr()).toBe(0);

    // Every line the server wrote is a record: nothing rejected, whatever the reason. (Soft assertions from here on,
    // so that one run shows every way the counts differ.)
    const rejected = lines(readKind(out, 'rejected')).map((l) => JSON.parse(l) as { reason: string; line?: string; line_base64?: string });
    const shown = rejected.slice(0, 12).map((r) => `${r.reason}: ${r.line ?? Buffer.from(r.line_base64 ?? '', 'base64').toString('latin1')}`);
    expect.soft({ rejected: rejected.length, first: shown }).toEqual({ rejected: 0, first: [] });

    const rows = lines(readKind(out, 'metrics')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const summaries: Record<string, string> = {};
    for (const r of rows.filter((row) => row.kind === 'summary').sort((a, b) => String(a.window_start).localeCompare(String(b.window_start)))) {
      summaries[String(r.window_start)] = `requests=${String(r.requests)} errors=${String(r.errors)} unique_ips=${String(r.unique_ips)}`;
    }
    expect.soft(summaries).toEqual(expectedSummaries(expected));

    // Status rows: errors by status, summed over the windows.
    const statusRows = new Map<number, number>();
    for (const r of rows.filter((row) => row.kind === 'status')) statusRows.set(Number(r.status), (statusRows.get(Number(r.status)) ?? 0) + Number(r.error_count));
    expect.soft(new Map([...statusRows].sort())).toEqual(new Map([...expected.errorsByStatus].sort()));

    // errors/: one record per error line, by status; each valid JSON (SPEC §2: also when the line was not UTF-8, or
    // carried Apache's `\xhh`, which JSON lacks).
    const errorBytes = Buffer.concat(listKind(out, 'errors').filter((f) => f.endsWith('.ndjson')).map((f) => readFileSync(join(out, 'errors', f))));
    expect.soft(isUtf8(errorBytes), 'errors/ is valid UTF-8').toBe(true);
    const errors = lines(errorBytes.toString('utf8'));
    const notJson = errors.filter((l) => !isJson(l));
    expect.soft({ notJson: notJson.length, first: notJson.slice(0, 5) }).toEqual({ notJson: 0, first: [] });
    const byStatus = new Map<number, number>();
    for (const l of errors.filter(isJson)) {
      const status = Number((JSON.parse(l) as { status: unknown }).status);
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    }
    expect.soft(errors.length).toBe([...expected.errorsByStatus.values()].reduce((a, b) => a + b, 0));
    expect.soft(new Map([...byStatus].sort())).toEqual(new Map([...expected.errorsByStatus].sort()));
  });
});

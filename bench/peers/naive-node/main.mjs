// The "naive Node" benchmark peer: the seed's job as one would write it by hand in plain Node, no native code and
// no tricks (and nothing sabotaged either). readline over a file stream, JSON.parse per line, every error record
// appended to an errors file, 30 s tumbling windows keyed by window start with, per status, a count, a Set of IPs
// and the list of URLs; watermark = max event time - 10 s; a window is written out (one JSON line per status)
// once the watermark passes its end, and every open window at end of input; an alert line when count > 100.
//
// usage: node main.mjs DATA_FILE OUT_DIR
// stdout: {"event":"start"} right before the input is opened, {"event":"done",...} once every output file is
// flushed and closed (bench/peers/naive-node.ts times the interval between the two).
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const WINDOW_MS = 30_000;
const WATERMARK_MS = 10_000;
const ALERT_THRESHOLD = 100;

const [dataFile, outDir] = process.argv.slice(2);
if (!dataFile || !outDir) {
  console.error('usage: node main.mjs DATA_FILE OUT_DIR');
  process.exit(2);
}

const emit = (event, fields = {}) => process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');

async function write(stream, text) {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function main() {
  const errorsOut = createWriteStream(join(outDir, 'errors.ndjson'));
  const metricsOut = createWriteStream(join(outDir, 'metrics.ndjson'));
  const alertsOut = createWriteStream(join(outDir, 'alerts.ndjson'));

  /** window start (ms) -> Map<status, { count, ips: Set<string>, urls: string[] }> */
  const windows = new Map();
  let maxEventMs = -Infinity;
  let lines = 0;
  let errors = 0;
  let rejected = 0;
  let late = 0;
  let windowRows = 0;
  let alerts = 0;

  async function closeWindow(start, byStatus) {
    windows.delete(start);
    const windowStart = new Date(start).toISOString();
    const windowEnd = new Date(start + WINDOW_MS).toISOString();
    for (const [status, agg] of byStatus) {
      const row = {
        window_start: windowStart,
        window_end: windowEnd,
        status,
        error_count: agg.count,
        unique_ips: agg.ips.size,
        error_urls: agg.urls,
      };
      windowRows++;
      await write(metricsOut, JSON.stringify(row) + '\n');
      if (agg.count > ALERT_THRESHOLD) {
        alerts++;
        const alert = {
          window_start: windowStart,
          window_end: windowEnd,
          status,
          error_count: agg.count,
          threshold: ALERT_THRESHOLD,
          message: `${agg.count} errors with status ${status} in ${windowStart} .. ${windowEnd}`,
        };
        await write(alertsOut, JSON.stringify(alert) + '\n');
      }
    }
  }

  emit('start');
  const rl = createInterface({ input: createReadStream(dataFile), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch {
      rejected++;
      continue;
    }
    const ts = Date.parse(rec.timestamp);
    const status = Number(rec.status);
    if (Number.isNaN(ts) || !Number.isInteger(status) || typeof rec.ip !== 'string' || typeof rec.url !== 'string') {
      rejected++;
      continue;
    }
    lines++;

    const isError = status >= 400;
    if (isError) {
      errors++;
      await write(errorsOut, line + '\n');
    }

    if (ts > maxEventMs) maxEventMs = ts;
    const watermark = maxEventMs - WATERMARK_MS;
    const start = ts - (ts % WINDOW_MS);
    if (start + WINDOW_MS <= watermark) {
      late++; // its window is already closed
    } else if (isError) {
      let byStatus = windows.get(start);
      if (!byStatus) {
        byStatus = new Map();
        windows.set(start, byStatus);
      }
      let agg = byStatus.get(status);
      if (!agg) {
        agg = { count: 0, ips: new Set(), urls: [] };
        byStatus.set(status, agg);
      }
      agg.count++;
      agg.ips.add(rec.ip);
      agg.urls.push(rec.url);
    }

    for (const [wStart, byStatus] of windows) {
      if (wStart + WINDOW_MS <= watermark) await closeWindow(wStart, byStatus);
    }
  }

  // End of a finite input: every open window is emitted.
  for (const [wStart, byStatus] of [...windows].sort((a, b) => a[0] - b[0])) await closeWindow(wStart, byStatus);

  for (const s of [errorsOut, metricsOut, alertsOut]) s.end();
  await Promise.all([errorsOut, metricsOut, alertsOut].map((s) => once(s, 'close')));
  emit('done', { lines, errors, rejected, late, windowRows, alerts });
}

main().catch((err) => {
  emit('error', { message: String(err?.stack ?? err) });
  process.exit(1);
});

// Seed-shaped access-log lines for benchmarks: what genlogs_v2.py writes (random IPv4, /resource/1..N,
// 90/5/5 status mix by default), deterministic from a seed so runs compare. `logpulse gen` (issue 4) will
// supersede this; the benches only need the shape.
import { Rng } from '../test/support/rng.js';

export type BenchFormat = 'json' | 'csv' | 'clf';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2025-06-09T09:42:30.000000Z`: ISO 8601 UTC with microseconds, from epoch µs. */
export function isoUs(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  return `${d.toISOString().slice(0, 19)}.${pad(us % 1_000_000, 6)}Z`;
}

function clfTime(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export interface SeedLinesOptions {
  format: BenchFormat;
  lines: number;
  /** Fraction of error lines (split evenly between 404 and 500). */
  errorRate?: number;
  startUs?: number;
  /** Event-time lines per second, so the data spans several windows. */
  linesPerSecond?: number;
  urls?: number;
  seed?: number;
}

export function seedLines(o: SeedLinesOptions): Buffer {
  const rng = new Rng(o.seed ?? 42);
  const next = () => rng.float();
  const errorRate = o.errorRate ?? 0.1;
  const startUs = o.startUs ?? 1_749_462_150_000_000;
  const stepUs = 1_000_000 / (o.linesPerSecond ?? 2_000);
  const methods = ['GET', 'POST', 'PUT', 'DELETE'];
  const out: string[] = [];
  for (let i = 0; i < o.lines; i++) {
    const us = Math.floor(startUs + i * stepUs);
    const ip = `${(next() * 256) | 0}.${(next() * 256) | 0}.${(next() * 256) | 0}.${(next() * 256) | 0}`;
    const method = methods[(next() * 4) | 0];
    const url = `/resource/${1 + ((next() * (o.urls ?? 1000)) | 0)}`;
    const r = next();
    const status = r < errorRate / 2 ? 404 : r < errorRate ? 500 : 200;
    if (o.format === 'json') {
      out.push(`{"timestamp": "${isoUs(us)}", "ip": "${ip}", "method": "${method}", "url": "${url}", "status": ${status}}`);
    } else if (o.format === 'csv') {
      out.push(`${isoUs(us)};${ip};${method};${url};${status}`);
    } else {
      out.push(`${ip} - - [${clfTime(us)}] "${method} ${url} HTTP/1.1" ${status} ${(next() * 5000) | 0}`);
    }
  }
  return Buffer.from(out.join('\n') + '\n');
}

/** Cuts at the last newline before each `size` boundary, as a source framing ~1 MiB chunks would. */
export function chunksOf(data: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  while (start < data.length) {
    let end = Math.min(start + size, data.length);
    if (end < data.length) end = data.lastIndexOf(0x0a, end - 1) + 1 || end;
    chunks.push(data.subarray(start, end));
    start = end;
  }
  return chunks;
}

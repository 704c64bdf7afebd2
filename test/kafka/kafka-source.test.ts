// kafka:// on the real broker (SPEC §5, issue 6): `logpulse gen` produces, the daemon consumes as a group
// member, and what it writes is compared with the pure-TS reference over the same lines.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { ReferenceShard, windowsToOutput } from '../reference/reference-shard.js';
import { CLI, lines, readKind, startDaemon } from '../e2e/helpers.js';
import { brokerInfo, type BrokerInfo, committedOffsets, createTopic, endOffsets } from './support.js';

const UNIQUE_FIELDS = ['unique_ips', 'error_unique_ips'];

let broker: BrokerInfo;
let dir: string;

beforeAll(() => {
  broker = brokerInfo();
  dir = mkdtempSync(join(tmpdir(), 'logpulse-kafka-'));
  writeFileSync(join(dir, 'quiet.yaml'), 'console:\n  enabled: false\n');
});

const GEN_ARGS = (count: number, seed: number) => ['gen', '--count', String(count), '--rate', '0', '--seed', String(seed), '--start', '2025-06-09T09:00:00Z', '--step', '2'];

function gen(args: string[]): Buffer {
  const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 1 << 30 });
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout;
}

/** Rows equal the reference's; HyperLogLog estimates within 2 % of the exact count. */
export function expectRows(got: Record<string, unknown>[], want: Record<string, unknown>[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => {
    for (const [key, value] of Object.entries(want[i]!)) {
      if (UNIQUE_FIELDS.includes(key)) expect(Math.abs((row[key] as number) - (value as number))).toBeLessThanOrEqual(Math.max(1, (value as number) * 0.02));
      else expect(row[key], `${key} of row ${i}`).toEqual(value);
    }
  });
}

export function referenceRows(data: Buffer): Record<string, unknown>[] {
  const ref = new ReferenceShard({ format: 'auto' });
  const now = Date.now() * 1000;
  const closed = [...ref.process('all', data, now).closed, ...ref.flush(now).closed];
  return lines(windowsToOutput(closed, 100).rows.toString()).map((l) => JSON.parse(l));
}

const byWindowAndStatus = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.window_start).localeCompare(String(b.window_start)) || String(a.kind).localeCompare(String(b.kind)) || Number(a.status ?? 0) - Number(b.status ?? 0);

describe('kafka:// source on a real broker', () => {
  it('500k messages over 3 partitions: metrics equal the reference, every error once, offsets committed to the end', async () => {
    const topic = await createTopic(broker.plaintext, 3);
    const uri = `kafka://${broker.plaintext}/${topic}`;
    const produced = spawnSync(process.execPath, [CLI, ...GEN_ARGS(500_000, 11), '--out', uri], { encoding: 'utf8' });
    expect(produced.status, produced.stderr).toBe(0);
    const ends = await endOffsets(broker.plaintext, topic, 3);
    expect(ends.reduce((a, b) => a + b, 0)).toBe(500_000);
    expect(Math.min(...ends)).toBeGreaterThan(100_000); // spread over every partition

    const out = join(dir, 'exact');
    const d = startDaemon(['run', '-c', join(dir, 'quiet.yaml'), '--no-api', '--source', `${uri}?group=exact&startingOffsets=earliest&endingOffsets=latest`, '--output', out, '--checkpoint', join(dir, 'exact-ckpt')]);
    expect(await d.exit, d.stderr()).toBe(0);

    const data = gen(GEN_ARGS(500_000, 11));
    const wantErrors = lines(data.toString()).filter((l) => !/"status": 200/.test(l)).sort();
    expect(lines(readKind(out, 'errors')).sort()).toEqual(wantErrors);
    expect(readKind(out, 'rejected')).toBe('');
    const rows = lines(readKind(out, 'metrics')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expectRows(rows.sort(byWindowAndStatus), referenceRows(data).sort(byWindowAndStatus));
    expect(await committedOffsets(broker.plaintext, 'exact', topic, 3)).toEqual(ends);
  });
});

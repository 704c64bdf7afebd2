// What the Kafka tests compare a run with: the pure-TS reference's rows over the same lines, put in event-time
// order, with every window closed by a far-future line per partition.
import { lines } from '../e2e/helpers.js';
import { produceTo } from '../support/kafka.js';
import { ReferenceShard, windowsToOutput } from '../support/reference-shard.js';

export { expectRows } from '../support/rows.js';

export function referenceRows(data: Buffer): Record<string, unknown>[] {
  const ref = new ReferenceShard({ format: 'auto' });
  const now = Date.now() * 1000;
  const closed = [...ref.process('all', data, now).closed, ...ref.flush(now).closed];
  return lines(windowsToOutput(closed, 100).rows.toString()).map((l) => JSON.parse(l));
}

/** The default rule's alerts (`errors_per_status` over `threshold`) the reference's rows call for, as `alertKeys` spells them. */
export function referenceAlertKeys(rows: Record<string, unknown>[], threshold = 100): string[] {
  return rows
    .filter((r) => r.kind === 'status' && (r.error_count as number) > threshold)
    .map((r) => `errors_per_status|${String(r.window_start)}|${String(r.status)}`)
    .sort();
}

/** Lines sorted by event time: one ordered stream with the same windows as the partitions together. */
export function inEventTimeOrder(values: string[]): Buffer {
  const keyed = values.map((v) => ({ v, t: Date.parse((JSON.parse(v) as { timestamp: string }).timestamp) }));
  keyed.sort((a, b) => a.t - b.t);
  return Buffer.from(keyed.map((k) => `${k.v}\n`).join(''));
}

/** One far-future line per partition: the watermarks pass every window of the data, so all of them close. */
export async function closeAllWindows(brokers: string, topic: string, partitions: number): Promise<void> {
  const future = new Date(Date.now() + 120_000).toISOString().replace(/Z$/, '000Z');
  for (let p = 0; p < partitions; p++) {
    await produceTo(brokers, topic, p, [`{"timestamp": "${future}", "ip": "10.9.9.${p}", "method": "GET", "url": "/closer", "status": 200}`]);
  }
}

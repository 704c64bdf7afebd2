// A cluster test's post-mortem: what the group's state topic holds — each session's newest progress record, the
// windows with state (and whose), and every row, alert, written and retired record — read for a few seconds from
// the start of every partition.
import { decodeRecord } from '../../src/cluster/state-records.js';
import { consumeSoon, disconnectWithin } from '../../src/cluster/state-consumer.js';
import { rdkafka } from '../../src/kafka/rdkafka.js';

export async function stateTopicSummary(brokers: string, topic: string, partitions: number, readMs = 5000): Promise<string> {
  const Kafka = rdkafka();
  const c = new Kafka.KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': `dump-${Date.now()}`, 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => c.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
  const progress = new Map<string, unknown>();
  const windows = new Map<string, Set<string>>();
  const records: string[] = [];
  c.on('data', (m) => {
    const r = m.value ? decodeRecord(m.value) : null;
    if (!r) return;
    const at = `${m.partition}@${m.offset} ${new Date(m.timestamp ?? 0).toISOString()}`;
    if (r.t === 'p') progress.set(r.session, { ...r, at });
    else if (r.t === 'w') windows.set(`${r.startUs}`, (windows.get(`${r.startUs}`) ?? new Set()).add(`${r.session}/${r.shard}`));
    else if (r.t !== 's') records.push(`${r.t} ${'startUs' in r ? r.startUs : ''} ${'session' in r ? r.session : ''} ${at}`);
  });
  c.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: -2 })));
  consumeSoon(c);
  await new Promise((r) => setTimeout(r, readMs));
  await disconnectWithin(c);
  return JSON.stringify({ records, windows: Object.fromEntries([...windows].map(([k, v]) => [k, [...v]])), progress: [...progress.values()] }, null, 1);
}

// Scenario d, Kafka → daemon: the same harness as scenarios a and b, one more source. THE SLOT FOR THE KAFKA
// ISSUE: `kafkaUnavailableReason` says why the scenario cannot run here (it is then reported as not measured,
// without failing the run: the Kafka source is planned work, not a broken peer); once it returns null,
// `kafkaThroughput` is called like fileThroughput and tcpThroughput (one warm-up, then `runs` runs).
import type { Dataset } from './dataset.js';
import type { ThroughputRun } from './results.js';

export const KAFKA_SCENARIO_HOW = 'not measured yet: the Kafka scenario fills bench/e2e-kafka.ts';

/** Why scenario d cannot run on this machine now, or null when it can. */
export async function kafkaUnavailableReason(): Promise<string | null> {
  return 'Kafka source not available yet (the Kafka issue fills bench/e2e-kafka.ts)';
}

/**
 * One run over the run's dataset: produce its lines into a topic, then time `logpulse run --source kafka://…`
 * (2 workers) until every line is consumed, with CPU % and peak RSS of the daemon as in e2e-file.ts.
 */
export async function kafkaThroughput(data: Dataset): Promise<ThroughputRun> {
  throw new Error(`kafkaThroughput is not implemented yet (${data.lines} lines asked)`);
}

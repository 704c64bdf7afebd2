// Scenario d, Kafka → daemon, on a real broker (`scripts/kafka`, the bench's own instance on port 49092): each
// run produces the dataset's lines into a fresh 3-partition topic with `logpulse gen --out kafka://` (its rate
// is the producer figure, issue 6's >= 300k msgs/s), then times `logpulse run --source
// kafka://…?startingOffsets=earliest&endingOffsets=latest` (2 workers) from spawn to exit: every message read,
// every output durable, offsets committed. A broker that cannot start makes the scenario NOT MEASURED.
import { spawnCli } from '../test/support/cli.js';
import { brokerInstance, createTopic, deleteTopic, kafkaScript } from '../test/support/kafka.js';
import { scratchDir } from './daemon.js';
import type { Dataset } from './dataset.js';
import { timeDaemonRun } from './e2e-file.js';
import type { ThroughputRun } from './results.js';

/** The bench's own broker; LOGPULSE_BENCH_KAFKA_PORT moves it (and its data dir), for two benches on one machine. */
const BROKER = brokerInstance('bench', Number(process.env.LOGPULSE_BENCH_KAFKA_PORT ?? 49092));
/** Its PLAINTEXT listener, `host:port`: scenario d's, and scenario c's Kafka sources and alerts topics. */
export const BROKERS = `127.0.0.1:${BROKER.port}`;
const PARTITIONS = 3;

export const KAFKA_SCENARIO_HOW =
  'a real Kafka 4.3.1 broker (scripts/kafka) on this machine; per run a fresh 3-partition topic filled by `logpulse gen --rate 0 --out kafka://…` (the dataset\'s lines; its msgs/s is producerLinesPerSecond in the raw runs), then wall time from spawning `logpulse run --source kafka://…?startingOffsets=earliest&endingOffsets=latest --workers 2` to its exit: every message read, every output durable, offsets committed; CPU % and peak RSS of the daemon';

/** Starts the bench's broker (fetching Kafka's jars on the first run); the reason when it cannot. */
export async function kafkaUnavailableReason(): Promise<string | null> {
  try {
    kafkaScript('start', BROKER, { stderr: 'pipe' });
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Stops the bench's broker and removes its data (topics of every run). */
export function stopKafka(): void {
  try {
    kafkaScript('clean', BROKER, { stderr: 'pipe' });
  } catch {
    // Not running: nothing to stop.
  }
}

export async function kafkaThroughput(data: Dataset): Promise<ThroughputRun> {
  const topic = await createTopic(BROKERS, PARTITIONS, 'bench');
  const scratch = scratchDir('kafka');
  try {
    const producing = Date.now();
    const gen = spawnCli(['gen', ...data.genArgs, '--out', `kafka://${BROKERS}/${topic}`], { stdout: 'ignore', cwd: scratch.path });
    const genCode = await gen.exit;
    if (genCode !== 0) throw new Error(`logpulse gen --out kafka:// exited ${genCode}: ${gen.stderr().slice(-2000)}`);
    const producerLinesPerSecond = data.lines / ((Date.now() - producing) / 1000);

    const source = `kafka://${BROKERS}/${topic}?group=bench&startingOffsets=earliest&endingOffsets=latest`;
    return { ...(await timeDaemonRun(source, data, scratch.path)), producerLinesPerSecond };
  } finally {
    scratch.dispose();
    await deleteTopic(BROKERS, topic).catch(() => undefined);
  }
}

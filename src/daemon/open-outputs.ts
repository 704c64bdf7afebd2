// The outputs a config asks for (outputs.ts): the rotating newline-JSON files under `output.dir`, results.txt, the
// console table, the Kafka alerts topic and the webhook, with the faults of their disk reported in one place.
import { join } from 'node:path';

import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { ConsoleTable } from '../sinks/console-table.js';
import { KafkaAlertSink } from '../sinks/kafka-alerts.js';
import type { RejectedLimit } from '../sinks/rejected-limit.js';
import { ResultsTxt } from '../sinks/results-txt.js';
import { RotatingFileSink } from '../sinks/rotating-file.js';
import { nodeSinkFs } from '../sinks/sink-fs.js';
import type { FileKind } from '../sinks/sink.js';
import type { WebhookDelivery } from '../sinks/webhook.js';
import type { Instruments } from './instruments.js';
import { stdoutAboveLiveLine } from '../terminal.js';
import { OutputFaults } from './output-faults.js';
import { type FileSinks, Outputs } from './outputs.js';

/** The console table `console.*` asks for, or null. */
export function consoleTable(config: Config): ConsoleTable | null {
  return config.console.enabled ? new ConsoleTable({ everyMs: config.console.everyMs, stream: stdoutAboveLiveLine }) : null;
}

export interface OpenOutputsOptions {
  log: Logger;
  /** librdkafka settings of the brokers alerts go to (see kafka/client-config.ts); null: no Kafka alerts. */
  alertClient: Record<string, string | number | boolean> | null;
  /** A replayable source (Kafka, a file) re-delivers whatever a crash left in `.part` files: publishing them would duplicate. */
  replayable: boolean;
  /** Keep closed-window partials for `logpulse merge` (Kafka runs). */
  partials: boolean;
  /** Told each file published (its bytes) and each fsync's duration, for `/metrics`. */
  instruments?: Pick<Instruments, 'filePublished' | 'fsync'>;
  /** Where alerts are POSTed (`alerts.webhook`), if anywhere. */
  webhook?: Pick<WebhookDelivery, 'send' | 'save'> | null;
  rejectedLimit?: RejectedLimit | null;
}

/** The outputs a config asks for, under `output.dir` (created). */
export async function openOutputs(config: Config, o: OpenOutputsOptions): Promise<Outputs> {
  const { log } = o;
  const outDir = config.output.dir;
  await nodeSinkFs.mkdir(outDir); // output.dirMode, as every directory the sinks make
  let outputs: Outputs | null = null;
  const faults = new OutputFaults({ log, pendingBytes: () => outputs?.pendingBytes ?? 0, onChange: () => outputs?.onDrained() });
  const fileSink = (kind: FileKind) =>
    new RotatingFileSink({
      dir: join(outDir, kind),
      kind,
      shard: 'all',
      rotateEveryMs: config.output.rotateEveryMs,
      // Said once per fault and every 30 s while it lasts (output-faults.ts), not once per sink and retry.
      onError: (err) => faults.failed(kind, err),
      onRecovered: () => faults.recovered(kind),
      onDurable: (bytes) => {
        o.instruments?.filePublished(kind, bytes);
        outputs?.onDrained();
      },
      onFsync: (seconds) => o.instruments?.fsync(kind, seconds),
      leftovers: o.replayable ? 'discard' : 'publish',
    });
  const files: FileSinks = { errors: fileSink('errors'), rejected: fileSink('rejected'), metrics: fileSink('metrics'), alerts: fileSink('alerts') };
  if (o.partials) files.partials = fileSink('partials');
  outputs = new Outputs({
    files,
    results: new ResultsTxt({ dir: outDir, everyMs: config.output.resultsEveryMs }),
    console: consoleTable(config),
    kafkaAlerts:
      o.alertClient === null
        ? null
        : new KafkaAlertSink({
            topic: config.alerts.kafkaTopic,
            client: o.alertClient,
            warn: (message, details) => log.warn(details ?? {}, message),
          }),
    webhook: o.webhook ?? null,
    rejectedLimit: o.rejectedLimit ?? null,
    log,
    closeTimeoutMs: Math.max(1000, config.shutdownTimeoutMs / 2),
    faults,
  });
  return outputs;
}

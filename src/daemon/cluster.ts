// Cluster mode for a generation (README "Cluster mode"): with `cluster.enabled` and a kafka:// source, a member of
// the group on the state topic. Where the topic cannot be used (not allowed to create or write it, brokers away) the
// daemon says so, naming what to grant, and runs on with per-daemon rows — never silently.
import { ClusterMember } from '../cluster/member.js';
import { stateTopicName } from '../cluster/state-topic.js';
import type { Config } from '../config/types.js';
import { LogpulseError } from '../errors.js';
import { kafkaClientConfig } from '../kafka/client-config.js';
import type { Logger } from '../log.js';
import type { SourceSpec } from '../sources/uri.js';
import type { Outputs } from './outputs.js';

/** A started member, or null (not cluster mode, or the fallback after a warning). */
export async function openClusterMember(config: Config, spec: SourceSpec, outputs: Outputs, log: Logger): Promise<ClusterMember | null> {
  if (!config.cluster.enabled || spec.kind !== 'kafka') return null;
  if (spec.endingOffsets === 'latest') {
    // A bounded read ends when its own partitions do, while windows it owns may wait for the others'.
    log.info({}, 'cluster: not for a bounded read (endingOffsets=latest): this daemon writes rows and alerts over its own partitions');
    return null;
  }
  const group = spec.group ?? config.kafka.group;
  const member = new ClusterMember({
    topic: stateTopicName(config.cluster.topic, group),
    partitions: config.cluster.partitions,
    retentionMs: config.cluster.retentionMs,
    sourceTopic: spec.topic,
    group,
    client: kafkaClientConfig(spec.brokers, config.kafka.security),
    windowUs: config.pipeline.windowMs * 1000,
    maxUrlsPerWindow: config.pipeline.maxUrlsPerWindow,
    rules: config.alerts.rules,
    earlyAlerts: config.alerts.early,
    out: outputs,
    log,
  });
  try {
    await member.start();
    return member;
  } catch (err) {
    await member.stop().catch(() => undefined);
    const message = err instanceof LogpulseError ? err.message : `cluster: cannot join the group's state topic (${(err as Error).message})`;
    log.warn({ code: 'LP_ERR_CLUSTER' }, `${message}; running without cluster mode: this daemon writes rows and alerts over its own partitions only`);
    return null;
  }
}

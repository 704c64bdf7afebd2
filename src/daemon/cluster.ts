// Cluster mode for a generation (README "Cluster mode"): with `cluster.enabled` and a kafka:// source, a member of
// the group on the state topic. Where the topic cannot be used (not allowed to create or write it, brokers away) the
// daemon says so, naming what to grant, and runs on with per-daemon rows — never silently.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ClusterMember } from '../cluster/member.js';
import { stateTopicName } from '../cluster/state-topic.js';
import type { Config } from '../config/types.js';
import { LogpulseError } from '../errors.js';
import { dirMode, fileMode } from '../file-modes.js';
import { kafkaClientConfig } from '../kafka/client-config.js';
import type { Logger } from '../log.js';
import { parseSourceUri, type SourceSpec } from '../sources/uri.js';
import type { Outputs } from './outputs.js';

/**
 * What a member is made from: a reload whose config gives the same string goes on with the running member (a new
 * session, see ClusterMember.renew); null when the config is not in cluster mode.
 */
export function clusterIdentity(config: Config): string | null {
  const spec = parseSourceUri(config.source);
  if (!config.cluster.enabled || spec.kind !== 'kafka') return null;
  const group = spec.group ?? config.kafka.group;
  return JSON.stringify([spec.brokers, spec.topic, group, stateTopicName(config.cluster.topic, group), config.cluster.partitions, config.cluster.retentionMs, config.kafka.security]);
}

/** A started member, or null (not cluster mode, or the fallback after a warning). */
export async function openClusterMember(config: Config, spec: SourceSpec, outputs: Outputs, log: Logger): Promise<ClusterMember | null> {
  if (!config.cluster.enabled || spec.kind !== 'kafka') return null;
  const group = spec.group ?? config.kafka.group;
  const topic = stateTopicName(config.cluster.topic, group);
  const member = new ClusterMember({
    topic,
    partitions: config.cluster.partitions,
    retentionMs: config.cluster.retentionMs,
    sourceTopic: spec.topic,
    group,
    client: kafkaClientConfig(spec.brokers, config.kafka.security),
    windowUs: config.pipeline.windowMs * 1000,
    maxUrlsPerWindow: config.pipeline.maxUrlsPerWindow,
    rules: config.alerts.rules,
    earlyAlerts: config.alerts.early,
    observer: () => outputs.observer,
    log,
    transactionalId: `${topic}.${await memberId(config.checkpoint.dir)}`,
    // A live daemon publishes progress at every cut (output.rotateEvery): three missed ones and it is taken for gone.
    othersWithinMs: Math.max(60_000, 3 * config.output.rotateEveryMs),
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

/**
 * This daemon's name in its group across restarts, kept beside its checkpoint (`cluster-member`): its cuts'
 * transactional id, so that a restart fences the killed run's open transaction at once (cluster/cut-publisher.ts).
 * Two daemons never share a checkpoint dir (their checkpoints would overwrite each other too).
 */
async function memberId(dir: string): Promise<string> {
  const path = join(dir, 'cluster-member');
  const known = await readFile(path, 'utf8').catch(() => '');
  if (/^[0-9a-f]{16}$/.test(known.trim())) return known.trim();
  const id = randomBytes(8).toString('hex');
  await mkdir(dir, { recursive: true, mode: dirMode() });
  await writeFile(path, `${id}\n`, { mode: fileMode() });
  return id;
}

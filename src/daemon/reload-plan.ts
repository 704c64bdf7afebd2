// What a reload does with each changed key: apply it in place, restart the HTTP API, or rebuild the daemon
// (README, Signals). In place: what a running part can take without losing anything. Everything the shards,
// the source, the outputs or the checkpoint were built from needs a rebuild.
import { type ConfigChange, configChanges } from '../config/diff.js';
import type { Config } from '../config/types.js';
import { ruleTracking } from './parts.js';

/** Keys a running daemon applies at once. */
const IN_PLACE = new Set([
  'log.level',
  'log.format', // read at start only: a reload keeps the format the daemon started with (no rebuild for it)
  'console.enabled',
  'console.every',
  'output.resultsEvery',
  'output.rotateEvery',
  'alerts.rules',
  'alerts.early',
  'alerts.webhook',
  'alerts.webhookFormat',
  'alerts.webhookSecretEnv',
  'alerts.thresholdsFrom',
  'alerts.thresholdsMinWindows',
  'alerts.thresholdsPercentile',
  'api.token',
  'shutdownTimeout',
  'limits.rejectedPerSecond',
  'limits.maxConnections',
  'limits.idleTimeout',
  'limits.maxMemory',
  // Read by `logpulse batch` only: nothing in the daemon to apply.
  'batch.engine',
  'batch.sparkMaster',
  'batch.sparkSubmit',
]);

/** Key prefixes a running daemon applies at once: the retention limits (the next sweep or archive pass reads them). */
const IN_PLACE_PREFIXES = ['output.retention.', 'archive.retention.'];

/** Keys the HTTP API is built from: a change restarts it (on its new address, if that changed). */
const API_INPUTS = new Set(['api.enabled', 'api.host', 'api.port', 'api.corsOrigins', 'output.dir', 'archive.enabled', 'archive.dir', 'batch.dir', 'pipeline.errorStatusMin']);

export interface ReloadPlan {
  /** Every changed key. */
  changes: ConfigChange[];
  inPlace: ConfigChange[];
  /** Keys that need the pipeline, source or outputs rebuilt (a durable cut, a checkpoint and a new start). */
  rebuild: ConfigChange[];
  /** Keys that need the HTTP API restarted. */
  api: ConfigChange[];
}

export function planReload(running: Config, next: Config): ReloadPlan {
  const changes = configChanges(running, next);
  const plan: ReloadPlan = { changes, inPlace: [], rebuild: [], api: [] };
  const tracking = (c: Config) => JSON.stringify(ruleTracking(c.alerts.rules));
  for (const change of changes) {
    const { key } = change;
    if (API_INPUTS.has(key)) plan.api.push(change);
    if (key === 'alerts.rules' && tracking(running) !== tracking(next)) {
      // A url_error_rate or ip_error_rate rule added or removed: the shards keep per-group counts or stop.
      plan.rebuild.push(change);
    } else if (key === 'api.token' && (running.api.token === null) !== (next.api.token === null)) {
      // Auth turned on or off: the routes (and their documentation) are built for one or the other.
      plan.api.push(change);
    } else if (IN_PLACE.has(key) || IN_PLACE_PREFIXES.some((p) => key.startsWith(p))) {
      plan.inPlace.push(change);
    } else if (!key.startsWith('api.')) {
      plan.rebuild.push(change);
    }
  }
  return plan;
}

export const keysOf = (changes: readonly ConfigChange[]): string[] => changes.map((c) => c.key);

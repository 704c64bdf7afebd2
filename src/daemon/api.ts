// The HTTP API as a running daemon serves it: readiness from the daemon's phase and its outputs' backlog, metrics
// from the daemon's own Registry (metrics-series.ts).
import type { Registry } from 'prom-client';

import type { ReadinessCheck } from '../api/health.js';
import { ApiServer } from '../api/server.js';
import { openStats } from '../api/stats/open.js';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { MAX_PENDING_OUTPUT_BYTES, type Outputs } from './outputs.js';

/** Where a daemon is in its life, as `/ready` reports it. */
export type DaemonPhase = 'starting' | 'running' | 'stopping';

export interface DaemonApiParts {
  pipeline: Pipeline;
  outputs: Outputs;
  phase: () => DaemonPhase;
  /** The daemon's metrics (metrics-series.ts). */
  registry: Registry;
}

/** Builds (not yet listening) the API of a daemon. */
export async function daemonApi(config: Config, log: Logger, parts: DaemonApiParts): Promise<ApiServer> {
  const { outputs, phase, registry } = parts;
  const readiness = (): Record<string, ReadinessCheck> => {
    const p = phase();
    const pending = outputs.pendingBytes;
    return {
      source: { ok: p === 'running', detail: p === 'running' ? 'started' : p },
      outputs: {
        // At the limit the pipeline pauses the source: the daemon is alive but not keeping up with its input.
        ok: pending < MAX_PENDING_OUTPUT_BYTES,
        detail: `${pending} bytes not yet durable (sources pause at ${MAX_PENDING_OUTPUT_BYTES})`,
      },
    };
  };
  // One DuckDB thread: the cores belong to the pipeline; the stats tables are small next to it.
  const stats = await openStats(config, log, 1, 'background');
  return ApiServer.create({ host: config.api.host, port: config.api.port, token: config.api.token, log, readiness, registry, stats });
}

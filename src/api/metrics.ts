// Prometheus metrics. Each daemon owns a Registry (never prom-client's global one, so two daemons in one process
// do not collide); the logpulse series are read from the pipeline's totals when scraped (collect callbacks), so
// the hot path counts nothing twice and a scrape always sees the numbers the daemon logs.
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

import type { PipelineTotals } from '../pipeline/pipeline.js';
import { bearerSecurity, unauthorized } from './schemas.js';

/** What a running daemon can tell the metrics, read at scrape time. */
export interface MetricsSource {
  totals: () => Readonly<PipelineTotals>;
  /** Output bytes not yet durable (sources pause at MAX_PENDING_OUTPUT_BYTES). */
  pendingOutputBytes: () => number;
}

/** A counter whose value is `read()` at every scrape. */
function counterOf(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** Process metrics (CPU, memory, event loop, GC), plus the daemon's series when `source` is given. */
export function createRegistry(source: MetricsSource | null): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  if (source === null) return registry;
  const t = source.totals;
  counterOf(registry, 'logpulse_lines_total', 'Input lines read (valid or not).', () => t().lines);
  counterOf(registry, 'logpulse_input_bytes_total', 'Input bytes read.', () => t().bytes);
  counterOf(registry, 'logpulse_records_total', 'Valid records parsed.', () => t().records);
  counterOf(registry, 'logpulse_error_records_total', 'Records with an error status (pipeline.errorStatusMin and above).', () => t().errors);
  counterOf(registry, 'logpulse_late_records_total', 'Records that arrived after their window closed (counted, not windowed).', () => t().late);
  counterOf(registry, 'logpulse_windows_emitted_total', 'Windows closed and written.', () => t().windows);
  counterOf(registry, 'logpulse_alerts_fired_total', 'Alerts fired.', () => t().alerts);
  counterOf(registry, 'logpulse_archived_rows_total', 'Rows handed to the Parquet archive.', () => t().archived);
  new Counter({
    name: 'logpulse_rejected_total',
    help: 'Input lines rejected, by reason.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(t().rejected)) this.inc({ reason }, n);
    },
  });
  new Gauge({
    name: 'logpulse_output_pending_bytes',
    help: 'Output bytes not yet durable; sources pause when this reaches the limit.',
    registers: [registry],
    collect() {
      this.set(source.pendingOutputBytes());
    },
  });
  return registry;
}

export function metricsRoutes(app: FastifyInstance, registry: Registry, secured: boolean): void {
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        ...(secured ? { security: bearerSecurity } : {}),
        produces: [registry.contentType],
        response: {
          200: { description: 'Prometheus text', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...unauthorized,
        },
      },
    },
    async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}

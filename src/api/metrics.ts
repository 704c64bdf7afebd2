// Prometheus metrics: the `/metrics` route, the Registry behind it and the helpers series are declared with. Each
// process part that serves metrics owns a Registry (never prom-client's global one, so two daemons in one process
// do not collide). Series are read from numbers their owners keep when scraped (collect callbacks), so the hot
// path counts nothing twice and a scrape always sees the numbers the daemon logs; the daemon's series are in
// src/daemon/metrics-series.ts.
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

import { bearerSecurity, unauthorized } from './schemas.js';

/**
 * prom-client's gauges named like counters (`promtool check metrics`: non-counter metrics should not have a
 * `_total` suffix). Left out: `nodejs_active_handles{type}`, `…_requests{type}`, `…_resources{type}` carry the same
 * numbers per type (their sum is the total).
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Process metrics (CPU, memory, event loop, GC), plus whatever `addSeries` registers. */
export function createRegistry(addSeries?: (registry: Registry) => void): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  addSeries?.(registry);
  return registry;
}

/** (label value, value) pairs of a one-label series. */
export type Samples = Iterable<readonly [string, number]>;

/** A counter whose value is `read()` at every scrape. */
export function counterOf(registry: Registry, name: string, help: string, read: () => number): void {
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

/** A counter with one label, its samples `read()` at every scrape. */
export function labelledCounterOf(registry: Registry, name: string, help: string, label: string, read: () => Samples): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, n] of read()) this.inc({ [label]: value }, n);
    },
  });
}

/** A gauge whose value is `read()` at every scrape. */
export function gaugeOf(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/**
 * A gauge with labels, its samples `read()` at every scrape; a label set missing from one scrape is gone from it
 * (a Kafka partition revoked).
 */
export function labelledGaugeOf<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Iterable<readonly [Record<L, string>, number]>,
): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, n] of read()) this.set(labels as Partial<Record<L, string>>, n);
    },
  });
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

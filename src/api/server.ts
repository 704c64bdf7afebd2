// The HTTP API: one fastify instance, its route groups (health, metrics, docs, stats, history, live feed, dashboard), bearer
// auth when a token is set.
// It knows the daemon only through the callbacks it is given, so `logpulse api` can serve it alone.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

import { LogpulseError } from '../errors.js';
import type { Logger } from '../log.js';
import { alertsRoutes } from './alerts.js';
import { requireBearer } from './auth.js';
import { registerCors } from './cors.js';
import { dashboardRoutes } from './dashboard.js';
import { registerDocs } from './docs.js';
import { eventsRoutes } from './events.js';
import { healthRoutes, type Readiness } from './health.js';
import type { History } from './history.js';
import type { LiveHub } from './live.js';
import { metricsRoutes } from './metrics.js';
import type { LambdaStats } from './stats/lambda.js';
import { StatsQueries } from './stats/query.js';
import { statsRoutes } from './stats/routes.js';
import { windowsRoutes } from './windows.js';

export interface ApiOptions {
  host: string;
  /** 0 picks a free port (`listen` says which). */
  port: number;
  /** Bearer token every route but `/health` requires; null = no auth. Never logged. */
  token: string | null;
  /** `api.corsOrigins`: none = no CORS headers. */
  corsOrigins?: readonly string[];
  log: Logger;
  readiness: Readiness;
  registry: Registry;
  /** The stats views' lambda tables (closed with the server); null when the archive is off. */
  stats: LambdaStats | null;
  /** Closed windows and alerts: output files, plus a running daemon's recent ones. */
  history: History;
  /** The SSE feed of /events. */
  live: LiveHub;
}

export class ApiServer {
  readonly #o: ApiOptions;
  readonly #app: FastifyInstance;
  readonly #auth: { token: string | null };

  private constructor(o: ApiOptions, app: FastifyInstance, auth: { token: string | null }) {
    this.#o = o;
    this.#app = app;
    this.#auth = auth;
  }

  /** Builds the instance with every route; nothing listens yet. */
  static async create(o: ApiOptions): Promise<ApiServer> {
    // fastify's own logger stays off: its request lines would be one log line per scrape, and nothing it could
    // log (headers) should reach the daemon's log. Server errors are logged below, without the request.
    const app = Fastify({ logger: false });
    const secured = o.token !== null;
    const auth = { token: o.token };
    await registerCors(app, o.corsOrigins ?? []);
    if (secured) requireBearer(app, () => auth.token ?? '');
    await registerDocs(app, secured);
    healthRoutes(app, o.readiness, secured);
    metricsRoutes(app, o.registry, secured);
    statsRoutes(app, o.stats === null ? null : new StatsQueries(o.stats), secured);
    windowsRoutes(app, o.history, secured);
    alertsRoutes(app, o.history, secured);
    eventsRoutes(app, o.live, secured);
    dashboardRoutes(app);
    // Open event streams would hold the close until every browser left.
    app.addHook('preClose', async () => o.live.close());
    app.setErrorHandler(async (err: Error & { statusCode?: number }, req, reply) => {
      const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
      if (status >= 500) o.log.error({ err: err.message, route: req.routeOptions.url }, 'api request failed');
      return reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message });
    });
    await app.ready();
    return new ApiServer(o, app, auth);
  }

  /**
   * A new token (a config reload), required from the next request on. Whether there is one at all is fixed when
   * the server is built (the routes' documentation says so): false, and nothing changed, when `token` would
   * turn auth on or off.
   */
  setToken(token: string | null): boolean {
    if ((token === null) !== (this.#auth.token === null)) return false;
    this.#auth.token = token;
    return true;
  }

  /** Listens; resolves with the bound URL (also logged as "api listening"). */
  async listen(): Promise<string> {
    const { host, port, log } = this.#o;
    let url: string;
    try {
      url = await this.#app.listen({ host, port });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new LogpulseError('LP_ERR_API_LISTEN', `the HTTP API cannot listen on ${host}:${port}: ${e.message} (set api.port, or --no-api)`, {
        cause: err,
        ...(e.code === undefined ? {} : { syscallCode: e.code }),
      });
    }
    log.info({ url, auth: this.#auth.token !== null }, 'api listening');
    return url;
  }

  /** Stops listening; open connections are ended. */
  async close(): Promise<void> {
    await this.#app.close();
    await this.#o.stats?.close();
  }
}

// `logpulse api [-c FILE] [--host H] [--port P]`: the HTTP API alone, without a pipeline — health, readiness
// (ready once listening), process metrics, the OpenAPI docs, and the windows and alerts of `output.dir`'s files
// (with the dashboard), and the stats views from the archive — until SIGTERM/SIGINT, then exit 0.
import { History } from '../api/history.js';
import { LiveHub } from '../api/live.js';
import { createRegistry } from '../api/metrics.js';
import { ApiServer } from '../api/server.js';
import { openStats } from '../api/stats/open.js';
import { formatProblem } from '../config/problems.js';
import { loadConfig } from '../config/load.js';
import { installSignals } from '../daemon/shutdown.js';
import { LogpulseError } from '../errors.js';
import { createLogger } from '../log.js';

export interface ApiCommandOptions {
  config?: string;
  host?: string;
  port?: string;
  output?: string;
}

export async function apiCommand(opts: ApiCommandOptions): Promise<number> {
  const loaded = loadConfig(opts.config, { host: opts.host, port: opts.port, output: opts.output });
  if (!loaded.ok) {
    for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
    return 2;
  }
  const { api, log: logConfig, output } = loaded.config;
  const log = createLogger(logConfig.level, logConfig.format);
  const server = await ApiServer.create({
    host: api.host,
    port: api.port,
    token: api.token,
    corsOrigins: api.corsOrigins,
    log,
    readiness: () => ({ listening: { ok: true, detail: 'serving the API alone (no pipeline in this process)' } }),
    registry: createRegistry(),
    history: new History({ outputDir: output.dir, recent: null, warn: (message, details) => log.warn(details, message) }),
    // Nothing feeds it: /events only says hello and keeps the connection alive.
    live: new LiveHub({ probe: null }),
    stats: await openStats(loaded.config, log, 'await'),
  });
  let stop: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => (stop = resolve));
  const uninstall = installSignals({ stop });
  try {
    await server.listen();
    const signal = await stopped;
    log.info({ signal }, 'api stopping');
    return 0;
  } catch (err) {
    if (!(err instanceof LogpulseError)) throw err;
    log.error({ err: err.message }, 'the HTTP API could not start');
    return err.exitCode;
  } finally {
    uninstall();
    await server.close();
  }
}

// CORS: no headers unless api.corsOrigins lists the origin; a listed origin's preflight passes even with a token
// (browsers send no Authorization on a preflight), and its GET carries the token as any client's does.
import { afterEach, describe, expect, it } from 'vitest';

import { History } from '../../src/api/history.js';
import { LiveHub } from '../../src/api/live.js';
import { createRegistry } from '../../src/api/metrics.js';
import { ApiServer } from '../../src/api/server.js';
import { createLogger } from '../../src/log.js';

let server: ApiServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(corsOrigins: string[], token: string | null = null): Promise<string> {
  server = await ApiServer.create({
    host: '127.0.0.1',
    port: 0,
    token,
    corsOrigins,
    log: createLogger('silent'),
    readiness: () => ({}),
    registry: createRegistry(),
    history: new History({ outputDir: '/nonexistent', recent: null }),
    live: new LiveHub({ probe: null }),
    stats: null,
  });
  return server.listen();
}

const preflight = (url: string, origin: string) =>
  fetch(`${url}/ready`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });

describe('CORS', () => {
  it('is off by default: no Access-Control headers for any origin', async () => {
    const url = await start([]);
    const res = await fetch(`${url}/health`, { headers: { origin: 'https://grafana.example.com' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight(url, 'https://grafana.example.com')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows the listed origins only; their preflight passes without the token, their requests still need it', async () => {
    const url = await start(['https://grafana.example.com'], 'tok-cors-1');
    const ok = await preflight(url, 'https://grafana.example.com');
    expect(ok.status).toBeLessThan(300);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://grafana.example.com');
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect((await preflight(url, 'https://evil.example.net')).headers.get('access-control-allow-origin')).toBeNull();

    const origin = { origin: 'https://grafana.example.com' };
    expect((await fetch(`${url}/ready`, { headers: origin })).status).toBe(401);
    const authed = await fetch(`${url}/ready`, { headers: { ...origin, authorization: 'Bearer tok-cors-1' } });
    expect(authed.status).toBe(200);
    expect(authed.headers.get('access-control-allow-origin')).toBe('https://grafana.example.com');
  });
});

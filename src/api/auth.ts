// Bearer-token auth for the HTTP API. The comparison never depends on where the given token first differs from
// the real one: both are hashed to SHA-256 first, so `timingSafeEqual` always compares two 32-byte buffers and
// neither the content nor the length of the token leaks through response times.
import { createHash, timingSafeEqual } from 'node:crypto';

import type { FastifyInstance } from 'fastify';

/**
 * Routes anyone may call: a load balancer's liveness probe carries no token, and a browser cannot send one when it
 * loads the dashboard page and its assets (static files from the repo; every piece of data the page shows comes
 * from routes that need the token).
 */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['/health', '/', '/assets/dashboard/:file', '/assets/uplot/:file']);

/** Routes that also take the token as `?access_token=`: a browser's EventSource cannot set a header. */
export const QUERY_TOKEN_ROUTES: ReadonlySet<string> = new Set(['/events']);

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** `header` is `Bearer <token>` (scheme case-insensitive) with the expected token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer +(.+)$/i.exec(header ?? '');
  const given = match?.[1]?.trim() ?? '';
  // Hashed even when absent, so a missing header costs the same as a wrong one.
  return timingSafeEqual(digest(given), digest(token)) && given !== '';
}

/** Every route but OPEN_ROUTES answers 401 `{error}` without `Authorization: Bearer <token>` (read per request: a reload may change it). */
export function requireBearer(app: FastifyInstance, current: () => string): void {
  app.addHook('onRequest', async (req, reply) => {
    const token = current();
    const route = req.routeOptions.url ?? '';
    if (OPEN_ROUTES.has(route)) return;
    if (bearerMatches(req.headers.authorization, token)) return;
    const query = req.query as Record<string, unknown>;
    if (QUERY_TOKEN_ROUTES.has(route) && typeof query.access_token === 'string' && bearerMatches(`Bearer ${query.access_token}`, token)) return;
    await reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="logpulse"')
      .send({ error: 'missing or wrong bearer token (Authorization: Bearer <api.token>)' });
  });
}

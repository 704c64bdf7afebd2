// GET /events: the live feed as Server-Sent Events (text/event-stream), served by the LiveHub. A browser's
// EventSource cannot set an Authorization header, so this route alone also takes the token as `access_token` in
// the query (auth.ts).
import type { FastifyInstance } from 'fastify';

import type { LiveHub } from './live.js';
import { bearerSecurity, unauthorized } from './schemas.js';

const DESCRIPTION = [
  'Events: `hello` (at connect: `{"pipeline": bool}`, false under `logpulse api`), `window` (each closed-window metrics row',
  'as /windows lists it), `alert` (each alert as it fires), `pipeline` (every second: lines_per_s, records_per_s,',
  'errors_per_s, rejected_per_s, late_per_s, totals, pending_output_bytes, closed_through). A `: heartbeat` comment',
  'every 15 s; `retry:` sets the reconnect delay. A client that reads slower than the feed comes is disconnected.',
].join(' ');

export function eventsRoutes(app: FastifyInstance, hub: LiveHub, secured: boolean): void {
  app.get(
    '/events',
    {
      schema: {
        summary: 'Live feed (Server-Sent Events): closed windows, alerts, pipeline rates',
        description: DESCRIPTION,
        ...(secured ? { security: bearerSecurity } : {}),
        ...(secured
          ? {
              querystring: {
                type: 'object',
                properties: { access_token: { type: 'string', description: 'the bearer token, for clients that cannot set headers (EventSource)' } },
              },
            }
          : {}),
        produces: ['text/event-stream'],
        response: {
          200: { description: 'An endless event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...unauthorized,
        },
      },
    },
    (req, reply) => {
      // fastify hands the socket over: the hub writes to it for as long as the client stays.
      reply.hijack();
      req.raw.socket.setNoDelay(true);
      hub.attach(reply.raw);
    },
  );
}

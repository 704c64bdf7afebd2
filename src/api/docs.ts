// The OpenAPI 3 document (`/docs/json`), built by @fastify/swagger from every route's schema, and its UI at
// `/docs`, whose assets @fastify/swagger-ui serves from node_modules (no CDN: the daemon often runs offline).
import { createRequire } from 'node:module';

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Registers the document and the UI; must run before the routes are added, so it sees each of them. */
export async function registerDocs(app: FastifyInstance, secured: boolean): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'logpulse', description: 'HTTP API of the logpulse daemon', version },
      ...(secured ? { components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } } } : {}),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

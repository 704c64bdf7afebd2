// CORS: off unless `api.corsOrigins` lists the browser origins that may call the API from pages served elsewhere
// (a Grafana panel, an internal portal). The dashboard at `/` is same-origin and needs none of it. Read-only routes:
// GET (and the preflight's OPTIONS), with the Authorization header so a page can send the token.
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET'],
    allowedHeaders: ['Authorization'],
    maxAge: 600,
  });
}

// The live dashboard at `/`: plain HTML, CSS and browser JavaScript from the repo's assets/dashboard/ (no bundler, no
// CDN: the daemon often runs where the internet is not), and the chart library from node_modules.
//
// Charts are uPlot: ~50 KB minified, canvas-drawn and fast with tens of thousands of points (a week of 10 s windows),
// no dependencies, and an IIFE build a page can load with a plain <script> tag — the alternatives are several times
// larger (Chart.js, ECharts) or SVG-based, which slows down at that many points (D3-based libraries).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FastifyInstance, FastifyReply } from 'fastify';

/** The page's own files: relative to this module, so the same path works from src/ (tsx) and from dist/. */
const DASHBOARD_DIR = fileURLToPath(new URL('../../assets/dashboard/', import.meta.url));
const UPLOT_DIR = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

/** The uPlot files the page loads; nothing else of node_modules is reachable. */
const UPLOT_FILES: ReadonlySet<string> = new Set(['uPlot.iife.min.js', 'uPlot.min.css']);
/** A dashboard file name: no directory part, so no request can leave the folder. */
const ASSET_NAME = /^[a-z0-9][a-z0-9-]*\.(js|css|html)$/;

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

async function sendFile(reply: FastifyReply, path: string): Promise<FastifyReply> {
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reply.code(404).send({ error: 'no such asset' });
    throw err;
  }
  const type = TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
  // Revalidated on every load: a daemon upgrade must never leave a browser on stale scripts.
  return reply.type(type).header('cache-control', 'no-cache').send(body);
}

const hidden = { schema: { hide: true } } as const;

export function dashboardRoutes(app: FastifyInstance): void {
  app.get(
    '/',
    { schema: { summary: 'The live dashboard (HTML; the page itself needs no token, the data it loads does)', produces: ['text/html'] } },
    (_req, reply) => sendFile(reply, join(DASHBOARD_DIR, 'index.html')),
  );
  app.get<{ Params: { file: string } }>('/assets/dashboard/:file', hidden, (req, reply) => {
    const { file } = req.params;
    if (!ASSET_NAME.test(file)) return reply.code(404).send({ error: 'no such asset' });
    return sendFile(reply, join(DASHBOARD_DIR, file));
  });
  app.get<{ Params: { file: string } }>('/assets/uplot/:file', hidden, (req, reply) => {
    const { file } = req.params;
    if (!UPLOT_FILES.has(file)) return reply.code(404).send({ error: 'no such asset' });
    return sendFile(reply, join(UPLOT_DIR, file));
  });
}

// Every JSON route of a running daemon answers in the shape its OpenAPI document (`/docs/json`, generated from the
// route schemas) promises: each answer is checked with Ajv against the document's own response schema, with data
// in it (archive on, records flowing, windows closing), so a route whose serializer and schema drift apart fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CliProcess } from '../support/cli.js';
import { untilAsync } from '../support/wait.js';
import { apiUrl, spawnDaemon } from './helpers.js';

interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
interface OpenApi {
  paths: Record<string, { get?: Operation }>;
  components?: { schemas?: Record<string, object> };
}

describe('route shapes against the OpenAPI document', () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-shapes-'));
  let d: CliProcess;
  let url: string;

  beforeAll(async () => {
    d = spawnDaemon(dir, {}, `output:\n  rotateEvery: 1s\narchive:\n  enabled: true\n  dir: ${join(dir, 'logs')}\nbatch:\n  dir: ${join(dir, 'batch')}\n`);
    url = await apiUrl(d);
    await untilAsync('archived records in /ip-stats', async () => ((await (await fetch(`${url}/ip-stats`)).json()) as { total: number }).total > 0, { ms: 30_000 });
  }, 60_000);

  afterAll(async () => {
    d.child.kill('SIGTERM');
    await d.exit;
    rmSync(dir, { recursive: true, force: true });
  });

  it('every GET route with a JSON answer matches its documented 200 schema', async () => {
    const doc = (await (await fetch(`${url}/docs/json`)).json()) as OpenApi;
    const ajv = new Ajv({ strict: false, allErrors: true });
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) ajv.addSchema(schema, `#/components/schemas/${name}`);
    const checked: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      const schema = item.get?.responses['200']?.content?.['application/json']?.schema;
      if (schema === undefined || path.includes('{') || (item.get?.parameters ?? []).some((p) => p.required === true)) continue;
      const res = await fetch(`${url}${path}`);
      const ready = path === '/ready' && res.status === 503;
      expect(res.status === 200 || ready, `${path}: ${res.status}`).toBe(true);
      const body = (await res.json()) as unknown;
      const validate = ajv.compile(schema);
      expect(validate(body), `${path}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`).toBe(true);
      checked.push(path);
    }
    expect(checked).toEqual(expect.arrayContaining(['/health', '/ready', '/ip-stats', '/url-stats', '/status-stats', '/minute-stats', '/user-agent-stats']));
  });
});

// The readable log format (log.format: pretty / auto on a terminal): pino-pretty's lines with key=value fields,
// made from the already-redacted JSON, so secrets are scrubbed exactly as in the JSON lines.
import { afterEach, describe, expect, it, vi } from 'vitest';

import { createLogger, isPretty } from '../src/log.js';
import { REDACTED, rememberSecrets } from '../src/redact.js';

function captureStderr(): { text: () => string } {
  let text = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += chunk.toString();
    return true;
  });
  return { text: () => text };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('log.format', () => {
  it('auto is pretty on a terminal only; pretty and json are what they say', () => {
    expect(isPretty('auto', true)).toBe(true);
    expect(isPretty('auto', false)).toBe(false);
    expect(isPretty('pretty', false)).toBe(true);
    expect(isPretty('json', true)).toBe(false);
  });

  it('pretty: one line, time, level, message, then the fields as key=value', () => {
    const out = captureStderr();
    createLogger('info', 'pretty').info({ source: 'file:/var/log/a.log', workers: 2, problems: ['a b'] }, 'source started');
    const lines = out.text().split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: source started source=file:\/var\/log\/a\.log workers=2 problems=\["a b"\]$/);
  });

  it('pretty: secrets are redacted as in the JSON lines (by key, URL passwords, known values)', () => {
    rememberSecrets(['pretty-known-secret-value']);
    const out = captureStderr();
    const log = createLogger('info', 'pretty');
    log.warn({ password: 'hunter2-by-key', kafka: { token: 'tok-by-key' }, url: 'kafka://user:pw-in-url@broker/t' }, 'failed with pretty-known-secret-value');
    const text = out.text();
    for (const secret of ['hunter2-by-key', 'tok-by-key', 'pw-in-url', 'pretty-known-secret-value']) expect(text).not.toContain(secret);
    expect(text).toContain(`password=${REDACTED}`);
    expect(text).toContain(`failed with ${REDACTED}`);
  });
});

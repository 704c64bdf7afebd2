// The one redaction place (src/redact.ts): what it scrubs from any text, and which values of a config it learns.
import { describe, expect, it } from 'vitest';

import { loadConfig, parseConfigText } from '../src/config/load.js';
import { formatProblem } from '../src/config/problems.js';
import { MIN_SECRET_LENGTH, REDACTED, redactText, rememberSecrets, secretsOf } from '../src/redact.js';

const keys = (o: { token?: string | null; webhook?: string | null; webhookSecretEnv?: string | null } = {}) => ({
  api: { token: o.token ?? null },
  alerts: { webhook: o.webhook ?? null, webhookSecretEnv: o.webhookSecretEnv ?? null },
});

describe('redactText', () => {
  it('scrubs the password of any URL, and an access_token query parameter, without being told them', () => {
    expect(redactText('failed: http://u:p4ss@host:1/x and kafka://:only-pw@b/t')).toBe(
      `failed: http://u:${REDACTED}@host:1/x and kafka://:${REDACTED}@b/t`,
    );
    expect(redactText('GET /events?access_token=abc123&x=1')).toBe(`GET /events?access_token=${REDACTED}&x=1`);
    // A user without a password, an e-mail address: nothing secret.
    expect(redactText('http://user@host/ mail a@b.c')).toBe('http://user@host/ mail a@b.c');
  });

  it('scrubs every remembered value, raw and as JSON escapes it, longest first; not values too short to matter', () => {
    rememberSecrets(['unit-secret-"quoted"', 'unit-secret-"quoted"-and-more', 'ab', null, undefined]);
    expect(redactText('x unit-secret-"quoted"-and-more y')).toBe(`x ${REDACTED} y`);
    expect(redactText(JSON.stringify({ e: 'at unit-secret-"quoted" now' }))).toBe(`{"e":"at ${REDACTED} now"}`);
    expect('ab'.length).toBeLessThan(MIN_SECRET_LENGTH);
    expect(redactText('ab cd')).toBe('ab cd');
  });
});

describe('secretsOf', () => {
  it('is the token, the HMAC secret the config names, the webhook password, path and query, and the env secrets', () => {
    const env = { KAFKA_PASSWORD: 'kpw-1234', LOGPULSE_API_TOKEN: 'envtok-1234', HMAC: 'hmac-1234', KAFKA_USERNAME: 'logpulse' };
    const found = secretsOf(keys({ token: 'tok-1234', webhook: 'https://u:p%40ss-1234@hooks.example/services/T1/B2?k=v', webhookSecretEnv: 'HMAC' }), env);
    expect(found).toEqual(expect.arrayContaining(['kpw-1234', 'envtok-1234', 'tok-1234', 'hmac-1234', 'p%40ss-1234', 'p@ss-1234', '/services/T1/B2?k=v']));
    // The user name is not a secret (and "logpulse" would be scrubbed from every log line).
    expect(found).not.toContain('logpulse');
    expect(secretsOf(keys({ webhook: 'https://hooks.example/' }), {}).filter((s) => s.length >= MIN_SECRET_LENGTH)).toEqual([]);
  });

  it('a config that loads teaches them: from then on a problem line or any text never shows them', () => {
    const result = parseConfigText('api: { token: "${TOK}" }\n', 'c.yaml', { env: { TOK: 'learned-token-77' } });
    expect(result.ok).toBe(true);
    expect(redactText('Bearer learned-token-77')).toBe(`Bearer ${REDACTED}`);
    expect(formatProblem({ path: 'x', message: 'saw learned-token-77' })).toBe(`x: saw ${REDACTED}`);
    // A config that fails teaches nothing (its values are not known to be what it meant).
    const bad = loadConfig(undefined, { workers: 'x' }, { LOGPULSE_API_TOKEN: 'not-learned-88' });
    expect(bad.ok).toBe(false);
    expect(redactText('not-learned-88')).toBe('not-learned-88');
  });
});

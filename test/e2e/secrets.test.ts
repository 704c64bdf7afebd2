// Secrets never leave the process (SECURITY.md): a daemon run with every kind of secret configured — the API token
// from a ${VAR}, the Kafka SASL password, a webhook URL with a password and a credential path, the webhook's HMAC
// secret — at log level trace, with the webhook and the Kafka brokers failing so their errors are logged; then
// `validate` of a config with secrets in wrong places. Not one secret in stdout, stderr or any file written.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { spawnCli, waitForLog } from '../support/cli.js';

const SECRETS = {
  LP_TEST_TOKEN: 'tok-9f8e7d6c5b4a',
  KAFKA_PASSWORD: 'kafka-pw-Zq81xL',
  LP_TEST_HMAC: 'hmac-secret-Q7w2e',
  WEBHOOK_PASSWORD: 'hook-pw-Mm3n4b',
  WEBHOOK_PATH: 'T00/B00/slackpath77',
};

/** Every file under `dir` but the config, with its text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else if (!name.endsWith('.yaml')) out.push({ path, text: readFileSync(path).toString('latin1') });
  }
  return out;
}

function expectNoSecret(where: string, text: string): void {
  for (const [name, value] of Object.entries(SECRETS)) expect(text.includes(value), `${name} in ${where}`).toBe(false);
}

it('a daemon logs and writes no secret, even in the errors of a failing webhook and Kafka producer', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'logpulse-secrets-'));
  writeFileSync(
    join(cwd, 'config.yaml'),
    [
      'source: "generator:?seed=5&count=2000000"',
      'output: { dir: out, rotateEvery: 500ms }',
      'checkpoint: { dir: ckpt }',
      'api: { port: 0, token: "${LP_TEST_TOKEN}" }',
      'log: { level: trace }',
      'alerts:',
      `  webhook: "http://alice:${SECRETS.WEBHOOK_PASSWORD}@127.0.0.1:9/services/${SECRETS.WEBHOOK_PATH}"`,
      '  webhookSecretEnv: LP_TEST_HMAC',
      '  rules: [{ type: errors_per_status, threshold: 1 }]',
      'kafka: { brokers: "127.0.0.1:9", security: { protocol: SASL_PLAINTEXT } }',
      '',
    ].join('\n'),
  );
  const env = { LP_TEST_TOKEN: SECRETS.LP_TEST_TOKEN, KAFKA_USERNAME: 'alice', KAFKA_PASSWORD: SECRETS.KAFKA_PASSWORD, LP_TEST_HMAC: SECRETS.LP_TEST_HMAC };
  const d = spawnCli(['run', '-c', 'config.yaml'], { cwd, env });
  // The webhook's failure is the line that used to quote the whole URL (fetch refuses a URL with credentials).
  await waitForLog(d, 'webhook: delivery failed');
  await waitForLog(d, 'durable cut');
  d.child.kill('SIGTERM');
  await d.exit;
  const stderr = d.stderr();
  expect(stderr).toContain(`alice:[redacted]@127.0.0.1:9`);
  expect(stderr).toContain('"effective config"');
  expectNoSecret('stderr', stderr);
  expectNoSecret('stdout', d.stdout().toString('latin1'));
  const files = filesUnder(cwd);
  expect(files.some((f) => f.path.includes('errors-'))).toBe(true);
  for (const f of files) expectNoSecret(f.path, f.text);
});

it('validate names the bad keys and prints no secret, wherever the secrets are in the config', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'logpulse-secrets-'));
  writeFileSync(
    join(cwd, 'bad.yaml'),
    [
      `source: "tcp://bob:${SECRETS.WEBHOOK_PASSWORD}@127.0.0.1:9999"`,
      'api: { token: ["${LP_TEST_TOKEN}"] }',
      `kafka: { brokers: "bob:${SECRETS.KAFKA_PASSWORD}@k1", security: { password: "${SECRETS.KAFKA_PASSWORD}" } }`,
      `alerts: { webhook: "ftp://bob:${SECRETS.WEBHOOK_PASSWORD}@h/${SECRETS.WEBHOOK_PATH}", webhookSecretEnv: LP_TEST_HMAC }`,
      'pipeline: { window: "${LP_TEST_HMAC}" }',
      '',
    ].join('\n'),
  );
  const env = { LP_TEST_TOKEN: SECRETS.LP_TEST_TOKEN, KAFKA_PASSWORD: SECRETS.KAFKA_PASSWORD, LP_TEST_HMAC: SECRETS.LP_TEST_HMAC };
  const v = spawnCli(['validate', '-c', 'bad.yaml'], { cwd, env });
  expect(await v.exit).toBe(2);
  const stderr = v.stderr();
  for (const key of ['source', 'api.token', 'kafka.brokers', 'kafka.security.password', 'alerts.webhook', 'pipeline.window']) {
    expect(stderr).toMatch(new RegExp(`^${key.replace('.', '\\.')}: `, 'm'));
  }
  expectNoSecret('validate stderr', stderr);
  expectNoSecret('validate stdout', v.stdout().toString('latin1'));
});

// kafka:// on the real broker (SPEC §5, issue 6): `logpulse gen` produces, the daemon consumes as a group
// member, and what it writes is compared with the pure-TS reference over the same lines.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { alertKeys, lines, readKind } from '../e2e/helpers.js';
import { spawnCli } from '../support/cli.js';
import { brokerInfo, type BrokerInfo, committedOffsets, createTopic, endOffsets, readTopic } from '../support/kafka.js';
import { CLI } from '../support/paths.js';
import { expectRows, referenceAlertKeys, referenceRows } from './expect-rows.js';

let broker: BrokerInfo;
let dir: string;

beforeAll(() => {
  broker = brokerInfo();
  dir = mkdtempSync(join(tmpdir(), 'logpulse-kafka-'));
  writeFileSync(join(dir, 'quiet.yaml'), 'console:\n  enabled: false\n');
});

const GEN_ARGS = (count: number, seed: number) => ['gen', '--count', String(count), '--rate', '0', '--seed', String(seed), '--start', '2025-06-09T09:00:00Z', '--step', '2'];

function gen(args: string[]): Buffer {
  const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 1 << 30 });
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout;
}

const byWindowAndStatus = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.window_start).localeCompare(String(b.window_start)) || String(a.kind).localeCompare(String(b.kind)) || Number(a.status ?? 0) - Number(b.status ?? 0);

describe('kafka:// source on a real broker', () => {
  it('500k messages over 3 partitions: metrics equal the reference, every error once, offsets committed to the end, alerts on the alerts topic', async () => {
    const topic = await createTopic(broker.plaintext, 3);
    const alertsTopic = await createTopic(broker.plaintext, 2);
    const cfg = join(dir, 'exact.yaml');
    writeFileSync(cfg, `console:\n  enabled: false\nalerts:\n  kafkaTopic: ${alertsTopic}\n`);
    const uri = `kafka://${broker.plaintext}/${topic}`;
    const produced = spawnSync(process.execPath, [CLI, ...GEN_ARGS(500_000, 11), '--out', uri], { encoding: 'utf8' });
    expect(produced.status, produced.stderr).toBe(0);
    const ends = await endOffsets(broker.plaintext, topic, 3);
    expect(ends.reduce((a, b) => a + b, 0)).toBe(500_000);
    for (const end of ends) expect(Math.abs(end - 500_000 / 3)).toBeLessThan(10_000); // an even share per partition

    const out = join(dir, 'exact');
    const d = spawnCli(['run', '-c', cfg, '--no-api', '--source', `${uri}?group=exact&startingOffsets=earliest&endingOffsets=latest`, '--output', out, '--checkpoint', join(dir, 'exact-ckpt')]);
    expect(await d.exit, d.stderr()).toBe(0);

    const data = gen(GEN_ARGS(500_000, 11));
    const wantErrors = lines(data.toString()).filter((l) => !/"status": 200/.test(l)).sort();
    expect(lines(readKind(out, 'errors')).sort()).toEqual(wantErrors);
    expect(readKind(out, 'rejected')).toBe('');
    const rows = lines(readKind(out, 'metrics')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const want = referenceRows(data);
    expectRows(rows.sort(byWindowAndStatus), [...want].sort(byWindowAndStatus));
    expect(await committedOffsets(broker.plaintext, 'exact', topic, 3)).toEqual(ends);
    // The alerts are the ones the reference's windows call for (the default rule: a status over 100 errors)...
    const alerts = lines(readKind(out, 'alerts'));
    expect(referenceAlertKeys(want).length).toBeGreaterThan(10);
    expect(alertKeys(alerts.join('\n'))).toEqual(referenceAlertKeys(want));
    // ...and every one of them was also delivered to the alerts topic (confirmed before the daemon exited).
    expect((await readTopic(broker.plaintext, alertsTopic, 2)).flat().sort()).toEqual(alerts.sort());
  }, 180_000); // produce, consume, regenerate and reference-compute 500k lines, on a loaded 2-core CI

  it('gen --out kafka:// to a topic the brokers do not have: exit 1 naming the topic, at once, no stack trace', () => {
    const r = spawnSync(process.execPath, [CLI, ...GEN_ARGS(10, 1), '--out', `kafka://${broker.plaintext}/no-such-topic`], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/topic no-such-topic does not exist on the brokers/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  describe('SASL_SSL with the broker\'s CA', () => {
    let topic: string;
    let data: Buffer;
    const saslConfig = (name: string, mechanism: string): string => {
      const cfg = join(dir, `${name}.yaml`);
      writeFileSync(cfg, `console:\n  enabled: false\nkafka:\n  security:\n    protocol: SASL_SSL\n    mechanism: ${mechanism}\n    caFile: ${broker.caFile}\n`);
      return cfg;
    };
    const genSasl = (cfg: string, env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, [CLI, ...GEN_ARGS(20_000, 5), '-c', cfg, '--out', `kafka://${broker.saslSsl}/${topic}`], {
        encoding: 'utf8',
        env: { ...process.env, KAFKA_USERNAME: '', KAFKA_PASSWORD: '', ...env },
      });

    // The messages themselves go in over SASL_SSL too: `gen -c` takes the config's kafka.security.
    beforeAll(async () => {
      topic = await createTopic(broker.plaintext, 3);
      const produced = genSasl(saslConfig('gen-scram', 'SCRAM-SHA-512'), { KAFKA_USERNAME: broker.scram.username, KAFKA_PASSWORD: broker.scram.password });
      expect(produced.status, produced.stderr).toBe(0);
      expect(produced.stderr).not.toContain(broker.scram.password);
      data = gen(GEN_ARGS(20_000, 5));
    });

    it('gen over SASL_SSL without credentials in the environment: exit 2 naming the variables; with a wrong password: exit 1 naming what to check, the password nowhere', () => {
      const cfg = saslConfig('gen-plain', 'PLAIN');
      const missing = genSasl(cfg, {});
      expect(missing.status).toBe(2);
      expect(missing.stderr).toMatch(/needs KAFKA_USERNAME and KAFKA_PASSWORD in the environment/);
      const secret = 'not-the-password-91c2';
      const wrong = genSasl(cfg, { KAFKA_USERNAME: broker.plain.username, KAFKA_PASSWORD: secret });
      expect(wrong.status).toBe(1);
      expect(wrong.stderr).toMatch(/check KAFKA_USERNAME \/ KAFKA_PASSWORD and kafka.security.mechanism/);
      expect(wrong.stderr + wrong.stdout).not.toContain(secret);
    });

    const runSasl = (name: string, mechanism: string, username: string, password: string) => {
      const cfg = saslConfig(name, mechanism);
      const out = join(dir, name);
      const source = `kafka://${broker.saslSsl}/${topic}?group=${name}&startingOffsets=earliest&endingOffsets=latest`;
      const d = spawnCli(['run', '-c', cfg, '--no-api', '--source', source, '--output', out, '--checkpoint', join(dir, `${name}-ckpt`)], {
        env: { KAFKA_USERNAME: username, KAFKA_PASSWORD: password },
      });
      return { d, out };
    };

    it.each([
      ['plain', 'PLAIN', () => broker.plain],
      ['scram', 'SCRAM-SHA-512', () => broker.scram],
    ] as const)('%s: reads every message over TLS with the user from the environment; the password is never printed', async (name, mechanism, user) => {
      const { d, out } = runSasl(`sasl-${name}`, mechanism, user().username, user().password);
      expect(await d.exit, d.stderr()).toBe(0);
      // What was read over TLS is what was produced: every error record, and the reference's windows and alerts.
      expect(lines(readKind(out, 'errors')).sort()).toEqual(lines(data.toString()).filter((l) => !/"status": 200/.test(l)).sort());
      expect(readKind(out, 'rejected')).toBe('');
      const want = referenceRows(data);
      expectRows(lines(readKind(out, 'metrics')).map((l) => JSON.parse(l) as Record<string, unknown>).sort(byWindowAndStatus), [...want].sort(byWindowAndStatus));
      expect(alertKeys(readKind(out, 'alerts'))).toEqual(referenceAlertKeys(want));
      expect(d.stderr() + d.stdout()).not.toContain(user().password);
    });

    it('a wrong password: a clear error naming what to check, exit 1, and the password appears nowhere', async () => {
      const secret = 'not-the-password-7f3a';
      const { d, out } = runSasl('sasl-wrong', 'PLAIN', broker.plain.username, secret);
      expect(await d.exit).toBe(1);
      expect(d.stderr()).toMatch(/credentials rejected: check KAFKA_USERNAME \/ KAFKA_PASSWORD/);
      expect(d.stderr() + d.stdout()).not.toContain(secret);
      expect(readKind(out, 'errors')).toBe('');
    });
  });
});

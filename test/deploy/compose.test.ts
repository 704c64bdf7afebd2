// docker-compose.yml and docker-compose.sasl.yml, checked as `docker compose config` would check them (no Docker
// engine here): valid against the Compose specification's JSON schema (vendored in compose-spec/), interpolated from
// .env.example, merged; then the wiring — services, health checks, dependencies, named volumes, ports, the image's
// volumes and config, Prometheus, the Kafka listeners and secrets scripts/make-certs writes — and promtool on the
// compose scrape config.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { parseDockerfile, stage } from '../../scripts/dockerfile.js';
import { interpolate, kafkaProperties, loadCompose, mergeCompose, readEnvFile, variablesOf } from '../support/compose.js';
import { ensureDebianPackage } from '../support/debian.js';
import { CLI, ROOT } from '../support/paths.js';

const BASE = 'docker-compose.yml';
const SASL = 'docker-compose.sasl.yml';
const ENV_EXAMPLE = readEnvFile(join(ROOT, '.env.example'));
const read = (f: string): string => readFileSync(join(ROOT, f), 'utf8');

const schema = JSON.parse(read('test/deploy/compose-spec/compose-spec.json')) as Record<string, unknown>;
// Its $schema is draft-07 spelled with https and no '#', a URI Ajv does not know; Ajv's default draft is draft-07.
delete schema.$schema;
// strictTypes off: the schema leaves `type` implicit beside additionalProperties/patternProperties in places, valid
// JSON Schema that Ajv's strict mode would only remark on.
const validateCompose = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false }).compile(schema);
const problems = (doc: unknown): string[] => (validateCompose(doc) ? [] : (validateCompose.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

const base = loadCompose([BASE], ENV_EXAMPLE);
const sasl = loadCompose([BASE, SASL], ENV_EXAMPLE);
const imageVolumes = JSON.parse(stage(parseDockerfile(read('Dockerfile')), 'runtime').instructions.filter((i) => i.keyword === 'VOLUME').at(-1)!.text) as string[];

/** `logpulse validate` on a config file with `env` (and nothing else) in the environment. */
function validate(path: string, env: Record<string, string | number>): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [CLI, 'validate', '-c', path], { encoding: 'utf8', env: { PATH: process.env.PATH, ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])) } });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('the Compose specification schema', () => {
  it('accepts both files as written, each interpolated from .env.example, and their merge', () => {
    for (const f of [BASE, SASL]) {
      expect(problems(parse(read(f))), f).toEqual([]);
      expect(problems(loadCompose([f], ENV_EXAMPLE)), f).toEqual([]);
    }
    expect(problems(sasl)).toEqual([]);
  });

  it('rejects a misspelt key and a wrong type (the check can fail)', () => {
    const bad = mergeCompose(parse(read(BASE)) as never, { services: { logpulse: { helthcheck: {} }, kafka: { ports: 'not-a-list' } } } as never);
    expect(problems(bad)).toEqual(expect.arrayContaining(['/services/logpulse must NOT have additional properties', '/services/kafka/ports must be array']));
  });
});

describe('the environment', () => {
  it('names every variable the compose files use in .env.example, and keeps secrets out of the committed files', () => {
    const withoutComments = (t: string): string => t.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
    const used = [BASE, SASL].flatMap((f) => variablesOf(withoutComments(read(f))));
    for (const { name } of used) expect(Object.keys(ENV_EXAMPLE), `${name} is not in .env.example`).toContain(name);
    // Placeholders only: .env.example's passwords say what to do, the compose files hold none.
    expect(ENV_EXAMPLE.KAFKA_PASSWORD).toMatch(/^change-me/);
    expect(ENV_EXAMPLE.GRAFANA_ADMIN_PASSWORD).toMatch(/^change-me/);
    for (const f of [BASE, SASL]) expect(read(f)).not.toMatch(/^\s*[A-Z_]*PASSWORD:\s+(?!\$\{)\S/m);
    expect(read('.gitignore').split('\n')).toEqual(expect.arrayContaining(['.env', 'deploy/compose/secrets/']));
  });

  it('needs no .env for the plain stack; the SASL override refuses to start without the Kafka credentials, naming .env', () => {
    expect(() => loadCompose([BASE], {})).not.toThrow();
    expect(() => loadCompose([BASE, SASL], {})).toThrow(/KAFKA_USERNAME.*set KAFKA_USERNAME in \.env/);
    expect(interpolate('$${t%:*} ${GEN_RATE:-1000} ${A-x}', {})).toBe('${t%:*} 1000 x');
  });
});

describe('docker-compose.yml', () => {
  const s = base.services;

  it('runs kafka, a one-shot topic creation, gen, logpulse, prometheus and grafana, each after what it needs', () => {
    expect(Object.keys(s).sort()).toEqual(['gen', 'grafana', 'kafka', 'kafka-topics', 'logpulse', 'prometheus']);
    expect(s.kafka!.image).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
    expect(s['kafka-topics']!.depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
    expect(s['kafka-topics']!.restart).toBe('no');
    expect(s.gen!.depends_on).toEqual({ 'kafka-topics': { condition: 'service_completed_successfully' } });
    expect(s.logpulse!.depends_on).toEqual({ 'kafka-topics': { condition: 'service_completed_successfully' } });
    expect(s.prometheus!.depends_on).toEqual({ logpulse: { condition: 'service_started' } });
    expect(s.grafana!.depends_on).toEqual({ prometheus: { condition: 'service_healthy' } });
    // gen and logpulse are the image this repo builds.
    expect(s.logpulse!.build).toBe('.');
    expect(s.gen!.build).toBe('.'); // built here too: compose would try to pull an image gen only names
    expect(s.gen!.image).toBe(s.logpulse!.image);
  });

  it('checks the health of every long-running service but gen (no API), with the image\'s /health check for logpulse', () => {
    for (const name of ['kafka', 'logpulse', 'prometheus', 'grafana']) expect(s[name]!.healthcheck?.test?.length, name).toBeGreaterThan(0);
    expect(s.gen!.healthcheck).toEqual({ disable: true });
    expect(s.logpulse!.healthcheck!.test!.join(' ')).toMatch(/^CMD node -e fetch\('http:\/\/127\.0\.0\.1:8080\/health'\)/);
    expect(s.kafka!.healthcheck!.test!.join(' ')).toContain('--bootstrap-server localhost:9092');
  });

  it('keeps state in named volumes: logpulse\'s on exactly the image\'s VOLUMEs, every one declared', () => {
    const declared = Object.keys(base.volumes ?? {});
    const named = Object.values(s).flatMap((svc) => (svc.volumes ?? []).map((v) => v.split(':')[0]!).filter((src) => !src.startsWith('.') && !src.startsWith('/')));
    expect([...new Set(named)].sort()).toEqual([...declared].sort());
    expect((s.logpulse!.volumes ?? []).map((v) => v.split(':')[1]).sort()).toEqual([...imageVolumes].sort());
    expect((s.logpulse!.volumes ?? []).every((v) => !v.split(':')[0]!.startsWith('.'))).toBe(true);
    // Bind mounts name files of this repo.
    for (const v of Object.values(s).flatMap((svc) => svc.volumes ?? []).filter((v) => v.startsWith('./'))) {
      expect(existsSync(join(ROOT, v.split(':')[0]!)), v).toBe(true);
    }
  });

  it('publishes the API, Prometheus and Grafana on 127.0.0.1 only', () => {
    const ports = Object.fromEntries(Object.entries(s).map(([name, svc]) => [name, svc.ports ?? []]));
    expect(ports).toEqual({ kafka: [], 'kafka-topics': [], gen: [], logpulse: ['127.0.0.1:8080:8080'], prometheus: ['127.0.0.1:9090:9090'], grafana: ['127.0.0.1:3000:3000'] });
  });

  it('wires gen → topic → logpulse: the topic kafka-topics creates, gen writes and logpulse reads; alerts to a topic that exists', () => {
    const source = new URL(String(s.logpulse!.environment!.LOGPULSE_SOURCE));
    const out = new URL(s.gen!.command![s.gen!.command!.indexOf('--out') + 1]!);
    expect(source.protocol).toBe('kafka:');
    expect([source.host, source.pathname]).toEqual([out.host, out.pathname]);
    expect(source.host).toBe(String(s['kafka-topics']!.environment!.KAFKA_BOOTSTRAP));
    expect(String(s.kafka!.environment!.KAFKA_ADVERTISED_LISTENERS)).toContain(`PLAINTEXT://${source.host}`);
    const script = s['kafka-topics']!.command!.join('\n');
    expect(script).toContain(`for t in ${source.pathname.slice(1)}:3 alerts:2; do`);
    expect(validate(join(ROOT, 'deploy/docker/logpulse.yaml'), s.logpulse!.environment!)).toEqual({ status: 0, out: expect.stringContaining('config OK') as string });
    expect(String(s.kafka!.environment!.KAFKA_AUTO_CREATE_TOPICS_ENABLE)).toBe('false');
    // A Kafka Uuid: 16 bytes, base64url, unpadded.
    expect(Buffer.from(String(s.kafka!.environment!.CLUSTER_ID), 'base64url').length).toBe(16);
  });

  it('gives logpulse a stop grace period longer than its config\'s shutdownTimeout', () => {
    const seconds = (d: string): number => Number(/^(\d+)s$/.exec(d)![1]);
    const config = parse(read('deploy/docker/logpulse.yaml')) as { shutdownTimeout: string };
    expect(seconds(s.logpulse!.stop_grace_period!)).toBeGreaterThan(seconds(config.shutdownTimeout));
  });

  it('scrapes logpulse with the compose copy of the scrape config and deploy/prometheus\'s rules; promtool accepts it', async () => {
    const mounts = s.prometheus!.volumes!;
    expect(mounts).toEqual(expect.arrayContaining(['./deploy/compose/prometheus.yml:/etc/prometheus/prometheus.yml:ro', './deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro']));
    const config = parse(read('deploy/compose/prometheus.yml')) as { rule_files: string[]; scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    expect(config.rule_files).toEqual(['alerts.yml']);
    expect(config.scrape_configs[0]!.job_name).toBe('logpulse'); // the dashboard and the alert rules select job="logpulse"
    expect(config.scrape_configs[0]!.static_configs[0]!.targets).toEqual([`logpulse:${s.logpulse!.ports![0]!.split(':').at(-1)}`]);
    await ensureDebianPackage('prometheus');
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-compose-prometheus-'));
    copyFileSync(join(ROOT, 'deploy/compose/prometheus.yml'), join(dir, 'prometheus.yml'));
    copyFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), join(dir, 'alerts.yml'));
    const r = spawnSync('promtool', ['check', 'config', 'prometheus.yml'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 12 * 60_000);

  it('provisions Grafana from deploy/grafana', () => {
    expect(s.grafana!.volumes).toEqual(expect.arrayContaining(['./deploy/grafana/provisioning:/etc/grafana/provisioning:ro', './deploy/grafana/dashboards:/etc/grafana/dashboards:ro']));
  });
});

describe('docker-compose.sasl.yml', () => {
  const s = sasl.services;
  let secrets: string;

  beforeAll(() => {
    // The secrets as the user would make them: scripts/make-certs with .env.example's user and a real password.
    secrets = join(mkdtempSync(join(tmpdir(), 'logpulse-compose-certs-')), 'secrets');
    const r = spawnSync(join(ROOT, 'scripts/make-certs'), [secrets], { encoding: 'utf8', env: { ...process.env, KAFKA_USERNAME: ENV_EXAMPLE.KAFKA_USERNAME, KAFKA_PASSWORD: 'a-real-password' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('a-real-password');
  });

  it('points every client at the SASL_SSL listener, with the .env credentials and the CA', () => {
    for (const name of ['kafka-topics', 'gen', 'logpulse']) {
      expect(s[name]!.environment, name).toMatchObject({ KAFKA_USERNAME: ENV_EXAMPLE.KAFKA_USERNAME, KAFKA_PASSWORD: ENV_EXAMPLE.KAFKA_PASSWORD });
    }
    expect(s['kafka-topics']!.environment!.KAFKA_BOOTSTRAP).toBe('kafka:9093');
    expect(String(s.logpulse!.environment!.LOGPULSE_SOURCE)).toMatch(/^kafka:\/\/kafka:9093\/http-logs\?/);
    expect(s.gen!.command!.slice(0, 3)).toEqual(['gen', '-c', '/etc/logpulse/logpulse.yaml']);
    expect(s.gen!.command!.at(-1)).toBe('kafka://kafka:9093/http-logs');
    for (const name of ['gen', 'logpulse']) {
      expect(s[name]!.volumes).toEqual(expect.arrayContaining(['./deploy/compose/logpulse-sasl.yaml:/etc/logpulse/logpulse.yaml:ro', './deploy/compose/secrets/ca.pem:/etc/logpulse/ca.pem:ro']));
    }
    // The merge kept logpulse's named volumes.
    expect((s.logpulse!.volumes ?? []).map((v) => v.split(':')[1]).filter((t) => t!.startsWith('/var/lib/logpulse')).sort()).toEqual([...imageVolumes].sort());
  });

  it('gives logpulse a config that is the image\'s plus kafka.security, and that validates with the override\'s environment', () => {
    const image = parse(read('deploy/docker/logpulse.yaml')) as Record<string, unknown>;
    const withTls = parse(read('deploy/compose/logpulse-sasl.yaml')) as Record<string, unknown>;
    expect(withTls.kafka).toEqual({ security: { protocol: 'SASL_SSL', mechanism: 'PLAIN', caFile: '/etc/logpulse/ca.pem' } });
    const { kafka: _, ...rest } = withTls;
    expect(rest).toEqual(image);
    expect(validate(join(ROOT, 'deploy/compose/logpulse-sasl.yaml'), s.logpulse!.environment!).status).toBe(0);
  });

  it('configures the broker as the apache/kafka image will read it, from files scripts/make-certs writes', () => {
    const env = s.kafka!.environment!;
    const mount = s.kafka!.volumes!.find((v) => v.endsWith(':/etc/kafka/secrets:ro'))!;
    expect(mount.split(':')[0]).toBe('./deploy/compose/secrets/kafka');
    const props = kafkaProperties(env, join(secrets, 'kafka'));
    const listeners = (v: string): string[] => v.split(',').map((l) => l.split('://')[0]!);
    const map = Object.fromEntries(props['listener.security.protocol.map']!.split(',').map((kv) => kv.split(':') as [string, string]));
    for (const l of [...listeners(props.listeners!), ...listeners(props['advertised.listeners']!)]) expect(map[l], l).toBeDefined();
    expect(map.SASL_SSL).toBe('SASL_SSL');
    expect(props['advertised.listeners']).toContain('SASL_SSL://kafka:9093');
    // Only the broker itself reaches the PLAINTEXT listener.
    expect(props.listeners).toMatch(/INTERNAL:\/\/localhost:\d+/);
    expect(listeners(props['advertised.listeners']!)).toContain(props['inter.broker.listener.name']);
    expect(props['ssl.keystore.location']).toBe(join(secrets, 'kafka', 'broker.p12'));
    expect(props['ssl.keystore.password']).toMatch(/^[0-9a-f]{48}$/);
    expect(props['sasl.enabled.mechanisms']).toBe('PLAIN');
    // The JAAS file KAFKA_OPTS names is in the mounted directory, with the .env user.
    const jaas = /-Djava\.security\.auth\.login\.config=\/etc\/kafka\/secrets\/(\S+)/.exec(String(env.KAFKA_OPTS))![1]!;
    expect(readFileSync(join(secrets, 'kafka', jaas), 'utf8')).toContain(`user_${ENV_EXAMPLE.KAFKA_USERNAME}="a-real-password";`);
    // No KAFKA_* value holds '=' (the image would drop it) but KAFKA_OPTS, which it passes to the JVM instead.
    expect(Object.entries(env).filter(([k, v]) => k.startsWith('KAFKA_') && k !== 'KAFKA_OPTS' && String(v).includes('='))).toEqual([]);
    expect(s.kafka!.healthcheck!.test!.join(' ')).toContain('--bootstrap-server localhost:19092');
  });

  it('mounts only secrets scripts/make-certs writes, from the gitignored deploy/compose/secrets, private to their owner', () => {
    const binds = Object.values(s).flatMap((svc) => svc.volumes ?? []).map((v) => v.split(':')[0]!).filter((p) => p.startsWith('./deploy/compose/secrets'));
    expect(binds.length).toBeGreaterThan(0);
    for (const b of binds) expect(existsSync(join(secrets, b.slice('./deploy/compose/secrets'.length))), b).toBe(true);
    const mode = (p: string): string => (spawnSync('stat', ['-c', '%a', p], { encoding: 'utf8' }).stdout.trim());
    expect([mode(secrets), mode(join(secrets, 'ca.key'))]).toEqual(['700', '600']);
    const cert = spawnSync('sh', ['-c', `openssl pkcs12 -in kafka/broker.p12 -nokeys -clcerts -passin file:kafka/broker.p12.pass | openssl x509 -noout -ext subjectAltName && openssl pkcs12 -in kafka/broker.p12 -nokeys -clcerts -passin file:kafka/broker.p12.pass | openssl verify -CAfile ca.pem`], { cwd: secrets, encoding: 'utf8' });
    expect(cert.stdout).toContain('DNS:kafka, DNS:localhost, IP Address:127.0.0.1');
    expect(cert.stdout).toContain('stdin: OK');
  });

  it('is refused by scripts/make-certs while .env still holds the placeholder password', () => {
    const r = spawnSync(join(ROOT, 'scripts/make-certs'), [join(mkdtempSync(join(tmpdir(), 'logpulse-certs-')), 's')], { encoding: 'utf8', env: { ...process.env, KAFKA_USERNAME: 'logpulse', KAFKA_PASSWORD: ENV_EXAMPLE.KAFKA_PASSWORD } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("KAFKA_PASSWORD is still .env.example's placeholder");
  });
});


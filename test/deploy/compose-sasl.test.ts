// docker-compose.sasl.yml, run as far as it can be without Docker: the broker gets exactly the properties the
// apache/kafka image would write from the merged kafka service's environment (test/support/compose.ts#kafkaProperties),
// the JAAS file and keystore scripts/make-certs made, and runs from the jars of scripts/kafka (the same Kafka
// version as the image); then the kafka-topics service's own script creates the topics over SASL_SSL, the gen
// service's command writes into the topic and the logpulse service's source and config read it back, all with the
// .env credentials; a wrong password is refused. What cannot be replayed: the container network — `kafka` is
// `localhost` here (the certificate names both), the ports are free ones, every listener is bound to 127.0.0.1, and
// container paths (/etc/kafka/secrets, /etc/logpulse/ca.pem) are mapped to the files they mount.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { spawnCli } from '../support/cli.js';
import { kafkaProperties, loadCompose, type Service } from '../support/compose.js';
import { freePort } from '../support/net.js';
import { ROOT } from '../support/paths.js';
import { sleep } from '../support/wait.js';

const USER = 'logpulse';
const PASSWORD = `pw-${process.pid}-${Date.now()}`;
const LIBS = join(ROOT, '.cache', 'kafka', 'libs');
const COUNT = 5_000;

describe('docker-compose.sasl.yml, replayed on the scripts/kafka jars', () => {
  let dir: string;
  let secrets: string;
  let broker: ChildProcess;
  let brokerLog = '';
  let services: Record<string, Service>;
  /** Container address → this machine's (kafka:9093 → localhost:P, …). */
  let hosts: Map<string, string>;
  let config: string;

  const mapHosts = (text: string): string => [...hosts].reduce((t, [from, to]) => t.replaceAll(from, to), text);
  const clientEnv = (svc: Service): NodeJS.ProcessEnv => ({ ...process.env, KAFKA_USERNAME: String(svc.environment!.KAFKA_USERNAME), KAFKA_PASSWORD: String(svc.environment!.KAFKA_PASSWORD) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'logpulse-compose-sasl-'));
    // The jars (scripts/kafka fetches them from Maven Central on first use; the suite's global setup already has).
    const jars = spawnSync(join(ROOT, 'scripts/kafka'), ['tool', 'topics', '--version'], { encoding: 'utf8', timeout: 10 * 60_000 });
    expect(jars.status, jars.stderr).toBe(0);
    secrets = join(dir, 'secrets');
    const certs = spawnSync(join(ROOT, 'scripts/make-certs'), [secrets], { encoding: 'utf8', env: { ...process.env, KAFKA_USERNAME: USER, KAFKA_PASSWORD: PASSWORD } });
    expect(certs.status, certs.stderr).toBe(0);
    services = loadCompose(['docker-compose.yml', 'docker-compose.sasl.yml'], { KAFKA_USERNAME: USER, KAFKA_PASSWORD: PASSWORD }).services;

    // The broker's properties as the image writes them, moved onto free loopback ports and this machine's paths.
    const props = kafkaProperties(services.kafka!.environment!, join(secrets, 'kafka'));
    const ports = new Map<string, string>();
    for (const m of `${props.listeners},${props['advertised.listeners']},${props['controller.quorum.voters']}`.matchAll(/:(\d{4,5})\b/g)) {
      if (!ports.has(m[1]!)) ports.set(m[1]!, String(await freePort()));
    }
    const onPorts = (v: string): string => v.replace(/:(\d{4,5})\b/g, (_, p: string) => `:${ports.get(p)}`);
    hosts = new Map([...ports].map(([from, to]) => [`kafka:${from}`, `localhost:${to}`]));
    props.listeners = onPorts(props.listeners!).replace(/:\/\/:/g, '://127.0.0.1:');
    props['advertised.listeners'] = onPorts(props['advertised.listeners']!).replaceAll('kafka:', 'localhost:');
    props['controller.quorum.voters'] = onPorts(props['controller.quorum.voters']!);
    props['log.dirs'] = join(dir, 'kafka-data');
    writeFileSync(join(dir, 'server.properties'), Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n'));
    const java = (args: string[]): string[] => ['-Xmx512m', `-Dlog4j2.configurationFile=${join(ROOT, 'scripts/kafka.d/log4j2-tools.xml')}`, '-cp', `${LIBS}/*`, ...args];
    const format = spawnSync('java', java(['kafka.tools.StorageTool', 'format', '--config', join(dir, 'server.properties'), '--cluster-id', String(services.kafka!.environment!.CLUSTER_ID), '--ignore-formatted']), { encoding: 'utf8' });
    expect(format.status, format.stdout + format.stderr).toBe(0);
    // KAFKA_OPTS as the service sets it, its /etc/kafka/secrets being the directory make-certs wrote.
    const opts = String(services.kafka!.environment!.KAFKA_OPTS).replaceAll('/etc/kafka/secrets', join(secrets, 'kafka')).split(' ');
    broker = spawn('java', [...opts, '-Xmx512m', `-Dlog4j2.configurationFile=${join(ROOT, 'scripts/kafka.d/log4j2-broker.xml')}`, '-cp', `${LIBS}/*`, 'kafka.Kafka', join(dir, 'server.properties')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    broker.stdout!.on('data', (b: Buffer) => (brokerLog += b.toString()));
    broker.stderr!.on('data', (b: Buffer) => (brokerLog += b.toString()));
    for (const started = Date.now(); !brokerLog.includes('Kafka Server started'); await sleep(200)) {
      if (broker.exitCode !== null) throw new Error(`the broker exited (${broker.exitCode}):\n${brokerLog.slice(-4000)}`);
      if (Date.now() - started > 90_000) throw new Error(`the broker did not start in 90 s:\n${brokerLog.slice(-4000)}`);
    }

    // logpulse's and gen's config, its CA path being the file compose mounts there.
    config = join(dir, 'logpulse.yaml');
    writeFileSync(config, readFileSync(join(ROOT, 'deploy/compose/logpulse-sasl.yaml'), 'utf8').replace('/etc/logpulse/ca.pem', join(secrets, 'ca.pem')));
  }, 12 * 60_000);

  afterAll(async () => {
    if (broker && broker.exitCode === null && broker.signalCode === null) {
      broker.kill('SIGTERM');
      await Promise.race([once(broker, 'exit'), sleep(30_000).then(() => broker.kill('SIGKILL'))]);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the kafka-topics service\'s script creates http-logs (3 partitions) and alerts (2) over SASL_SSL as the .env user', () => {
    const svc = services['kafka-topics']!;
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'kafka-topics.sh'), `#!/bin/sh\nexec ${join(ROOT, 'scripts/kafka')} tool topics "$@"\n`);
    chmodSync(join(bin, 'kafka-topics.sh'), 0o755);
    const script = svc
      .command!.join('\n')
      .replaceAll('/opt/kafka/bin/kafka-topics.sh', join(bin, 'kafka-topics.sh'))
      .replaceAll('/etc/kafka/ca.pem', join(secrets, 'ca.pem'))
      .replaceAll('/tmp/client.properties', join(dir, 'client.properties'));
    const r = spawnSync(svc.entrypoint![0]!, [...svc.entrypoint!.slice(1), script], {
      encoding: 'utf8',
      env: { ...clientEnv(svc), KAFKA_BOOTSTRAP: mapHosts(String(svc.environment!.KAFKA_BOOTSTRAP)) },
      timeout: 120_000,
    });
    expect(r.status, r.stdout + r.stderr + brokerLog.slice(-3000)).toBe(0);
    const describe = spawnSync(join(ROOT, 'scripts/kafka'), ['tool', 'topics', '--bootstrap-server', mapHosts('kafka:9093'), '--command-config', join(dir, 'client.properties'), '--describe'], { encoding: 'utf8' });
    expect(describe.status, describe.stderr).toBe(0);
    expect(describe.stdout).toMatch(/Topic: http-logs\s.*PartitionCount: 3/);
    expect(describe.stdout).toMatch(/Topic: alerts\s.*PartitionCount: 2/);
  }, 180_000);

  it('gen\'s command writes into the topic and logpulse\'s source and config read every line back, with the .env credentials', async () => {
    const gen = services.gen!.command!.map((a) => (a === '/etc/logpulse/logpulse.yaml' ? config : mapHosts(a)));
    // Bounded: as fast as possible, COUNT lines, instead of GEN_RATE lines per second for ever.
    gen.splice(gen.indexOf('--rate') + 1, 1, '0', '--count', String(COUNT), '--seed', '1');
    const g = spawnCli(gen, { env: clientEnv(services.gen!) });
    expect(await g.exit, g.stderr()).toBe(0);

    const env = services.logpulse!.environment!;
    const cwd = join(dir, 'logpulse');
    mkdirSync(cwd);
    const source = `${mapHosts(String(env.LOGPULSE_SOURCE))}&endingOffsets=latest`;
    const d = spawnCli(['run', '-c', config, '--no-api'], { cwd, env: { ...clientEnv(services.logpulse!), LOGPULSE_SOURCE: source, LOGPULSE_ARCHIVE: 'false' }, stdout: 'ignore' });
    expect(await d.exit, d.stderr()).toBe(0);
    expect(d.stderr()).not.toContain(PASSWORD);
    // Every line came back: the run's closing log line has the totals (lines = records + every rejected line).
    const totals = (JSON.parse(d.stderr().split('\n').filter((l) => l.includes('"totals"')).at(-1)!) as { totals: { lines: number; records: number; rejected: Record<string, number> } }).totals;
    expect(totals.lines).toBe(COUNT);
    expect(totals.records + Object.values(totals.rejected).reduce((a, b) => a + b, 0)).toBe(COUNT);
    expect(readdirSync(join(cwd, 'output', 'errors')).filter((f) => f.endsWith('.ndjson')).length).toBeGreaterThan(0);
  }, 180_000);

  it('refuses a client with the wrong password (exit 1, the password never printed)', async () => {
    const gen = ['gen', '-c', config, '--rate', '0', '--count', '10', '--out', mapHosts('kafka://kafka:9093/http-logs')];
    const g = spawnCli(gen, { env: { ...process.env, KAFKA_USERNAME: USER, KAFKA_PASSWORD: 'not-the-password' } });
    expect(await g.exit).toBe(1);
    expect(g.stderr()).toContain('check KAFKA_USERNAME / KAFKA_PASSWORD');
    expect(g.stderr()).not.toContain('not-the-password');
  }, 60_000);
});

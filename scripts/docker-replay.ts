// scripts/docker-replay: the Dockerfile's steps outside Docker (no Docker engine runs where the tests do), then the
// image's ENTRYPOINT + CMD started from the result. Run through the `scripts/docker-replay` wrapper:
//
//   scripts/docker-replay [--source DIR] [--full-build] [--keep]
//
// It reads the Dockerfile of DIR (default: this checkout) and executes its stages in a scratch directory, each stage a
// directory standing for its filesystem root:
//   - COPY (from the build context or --from another stage), WORKDIR and ENV as Docker would;
//   - RUN `npm …` and the runtime stage's library check, verbatim (npm with prefer-offline, so the machine's npm cache
//     serves what it has; the packages are still really installed into the scratch directory);
//   - RUN apt-get / useradd lines are not replayed (they change the machine): their packages are the host's here, and
//     the daemon runs as the calling user;
//   - the `build` stage is, by default, this checkout as `npm ci` and `npm run build` (or the tests' global setup) left
//     it: its dist/, native/*.node and node-rdkafka's compiled addon are what the later stages copy. --full-build runs
//     the build stage's npm commands in the scratch directory too (a clean librdkafka and Rust release build: ~8 min on
//     2 cores, 2.7 min of it npm ci + node-rdkafka).
// Then: node-rdkafka, DuckDB and the native core are loaded from the assembled tree; the daemon is started with the
// image's ENTRYPOINT + CMD (tini left out unless installed; paths under the image's root mapped into the scratch
// directory; the image's own config, the API on a free port through LOGPULSE_API_PORT, on 127.0.0.1 through
// LOGPULSE_API_HOST); the HEALTHCHECK command must pass; SIGHUP must count a reload; SIGTERM must end it with exit 0;
// every VOLUME must have received files. Exit 0 when all of that holds, 1 otherwise, with the step that failed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { contextFiles } from './docker-context.js';
import { copyPaths, type Dockerfile, envPairs, type Instruction, mountOptions, parseDockerfile, type Stage } from './dockerfile.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** ENV keys that locate the image's toolchains: on the host, its own toolchains are used. */
const HOST_TOOLCHAIN_ENV = new Set(['PATH', 'RUSTUP_HOME', 'CARGO_HOME', 'npm_config_nodedir']);

interface Options {
  source: string;
  fullBuild: boolean;
  keep: boolean;
}

/** A stage's filesystem: where each of its absolute paths lives on this machine. */
interface StageFs {
  name: string;
  root: string;
  /** Image paths served from elsewhere (the reused build stage's /src is the checkout). */
  mounts: Map<string, string>;
  workdir: string;
  env: Record<string, string>;
}

const t0 = Date.now();
const say = (msg: string): void => void process.stdout.write(`docker-replay [${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
class ReplayError extends Error {}
const fail = (msg: string): never => {
  throw new ReplayError(msg);
};

function parseArgs(argv: string[]): Options {
  const o: Options = { source: ROOT, fullBuild: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--source') o.source = resolve(argv[++i] ?? fail('--source needs a directory'));
    else if (a === '--full-build') o.fullBuild = true;
    else if (a === '--keep') o.keep = true;
    else fail(`unknown argument ${a} (usage: scripts/docker-replay [--source DIR] [--full-build] [--keep])`);
  }
  return o;
}

/** The host path of image path `p` in stage `fs`. */
function hostPath(fs: StageFs, p: string): string {
  const abs = p.startsWith('/') ? p : join(fs.workdir, p);
  for (const [imagePath, host] of fs.mounts) {
    if (abs === imagePath || abs.startsWith(`${imagePath}/`)) return join(host, abs.slice(imagePath.length));
  }
  return join(fs.root, abs);
}

function copy(instr: Instruction, fs: StageFs, stages: Map<string, StageFs>, source: string, context: string[]): void {
  const { sources, dest } = copyPaths(instr);
  const from = instr.flags.from;
  const destIsDir = dest.endsWith('/') || sources.length > 1;
  const target = hostPath(fs, dest);
  for (const src of sources) {
    let origin: string;
    if (from === undefined) {
      const rel = src.replace(/^\.\//, '').replace(/\/$/, '');
      const files = context.filter((f) => f === rel || f.startsWith(`${rel}/`));
      if (files.length === 0) fail(`line ${instr.line}: COPY ${src}: not in the build context (excluded by .dockerignore, or missing)`);
      if (files.length === 1 && files[0] === rel) {
        origin = join(source, rel);
      } else {
        for (const f of files) cpSync(join(source, f), join(target, f.slice(rel.length + 1)), { preserveTimestamps: true });
        continue;
      }
    } else {
      const other = stages.get(from) ?? fail(`line ${instr.line}: COPY --from=${from}: no such stage before this one`);
      origin = hostPath(other, src);
      if (!existsSync(origin)) fail(`line ${instr.line}: COPY --from=${from} ${src}: ${origin} does not exist`);
    }
    const isDir = statSync(origin).isDirectory();
    const to = isDir || !destIsDir ? target : join(target, origin.split('/').at(-1)!);
    mkdirSync(isDir ? to : dirname(to), { recursive: true });
    cpSync(origin, to, { recursive: true, preserveTimestamps: true });
  }
}

function run(instr: Instruction, fs: StageFs, source: string): void {
  let command = instr.text;
  if (/^(apt-get|groupadd|useradd)\b/.test(command)) {
    say(`  RUN ${command.slice(0, 70)}… — not replayed: system packages and users are the host's`);
    return;
  }
  const mounts = new Map<string, string>();
  if (instr.flags.mount !== undefined) {
    const m = mountOptions(instr.flags.mount);
    if (m.type !== 'bind' || m.source === undefined || m.target === undefined) fail(`line ${instr.line}: only --mount=type=bind,source=…,target=… is replayed`);
    mounts.set(m.target!, join(source, m.source!));
  }
  // Image paths in the command: bind-mount targets, then anything under the stage's root.
  command = command.replace(/(^|\s)(\/[^\s;&|]+)/g, (all, pre: string, p: string) => {
    const mounted = mounts.get(p);
    if (mounted !== undefined) return `${pre}${mounted}`;
    return p.split('/')[1] !== undefined && existsSync(hostPath(fs, `/${p.split('/')[1]}`)) ? `${pre}${hostPath(fs, p)}` : all;
  });
  say(`  RUN ${command}`);
  const cwd = hostPath(fs, fs.workdir);
  mkdirSync(cwd, { recursive: true });
  const env = { ...process.env, ...imageEnv(fs), npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' };
  const r = spawnSync('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) fail(`line ${instr.line}: RUN ${instr.text} exited ${r.status ?? r.signal}`);
}

/** The stage's ENV, less the image's toolchain locations. */
function imageEnv(fs: StageFs): Record<string, string> {
  return Object.fromEntries(Object.entries(fs.env).filter(([k]) => !HOST_TOOLCHAIN_ENV.has(k)));
}

function replayStage(st: Stage, o: Options, work: string, stages: Map<string, StageFs>, context: string[]): StageFs {
  const fs: StageFs = { name: st.name, root: join(work, 'stages', st.name), mounts: new Map(), workdir: '/', env: {} };
  say(`stage ${st.name} (FROM ${st.from})`);
  for (const instr of st.instructions) {
    switch (instr.keyword) {
      case 'ENV':
        Object.assign(fs.env, envPairs(instr));
        break;
      case 'WORKDIR':
        fs.workdir = instr.text.startsWith('/') ? instr.text : join(fs.workdir, instr.text);
        mkdirSync(hostPath(fs, fs.workdir), { recursive: true });
        break;
      case 'COPY':
        if (instr.flags.from !== undefined && !stages.has(instr.flags.from)) {
          say(`  COPY --from=${instr.flags.from} ${instr.text} — the host's toolchain instead`);
          break;
        }
        copy(instr, fs, stages, o.source, context);
        say(`  COPY ${instr.flags.from === undefined ? '' : `--from=${instr.flags.from} `}${instr.text}`);
        break;
      case 'RUN':
        run(instr, fs, o.source);
        break;
      default:
        // ARG, USER, VOLUME, EXPOSE, HEALTHCHECK, STOPSIGNAL, ENTRYPOINT, CMD: read where they are used.
        break;
    }
  }
  return fs;
}

/** The reused build stage: /src is the checkout, with what npm ci and npm run build made there. */
function reusedBuildStage(st: Stage, o: Options, work: string): StageFs {
  const workdir = st.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.text ?? '/';
  const fs: StageFs = { name: st.name, root: join(work, 'stages', st.name), mounts: new Map([[workdir, o.source]]), workdir, env: {} };
  say(`stage ${st.name}: reusing ${o.source} as its ${workdir} (dist/, native/*.node and node-rdkafka's build from npm ci + npm run build)`);
  return fs;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** An exec-form command of the runtime image, with `node` and image paths mapped to this machine. */
function hostCommand(argv: string[], fs: StageFs): string[] {
  let args = argv;
  if (args[0]?.endsWith('/tini')) {
    const tini = spawnSync('sh', ['-c', 'command -v tini'], { encoding: 'utf8' }).stdout.trim();
    args = tini === '' ? args.slice(args[1] === '--' ? 2 : 1) : [tini, ...args.slice(1)];
  }
  return args.map((a, i) => (i === 0 && a === 'node' ? process.execPath : a.startsWith('/') && existsSync(hostPath(fs, a)) ? hostPath(fs, a) : a));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** A deadline that does not keep the process alive once everything else is done. */
const deadline = (ms: number): Promise<'timeout'> => new Promise((r) => setTimeout(() => r('timeout'), ms).unref());

function lastOf(file: Dockerfile, stageName: string, keyword: string): Instruction {
  const st = file.stages.find((s) => s.name === stageName)!;
  return st.instructions.filter((i) => i.keyword === keyword).at(-1) ?? fail(`the ${stageName} stage has no ${keyword}`);
}

function duMb(path: string): number {
  return Number(execFileSync('du', ['-sm', path]).toString().split('\t')[0]);
}

async function startAndCheck(file: Dockerfile, fs: StageFs): Promise<void> {
  const entrypoint = lastOf(file, fs.name, 'ENTRYPOINT').json ?? fail('ENTRYPOINT is not in exec form');
  const cmd = lastOf(file, fs.name, 'CMD').json ?? fail('CMD is not in exec form');
  const health = lastOf(file, fs.name, 'HEALTHCHECK').json ?? fail('HEALTHCHECK CMD is not in exec form');
  const volumes = JSON.parse(lastOf(file, fs.name, 'VOLUME').text) as string[];
  const port = await freePort();
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: hostPath(fs, fs.workdir), ...imageEnv(fs), LOGPULSE_API_PORT: String(port), LOGPULSE_API_HOST: '127.0.0.1' };
  const argv = hostCommand([...entrypoint, ...cmd], fs);
  const cwd = hostPath(fs, fs.workdir);
  say(`start: ${argv.join(' ')} (cwd ${cwd}, LOGPULSE_API_PORT=${port}, LOGPULSE_API_HOST=127.0.0.1)`);
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  const log = (): string => `\n--- daemon stderr ---\n${stderr.slice(-4000)}`;
  try {
    const healthArgv = hostCommand(health, fs);
    for (let started = Date.now(); ; await sleep(500)) {
      if (exitCode !== undefined) fail(`the daemon exited (${exitCode}) before its HEALTHCHECK passed${log()}`);
      if (spawnSync(healthArgv[0]!, healthArgv.slice(1), { cwd, env, timeout: 5_000 }).status === 0) break;
      if (Date.now() - started > 30_000) fail(`HEALTHCHECK did not pass within 30 s${log()}`);
    }
    say(`HEALTHCHECK passes: ${health.slice(0, 2).join(' ')} … /health`);

    // The dashboard is files beside dist/ (assets/): an image without them answers /health and serves no page.
    for (const path of ['/', '/assets/dashboard/app.css']) {
      const r = await fetch(`http://127.0.0.1:${port}${path}`);
      if (r.status !== 200) fail(`the dashboard: GET ${path} answered ${r.status}, not 200${log()}`);
    }
    say('the dashboard: GET / and its stylesheet answer 200');

    child.kill('SIGHUP');
    const metrics = `http://127.0.0.1:${port}/metrics`;
    for (let started = Date.now(); ; await sleep(250)) {
      const text = await (await fetch(metrics)).text();
      if (/^logpulse_config_reloads_total\{result="ok"\} 1$/m.test(text)) break;
      if (Date.now() - started > 15_000) fail(`SIGHUP: logpulse_config_reloads_total{result="ok"} did not reach 1${log()}`);
    }
    say('SIGHUP reached the daemon: logpulse_config_reloads_total{result="ok"} 1');

    child.kill('SIGTERM');
    const code = await Promise.race([exited, deadline(40_000)]);
    if (code === 'timeout') fail(`no exit 40 s after SIGTERM${log()}`);
    if (code !== 0) fail(`SIGTERM: exit ${code}, not 0${log()}`);
    say('SIGTERM: drained and exited 0');
  } finally {
    if (exitCode === undefined) child.kill('SIGKILL');
  }
  for (const v of volumes) {
    const dir = hostPath(fs, v);
    const files = existsSync(dir) ? readdirSync(dir, { recursive: true }).length : 0;
    if (files === 0) fail(`VOLUME ${v}: the daemon wrote nothing there (${dir})`);
    say(`VOLUME ${v}: ${files} files and directories written`);
  }
}

function checkAddons(fs: StageFs): void {
  const app = hostPath(fs, '/opt/logpulse');
  const script = [
    "const { createRequire } = require('node:module');",
    `const r = createRequire(${JSON.stringify(join(app, 'package.json'))});`,
    "console.log('node-rdkafka ' + r('node-rdkafka').librdkafkaVersion + ', duckdb ' + typeof r('@duckdb/node-api').DuckDBInstance + ', native core ' + typeof r('./native/index.cjs').Shard);",
  ].join('\n');
  const r = spawnSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' });
  if (r.status !== 0) fail(`loading the native addons from ${app} failed:\n${r.stderr}`);
  say(`native addons load from the assembled tree: ${r.stdout.trim()}`);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const file = parseDockerfile(readFileSync(join(o.source, 'Dockerfile'), 'utf8'));
  const work = mkdtempSync(join(tmpdir(), 'logpulse-docker-replay-'));
  say(`replaying ${join(o.source, 'Dockerfile')} in ${work}`);
  const context = contextFiles(o.source);
  const stages = new Map<string, StageFs>();
  try {
    for (const st of file.stages) {
      if (!st.instructions.length) {
        say(`stage ${st.name} (FROM ${st.from}): nothing to run (a source of COPY --from: the host's instead)`);
        continue;
      }
      const fs = st.name === 'build' && !o.fullBuild ? reusedBuildStage(st, o, work) : replayStage(st, o, work, stages, context);
      stages.set(st.name, fs);
    }
    const runtime = stages.get(file.stages.at(-1)!.name)!;
    checkAddons(runtime);
    say(`/opt/logpulse: ${duMb(hostPath(runtime, '/opt/logpulse'))} MB (node_modules ${duMb(hostPath(runtime, '/opt/logpulse/node_modules'))} MB)`);
    await startAndCheck(file, runtime);
    say(`OK in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    if (o.keep) say(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`docker-replay: FAILED: ${err instanceof ReplayError ? err.message : (err as Error).stack}\n`);
  process.exitCode = 1;
});

// scripts/docker-replay: the Dockerfile's prod-deps and runtime stages executed outside Docker (a real
// `npm ci --omit=dev` into a scratch directory, node-rdkafka's compiled binary and this checkout's dist/ and native core
// copied in as the Dockerfile copies them), then the image's ENTRYPOINT + CMD started: its HEALTHCHECK passes, SIGHUP
// is counted as a reload, SIGTERM ends it with exit 0, each VOLUME receives files. And the replay fails when the
// Dockerfile forgets something the daemon needs. About 10 s per replay (npm ci from the npm cache ~5 s).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ROOT } from '../support/paths.js';

const REPLAY = join(ROOT, 'scripts', 'docker-replay');

function replay(args: string[] = []): { status: number | null; out: string } {
  const r = spawnSync(REPLAY, args, { encoding: 'utf8', timeout: 5 * 60_000, env: { ...process.env, FORCE_COLOR: '0' } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/**
 * A source directory holding what the replay reads — the Dockerfile (changed by `edit`), the files its executed
 * stages copy from the context, and, as the reused build stage, this checkout's dist/, native core and node_modules.
 */
function sourceWith(edit: (dockerfile: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-replay-source-'));
  for (const f of ['.dockerignore', '.gitignore', 'package.json', 'package-lock.json', 'deploy/docker/logpulse.yaml', 'deploy/docker/check-libs.sh', 'native/index.cjs']) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(ROOT, f), join(dir, f));
  }
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'assets'), join(dir, 'assets'), { recursive: true });
  cpSync(join(ROOT, 'native/logpulse.linux-x64-gnu.node'), join(dir, 'native/logpulse.linux-x64-gnu.node'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'Dockerfile'), edit(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')));
  execFileSync('git', ['init', '-q'], { cwd: dir }); // the context is what git would commit
  return dir;
}

describe('scripts/docker-replay', () => {
  it('replays the Dockerfile and the result starts, passes its HEALTHCHECK, reloads on SIGHUP and exits 0 on SIGTERM', () => {
    const { status, out } = replay();
    expect(status, out).toBe(0);
    for (const step of [
      /stage build: reusing .* as its \/src/,
      /RUN npm ci --omit=dev --ignore-scripts/,
      /COPY --from=build \/src\/node_modules\/node-rdkafka\/build\/Release\/node-librdkafka.node/,
      /RUN apt-get update .* not replayed/,
      /check-libs: every native addon under .*\/opt\/logpulse finds its shared libraries/,
      /native addons load from the assembled tree: node-rdkafka 2\.\d+\.\d+, duckdb function, native core function/,
      /start: \S+node \S+\/opt\/logpulse\/dist\/cli\/main\.js run -c \S+\/etc\/logpulse\/logpulse\.yaml/,
      /HEALTHCHECK passes/,
      /the dashboard: GET \/ and its stylesheet answer 200/,
      /SIGHUP reached the daemon/,
      /SIGTERM: drained and exited 0/,
      /VOLUME \/var\/lib\/logpulse\/output: \d+ files/,
      /VOLUME \/var\/lib\/logpulse\/checkpoint: \d+ files/,
      /VOLUME \/var\/lib\/logpulse\/data: \d+ files/,
      /OK in/,
    ]) {
      expect(out).toMatch(step);
    }
    // The production install is the scratch directory's own: no symlink into this checkout's node_modules.
    expect(out).not.toMatch(/node_modules ->/);
  }, 5 * 60_000);

  it('fails when the runtime stage forgets package.json (dist/ is ES modules only through its "type")', () => {
    const dir = sourceWith((d) => d.replace('COPY package.json ./\n', ''));
    const { status, out } = replay(['--source', dir]);
    rmSync(dir, { recursive: true, force: true });
    expect(status, out).toBe(1);
    expect(out).toMatch(/FAILED: the daemon exited \(1\) before its HEALTHCHECK passed/);
  }, 5 * 60_000);

  it('fails when the runtime stage forgets assets/ (the dashboard\'s files)', () => {
    const dir = sourceWith((d) => d.replace('COPY assets/ assets/\n', ''));
    const { status, out } = replay(['--source', dir]);
    rmSync(dir, { recursive: true, force: true });
    expect(status, out).toBe(1);
    expect(out).toMatch(/FAILED: the dashboard: GET \/ answered 404/);
  }, 5 * 60_000);

  it('fails when node-rdkafka\'s compiled addon is not copied from the build stage', () => {
    const dir = sourceWith((d) => d.replace(/^COPY --from=build \/src\/node_modules\/node-rdkafka\/build\/Release\/.*\n/m, ''));
    const { status, out } = replay(['--source', dir]);
    rmSync(dir, { recursive: true, force: true });
    expect(status, out).toBe(1);
    expect(out).toMatch(/FAILED: loading the native addons from .* failed/);
  }, 5 * 60_000);
});

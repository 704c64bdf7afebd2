// The Docker build context of a checkout, as scripts/docker-replay sends it to its stages: the files git would
// commit (tracked, or untracked and not ignored) minus what .dockerignore excludes. Docker itself sends every file
// not excluded by .dockerignore; restricting to git's view keeps local build products out of a replay as
// .dockerignore keeps them out of a real build (test/deploy/dockerfile.test.ts checks .dockerignore excludes them).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A .dockerignore pattern as a predicate on a context-relative path (Go's filepath.Match plus `**`, as Docker). */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      const body = pattern
        .split('/')
        .map((seg) => (seg === '**' ? '(?:.*)' : seg.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
      // A pattern naming a directory excludes everything below it.
      return { negate, re: new RegExp(`^${body}(?:/.*)?$`) };
    });
  return (path) => {
    let excluded = false;
    for (const r of rules) if (r.re.test(path)) excluded = !r.negate;
    return excluded;
  };
}

/** Context-relative paths of every file of the context of `dir`. */
export function contextFiles(dir: string): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: dir, maxBuffer: 64 << 20 })
    .toString()
    .split('\0')
    .filter((p) => p !== '' && existsSync(join(dir, p)));
  const ignorePath = join(dir, '.dockerignore');
  const ignored = existsSync(ignorePath) ? dockerignoreMatcher(readFileSync(ignorePath, 'utf8')) : () => false;
  return listed.filter((p) => !ignored(p)).sort();
}

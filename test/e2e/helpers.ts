// Reading what a daemon wrote, for the end-to-end tests (spawning it: test/support/cli.ts).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every complete output file of a kind, in name order (rotation order), concatenated. */
export function readKind(outDir: string, kind: string): string {
  const dir = join(outDir, kind);
  if (!existsSync(dir)) return '';
  const files = readdirSync(dir).sort();
  return files.filter((f) => f.endsWith('.ndjson')).map((f) => readFileSync(join(dir, f), 'utf8')).join('');
}

export function listKind(outDir: string, kind: string): string[] {
  const dir = join(outDir, kind);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

export const lines = (text: string): string[] => text.split('\n').filter((l) => l.length > 0);

/** The alerts of an alerts/ text, each as `rule|window_start|group` (its `emitted_at` differs run to run), sorted. */
export const alertKeys = (text: string): string[] =>
  lines(text)
    .map((l) => {
      const a = JSON.parse(l) as Record<string, string>;
      return `${a.rule}|${a.window_start}|${a.group}`;
    })
    .sort();

// src/errors.ts lists every error code: a code used in src/ or native/ that it lacks fails here, as does a
// listed code nothing uses any more, or a README "Errors" table that is not the list.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { withErrorsReference } from '../scripts/errors-reference.js';
import { ERRORS, hasCode, LogpulseError } from '../src/errors.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REGISTRY = join(ROOT, 'src', 'errors.ts');
/** A code, not a prefix written as a pattern (`LP_ERR_NATIVE_*` in a comment). */
const CODE = /LP_ERR_[A-Z0-9_]+(?![A-Z0-9_*])/g;

function sourceFiles(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'target' && entry.name !== 'node_modules') out.push(...sourceFiles(path, ext));
    } else if (entry.name.endsWith(ext)) {
      out.push(path);
    }
  }
  return out;
}

const TS_FILES = sourceFiles(join(ROOT, 'src'), '.ts').filter((f) => f !== REGISTRY);
const RS_FILES = sourceFiles(join(ROOT, 'native'), '.rs');

/** `file:line` of every match of `re` (global) in `files`, with the match. */
function matches(files: string[], re: RegExp): { text: string; where: string }[] {
  const out: { text: string; where: string }[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(re)) {
      const line = text.slice(0, m.index).split('\n').length;
      out.push({ text: m[0], where: `${relative(ROOT, file)}:${line}` });
    }
  }
  return out;
}

/** Every code used outside the registry, with where: `src/sources/file.ts:286`. */
function usedCodes(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const { text, where } of matches([...TS_FILES, ...RS_FILES], CODE)) used.set(text, [...(used.get(text) ?? []), where]);
  return used;
}

describe('error codes', () => {
  const used = usedCodes();

  it('every code used in src/ and native/ is listed in src/errors.ts', () => {
    const unlisted = [...used].filter(([code]) => !(code in ERRORS)).map(([code, where]) => `${code} (${where.join(', ')})`);
    expect(unlisted).toEqual([]);
  });

  it('every code listed in src/errors.ts is used', () => {
    expect(Object.keys(ERRORS).filter((code) => !used.has(code))).toEqual([]);
  });

  it('TypeScript makes coded errors with LogpulseError, not by hand (`Object.assign(new Error(…), { code })`, a literal `LP_ERR_…: ` prefix)', () => {
    const byHand = [
      ...matches(TS_FILES, /Object\.assign\(new Error\([^;]*?LP_ERR_/g),
      ...matches(TS_FILES, /[`'"]LP_ERR_[A-Z0-9_]+: /g),
    ].map((m) => m.where);
    expect([...new Set(byHand)].sort()).toEqual([]);
  });

  it('the README lists exactly the codes of src/errors.ts (run `npm run docs:errors` after changing them)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toBe(withErrorsReference(readme));
  });

  it('a LogpulseError starts its message with its code and carries its exit code and details', () => {
    const err = new LogpulseError('LP_ERR_SINK_IO', 'write output/errors failed', { path: 'output/errors', syscallCode: 'ENOSPC' });
    expect(err.message).toBe('LP_ERR_SINK_IO: write output/errors failed');
    expect(err).toMatchObject({ code: 'LP_ERR_SINK_IO', exitCode: 1, path: 'output/errors', syscallCode: 'ENOSPC' });
    expect(hasCode(err, 'LP_ERR_SINK_IO')).toBe(true);
    expect(hasCode(err, 'LP_ERR_ARGS')).toBe(false);
    expect(new LogpulseError('LP_ERR_ARGS', '--urls must be an integer').exitCode).toBe(2);
  });
});

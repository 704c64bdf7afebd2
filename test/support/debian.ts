// Debian packages the tests use as real parts (chromium, prometheus, systemd, nginx, apache2, logrotate): installed by
// scripts/debian-packages the first time a test needs one, so a clean machine needs nothing by hand.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ROOT } from './paths.js';

const run = promisify(execFile);
const ensured = new Map<string, Promise<void>>();

/** Resolves once `pkg` is installed (apt-get, ≤ 10 min the first time; at once when its command is on PATH). */
export function ensureDebianPackage(pkg: 'chromium' | 'prometheus' | 'systemd' | 'nginx' | 'apache2' | 'logrotate'): Promise<void> {
  let p = ensured.get(pkg);
  if (p === undefined) {
    p = run(join(ROOT, 'scripts', 'debian-packages'), [pkg], { timeout: 10 * 60_000, maxBuffer: 64 << 20 }).then(() => undefined);
    p.catch(() => ensured.delete(pkg));
    ensured.set(pkg, p);
  }
  return p;
}

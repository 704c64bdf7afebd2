// What `logpulse --version` prints, and the start-up check that the native module is the one this JavaScript was
// released with. A module built from another version (a stale native/*.node after an upgrade, a copy from
// another checkout) may differ in what it parses or how its state is laid out, so running with it is refused at
// start with a message that says how to fix it, never left to fail later.
import { createRequire } from 'node:module';

import { LogpulseError } from './errors.js';

const require = createRequire(import.meta.url);

export interface NativeBuild {
  version: string;
  profile: string;
}

/** The three versions; `native` is the error text when the module cannot be loaded at all. */
export interface Versions {
  logpulse: string;
  native: NativeBuild | string;
  node: string;
}

/** This package's version (package.json, one level above src/ and dist/). */
export function packageVersion(): string {
  return (require('../package.json') as { version: string }).version;
}

/** Loads the native module (dynamically: a module that cannot load is reported, not a crash at import). */
export async function versions(): Promise<Versions> {
  let native: NativeBuild | string;
  try {
    native = (await import('./native.js')).buildInfo();
  } catch (err) {
    native = `cannot be loaded: ${(err as Error).message.split('\n')[0] ?? ''}`;
  }
  return { logpulse: packageVersion(), native, node: process.version };
}

/** `logpulse 0.1.0`, `native 0.1.0 (release)`, `node v20.…`: one per line. */
export function versionLines(v: Versions): string[] {
  const native = typeof v.native === 'string' ? v.native : `${v.native.version} (${v.native.profile})`;
  return [`logpulse ${v.logpulse}`, `native ${native}`, `node ${v.node}`];
}

/** Null when the native module loads and is this package's version; otherwise the error that stops the start. */
export function nativeProblem(v: Versions): LogpulseError | null {
  if (typeof v.native === 'string') {
    return new LogpulseError('LP_ERR_NATIVE_VERSION', `the native module (native/*.node) ${v.native}; rebuild it with \`npm run build:native\``);
  }
  if (v.native.version === v.logpulse) return null;
  return new LogpulseError(
    'LP_ERR_NATIVE_VERSION',
    `the native module is version ${v.native.version} but logpulse is ${v.logpulse}: rebuild it with \`npm run build:native\` (or reinstall the package)`,
  );
}

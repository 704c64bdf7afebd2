// `logpulse --version` and the start-up check of the native module against the JavaScript's version.
import { describe, expect, it } from 'vitest';

import { nativeProblem, packageVersion, versionLines, versions } from '../src/version.js';

describe('versions', () => {
  it('the loaded native module is this package version, built for release', async () => {
    const v = await versions();
    expect(v.native).toEqual({ version: packageVersion(), profile: 'release' });
    expect(nativeProblem(v)).toBeNull();
    expect(versionLines(v)).toEqual([`logpulse ${packageVersion()}`, `native ${packageVersion()} (release)`, `node ${process.version}`]);
  });

  it('another native version, or one that cannot load, is LP_ERR_NATIVE_VERSION saying how to rebuild', () => {
    const mismatch = nativeProblem({ logpulse: '0.2.0', native: { version: '0.1.0', profile: 'release' }, node: 'v20.0.0' });
    expect(mismatch?.code).toBe('LP_ERR_NATIVE_VERSION');
    expect(mismatch?.exitCode).toBe(1);
    expect(mismatch?.message).toMatch(/native module is version 0\.1\.0 but logpulse is 0\.2\.0: rebuild it with `npm run build:native`/);
    const missing = nativeProblem({ logpulse: '0.2.0', native: 'cannot be loaded: Cannot find module', node: 'v20.0.0' });
    expect(missing?.message).toMatch(/native module \(native\/\*\.node\) cannot be loaded: Cannot find module; rebuild/);
  });
});

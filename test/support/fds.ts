// A process's open file descriptors, by what they point at, for the long-run tests (no growth across connections,
// rotations): compared by target, a growth names itself (`socket`, a file, `(deleted)`, an eventfd).
import { readdirSync, readlinkSync } from 'node:fs';

import { expect } from 'vitest';

/**
 * The open descriptors of `pid`, each by what it points at: `socket:[…]` → `socket` (pipes and anon inodes alike);
 * the file being written of an output kind under `outDir` → `out/<kind>/(being written)` (its name changes at every
 * rotation).
 */
export function descriptors(pid: number, outDir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`).replace(/:\[\d+\]$/, '');
    } catch {
      continue; // closed while listing
    }
    if (target.startsWith(`${outDir}/`)) target = `out/${target.slice(outDir.length + 1).split('/')[0]}/(being written)`;
    out.set(target, (out.get(target) ?? 0) + 1);
  }
  return out;
}

export const fdCount = (fds: Map<string, number>): number => [...fds.values()].reduce((a, b) => a + b, 0);

export const showFds = (fds: Map<string, number>): string => [...fds].map(([what, n]) => `${what} ×${n}`).join(', ');

/**
 * `after` holds what `before` held: an output kind's file being written comes and goes with rotation (opened at its
 * first record), so one each at most; nothing else may differ.
 */
export function expectSameDescriptors(before: Map<string, number>, after: Map<string, number>): void {
  const outputs = (fds: Map<string, number>) => [...fds].filter(([what]) => what.startsWith('out/'));
  const others = (fds: Map<string, number>) => new Map([...fds].filter(([what]) => !what.startsWith('out/')));
  for (const [what, n] of [...outputs(before), ...outputs(after)]) expect(n, what).toBe(1);
  expect(others(after)).toEqual(others(before));
}

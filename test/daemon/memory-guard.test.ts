// limits.maxMemory as the daemon applies it: the limit it comes to (configured, or a share of the cgroup's) and the
// guard's readings: over the limit it says so (backpressure re-checks on every reading meanwhile), back under only
// below 90 % of it, logged once when it starts, every 30 s while it lasts and once when it ends.

import { describe, expect, it } from 'vitest';

import { daemonMemoryGuard, MEMORY_REMINDER_MS, MemoryGuard } from '../../src/daemon/memory-guard.js';
import { Outputs } from '../../src/daemon/outputs.js';
import { MEMORY_PENDING_BYTES } from '../../src/pipeline/backpressure.js';
import type { RecordSink } from '../../src/sinks/sink.js';
import { cgroupMemoryLimit, describeMemoryLimit, memoryLimit } from '../../src/daemon/memory-limit.js';
import { memoryLogger } from '../support/memory-logger.js';

const MiB = 1048576;

describe('memoryLimit', () => {
  it('is the configured bytes, else 80 % of the cgroup limit, else none', () => {
    expect(memoryLimit(300 * MiB, 512 * MiB)).toEqual({ bytes: 300 * MiB, from: 'limits.maxMemory', cgroupBytes: 512 * MiB });
    expect(memoryLimit(0, 512 * MiB)).toEqual({ bytes: Math.floor(512 * MiB * 0.8), from: 'cgroup', cgroupBytes: 512 * MiB });
    expect(memoryLimit(0, null)).toEqual({ bytes: null, from: 'none', cgroupBytes: null });
    expect(describeMemoryLimit(memoryLimit(0, 512 * MiB))).toBe("410 MiB (80 % of the cgroup's memory limit, 512 MiB)");
    expect(describeMemoryLimit(memoryLimit(600 * MiB, 512 * MiB))).toContain('the kernel kills the process first');
  });

  it('reads no cgroup limit from none, from cgroup v1 "unlimited" (2^63) or from a limit no smaller than the machine', () => {
    expect(cgroupMemoryLimit(undefined, 8192 * MiB)).toBeNull();
    expect(cgroupMemoryLimit(0, 8192 * MiB)).toBeNull();
    expect(cgroupMemoryLimit(2 ** 63, 8192 * MiB)).toBeNull();
    expect(cgroupMemoryLimit(8192 * MiB, 8192 * MiB)).toBeNull();
    expect(cgroupMemoryLimit(512 * MiB, 8192 * MiB)).toBe(512 * MiB);
  });
});

describe('MemoryGuard', () => {
  it('is over above the limit until below 90 % of it, re-checking backpressure on every reading meanwhile', () => {
    let rss = 50 * MiB;
    let now = 0;
    let changes = 0;
    const { log, msgs } = memoryLogger();
    const guard = new MemoryGuard({ limit: memoryLimit(100 * MiB, null), log, onChange: () => changes++, rss: () => rss, now: () => now });
    guard.sample();
    expect([guard.over, changes, guard.readiness()!.ok]).toEqual([false, 0, true]);
    rss = 101 * MiB;
    guard.sample();
    expect([guard.over, changes, guard.stretches]).toEqual([true, 1, 1]);
    const check = guard.readiness()!;
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/^sources paused for 0 s: resident 105906176 bytes, limit 104857600 .*resuming below 90 %$/);
    rss = 95 * MiB; // under the limit, not under 90 % of it: still over
    now += 1000;
    guard.sample();
    expect([guard.over, changes]).toEqual([true, 2]);
    now += MEMORY_REMINDER_MS;
    guard.sample();
    rss = 89 * MiB;
    guard.sample();
    expect([guard.over, changes, guard.readiness()!.ok]).toEqual([false, 4, true]);
    guard.sample(); // under: nothing to re-check
    expect(changes).toBe(4);
    expect(msgs()).toEqual([
      'resident memory over limits.maxMemory; sources paused until it is below 90 % of it (nothing is dropped)',
      'resident memory still over limits.maxMemory; sources paused while output drains',
      'resident memory back under limits.maxMemory; sources resume',
    ]);
  });

  it('says a limit that flaps at most once per 30 s', () => {
    let rss = 0;
    let now = 0;
    const { log, msgs } = memoryLogger();
    const guard = new MemoryGuard({ limit: memoryLimit(100 * MiB, null), log, onChange: () => {}, rss: () => rss, now: () => now });
    for (let i = 0; i < 10; i++) {
      rss = 101 * MiB;
      guard.sample();
      rss = 80 * MiB;
      guard.sample();
      now += 1000;
    }
    expect(guard.stretches).toBe(10);
    expect(msgs()).toHaveLength(2); // the first stretch's start and end
  });

  it('without a limit reads nothing and has no readiness check; a reload can set one and take it away', () => {
    let reads = 0;
    const { log } = memoryLogger();
    const guard = new MemoryGuard({ limit: memoryLimit(0, null), log, onChange: () => {}, rss: () => (reads++, 200 * MiB) });
    guard.sample();
    expect([reads, guard.over, guard.readiness(), guard.limitBytes]).toEqual([0, false, null, null]);
    guard.setLimit(memoryLimit(100 * MiB, null));
    guard.sample();
    expect([guard.over, guard.limitBytes]).toEqual([true, 100 * MiB]);
    guard.setLimit(memoryLimit(0, null));
    expect([guard.over, guard.readiness()]).toEqual([false, null]);
    guard.stop();
  });
});

/** A file sink that holds what it is given until it rotates (as the rotating sinks do until the rename). */
function heldSink(): RecordSink & { rotations: number } {
  const sink = {
    pendingBytes: 0,
    rotations: 0,
    write(lines: Buffer) {
      sink.pendingBytes += lines.length;
    },
    async rotate() {
      sink.rotations++;
      sink.pendingBytes = 0;
      return sink.rotations;
    },
    async close() {},
  };
  return sink;
}

describe('daemonMemoryGuard', () => {
  it('over the limit, completes the output files holding more than 8 MiB at each reading and re-checks backpressure; under it, only re-checks', async () => {
    const errors = heldSink();
    const rejected = heldSink();
    const metrics = heldSink();
    const alerts = heldSink();
    const outputs = new Outputs({ files: { errors, rejected, metrics, alerts } });
    let rechecks = 0;
    let drained = 0;
    outputs.onDrained = () => drained++;
    let rss = 50 * MiB;
    const { log } = memoryLogger();
    const guard = daemonMemoryGuard(100 * MiB, log, () => ({ outputs, pipeline: { recheckBackpressure: () => rechecks++ } }), () => rss);
    outputs.errors(Buffer.alloc(MEMORY_PENDING_BYTES));
    outputs.rejected(Buffer.alloc(100));
    guard.sample();
    expect([errors.rotations, rechecks]).toEqual([0, 0]);
    rss = 120 * MiB;
    guard.sample();
    await new Promise((r) => setImmediate(r));
    // Only the file with 8 MiB or more is completed early (its bytes leave memory); the small one waits for its rotation.
    expect([errors.rotations, rejected.rotations, errors.pendingBytes, rejected.pendingBytes, drained, rechecks]).toEqual([1, 0, 0, 100, 1, 1]);
    rss = 80 * MiB;
    guard.sample();
    expect([errors.rotations, rechecks, guard.over]).toEqual([1, 2, false]);
  });
});

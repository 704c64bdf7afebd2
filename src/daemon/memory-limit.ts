// The resident memory the daemon holds itself to (`limits.maxMemory`): the configured bytes, or — left at 0 — a
// share of the memory limit the process runs under. A container's limit (`docker run --memory`, a Kubernetes
// limit) and a systemd unit's `MemoryMax=` are both a cgroup's `memory.max`; Node reads the process's own cgroup
// (v1 or v2) for `process.constrainedMemory()`. The kernel kills the process at that limit, so the daemon pauses
// its sources well before it: the rest is headroom for what pausing does not free at once (the open windows,
// the allocator's slack, the next chunk being parsed). Without a limit (a bare host) there is none by default:
// the machine's memory is not the daemon's to claim.
import { totalmem } from 'node:os';

/** The share of the cgroup's limit the daemon holds itself to when `limits.maxMemory` is 0. */
export const CGROUP_SHARE = 0.8;

export interface MemoryLimit {
  /** Bytes of resident memory above which sources pause; null: no limit. */
  bytes: number | null;
  /** Where it comes from, said in the log and by `logpulse validate`. */
  from: 'limits.maxMemory' | 'cgroup' | 'none';
  /** The cgroup's own limit, when there is one. */
  cgroupBytes: number | null;
}

/** The memory limit of the process's cgroup, or null: none, or no smaller than the machine (cgroup v1 says 2^63 for none). */
export function cgroupMemoryLimit(constrained: number | undefined = process.constrainedMemory?.(), machine = totalmem()): number | null {
  if (constrained === undefined || !Number.isFinite(constrained) || constrained <= 0 || constrained >= machine) return null;
  return constrained;
}

/** What `limits.maxMemory` (`configured`) comes to in this process. */
export function memoryLimit(configured: number, cgroupBytes: number | null = cgroupMemoryLimit()): MemoryLimit {
  if (configured > 0) return { bytes: configured, from: 'limits.maxMemory', cgroupBytes };
  if (cgroupBytes !== null) return { bytes: Math.floor(cgroupBytes * CGROUP_SHARE), from: 'cgroup', cgroupBytes };
  return { bytes: null, from: 'none', cgroupBytes };
}

/** In words, for the log and `logpulse validate`. */
export function describeMemoryLimit(l: MemoryLimit): string {
  const mib = (b: number) => `${(b / 1048576).toFixed(0)} MiB`;
  if (l.bytes === null) return 'none (limits.maxMemory is 0 and the process has no cgroup memory limit)';
  if (l.from === 'cgroup') return `${mib(l.bytes)} (${CGROUP_SHARE * 100} % of the cgroup's memory limit, ${mib(l.cgroupBytes!)})`;
  return `${mib(l.bytes)} (limits.maxMemory)${l.cgroupBytes !== null && l.bytes >= l.cgroupBytes ? `; above the cgroup's memory limit (${mib(l.cgroupBytes)}): the kernel kills the process first` : ''}`;
}

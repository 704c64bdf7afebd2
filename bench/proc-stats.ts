// CPU % and peak RSS of a process tree (the daemon with its worker threads; Spark's python driver and its JVM),
// sampled from /proc. Linux only; elsewhere every figure is NaN and the tables say so.
//
// Why these choices:
// - CPU: each pid's cumulative utime+stime is remembered at its last sample, so a child that exits mid-run still
//   counts up to then. What a sampler cannot see is the last interval before the root exits; for a root that is
//   our own child and the only child reaped in the measured span, `reapedCpuSeconds()` (our cutime+cstime, which
//   the kernel credits when the child is reaped) gives the exact total instead.
// - RSS: the sum of VmRSS over the tree at each sample (the footprint the machine pays), floored by each pid's
//   own VmHWM (its exact peak so far), so a short single-process peak between samples is not lost.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface ProcStats {
  /** CPU time of the tree over the wall time, 100 = one core busy. */
  cpuPercent: number;
  cpuSeconds: number;
  wallSeconds: number;
  peakRssMb: number;
}

const HAVE_PROC = existsSync('/proc/self/stat');
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Fields of /proc/PID/stat after the `(comm)` (which may contain spaces): index 0 is field 3, `state`. */
function statFields(pid: number | 'self'): string[] | null {
  const s = read(`/proc/${pid}/stat`);
  if (s === null) return null;
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
}

/** utime+stime of one process, in seconds (null when it is gone). */
function cpuOf(pid: number): number | null {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / CLK_TCK : null;
}

/** CPU seconds of every child this process has reaped so far (cutime+cstime of /proc/self/stat). */
export function reapedCpuSeconds(): number {
  const f = HAVE_PROC ? statFields('self') : null;
  return f ? (Number(f[13]) + Number(f[14])) / CLK_TCK : Number.NaN;
}

/** CPU seconds (utime+stime) of a pid and its descendants right now; NaN without /proc. */
export function treeCpuSeconds(root: number): number {
  if (!HAVE_PROC) return Number.NaN;
  let sum = 0;
  for (const pid of treeOf(root)) sum += cpuOf(pid) ?? 0;
  return sum;
}

/** Bytes a process has read through read(2) and friends, sockets included (`rchar` of /proc/PID/io); NaN if unknown. */
export function bytesReadBy(pid: number): number {
  const m = /^rchar: (\d+)/m.exec(read(`/proc/${pid}/io`) ?? '');
  return m ? Number(m[1]) : Number.NaN;
}

function kbField(status: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
}

/** The pid and all its descendants, through /proc/PID/task/TID/children. */
function treeOf(root: number): number[] {
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    out.push(pid);
    for (const tid of tids) {
      const kids = read(`/proc/${pid}/task/${tid}/children`);
      if (kids) for (const k of kids.trim().split(/\s+/)) if (k) stack.push(Number(k));
    }
  }
  return out;
}

export class ProcessTreeMonitor {
  readonly #root: number;
  readonly #timer: NodeJS.Timeout | null;
  readonly #started = process.hrtime.bigint();
  /** Last cumulative CPU seen per pid, and the first (so a pid already running at start counts from then). */
  readonly #cpuLast = new Map<number, number>();
  readonly #cpuFirst = new Map<number, number>();
  #peakRssKb = 0;
  #stopped: ProcStats | null = null;

  /** Starts sampling `rootPid`'s tree now, every `intervalMs`. */
  constructor(rootPid: number, intervalMs = 50) {
    this.#root = rootPid;
    if (!HAVE_PROC) {
      this.#timer = null;
      return;
    }
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Takes one sample now (also called by the timer); cheap: a few small /proc reads per process. */
  sample(): void {
    let rssKb = 0;
    for (const pid of treeOf(this.#root)) {
      const cpu = cpuOf(pid);
      const status = read(`/proc/${pid}/status`);
      if (cpu === null || status === null) continue;
      if (!this.#cpuFirst.has(pid)) this.#cpuFirst.set(pid, cpu);
      this.#cpuLast.set(pid, cpu);
      rssKb += kbField(status, 'VmRSS');
      this.#peakRssKb = Math.max(this.#peakRssKb, kbField(status, 'VmHWM'));
    }
    this.#peakRssKb = Math.max(this.#peakRssKb, rssKb);
  }

  /**
   * Stops sampling and returns the figures from construction until now. `exactCpuSeconds`, when the caller
   * has it (see reapedCpuSeconds), replaces the sampled CPU time.
   */
  stop(exactCpuSeconds?: number): ProcStats {
    if (this.#stopped) return this.#stopped;
    if (this.#timer) clearInterval(this.#timer);
    if (HAVE_PROC) this.sample();
    const wallSeconds = Number(process.hrtime.bigint() - this.#started) / 1e9;
    let sampled = 0;
    for (const [pid, last] of this.#cpuLast) sampled += last - (this.#cpuFirst.get(pid) ?? last);
    const cpuSeconds = !HAVE_PROC ? Number.NaN : exactCpuSeconds !== undefined && Number.isFinite(exactCpuSeconds) ? exactCpuSeconds : sampled;
    this.#stopped = {
      cpuPercent: (cpuSeconds / wallSeconds) * 100,
      cpuSeconds,
      wallSeconds,
      peakRssMb: HAVE_PROC ? this.#peakRssKb / 1024 : Number.NaN,
    };
    return this.#stopped;
  }
}

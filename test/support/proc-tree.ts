// CPU % and peak RSS of a process tree, sampled from /proc: the one measurement of logpulse (the daemon and its
// worker threads) and of every peer (the naive Node child; Spark's python driver and its JVM), so their figures
// compare. Linux only; elsewhere every figure is NaN and the tables say so.
//
// Why these choices:
// - The tree: the root and its descendants through /proc/PID/task/TID/children, a few small reads per process
//   in the tree. (Listing every pid of the machine every 50 ms, as the peers' sampler did, costs CPU that the
//   measured process competes with on 2 cores.)
// - RSS: the peak is the maximum over samples of the tree's summed VmRSS: the memory the machine pays for the
//   whole tree at one moment (python's RSS plus its JVM's). Each counted process's VmHWM (its own exact peak,
//   kept by the kernel) is a floor: the tree held at least that much at the moment it peaked, so a short spike
//   of one process between two samples is not lost. A sum of VmHWMs would overstate: the processes need not
//   peak at the same moment. For logpulse the tree is one process, so its peak is exactly its VmHWM.
//   A child that has not exec'd yet (forked, still its parent's executable: the JVM or python starting a
//   helper) shares its parent's pages; summing its RSS would count them twice, so it is not counted.
// - CPU: utime+stime per pid (a process's counts include its threads, live and exited). A pid already running
//   at the first sample counts from that sample; one born later counts from zero, since every tick of its
//   life falls in the measured span. Each pid keeps its last value, so a child that exits mid-run still counts
//   up to its last sample; what a sampler cannot see is the last interval before a process exits. For a root
//   that is our own child and the only one reaped in the measured span, `reapedCpuSeconds()` (our
//   cutime+cstime, which the kernel credits when the child is reaped) gives the exact total instead.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A process's resident memory now, in MiB (VmRSS). */
export function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
  return Number(kb) / 1024;
}

export interface ProcStats {
  /** CPU time of the tree over the wall time, 100 = one core busy. */
  cpuPercent: number;
  cpuSeconds: number;
  wallSeconds: number;
  peakRssMb: number;
  /** The processes and their RSS (MB) in the peak sample, e.g. 'python3:31 java:1490'. */
  peakBreakdown: string;
}

const HAVE_PROC = existsSync('/proc/self/stat');
let clkTck = 0;
/** USER_HZ, the unit of utime/stime (100 on every Linux ABI node runs on; asked once all the same). */
function ticksPerSecond(): number {
  if (clkTck === 0) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // gone between listing and reading
  }
}

function exe(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return `?${pid}`; // gone, or a kernel thread
  }
}

interface ProcSample {
  comm: string;
  ppid: number;
  cpuSeconds: number;
  rssKb: number;
  hwmKb: number;
}

function kbField(status: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
}

/** One process now, or null when it is gone. */
function readProc(pid: number | 'self'): ProcSample | null {
  const stat = read(`/proc/${pid}/stat`);
  const status = pid === 'self' ? '' : read(`/proc/${pid}/status`);
  if (stat === null || status === null) return null;
  // The command name (field 2) is parenthesised and may hold spaces: split after its last ')'. f[0] is field 3.
  const close = stat.lastIndexOf(')');
  const f = stat.slice(close + 2).split(' ');
  return {
    comm: stat.slice(stat.indexOf('(') + 1, close),
    ppid: Number(f[1]),
    cpuSeconds: (Number(f[11]) + Number(f[12])) / ticksPerSecond(),
    rssKb: kbField(status, 'VmRSS'),
    hwmKb: kbField(status, 'VmHWM'),
  };
}

/** CPU seconds of every child this process has reaped so far (cutime+cstime of /proc/self/stat); NaN without /proc. */
export function reapedCpuSeconds(): number {
  const s = HAVE_PROC ? read('/proc/self/stat') : null;
  if (s === null) return Number.NaN;
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / ticksPerSecond();
}

/** Bytes a process has read through read(2) and friends, sockets included (`rchar` of /proc/PID/io); NaN if unknown. */
export function bytesReadBy(pid: number): number {
  const m = /^rchar: (\d+)/m.exec(read(`/proc/${pid}/io`) ?? '');
  return m ? Number(m[1]) : Number.NaN;
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
  /** CPU seconds per pid at its first sample (0 for a pid born after the first sample), and at its last. */
  readonly #cpuFirst = new Map<number, number>();
  readonly #cpuLast = new Map<number, number>();
  #sampled = false;
  #peakRssKb = 0;
  #peakBreakdown = '';
  #stopped: ProcStats | null = null;

  /** Starts sampling `rootPid`'s tree now, and then every `intervalMs`. */
  constructor(rootPid: number, intervalMs = 50) {
    this.#root = rootPid;
    if (!HAVE_PROC) {
      this.#timer = null;
      return;
    }
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    // A monitor never keeps the process alive by itself.
    this.#timer.unref();
  }

  /**
   * Takes one sample now (the timer calls it too) and returns the tree's CPU seconds since the monitor started:
   * the difference of two calls is the CPU the tree used between them. NaN without /proc.
   */
  sample(): number {
    if (!HAVE_PROC) return Number.NaN;
    if (this.#stopped) return this.#stopped.cpuSeconds;
    let rssKb = 0;
    let floorKb = 0;
    const parts: string[] = [];
    for (const pid of treeOf(this.#root)) {
      const before = pid === this.#root ? '' : exe(pid);
      const p = readProc(pid);
      if (p === null) continue;
      if (!this.#cpuFirst.has(pid)) this.#cpuFirst.set(pid, this.#sampled ? 0 : p.cpuSeconds);
      this.#cpuLast.set(pid, p.cpuSeconds);
      // Not exec'd yet (or exec'ing while we looked: its exe changed around the read): its pages are its parent's.
      if (pid !== this.#root && (before.startsWith('?') || before === exe(p.ppid) || before !== exe(pid))) continue;
      rssKb += p.rssKb;
      floorKb = Math.max(floorKb, p.hwmKb);
      parts.push(`${p.comm}:${Math.round(p.rssKb / 1024)}`);
    }
    this.#sampled = true;
    if (rssKb > this.#peakRssKb) {
      this.#peakRssKb = rssKb;
      this.#peakBreakdown = parts.join(' ');
    }
    this.#peakRssKb = Math.max(this.#peakRssKb, floorKb);
    return this.#cpuSeconds();
  }

  #cpuSeconds(): number {
    let sum = 0;
    for (const [pid, last] of this.#cpuLast) sum += last - (this.#cpuFirst.get(pid) ?? last);
    return sum;
  }

  /**
   * Stops sampling (after a last sample) and returns the figures from construction until now; later calls
   * return the same. `exactCpuSeconds`, when the caller has it (see reapedCpuSeconds), replaces the sampled CPU.
   */
  stop(exactCpuSeconds?: number): ProcStats {
    if (this.#stopped) return this.#stopped;
    if (this.#timer) clearInterval(this.#timer);
    const sampled = this.sample();
    const wallSeconds = Number(process.hrtime.bigint() - this.#started) / 1e9;
    const cpuSeconds = !HAVE_PROC ? Number.NaN : exactCpuSeconds !== undefined && Number.isFinite(exactCpuSeconds) ? exactCpuSeconds : sampled;
    this.#stopped = {
      cpuPercent: (cpuSeconds / wallSeconds) * 100,
      cpuSeconds,
      wallSeconds,
      peakRssMb: HAVE_PROC ? this.#peakRssKb / 1024 : Number.NaN,
      peakBreakdown: this.#peakBreakdown,
    };
    return this.#stopped;
  }
}

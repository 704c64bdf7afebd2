// The `logpulse gen` loop: make ~1 MiB blocks of whole lines and hand them to the output, paced by --rate,
// stopped by --count, a signal or a reader that went away. Two buffers alternate, so one block is made while
// the previous one is being written.
import { type EventClock, ScheduledClock, StepClock, WallClock } from './clock.js';
import { type GenStats, LINE_HEADROOM } from './line-writer.js';
import { NativeLineWriter } from './native-line-writer.js';
import type { GenOptions } from './options.js';
import type { Output } from './output.js';
import { Pacer } from './pacer.js';

/** Block size: large enough that per-write costs vanish, small enough to keep latency and memory low. */
export const BLOCK_BYTES = 1 << 20;
/** A paced run wakes at most this often: looks continuous, and batches lines at high rates. */
const TICK_MS = 20;

/** The event clock the options ask for (see GenOptions.startUs / speed / stepMs). */
export function eventClock(o: Pick<GenOptions, 'startUs' | 'rate' | 'speed' | 'stepMs'>, pacer: Pacer | null): EventClock {
  if (o.startUs !== null) return new StepClock(o.startUs, o.rate > 0 ? (o.speed * 1_000_000) / o.rate : o.stepMs * 1000);
  return pacer !== null ? new ScheduledClock(pacer) : new WallClock();
}

/**
 * Runs until `count` lines are written, `signal` aborts, or the output closes for good. Returns what was made.
 * `written.lines` counts the lines handed to the output so far, per block (a progress display samples it).
 */
export async function generate(o: GenOptions, output: Output, signal: AbortSignal, written: { lines: number } = { lines: 0 }): Promise<GenStats> {
  const writer = new NativeLineWriter(o);
  const pacer = o.rate > 0 ? new Pacer(o.rate) : null;
  const clock = eventClock(o, pacer);
  const buffers = [Buffer.allocUnsafeSlow(BLOCK_BYTES + LINE_HEADROOM), Buffer.allocUnsafeSlow(BLOCK_BYTES + LINE_HEADROOM)];
  let next = 0;
  let remaining = o.count ?? Number.POSITIVE_INFINITY;
  let writing: Promise<void> | null = null;
  pacer?.restart(performance.now(), 0);

  while (remaining > 0 && !signal.aborted && !output.closed) {
    const ready = output.ready();
    if (ready !== null) {
      // Nobody to write to (no client yet, reconnecting): make nothing, and owe nothing for the wait.
      await untilAborted(ready, signal);
      pacer?.restart(performance.now(), writer.lines);
      continue;
    }
    let due = remaining;
    if (pacer !== null) {
      const now = performance.now();
      due = Math.min(remaining, pacer.due(now, writer.lines));
      if (due === 0) {
        // Until the next line is due, but at least a tick: at high rates lines go out in batches per tick.
        await sleep(Math.max(TICK_MS, pacer.msUntil(writer.lines, now)), signal);
        continue;
      }
    }
    while (due > 0 && !signal.aborted && !output.closed) {
      const buf = buffers[next]!;
      next ^= 1;
      const bytes = writer.fill(buf, due, clock, BLOCK_BYTES);
      due -= writer.lastLines;
      remaining -= writer.lastLines;
      written.lines += writer.lastLines;
      // On a stop signal, stop waiting for a stalled reader; the block made is still handed over whole.
      if (writing !== null) await untilAborted(writing, signal);
      writing = output.write(buf.subarray(0, bytes));
      // Let signals, sockets and timers in between blocks even when every write completes synchronously (a
      // file behind stdout), however many lines are due.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  if (writing !== null) await untilAborted(writing, signal);
  return writer.stats;
}

function untilAborted(p: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

// The latency scenario's producer: a process of its own (`node --import tsx bench/latency-driver.ts`, input and
// results over IPC), separate from the daemon and from the bench, so nothing the bench does (watching errors/,
// polling /windows, reading the daemon's output and the alerts topic) can delay a send; and a process, not a
// worker thread, because node-rdkafka's addon loads once per process and the bench uses it too. It
// writes the lines of latency-lines.ts to the source under test (latency-writers.ts: tcp-listen, stdin, Kafka) at
// a fixed rate, in small batches on a ~1 ms timer, or at saturation (rate 0: as fast as the target takes them,
// waiting when it pushes back). Each line's id is stamped with the time of its write on two clocks, written to
// `stampsPath` at the end: the monotonic one (hrtime: CLOCK_MONOTONIC, one clock for every process of the
// machine, so the bench compares it with its own) and the wall clock (Date.now(), to compare with the
// `emitted_at` the daemon puts in its alerts).
import { writeFileSync } from 'node:fs';

import { nowMs } from './daemon.js';
import { type LineDesign, lineOf } from './latency-lines.js';
import { type DriverTarget, openWriter } from './latency-writers.js';

export interface DriverInput {
  target: DriverTarget;
  /** Lines per second; 0: saturation. */
  rate: number;
  lines: number;
  design: LineDesign;
  /**
   * Written at the end: `lines` float64 (native byte order) of each line's send time on the hrtime clock (ms),
   * then `lines` of its send time on the wall clock (ms since the epoch, Date.now()).
   */
  stampsPath: string;
}

export type DriverMessage = { started: true } | { ok: true; out: DriverOutput } | { ok: false; error: string };

export interface DriverOutput {
  /** hrtime ms when line 0 was due; line i was due at startMs + i * 1000 / rate. */
  startMs: number;
  sent: number;
}

/** Lines per write at saturation: big enough to amortise a write, small enough to stamp lines closely. */
const SATURATION_BATCH = 2000;

async function drive(input: DriverInput): Promise<DriverOutput> {
  const stamps = new Float64Array(input.lines * 2);
  const sendMs = stamps.subarray(0, input.lines);
  const sendWallMs = stamps.subarray(input.lines);
  const writer = await openWriter(input.target);
  const line = (id: number) => lineOf(input.design, id);
  process.send?.({ started: true } satisfies DriverMessage);
  const startMs = nowMs();
  let sent = 0;
  const send = async (due: number, respect: boolean): Promise<void> => {
    sendMs.fill(nowMs(), sent, due);
    sendWallMs.fill(Date.now(), sent, due);
    const from = sent;
    sent = due;
    await writer.write(from, due, line, respect);
  };
  if (input.rate === 0) {
    while (sent < input.lines) {
      await send(Math.min(input.lines, sent + SATURATION_BATCH), true);
      // Lets the socket or the producer flush between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } else {
    while (sent < input.lines) {
      const due = Math.min(input.lines, Math.floor(((nowMs() - startMs) * input.rate) / 1000) + 1);
      if (due > sent) await send(due, false);
      if (sent < input.lines) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  await writer.close();
  writeFileSync(input.stampsPath, new Uint8Array(stamps.buffer));
  return { startMs, sent };
}

if (process.send) {
  process.once('message', (input: DriverInput) => {
    const reply = (m: DriverMessage) => process.send!(m, () => process.exit(0));
    drive(input).then(
      (out) => reply({ ok: true, out }),
      (err: Error) => reply({ ok: false, error: err.stack ?? err.message }),
    );
  });
}

// The latency scenario's producer, in a worker thread so that nothing the scenario does on the main thread
// (watching errors/, reading the daemon's output) can delay a send. It connects to the daemon's tcp-listen
// source and writes the lines of latency-lines.ts at a fixed rate, in small batches on a ~1 ms timer, stamping
// each line's id with the monotonic time of its write into `sendMs` (shared memory, read by the scenario).
// A daemon that cannot keep up shows as latency (the bytes wait in the socket), not as a slower driver.
import { connect } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

import { nowMs } from './daemon.js';
import { type LineDesign, lineOf } from './latency-lines.js';

export interface DriverInput {
  port: number;
  rate: number;
  lines: number;
  design: LineDesign;
  /** Float64Array over it: the send time (ms, hrtime clock) of each line id. */
  sendMs: SharedArrayBuffer;
}

export interface DriverOutput {
  /** hrtime ms when line 0 was due; line i was due at startMs + i * 1000 / rate. */
  startMs: number;
  sent: number;
}

async function drive(input: DriverInput): Promise<DriverOutput> {
  const sendMs = new Float64Array(input.sendMs);
  const socket = connect({ host: '127.0.0.1', port: input.port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  parentPort?.postMessage({ started: true });
  const startMs = nowMs();
  let sent = 0;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const due = Math.min(input.lines, Math.floor(((nowMs() - startMs) * input.rate) / 1000) + 1);
      if (due > sent) {
        let text = '';
        for (let id = sent; id < due; id++) text += lineOf(input.design, id);
        const at = nowMs();
        sendMs.fill(at, sent, due);
        socket.write(text);
        sent = due;
      }
      if (sent < input.lines) setTimeout(tick, 1);
      else done();
    };
    tick();
  });
  await new Promise<void>((resolve) => socket.end(() => resolve()));
  return { startMs, sent };
}

if (parentPort) {
  const port = parentPort;
  drive(workerData as DriverInput).then(
    (out) => port.postMessage({ ok: true, out }),
    (err: Error) => port.postMessage({ ok: false, error: err.message }),
  );
}

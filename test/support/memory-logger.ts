// A pino logger that keeps its lines in memory, for tests that check what the daemon logged (messages, fields).
import { Writable } from 'node:stream';

import { pino } from 'pino';

import type { Logger } from '../../src/log.js';

export function memoryLogger(): { log: Logger; lines: string[]; msgs: () => string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink) as Logger, lines, msgs: () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

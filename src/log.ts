// Daemon logs on stderr (stdout belongs to the console table): structured JSON for machines, or on a terminal one
// readable line each through pino-pretty's formatter (log.format). Secrets are redacted by key wherever they
// appear, so a config object or an error with credentials can be logged without leaking them; and every line is
// scrubbed of known secret values and URL passwords as it is written (redact.ts), whatever field or message
// carries them (a library's error quoting a URL). Both happen before a line is formatted, so the pretty lines are
// made from the redacted JSON: one redaction for both formats.
import { pino, type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

import { redactText } from './redact.js';
import { colourWanted, writeAbove } from './terminal.js';

export type { Logger };

/** `log.format`: `auto` is pretty when stderr is a terminal. */
export type LogFormat = 'auto' | 'pretty' | 'json';

export const REDACTED_KEYS = ['password', 'username', 'token', 'KAFKA_PASSWORD', 'KAFKA_USERNAME', 'LOGPULSE_API_TOKEN', 'sasl.password', 'authorization'];

/** Whether `format` means readable lines on this process's stderr. */
export function isPretty(format: LogFormat, stderrIsTty: boolean = process.stderr.isTTY === true): boolean {
  return format === 'pretty' || (format === 'auto' && stderrIsTty);
}

export function createLogger(level: string = 'info', format: LogFormat = 'json'): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, name: 'logpulse' },
      redact: { paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]), censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: redactText },
    },
    isPretty(format) ? prettyDestination() : pino.destination({ fd: 2, sync: true }),
  );
}

/**
 * pino-pretty's formatter used in-process and synchronously (not its worker-thread transport): a line is on the
 * terminal when the call that logged it returns, above the progress bar (terminal.ts), and nothing is lost at exit.
 */
export function prettyDestination(colour: boolean = colourWanted() && process.stderr.isTTY === true): DestinationStream {
  const format = prettyFactory({ colorize: colour, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name', singleLine: true });
  return { write: (line: string) => writeAbove(format(line)) };
}

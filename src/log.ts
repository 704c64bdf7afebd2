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
  const format = prettyFactory({ colorize: colour, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name', messageFormat: withFields, hideObject: true });
  return { write: (line: string) => writeAbove(format(line)) };
}

/** Keys pino writes on every line; pino-pretty shows time and level itself, the rest says nothing to a person. */
const LINE_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/** pino-pretty's `messageFormat`: the message, then the line's own fields as `key=value` on the same line. */
function withFields(entry: Record<string, unknown>, messageKey: string): string {
  const fields = Object.entries(entry).filter(([key]) => !LINE_KEYS.has(key) && key !== messageKey);
  return [String(entry[messageKey] ?? ''), ...fields.map(([key, value]) => `${key}=${fieldText(value)}`)].join(' ');
}

/** A bare word when it reads unambiguously, else JSON (strings with spaces or quotes, objects, arrays). */
function fieldText(value: unknown): string {
  if (typeof value === 'string' && /^[^\s"=]+$/.test(value)) return value;
  return JSON.stringify(value) ?? String(value);
}

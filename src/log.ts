// Daemon logs: structured JSON on stderr (stdout belongs to the console table). Secrets are redacted by key
// wherever they appear, so a config object or an error with credentials can be logged without leaking them; and
// every line is scrubbed of known secret values and URL passwords as it is written (redact.ts), whatever field or
// message carries them (a library's error quoting a URL).
import { pino, type Logger } from 'pino';

import { redactText } from './redact.js';

export type { Logger };

export const REDACTED_KEYS = ['password', 'username', 'token', 'KAFKA_PASSWORD', 'KAFKA_USERNAME', 'LOGPULSE_API_TOKEN', 'sasl.password', 'authorization'];

export function createLogger(level: string = 'info'): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, name: 'logpulse' },
      redact: { paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]), censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: redactText },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

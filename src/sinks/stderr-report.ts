// The default `onError` of the sinks: the error as one line of the daemon's stderr JSON log.
import type { LogpulseError } from '../errors.js';

/** Without an `onError`, the daemon's stderr log format: one JSON object per line. */
export function reportToStderr(err: LogpulseError): void {
  const line = { level: 'error', time: new Date().toISOString(), code: err.code, msg: err.message, path: err.path };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

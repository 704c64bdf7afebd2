// RotatingFileSink's options: their shape, and the checks its constructor runs on them.
import { LogpulseError } from '../errors.js';
import type { FileKind } from './sink.js';
import type { SinkFs } from './sink-fs.js';

export interface RotatingFileSinkOptions {
  /** The kind's directory, e.g. `output/errors`; created (recursively) when missing. */
  dir: string;
  kind: FileKind;
  /** Label in the file names, e.g. `0` or `all`: letters, digits and `_` only, so names split on `-`. */
  shard: string;
  /** The `.part` file is renamed this often (when it holds anything). */
  rotateEveryMs: number;
  /** Told once per failure streak (the first failure after a success); the sink keeps retrying regardless. */
  onError?: (err: LogpulseError) => void;
  /** Told when a call succeeds after such a streak: the file system takes writes again. */
  onRecovered?: () => void;
  /**
   * Called after each rotation that made bytes durable, with the bytes of the file it published: `pendingBytes`
   * went down, paused sources may resume.
   */
  onDurable?: (bytes: number) => void;
  /** Told how long each fsync (of a file or of its directory) took, in seconds, failed ones included. */
  onFsync?: (seconds: number) => void;
  /** Default: `node:fs/promises`. */
  fs?: SinkFs;
  /** Wall clock in ms for the timestamps in file names. Default `Date.now`. */
  now?: () => number;
  /** Retry delay after a failed file-system call, doubling up to `retryMaxMs`. Defaults 100 and 5000. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /**
   * Crash leftovers (`.part`): `publish` (default) keeps their complete lines; `discard` deletes them, for a
   * source that replays everything not committed (Kafka), where publishing would write those records twice.
   */
  leftovers?: 'publish' | 'discard';
}

export const KINDS: readonly FileKind[] = ['errors', 'metrics', 'rejected', 'alerts', 'partials'];

export function checkMs(name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) {
    throw optionError(name, 'must be an integer number of milliseconds between 1 and 2147483647');
  }
}

export function optionError(name: string, why: string): LogpulseError {
  return new LogpulseError('LP_ERR_SINK_OPTION', `${name} ${why}`);
}

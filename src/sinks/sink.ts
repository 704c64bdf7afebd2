// Output files of SPEC §4: newline-JSON under output.dir/<kind>/, rotated, only complete files visible.

/** `partials`: closed-window partials (mergeable sketches) of a Kafka run, for `logpulse merge` across daemons. */
export type FileKind = 'errors' | 'metrics' | 'rejected' | 'alerts' | 'partials';

/** Per kind, the number of the last complete output file (a durable cut checkpoints them: `Outputs.marks`). */
export type OutputMarks = Partial<Record<FileKind, number>>;

export interface RecordSink {
  /** Appends complete newline-terminated JSON lines. Never blocks; bytes are buffered until written. */
  write(lines: Buffer): void;
  /** Bytes accepted by `write` but not yet in a durable, renamed file. The pipeline pauses sources when high. */
  readonly pendingBytes: number;
  /**
   * Makes everything written so far durable: the open `.part` file is fsynced and renamed to its final name
   * (nothing happens when it is empty: no empty files). Resolves when done; on a full disk it keeps retrying
   * (never drops, never leaves a torn file) and resolves only when the data is safe. Bytes written after the call
   * go to later files; resolves to the number of the last complete file then (0 for a sink without numbered files).
   */
  rotate(): Promise<number>;
  /** A new interval between time-based rotations (a config reload), where the sink has one. */
  setRotateEvery?(ms: number): void;
  /** `rotate()` then release the file handle and stop the rotation timer. */
  close(): Promise<void>;
  /** Files on disk: resolves once the sink knows them; then `sealedThrough` is the number of the last complete one. */
  ready?(): Promise<void>;
  sealedThrough?(): number;
  /** Deletes the complete files numbered after `seq`, before anything is written (a replay writes them again). */
  discardAfter?(seq: number): Promise<number>;
}

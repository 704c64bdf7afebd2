// The one interface every source implements (stdin, file, tcp, tcp-listen, generator; kafka later).
// A source only moves bytes: framing into lines, parsing and watermarks happen in the native shards.

/** What a source calls as bytes arrive. Implemented by the pipeline. */
export interface SourceSink {
  /**
   * Bytes of one input stream (a file, one TCP connection, a Kafka partition). Chunk boundaries are arbitrary
   * (mid-line, mid-character); the same `stream` name must keep its byte order. Each stream has its own
   * watermark, so a name is stable for the life of the stream and unique among live streams.
   */
  data(stream: string, chunk: Buffer): void;
  /** The stream ended (file read to the end, connection closed): its unterminated last line counts now. */
  streamEnd(stream: string): void;
  /** A finite source has no more data at all (after every `streamEnd`). Never called by unbounded sources. */
  end(): void;
  /**
   * A problem worth an operator's attention that the source survives (a refused connection it will retry).
   * Fatal problems reject `start()` or are thrown from it instead.
   */
  warn(message: string, details?: Record<string, unknown>): void;
}

export interface Source {
  /** The URI it was created from, for logs (never contains a secret). */
  readonly uri: string;
  /** Ends on its own (stdin, file without follow, generator with a count). */
  readonly finite: boolean;
  /** Begins delivering to `sink`. Resolves once reading has started; rejects if it cannot start at all. */
  start(sink: SourceSink): Promise<void>;
  /** Backpressure: stop delivering soon (a chunk already read may still arrive). Idempotent. */
  pause(): void;
  /** Undo `pause`. Idempotent. */
  resume(): void;
  /** Stop reading for good and release every handle (sockets, files, timers). Idempotent. */
  stop(): Promise<void>;
}

// What `logpulse gen` writes to, whatever the target (stdout and sockets: gen/outputs.ts; Kafka:
// gen/kafka-output.ts). A leaf, so each output implements it without importing the others.

export interface Output {
  /** Set once the output can never take data again (stdout's reader went away): the generator stops quietly. */
  readonly closed: boolean;
  /** A failure worth exit code 1 (a full disk behind stdout); null while all is well. */
  readonly failure: Error | null;
  /** Null when a reader can take data now; otherwise resolves when one can (a client connected). */
  ready(): Promise<void> | null;
  /** Writes `block` (whole lines) to every current reader; resolves when `block` may be reused. */
  write(block: Buffer): Promise<void>;
  /** Flushes and releases every handle. */
  close(): Promise<void>;
}

/** How an output tells the user what it is doing (port picked, client connected, broker not reachable yet). */
export type Say = (message: string) => void;

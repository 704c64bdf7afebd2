// A SourceSink that records every call and checks the protocol of source.ts as it goes, so each test can
// assert on bytes per stream and the suite catches a source that sends data after streamEnd or end.
import type { SourceSink } from '../../src/sources/source.js';

export type SinkEvent =
  | { type: 'data'; stream: string; chunk: Buffer }
  | { type: 'streamEnd'; stream: string; cut: boolean }
  | { type: 'end' }
  | { type: 'warn'; message: string; details: Record<string, unknown> | undefined };

export class RecordingSink implements SourceSink {
  readonly events: SinkEvent[] = [];
  /** Broken promises of the interface (data after streamEnd, anything after end…). Tests expect it empty. */
  readonly violations: string[] = [];
  /** Called synchronously on every data call, e.g. to pause from inside the callback like the pipeline would. */
  onData: ((stream: string, chunk: Buffer) => void) | null = null;
  readonly #ended = new Set<string>();
  #waiters: { check: () => boolean; done: () => void }[] = [];

  data(stream: string, chunk: Buffer): void {
    if (!Buffer.isBuffer(chunk)) this.violations.push(`data(${stream}) got a ${typeof chunk}, not a Buffer`);
    if (this.#ended.has(stream)) this.violations.push(`data(${stream}) after its streamEnd`);
    this.#record({ type: 'data', stream, chunk });
    this.onData?.(stream, chunk);
  }

  streamEnd(stream: string, cut = false): void {
    if (this.#ended.has(stream)) this.violations.push(`streamEnd(${stream}) twice`);
    this.#ended.add(stream);
    this.#record({ type: 'streamEnd', stream, cut });
  }

  end(): void {
    if (this.endCount > 0) this.violations.push('end() twice');
    const open = this.streams().filter((s) => !this.#ended.has(s));
    if (open.length > 0) this.violations.push(`end() before streamEnd of ${open.join(', ')}`);
    this.#record({ type: 'end' });
  }

  warn(message: string, details?: Record<string, unknown>): void {
    this.#record({ type: 'warn', message, details });
  }

  /** Stream names in order of their first data or streamEnd. */
  streams(): string[] {
    const names: string[] = [];
    for (const e of this.events) if ((e.type === 'data' || e.type === 'streamEnd') && !names.includes(e.stream)) names.push(e.stream);
    return names;
  }

  bytes(stream: string): Buffer {
    return Buffer.concat(this.chunks(stream));
  }

  text(stream: string): string {
    return this.bytes(stream).toString('utf8');
  }

  chunks(stream?: string): Buffer[] {
    const out: Buffer[] = [];
    for (const e of this.events) if (e.type === 'data' && (stream === undefined || e.stream === stream)) out.push(e.chunk);
    return out;
  }

  get dataCount(): number {
    return this.events.filter((e) => e.type === 'data').length;
  }

  get endCount(): number {
    return this.events.filter((e) => e.type === 'end').length;
  }

  get streamEnds(): string[] {
    return this.events.flatMap((e) => (e.type === 'streamEnd' ? [e.stream] : []));
  }

  /** The streams that ended cut off (reset, closed for idleness). */
  get cutEnds(): string[] {
    return this.events.flatMap((e) => (e.type === 'streamEnd' && e.cut ? [e.stream] : []));
  }

  get warnings(): string[] {
    return this.events.flatMap((e) => (e.type === 'warn' ? [e.message] : []));
  }

  /** Resolves once `check` holds (checked now and after every event); rejects after `timeoutMs` saying what. */
  waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        check,
        done: (): void => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; events: ${this.describe()}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  describe(): string {
    return this.events
      .map((e) =>
        e.type === 'data' ? `data(${e.stream}, ${e.chunk.length} B)` : e.type === 'warn' ? `warn(${e.message})` : e.type === 'end' ? 'end' : `streamEnd(${e.stream})`,
      )
      .join(' ');
  }

  #record(event: SinkEvent): void {
    if (this.endCount > 0) this.violations.push(`${event.type} after end()`);
    this.events.push(event);
    const ready = this.#waiters.filter((w) => w.check());
    this.#waiters = this.#waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.done();
  }
}

// Reads the daemon's complete newline-JSON output files (`<output.dir>/<kind>/<kind>-<yyyyMMddTHHmmssZ>-<shard>-<seq>.ndjson`)
// for /windows and /alerts. A `.part` is still being written and is never read.
//
// A file's name carries the wall-clock time it was opened, but the rows' times are event times (a replayed log can be
// days old), so names cannot say which files a time range needs. Instead each file's range of times is learned the
// first time it is seen — complete files never change — and a query reads only the files whose range meets it. Parsed
// rows are kept for the most recently used files, so a dashboard refreshing the last hour reads nothing twice. The
// bound is the files' bytes, not their rows (issue 20): a row's size follows its URL lists (up to
// pipeline.maxUrlsPerWindow), and 100,000 rows — about 8.7 days of windows — let an API polled for all of /windows
// keep parsing and holding rows for days.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The time keys of a row, in ms since the epoch (NaN when a row has no valid one); a query filters on one of them. */
export type RowTimes<Row> = (row: Row) => readonly number[];

export interface OutputFilesOptions<Row> {
  /** `<output.dir>/<kind>`. */
  dir: string;
  kind: 'metrics' | 'alerts';
  times: RowTimes<Row>;
  /** Bytes of file text whose parsed rows are kept in memory across queries, over every cached file. */
  cacheBytes?: number;
  /** A line that is not JSON (never written by the daemon; a hand-edited file): skipped, and said once per file. */
  warn?: (message: string, details: Record<string, unknown>) => void;
}

interface FileInfo {
  /** Per time key: the smallest and largest valid value in the file (unset when it has none). */
  min: number[];
  max: number[];
}

/** Files read at once while indexing (a first query over a long-running daemon's thousands of small files). */
const READ_CONCURRENCY = 16;
/** Hours of metrics/ files (about 1.5 KB a window with 10 URLs; up to ten times that with 100); parsed rows take a few times their text. */
const DEFAULT_CACHE_BYTES = 4 * 1024 * 1024;

interface Cached<Row> {
  rows: Row[];
  bytes: number;
}

export class OutputFiles<Row> {
  readonly #o: OutputFilesOptions<Row>;
  readonly #pattern: RegExp;
  readonly #cacheBytes: number;
  /** Every complete file seen, by name, with its time ranges. */
  readonly #index = new Map<string, FileInfo>();
  /** Parsed rows of recently used files, least recently used first (Map order). */
  readonly #cache = new Map<string, Cached<Row>>();
  #cachedBytes = 0;
  /** One directory scan at a time: concurrent queries share it. */
  #scanning: Promise<void> | null = null;

  constructor(o: OutputFilesOptions<Row>) {
    this.#o = o;
    this.#pattern = new RegExp(`^${o.kind}-\\d{8}T\\d{6}Z-[A-Za-z0-9_]+-\\d{6,}\\.ndjson$`);
    this.#cacheBytes = o.cacheBytes ?? DEFAULT_CACHE_BYTES;
  }

  /** Bytes of file text whose rows are in memory now (at most the bound, or one file's when that file is bigger). */
  get cachedBytes(): number {
    return this.#cachedBytes;
  }

  /** The rows of every complete file whose time `key` (index into `times`) lies in [from, to). */
  async query(key: number, from: number, to: number): Promise<Row[]> {
    await this.#scan();
    const rows: Row[] = [];
    const meets = (f: FileInfo): boolean => (f.min[key] ?? Infinity) < to && (f.max[key] ?? -Infinity) >= from;
    const names = [...this.#index].filter(([, f]) => meets(f)).map(([name]) => name);
    for (const fileRows of await this.#readAll(names)) {
      for (const row of fileRows) {
        const t = this.#o.times(row)[key]!;
        if (t >= from && t < to) rows.push(row);
      }
    }
    return rows;
  }

  /** Lists the directory; indexes files not seen before; forgets removed ones. */
  async #scan(): Promise<void> {
    this.#scanning ??= this.#doScan().finally(() => (this.#scanning = null));
    return this.#scanning;
  }

  async #doScan(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.#o.dir)).filter((n) => this.#pattern.test(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') names = []; // nothing written yet
      else throw err;
    }
    const present = new Set(names);
    for (const name of this.#index.keys()) if (!present.has(name)) this.#forget(name);
    const fresh = names.filter((n) => !this.#index.has(n));
    await this.#readAll(fresh);
  }

  /** The parsed rows of each named file (a file removed meanwhile: none), indexing it on first sight. */
  async #readAll(names: string[]): Promise<Row[][]> {
    const out: Row[][] = [];
    for (let i = 0; i < names.length; i += READ_CONCURRENCY) {
      out.push(...(await Promise.all(names.slice(i, i + READ_CONCURRENCY).map((n) => this.#rows(n)))));
    }
    return out;
  }

  async #rows(name: string): Promise<Row[]> {
    const cached = this.#cache.get(name);
    if (cached !== undefined) {
      this.#cache.delete(name);
      this.#cache.set(name, cached);
      return cached.rows;
    }
    let text: string;
    try {
      text = await readFile(join(this.#o.dir, name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.#forget(name); // removed since the listing (retention, a person)
      return [];
    }
    const rows = this.#parse(name, text);
    if (!this.#index.has(name)) this.#index.set(name, this.#ranges(rows));
    this.#remember(name, { rows, bytes: Buffer.byteLength(text) });
    return rows;
  }

  #parse(name: string, text: string): Row[] {
    const rows: Row[] = [];
    let bad = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        rows.push(JSON.parse(line) as Row);
      } catch {
        bad++;
      }
    }
    if (bad > 0) this.#o.warn?.('output file has lines that are not JSON; they are skipped', { file: join(this.#o.dir, name), lines: bad });
    return rows;
  }

  #ranges(rows: Row[]): FileInfo {
    const min: number[] = [];
    const max: number[] = [];
    for (const row of rows) {
      this.#o.times(row).forEach((t, k) => {
        if (Number.isNaN(t)) return;
        if (!(min[k]! <= t)) min[k] = t; // also when still unset
        if (!(max[k]! >= t)) max[k] = t;
      });
    }
    return { min, max };
  }

  #remember(name: string, entry: Cached<Row>): void {
    this.#cache.set(name, entry);
    this.#cachedBytes += entry.bytes;
    for (const [old, oldEntry] of this.#cache) {
      if (this.#cachedBytes <= this.#cacheBytes || old === name) break;
      this.#cache.delete(old);
      this.#cachedBytes -= oldEntry.bytes;
    }
  }

  #forget(name: string): void {
    this.#index.delete(name);
    const entry = this.#cache.get(name);
    if (entry === undefined) return;
    this.#cache.delete(name);
    this.#cachedBytes -= entry.bytes;
  }
}

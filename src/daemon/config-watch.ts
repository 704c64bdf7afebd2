// `logpulse run -c FILE --watch-config`: a reload whenever the file's content changes. The file's directory is
// watched, not the file: editors save by writing a new file and renaming it over the old one (the watched inode
// would be gone), and Kubernetes swaps a ConfigMap's files through a symlink in the same directory. Events come in
// bursts (truncate, write, rename), so they are debounced, and only a content that differs from the last one
// seen starts a reload.
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { dirname } from 'node:path';

export interface ConfigWatchOptions {
  path: string;
  /** Quiet time after the last event before the file is read. */
  debounceMs?: number;
  /** The content changed (also to something invalid: the reload reports it). */
  changed: () => void;
  /** Events came but the content is what it was (an editor saving without a change). */
  unchanged?: () => void;
  /** The directory cannot be watched (the run goes on; SIGHUP still reloads). */
  failed: (err: Error) => void;
}

const read = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // between an unlink and a rename: the next event reads it again
  }
};

export class ConfigWatch {
  readonly #o: ConfigWatchOptions;
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  #seen: string | null;

  constructor(options: ConfigWatchOptions) {
    this.#o = options;
    this.#seen = read(options.path);
  }

  start(): void {
    try {
      this.#watcher = watch(dirname(this.#o.path), { persistent: false }, () => this.#event());
      this.#watcher.on('error', (err) => this.#o.failed(err));
    } catch (err) {
      this.#o.failed(err as Error);
    }
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#watcher?.close();
    this.#watcher = null;
  }

  #event(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const text = read(this.#o.path);
      if (text === null) return;
      if (text === this.#seen) return this.#o.unchanged?.();
      this.#seen = text;
      this.#o.changed();
    }, this.#o.debounceMs ?? 300);
    this.#timer.unref();
  }
}

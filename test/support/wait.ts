// Waiting: a pause, and polling a condition with a deadline that fails saying what was awaited.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` every `everyMs` until it holds; after `ms` fails with "timed out … waiting for WHAT". A function
 * `what` is called only then (it may read output files or a daemon's log). `check` may throw to give up at once.
 */
export async function until(what: string | (() => string), check: () => boolean, { ms = 15_000, everyMs = 20 } = {}): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(everyMs);
  }
}

/** `until` for an asynchronous check (an HTTP request); polls every `everyMs` (default 200). */
export async function untilAsync(what: string | (() => string), check: () => Promise<boolean>, { ms = 15_000, everyMs = 200 } = {}): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(everyMs);
  }
}

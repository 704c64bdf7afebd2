// Reading Prometheus text exposition in tests: every sample by its series as exported (`name{a="b"}`), and polling
// a daemon's /metrics until a condition on them holds.
import { sleep } from '../support/wait.js';

export type Samples = Map<string, number>;

/** Every sample of `text`, keyed by `name` or `name{labels}` exactly as exported. */
export function parseSamples(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** The samples of one metric name, keyed by their label part (`{a="b"}`, or `''` for none). */
export function series(samples: Samples, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of samples) {
    if (key === name) out.set('', value);
    else if (key.startsWith(`${name}{`)) out.set(key.slice(name.length), value);
  }
  return out;
}

/** GETs `${url}/metrics` every 200 ms until `done` holds (at most `ms`); returns the last samples either way. */
export async function pollMetrics(url: string, done: (s: Samples) => boolean, ms = 30_000): Promise<Samples> {
  const started = Date.now();
  for (;;) {
    const samples = parseSamples(await (await fetch(`${url}/metrics`)).text());
    if (done(samples) || Date.now() - started > ms) return samples;
    await sleep(200);
  }
}

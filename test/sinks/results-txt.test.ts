// results.txt: the seed's exact line format, one line per interval, appended durably.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { ResultsTxt, formatResultsLine } from '../../src/sinks/results-txt.js';
import { FaultFs } from './fault-fs.js';

let dir: string;
const started: ResultsTxt[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpulse-results-'));
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(started.splice(0).map((r) => r.stop().catch(() => {})));
  await rm(dir, { recursive: true, force: true });
});

/** A clock that reads each given time in turn (then stays on the last). */
function clock(...isoTimes: string[]): () => number {
  const times = isoTimes.map((t) => Date.parse(t));
  let i = 0;
  return () => times[Math.min(i++, times.length - 1)]!;
}

describe('formatResultsLine', () => {
  it("writes the seed's format exactly", () => {
    const at = Date.parse('2025-06-02T19:25:27.900Z');
    expect(formatResultsLine(at, 60, 38)).toBe('2025-06-02 19:25:27, total=60, errors=38, error_rate=63.33%');
    expect(formatResultsLine(at, 0, 0)).toBe('2025-06-02 19:25:27, total=0, errors=0, error_rate=0.00%');
    expect(formatResultsLine(at, 8, 1)).toBe('2025-06-02 19:25:27, total=8, errors=1, error_rate=12.50%');
    expect(formatResultsLine(at, 7, 7)).toBe('2025-06-02 19:25:27, total=7, errors=7, error_rate=100.00%');
    expect(formatResultsLine(at, 20000, 1)).toBe('2025-06-02 19:25:27, total=20000, errors=1, error_rate=0.01%');
    expect(formatResultsLine(at, 300000, 1)).toBe('2025-06-02 19:25:27, total=300000, errors=1, error_rate=0.00%');
    expect(formatResultsLine(at, 3, 0)).toBe('2025-06-02 19:25:27, total=3, errors=0, error_rate=0.00%');
  });
});

describe('ResultsTxt', () => {
  it('appends one line per interval with that interval’s counts, then the partial last interval on stop', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const r = new ResultsTxt({
      dir: join(dir, 'output'), // created when missing
      everyMs: 60_000,
      now: clock('2025-06-02T19:25:27Z', '2025-06-02T19:26:27Z', '2025-06-02T19:26:40Z'),
    });
    started.push(r);
    r.start();
    r.add(50, 30);
    r.add(10, 8);
    vi.advanceTimersByTime(60_000);
    vi.advanceTimersByTime(60_000); // an interval without records still gets its line, as in the seed
    r.add(5, 1);
    await r.stop();
    expect(await readFile(join(dir, 'output', 'results.txt'), 'utf8')).toBe(
      '2025-06-02 19:25:27, total=60, errors=38, error_rate=63.33%\n' +
        '2025-06-02 19:26:27, total=0, errors=0, error_rate=0.00%\n' +
        '2025-06-02 19:26:40, total=5, errors=1, error_rate=20.00%\n',
    );
  });

  it('appends to an existing file, and flush() writes nothing for an interval without records', async () => {
    await writeFile(join(dir, 'results.txt'), '2025-06-01 00:00:00, total=1, errors=0, error_rate=0.00%\n');
    const r = new ResultsTxt({ dir, now: clock('2025-06-02T00:00:00Z') });
    await r.flush();
    r.add(4, 1);
    await r.flush();
    await r.flush();
    await r.stop();
    expect(await readFile(join(dir, 'results.txt'), 'utf8')).toBe(
      '2025-06-01 00:00:00, total=1, errors=0, error_rate=0.00%\n' + '2025-06-02 00:00:00, total=4, errors=1, error_rate=25.00%\n',
    );
  });

  it('creates no file when nothing was counted', async () => {
    const r = new ResultsTxt({ dir });
    await r.stop();
    expect(await readdir(dir)).toEqual([]);
  });

  it('on a failed append leaves no torn line, reports once, and writes the kept line with the next one', async () => {
    const fs = new FaultFs();
    const onError = vi.fn();
    const r = new ResultsTxt({ dir, fs, onError, now: clock('2025-06-02T10:00:00Z', '2025-06-02T10:01:00Z', '2025-06-02T10:02:00Z') });
    r.add(10, 5);
    await r.flush();
    fs.full = true;
    r.add(20, 1);
    await expect(r.flush()).rejects.toMatchObject({ code: 'LP_ERR_SINK_IO', syscallCode: 'ENOSPC' });
    // The garbage the failed write left was cut.
    expect(await readFile(join(dir, 'results.txt'), 'utf8')).toBe('2025-06-02 10:00:00, total=10, errors=5, error_rate=50.00%\n');
    r.add(1, 1);
    await expect(r.flush()).rejects.toMatchObject({ code: 'LP_ERR_SINK_IO' });
    expect(onError).toHaveBeenCalledTimes(1);
    fs.full = false;
    await r.stop();
    expect(await readFile(join(dir, 'results.txt'), 'utf8')).toBe(
      '2025-06-02 10:00:00, total=10, errors=5, error_rate=50.00%\n' +
        '2025-06-02 10:01:00, total=20, errors=1, error_rate=5.00%\n' +
        '2025-06-02 10:02:00, total=1, errors=1, error_rate=100.00%\n',
    );
  });

  it('cuts a torn last line left by a crash before appending', async () => {
    await writeFile(join(dir, 'results.txt'), '2025-06-01 00:00:00, total=1, errors=0, error_rate=0.00%\n2025-06-01 00:01:00, tot');
    const r = new ResultsTxt({ dir, now: clock('2025-06-02T00:00:00Z') });
    r.add(2, 2);
    await r.stop();
    expect(await readFile(join(dir, 'results.txt'), 'utf8')).toBe(
      '2025-06-01 00:00:00, total=1, errors=0, error_rate=0.00%\n' + '2025-06-02 00:00:00, total=2, errors=2, error_rate=100.00%\n',
    );
  });

  it('checks its options and counts', () => {
    expect(() => new ResultsTxt({ dir: '' })).toThrow(/LP_ERR_SINK_OPTION: dir/);
    expect(() => new ResultsTxt({ dir, everyMs: 0 })).toThrow(/LP_ERR_SINK_OPTION: everyMs/);
    expect(() => new ResultsTxt({ dir }).add(-1, 0)).toThrow(/LP_ERR_SINK_OPTION/);
  });
});

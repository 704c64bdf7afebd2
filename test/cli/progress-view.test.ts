// `run`'s progress off a terminal: a `progress` log line every 10 s from the source's extent and the pipeline's
// counters, and the mostly-rejected warning as soon as the counters show it (once), then again at the end.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { PROGRESS_LOG_MS, ProgressView } from '../../src/cli/progress-view.js';
import type { Logger } from '../../src/log.js';
import { newTotals } from '../../src/pipeline/totals.js';
import type { Source, SourceProgress } from '../../src/sources/source.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'performance', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function harness() {
  const logged: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => logged.push({ level, fields, msg });
  const log = { info: at('info'), warn: at('warn') } as unknown as Logger;
  const totals = newTotals();
  let progress: SourceProgress | null = { unit: 'bytes', done: 0, total: 1000 };
  const source = { progress: () => progress } as unknown as Source;
  const view = new ProgressView({ source: () => source, totals: () => totals, log, tty: false });
  return { logged, totals, view, setProgress: (p: SourceProgress | null) => (progress = p) };
}

describe('ProgressView off a terminal', () => {
  it('logs `progress` every 10 s with done, total, percent, lines, lines/s, errors and rejected', () => {
    const h = harness();
    h.view.start();
    h.totals.lines = 50_000;
    h.totals.errors = 7;
    h.setProgress({ unit: 'bytes', done: 250, total: 1000 });
    vi.advanceTimersByTime(PROGRESS_LOG_MS - 500);
    expect(h.logged.filter((l) => l.msg === 'progress')).toEqual([]);
    vi.advanceTimersByTime(1000);
    const lines = h.logged.filter((l) => l.msg === 'progress');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.fields).toMatchObject({ unit: 'bytes', done: 250, total: 1000, percent: 25, lines: 50_000, errors: 7, rejected: {} });
    expect(lines[0]!.fields.linesPerSecond).toBeGreaterThan(0);
    h.view.finish();
  });

  it('an unbounded source (no extent) logs no progress', () => {
    const h = harness();
    h.setProgress(null);
    h.view.start();
    vi.advanceTimersByTime(3 * PROGRESS_LOG_MS);
    expect(h.logged).toEqual([]);
    h.view.finish();
  });

  it('warns once as soon as almost every line is rejected, and again at the end', () => {
    const h = harness();
    h.view.start();
    h.totals.lines = 400;
    h.totals.rejected = { malformed: 400 };
    vi.advanceTimersByTime(1000);
    h.totals.lines = 800;
    h.totals.rejected = { malformed: 800 };
    vi.advanceTimersByTime(1000);
    const msg = (l: { msg: string }) => l.msg.includes('lines rejected as malformed');
    expect(h.logged.filter(msg).map((l) => [l.level, l.msg])).toEqual([['warn', '400 of 400 lines rejected as malformed; is `format` right?']]);
    h.view.finish();
    expect(h.logged.filter(msg).map((l) => l.msg)).toEqual(['400 of 400 lines rejected as malformed; is `format` right?', '800 of 800 lines rejected as malformed; is `format` right?']);
  });
});

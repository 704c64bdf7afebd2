// A seeded generator: source is replayable: the lines it has handed over are its position (a durable cut checkpoints
// it with the seed), a hold stops every call until release, and a new source given those positions with the same
// seed goes on with exactly the lines the first would have handed over next (timestamps aside: they are the replay's
// wall clock). Another seed starts over, with a warning; without a seed the source is not replayable at all.
import { afterEach, describe, expect, it } from 'vitest';

import { GeneratorSource, type GeneratorSourceOptions } from '../../src/sources/generator.js';
import { isReplayable, type StreamPositions } from '../../src/sources/source.js';
import { parseSourceUri } from '../../src/sources/uri.js';
import { replayModeOf } from '../../src/daemon/archive.js';
import { sleep } from '../support/wait.js';
import { RecordingSink } from './recording-sink.js';

const STREAM = 'generator:';
const sources: GeneratorSource[] = [];

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

/** Line contents without the live timestamp. */
const contents = (text: string): string[] =>
  text
    .split('\n')
    .slice(0, -1)
    .map((l) => {
      const { timestamp: _t, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(rest);
    });

function source(options: GeneratorSourceOptions, positions?: StreamPositions): GeneratorSource {
  const s = new GeneratorSource({ rate: 0, ...options });
  sources.push(s);
  if (positions) s.resumeFrom(positions);
  return s;
}

/** Runs until at least `lines` were handed over, then holds: what a cut checkpoints. */
async function runThenHold(options: GeneratorSourceOptions, lines: number): Promise<{ s: GeneratorSource; sink: RecordingSink; positions: StreamPositions }> {
  const s = source(options);
  const sink = new RecordingSink();
  sink.onData = () => {
    if ((s.positions()[STREAM] ?? 0) >= lines) s.hold();
  };
  await s.start(sink);
  await sink.waitFor(`${lines} lines`, () => (s.positions()[STREAM] ?? 0) >= lines);
  return { s, sink, positions: s.positions() };
}

async function toEnd(s: GeneratorSource): Promise<RecordingSink> {
  const sink = new RecordingSink();
  await s.start(sink);
  await sink.waitFor('end', () => sink.endCount === 1);
  expect(sink.violations).toEqual([]);
  return sink;
}

describe('seeded generator source positions', () => {
  it('is replayable only with a seed; the archive replays only then', () => {
    expect(isReplayable(new GeneratorSource({ seed: 7 }))).toBe(true);
    expect(isReplayable(new GeneratorSource({ seed: 0 }))).toBe(true);
    expect(isReplayable(new GeneratorSource({}))).toBe(false);
    expect(isReplayable(new GeneratorSource({ seed: null }))).toBe(false);
    expect(replayModeOf(parseSourceUri('generator:?seed=7&count=10'))).toBe('replays');
    expect(replayModeOf(parseSourceUri('generator:?count=10'))).toBe('none');
  });

  it('counts what reached the sink; a hold stops every call until release', async () => {
    const { s, sink, positions } = await runThenHold({ seed: 7 }, 20_000);
    const handed = sink.text(STREAM).split('\n').length - 1;
    expect(positions).toEqual({ [STREAM]: handed, [`${STREAM}|seed`]: 7 });
    const events = sink.events.length;
    await sleep(150);
    expect(sink.events.length).toBe(events);
    expect(s.positions()[STREAM]).toBe(handed);
    sink.onData = null;
    s.release();
    await sink.waitFor('more lines', () => sink.dataCount > events + 2);
    expect(s.positions()[STREAM]).toBe(sink.text(STREAM).split('\n').length - 1);
  });

  it('a hold also keeps streamEnd and end back until release', async () => {
    const s = source({ seed: 3, count: 50 });
    const sink = new RecordingSink();
    s.hold();
    await s.start(sink);
    await sleep(100);
    expect(sink.events).toEqual([]);
    expect(s.positions()[STREAM]).toBe(0);
    s.release();
    await sink.waitFor('end', () => sink.endCount === 1);
    expect(s.positions()[STREAM]).toBe(50);
    expect(sink.violations).toEqual([]);
  });

  it('a new source with the same seed goes on with exactly the next lines; with count the two runs make count lines', async () => {
    const whole = contents((await toEnd(source({ seed: 11, count: 60_000, errorRate: 0.2 }))).text(STREAM));
    expect(whole).toHaveLength(60_000);
    const first = await runThenHold({ seed: 11, count: 60_000, errorRate: 0.2 }, 25_000);
    await first.s.stop();
    const before = contents(first.sink.text(STREAM));
    const skipped = first.positions[STREAM]!;
    expect(before).toHaveLength(skipped);
    const rest = await toEnd(source({ seed: 11, count: 60_000, errorRate: 0.2 }, first.positions));
    expect(rest.warnings).toEqual([]);
    const after = contents(rest.text(STREAM));
    expect(after).toHaveLength(60_000 - skipped);
    expect([...before, ...after]).toEqual(whole);
  });

  it('unbounded and paced too: the next lines follow on', async () => {
    const whole = contents((await toEnd(source({ seed: 5, count: 3000 }))).text(STREAM));
    const first = await runThenHold({ seed: 5, rate: 20_000 }, 1000);
    await first.s.stop();
    const skipped = first.positions[STREAM]!;
    const s = source({ seed: 5, rate: 20_000 }, first.positions);
    const sink = new RecordingSink();
    await s.start(sink);
    await sink.waitFor('1000 more lines', () => sink.text(STREAM).split('\n').length > 1000);
    const next = contents(sink.text(STREAM)).slice(0, 1000);
    expect(next).toEqual(whole.slice(skipped, skipped + 1000));
  });

  it('positions past count end at once with nothing more', async () => {
    const sink = await toEnd(source({ seed: 2, count: 100 }, { [STREAM]: 100, [`${STREAM}|seed`]: 2 }));
    expect(sink.dataCount).toBe(0);
    expect(sink.streamEnds).toEqual([STREAM]);
  });

  it('another seed starts from the first line with a warning; no generator positions start quietly', async () => {
    const whole = contents((await toEnd(source({ seed: 9, count: 5000 }))).text(STREAM));
    const other = await toEnd(source({ seed: 9, count: 5000 }, { [STREAM]: 2000, [`${STREAM}|seed`]: 8 }));
    expect(other.warnings).toHaveLength(1);
    expect(other.warnings[0]).toMatch(/seed 8, not 9; generating from the first line/);
    expect(contents(other.text(STREAM))).toEqual(whole);
    const none = await toEnd(source({ seed: 9, count: 5000 }, {}));
    expect(none.warnings).toEqual([]);
    expect(contents(none.text(STREAM))).toEqual(whole);
  });
});

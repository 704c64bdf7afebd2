// An owner alone pauses its state partitions between its own cuts and reads each cut once it is published
// (src/cluster/quiet-partitions.ts): what it pauses and resumes, against librdkafka's pause/resume.
import { describe, expect, it } from 'vitest';

import { QuietPartitions } from '../../src/cluster/quiet-partitions.js';

function quiet(alone = { now: true }) {
  const calls: string[] = [];
  const q = new QuietPartitions({
    topic: 's',
    alone: () => alone.now,
    pause: (tps) => calls.push(`pause ${tps.map((t) => t.partition).join(',')}`),
    resume: (tps) => calls.push(`resume ${tps.map((t) => t.partition).sort().join(',')}`),
    nudge: (tps) => calls.push(`nudge ${tps.map((t) => t.partition).sort().join(',')}`),
  });
  return { q, calls, alone };
}

describe('an owner alone in its group', () => {
  it('pauses a partition read to its end, and reads it again when its next cut is published', () => {
    const { q, calls } = quiet();
    q.atEnd(0);
    q.atEnd(1);
    expect(calls).toEqual(['pause 0', 'pause 1']);
    q.published(1);
    expect(calls.slice(2)).toEqual(['resume 0,1', 'nudge 0,1']); // the broker thread woken: a resume alone waits up to 1 s
    expect(q.paused).toBe(0);
  });

  it('keeps reading until the published cut is read: an end reached before its commit markers does not pause', () => {
    const { q, calls } = quiet();
    q.published(3);
    q.ownProgress(0, 2);
    q.atEnd(0); // the cut's records not readable yet
    expect(calls).toEqual([]);
    q.ownProgress(0, 3);
    q.atEnd(0);
    expect(calls).toEqual(['pause 0']);
  });

  it('never pauses while another daemon runs, and wakes at once when one shows up', () => {
    const { q, calls, alone } = quiet();
    q.atEnd(0);
    alone.now = false;
    q.wake();
    q.atEnd(1);
    expect(calls).toEqual(['pause 0', 'resume 0', 'nudge 0']);
  });

  it('resumes everything at a rebalance, and a new session starts its cut numbers again', () => {
    const { q, calls } = quiet();
    q.published(5);
    q.ownProgress(2, 5);
    q.atEnd(2);
    q.reset();
    expect(calls).toEqual(['pause 2', 'resume 2', 'nudge 2']);
    q.atEnd(2); // its own progress on a partition just assigned is not read yet
    expect(q.paused).toBe(0);
    q.newSession();
    q.atEnd(2);
    expect(q.paused).toBe(1);
  });
});

it('a consumer that refuses to pause or resume (disconnecting) throws nothing at its owner', () => {
  let connected = true;
  const refuseWhenGone = () => {
    if (!connected) throw new Error('Local: Erroneous state');
  };
  const q = new QuietPartitions({ topic: 's', alone: () => true, pause: refuseWhenGone, resume: refuseWhenGone, nudge: refuseWhenGone });
  q.atEnd(0);
  expect(q.paused).toBe(1);
  connected = false;
  expect(() => q.reset()).not.toThrow(); // the revoke of a consumer leaving its group
  expect(q.paused).toBe(0);
  q.atEnd(1);
  expect(q.paused).toBe(0);
});

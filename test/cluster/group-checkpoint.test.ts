// Which checkpoint a cluster-mode daemon goes on from after a kill (src/daemon/cluster-cuts.ts): its checkpoint is
// written before the cut is published, so a kill in between leaves a checkpoint one cut ahead of the group. The
// restart must then go back to the cut the group has — its positions, output files and archive cuts — or the
// records of that stretch would be counted twice (the group has them under the old session, the new one reads them
// again) or lost (files kept while the group's readers start before them).
import { expect, it } from 'vitest';

import type { ClusterMember } from '../../src/cluster/member.js';
import { type Checkpoint, newCheckpoint, type RollbackPoint } from '../../src/daemon/checkpoint.js';
import { groupCheckpoint } from '../../src/daemon/cluster-cuts.js';
import { readSnapshot, writeSnapshot } from '../../src/pipeline/snapshot-format.js';
import { memoryLogger } from '../support/memory-logger.js';

const previous: RollbackPoint = {
  seq: 4,
  positions: { 'logs/0': 1_000, 'logs/1': 2_000 },
  outputs: { errors: 7, metrics: 3 },
  archive: { run: 'r1', seq: 4 },
  shards: [writeSnapshot([], 30_000_000), writeSnapshot([], 30_000_000)],
};

/** Cut 5 of session S on disk; the group had cut 4 when it was written. */
function checkpointAtCut5(): Checkpoint {
  const state = { shards: [writeSnapshot([], 60_000_000), writeSnapshot([], 60_000_000)], merger: new Uint8Array(0) };
  const cp = newCheckpoint(2, state, { 'logs/0': 1_500, 'logs/1': 2_600 }, { run: 'r1', seq: 5 }, { errors: 9, metrics: 4 });
  return { ...cp, cluster: { session: 'S', seq: 5, previous } };
}

/** A member whose feed read `seq` as session S's newest progress (undefined: none on the topic). */
const groupAt = (seq: number | undefined) =>
  ({ publishedSeq: async (session: string) => (session === 'S' ? seq : undefined) }) as unknown as ClusterMember;

it('goes on from the checkpoint when the group has its cut (or a later one: the end of a bounded read)', async () => {
  const cp = checkpointAtCut5();
  // fresh: the new session counts from zero, the checkpoint's windows are the group's under the old session.
  expect(await groupCheckpoint(cp, groupAt(5), memoryLogger().log)).toEqual({ cp, fresh: true });
  expect(await groupCheckpoint(cp, groupAt(6), memoryLogger().log)).toEqual({ cp, fresh: true });
});

it('goes back to the cut the group has when the kill fell between the checkpoint and the publish', async () => {
  const { log, msgs } = memoryLogger();
  const { cp: back, fresh } = await groupCheckpoint(checkpointAtCut5(), groupAt(4), log);
  expect(fresh).toBe(true);
  expect(back.positions).toEqual(previous.positions);
  expect(back.outputs).toEqual(previous.outputs);
  expect(back.archive).toEqual(previous.archive);
  expect(back.shards.map((s) => readSnapshot(Buffer.from(s)).closedThroughUs)).toEqual([30_000_000, 30_000_000]);
  expect(back.cluster).toEqual({ session: 'S', seq: 4, previous: null });
  expect(msgs().join('\n')).toMatch(/going back to the one before/);
});

it('goes back to the session start when its first cut never reached the group', async () => {
  const cp = checkpointAtCut5();
  const start: RollbackPoint = { seq: 0, positions: {}, outputs: { errors: 2 }, shards: previous.shards };
  const { cp: back } = await groupCheckpoint({ ...cp, cluster: { session: 'S', seq: 1, previous: start } }, groupAt(undefined), memoryLogger().log);
  expect(back.positions).toEqual({});
  expect(back.outputs).toEqual({ errors: 2 });
  expect(back.archive).toBeUndefined();
});

it('refuses a checkpoint the group knows a different cut of, naming --reset-checkpoint', async () => {
  await expect(groupCheckpoint(checkpointAtCut5(), groupAt(2), memoryLogger().log)).rejects.toThrow(/--reset-checkpoint/);
  await expect(groupCheckpoint(checkpointAtCut5(), groupAt(2), memoryLogger().log)).rejects.toMatchObject({ code: 'LP_ERR_CHECKPOINT' });
});

it("restores the windows as this run's own when nobody published them: written without cluster mode, or a session the topic does not know", async () => {
  const plain = newCheckpoint(1, { shards: [writeSnapshot([], null)], merger: new Uint8Array(0) }, {});
  expect(await groupCheckpoint(plain, groupAt(undefined), memoryLogger().log)).toEqual({ cp: plain, fresh: false });
  const start = { ...plain, cluster: { session: 'S', seq: 0, previous: null } };
  expect(await groupCheckpoint(start, groupAt(undefined), memoryLogger().log)).toEqual({ cp: start, fresh: false });
  // Cut 5 of a session another state topic had (the group or cluster.topic changed), or past the topic's retention.
  const { log, msgs } = memoryLogger();
  const cp = checkpointAtCut5();
  expect(await groupCheckpoint(cp, { publishedSeq: async () => undefined } as unknown as ClusterMember, log)).toEqual({ cp, fresh: false });
  expect(msgs().join('\n')).toMatch(/restored as this run's own/);
});

it("goes back to a session start that restored windows as its own: they come back with it", async () => {
  const own: RollbackPoint = { seq: 0, positions: { 'logs/0': 10 }, outputs: {}, shards: [writeSnapshot([], 5)], merger: new Uint8Array([1, 2]), own: true };
  const cp = { ...checkpointAtCut5(), cluster: { session: 'S', seq: 1, previous: own } };
  const { cp: back, fresh } = await groupCheckpoint(cp, groupAt(undefined), memoryLogger().log);
  expect(fresh).toBe(false);
  expect(back.merger).toEqual(new Uint8Array([1, 2]));
  expect(back.positions).toEqual({ 'logs/0': 10 });
});

// Backpressure's pause decisions and what /metrics reads of them: the queue per shard and the pauses by cause.
import { describe, expect, it } from 'vitest';

import { Backpressure, MEMORY_PENDING_BYTES } from '../../src/pipeline/backpressure.js';

describe('Backpressure', () => {
  it('pauses when a shard has maxInFlightChunks queued or the outputs hold too much, counting each pause by its cause', () => {
    let pending = 0;
    const events: string[] = [];
    const bp = new Backpressure({ shards: 2, maxInFlightChunks: 2, maxPendingBytes: 100, pendingBytes: () => pending });
    bp.onPause = () => events.push('pause');
    bp.onResume = () => events.push('resume');

    bp.submitted(1);
    expect([bp.shards, bp.inFlight(0), bp.inFlight(1), bp.paused]).toEqual([2, 0, 1, false]);
    bp.submitted(1);
    expect([bp.inFlight(1), bp.paused, bp.pausesForShards, bp.pausesForOutput]).toEqual([2, true, 1, 0]);
    bp.submitted(1); // still paused: not a second pause
    expect(bp.pausesForShards).toBe(1);
    bp.settled(1);
    bp.settled(1);
    expect([bp.inFlight(1), bp.paused]).toEqual([1, false]);

    pending = 101;
    bp.check();
    expect([bp.paused, bp.pausesForShards, bp.pausesForOutput]).toEqual([true, 1, 1]);
    pending = 0;
    bp.check();
    bp.submitted(0);
    bp.submitted(0);
    expect([bp.pausesForShards, bp.pausesForOutput]).toEqual([2, 1]);
    expect(events).toEqual(['pause', 'resume', 'pause', 'resume', 'pause']);
  });
});

describe('Backpressure on input bytes (limits.maxBufferedBytes)', () => {
  it('pauses while more input than maxBufferedBytes is read and not yet settled by a shard, and counts the pause as input', () => {
    const events: string[] = [];
    const bp = new Backpressure({ shards: 1, maxInFlightChunks: 100, maxPendingBytes: 1e9, pendingBytes: () => 0, maxBufferedBytes: 1000 });
    bp.onPause = () => events.push('pause');
    bp.onResume = () => events.push('resume');
    bp.read(600);
    bp.read(400);
    expect([bp.inputBytes, bp.paused]).toEqual([1000, false]);
    bp.read(1);
    expect([bp.inputBytes, bp.paused, bp.pausesForInput, bp.pausesForShards, bp.pausesForOutput]).toEqual([1001, true, 1, 0, 0]);
    // The router hands the bytes to a shard as one chunk: still held until the shard settles it.
    bp.submitted(0);
    expect(bp.paused).toBe(true);
    bp.settled(0, 1001);
    expect([bp.inputBytes, bp.paused]).toEqual([0, false]);
    // A task that parsed no input (a tick) settles no bytes.
    bp.read(2000);
    bp.submitted(0);
    bp.settled(0);
    expect([bp.inputBytes, bp.paused, bp.pausesForInput]).toEqual([2000, true, 2]);
    expect(events).toEqual(['pause', 'resume', 'pause']);
  });

  it('has no input bound without maxBufferedBytes', () => {
    const bp = new Backpressure({ shards: 1, maxInFlightChunks: 4, maxPendingBytes: 100, pendingBytes: () => 0 });
    bp.read(1e12);
    expect(bp.paused).toBe(false);
  });
});

describe('Backpressure over the memory limit (limits.maxMemory)', () => {
  it('keeps the source paused while a chunk is in the pipeline or the outputs hold more than a few MiB, lets it read the next one once neither, and counts the pause as memory', () => {
    let over = false;
    let pending = 10;
    const events: string[] = [];
    const bp = new Backpressure({ shards: 2, maxInFlightChunks: 4, maxPendingBytes: 1e9, pendingBytes: () => pending, memoryPendingBytes: MEMORY_PENDING_BYTES, maxBufferedBytes: 1e9, memoryOver: () => over });
    bp.onPause = () => events.push('pause');
    bp.onResume = () => events.push('resume');
    bp.read(100);
    bp.submitted(0);
    expect(bp.paused).toBe(false); // under the limit: up to maxInFlightChunks queue as usual
    over = true;
    bp.check();
    expect([bp.paused, bp.pausesForMemory, bp.pausesForShards, bp.pausesForInput, bp.pausesForOutput]).toEqual([true, 1, 0, 0, 0]);
    // The chunk is parsed: nothing is left in the pipeline, so waiting would free nothing more; the source reads on,
    // even with a few output bytes pending (over MEMORY_PENDING_BYTES it would wait for them) and memory still over.
    bp.settled(0, 100);
    expect(bp.paused).toBe(false);
    bp.read(100);
    bp.submitted(1);
    expect([bp.paused, bp.pausesForMemory]).toEqual([true, 2]);
    bp.settled(1, 100);
    pending = MEMORY_PENDING_BYTES + 1; // the outputs hold more than a few MiB: it waits for them to be completed
    bp.check();
    expect([bp.paused, bp.pausesForMemory]).toEqual([true, 3]);
    over = false;
    bp.check();
    expect(bp.paused).toBe(false);
    pending = 10;
    bp.read(100);
    bp.submitted(1);
    expect([bp.paused, bp.pausesForMemory]).toEqual([false, 3]);
    expect(events).toEqual(['pause', 'resume', 'pause', 'resume', 'pause', 'resume']);
  });
});

// The relay between a daemon's source and its current generation (src/daemon/source-relay.ts): what arrives while a
// rebuild has it cut off waits, in order, for the next generation; a replaced source's streams end after what it
// delivered; the end of a finite input reaches whichever generation comes after it.
import pino from 'pino';
import { describe, expect, it } from 'vitest';

import type { Generation } from '../../src/daemon/generation.js';
import { SourceRelay } from '../../src/daemon/source-relay.js';

/** A stand-in generation that records what its pipeline and durability were told. */
function fake(name: string, calls: string[]): Generation {
  const pipeline = {
    data: (s: string, chunk: Buffer) => calls.push(`${name} data ${s} ${chunk.toString()}`),
    declare: (s: string) => calls.push(`${name} declare ${s}`),
    streamEnd: (s: string) => calls.push(`${name} end ${s}`),
    end: () => calls.push(`${name} input end`),
  };
  const durability = { handOff: async (streams: string[]) => void calls.push(`${name} handOff ${streams.join(',')}`) };
  return { pipeline, durability } as unknown as Generation;
}

const log = pino({ level: 'silent' });

describe('SourceRelay', () => {
  it('holds what arrives while cut off and hands it to the next generation in order', async () => {
    const calls: string[] = [];
    const relay = new SourceRelay(log);
    relay.attach(fake('A', calls));
    relay.data('s1', Buffer.from('x'));
    relay.detach();
    relay.data('s1', Buffer.from('y'));
    relay.declare('p0');
    const handedOff = relay.handOff(['p0']);
    relay.streamEnd('s1');
    expect(calls).toEqual(['A data s1 x']);
    relay.attach(fake('B', calls));
    await handedOff;
    expect(calls).toEqual(['A data s1 x', 'B data s1 y', 'B declare p0', 'B handOff p0', 'B end s1']);
  });

  it('ends a replaced source\'s live streams after its last data and before the next source\'s', () => {
    const calls: string[] = [];
    const relay = new SourceRelay(log);
    relay.attach(fake('A', calls));
    relay.data('old1', Buffer.from('a'));
    relay.data('old2', Buffer.from('b'));
    relay.streamEnd('old2');
    relay.detach();
    relay.data('old1', Buffer.from('c'));
    relay.endLiveStreams();
    relay.data('new1', Buffer.from('d'));
    relay.attach(fake('B', calls));
    expect(calls.slice(3)).toEqual(['B data old1 c', 'B end old1', 'B data new1 d']);
  });

  it('tells a generation attached after the end of a finite input that it ended', () => {
    const calls: string[] = [];
    const relay = new SourceRelay(log);
    relay.attach(fake('A', calls));
    relay.end();
    relay.detach();
    relay.attach(fake('B', calls));
    expect(calls).toEqual(['A input end', 'B input end']);
  });
});

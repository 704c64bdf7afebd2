// The relay between a daemon's source and its current generation (src/daemon/source-relay.ts): what arrives while a
// rebuild has it cut off waits, in order, for the next generation; a replaced source's streams end after what it
// delivered (whatever its successor delivered meanwhile); the end of a finite input reaches whichever generation
// comes after it, unless its source was replaced first; a Kafka source's streams carry on in its successor.
import pino from 'pino';
import { describe, expect, it } from 'vitest';

import type { Generation } from '../../src/daemon/generation.js';
import { SourceRelay } from '../../src/daemon/source-relay.js';
import type { Source } from '../../src/sources/source.js';

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
/** Sources are told apart by identity only. */
const source = (uri: string) => ({ uri }) as Source;

describe('SourceRelay', () => {
  it('holds what arrives while cut off and hands it to the next generation in order', async () => {
    const calls: string[] = [];
    const relay = new SourceRelay(log);
    const sink = relay.sinkFor(source('kafka'));
    relay.attach(fake('A', calls));
    sink.data('s1', Buffer.from('x'));
    relay.detach();
    sink.data('s1', Buffer.from('y'));
    sink.declare!('p0');
    const handedOff = sink.handOff!(['p0']);
    sink.streamEnd('s1');
    expect(calls).toEqual(['A data s1 x']);
    relay.attach(fake('B', calls));
    await handedOff;
    expect(calls).toEqual(['A data s1 x', 'B data s1 y', 'B declare p0', 'B handOff p0', 'B end s1']);
  });

  it('ends a replaced source\'s live streams after its last data, wherever its successor\'s data falls', () => {
    const calls: string[] = [];
    const relay = new SourceRelay(log);
    const [oldSource, newSource] = [source('old'), source('new')];
    const [old, next] = [relay.sinkFor(oldSource), relay.sinkFor(newSource)];
    expect(relay.sinkFor(oldSource)).toBe(old);
    relay.attach(fake('A', calls));
    old.data('old1', Buffer.from('a'));
    old.data('old2', Buffer.from('b'));
    old.streamEnd('old2');
    relay.detach();
    old.data('old1', Buffer.from('c'));
    next.data('new1', Buffer.from('d'));
    relay.retire(oldSource);
    next.data('new1', Buffer.from('e'));
    relay.attach(fake('B', calls));
    expect(calls.slice(3)).toEqual(['B data old1 c', 'B data new1 d', 'B end old1', 'B data new1 e']);
  });

  it('tells a generation attached after the end of a finite input that it ended', () => {
    const calls: string[] = [];
    const relay = new SourceRelay(log);
    const sink = relay.sinkFor(source('stdin'));
    relay.attach(fake('A', calls));
    sink.end();
    relay.detach();
    relay.attach(fake('B', calls));
    expect(calls).toEqual(['A input end', 'B input end']);
  });

  it('does not end the pipeline for a source replaced after its input ended (its end still waiting)', () => {
    const calls: string[] = [];
    const relay = new SourceRelay(log);
    const file = source('file');
    const sink = relay.sinkFor(file);
    relay.attach(fake('A', calls));
    sink.data('f', Buffer.from('x'));
    relay.detach();
    sink.streamEnd('f');
    sink.end();
    relay.retire(file);
    relay.sinkFor(source('tcp')).data('t', Buffer.from('y'));
    relay.attach(fake('B', calls));
    expect(calls).toEqual(['A data f x', 'B end f', 'B data t y']);
  });

  it('does not end the streams of a source whose streams carry on in the next (Kafka partitions)', () => {
    const calls: string[] = [];
    const relay = new SourceRelay(log);
    const [oldConsumer, newConsumer] = [source('kafka-a'), source('kafka-b')];
    relay.attach(fake('A', calls));
    relay.sinkFor(oldConsumer).data('t/0', Buffer.from('a'));
    relay.sinkFor(oldConsumer).declare!('t/1', 1);
    relay.detach();
    relay.carryOn(oldConsumer);
    // Stopping, it gives up its partitions: the ends it gives then are dropped; so are the live ones at retire.
    relay.sinkFor(oldConsumer).streamEnd('t/0');
    relay.retire(oldConsumer);
    relay.sinkFor(newConsumer).declare!('t/0', 0);
    relay.sinkFor(newConsumer).data('t/0', Buffer.from('b'));
    relay.attach(fake('B', calls));
    expect(calls).toEqual(['A data t/0 a', 'A declare t/1', 'B declare t/0', 'B data t/0 b']);
  });
});

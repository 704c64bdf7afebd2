// A worker's young-generation collections (young-collection.ts): one each time `everyBytes` more of results were
// handed back, none at 0; and V8's own collector can be had and run.
import { describe, expect, it } from 'vitest';

import { YoungCollection } from '../../src/pipeline/young-collection.js';

describe('YoungCollection', () => {
  it('collects once per `everyBytes` handed back, counting across results', () => {
    const calls: unknown[] = [];
    const young = new YoungCollection(1000, (o) => calls.push(o));
    young.handedBack(400);
    young.handedBack(599);
    expect(calls).toEqual([]);
    young.handedBack(1);
    expect(calls).toEqual([{ type: 'minor' }]);
    young.handedBack(2500); // one result larger than the step: one collection, the count starts again
    young.handedBack(999);
    expect(calls.length).toBe(2);
    young.handedBack(1);
    expect(calls.length).toBe(3);
    expect(young.runs).toBe(3);
  });

  it('never collects at 0, whatever is handed back', () => {
    const calls: unknown[] = [];
    const young = new YoungCollection(0, (o) => calls.push(o));
    young.handedBack(1 << 30);
    expect(calls).toEqual([]);
    expect(young.runs).toBe(0);
  });

  it("runs V8's own minor collection when given no collector", () => {
    const young = new YoungCollection(1);
    young.handedBack(1);
    expect(young.runs).toBe(1);
  });
});

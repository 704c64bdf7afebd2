// The one seeded random generator of the tests and benches: the product's own (src/gen/rng.ts, sfc32: the same
// sequence from a seed on every machine) with the draws test data needs on top. Test data never uses Math.random,
// so a failing case is reproduced by its seed alone.
import { Rng as GenRng } from '../../src/gen/rng.js';

export class Rng extends GenRng {
  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.float() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let x = this.float() * total;
    for (const [item, w] of items) {
      x -= w;
      if (x < 0) return item;
    }
    const last = items[items.length - 1];
    if (last === undefined) throw new Error('weighted pick from an empty list');
    return last[0];
  }

  /** An independent generator, so adding draws in one part of a dataset does not reshuffle the others. */
  fork(): Rng {
    return new Rng(this.next());
  }
}

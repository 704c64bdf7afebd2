// The generator's only source of randomness: sfc32 (PractRand-clean, 32-bit integer ops only, so it stays in
// V8's fast integer paths). Same seed, same sequence, on every machine — what `--seed` promises.

export class Rng {
  #a = 0x9e3779b9 | 0;
  #b = 0x243f6a88 | 0;
  #c: number;
  #d: number;

  /** `seed`: any safe integer >= 0; both 32-bit halves are used. */
  constructor(seed: number) {
    this.#c = seed >>> 0 | 0;
    this.#d = Math.floor(seed / 2 ** 32) >>> 0 | 0;
    for (let i = 0; i < 15; i++) this.next(); // let the seed's bits spread before the first draw
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const t = (((a + b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    this.#c = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, n), n <= 2^32 (multiply-shift: no modulo bias worth a second draw at these n). */
  below(n: number): number {
    return Math.floor((this.next() / 4294967296) * n);
  }
}

/** A random seed when the user gave none (the run is then not reproducible, as genlogs_v2.py never was). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32) + Math.floor(Math.random() * 2 ** 20) * 2 ** 32;
}

/** Probability p in [0, 1] as a threshold on `next()`: `next() < threshold` happens with probability p. */
export function threshold(p: number): number {
  return p >= 1 ? 4294967296 : Math.floor(p * 4294967296);
}

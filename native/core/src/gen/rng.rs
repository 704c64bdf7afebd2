//! The generator's only source of randomness: sfc32, draw for draw the sequence of `src/gen/rng.ts` (same seed,
//! same numbers on every machine — what `--seed` promises, and what lets the TypeScript writer be the oracle of
//! this one). JS does it in int32 ops (`| 0`, `>>> 0`); here the same bits are u32 wrapping ops.

/// sfc32 seeded as rng.ts: fixed `a`/`b`, the seed's low and high 32 bits in `c`/`d`, 15 draws discarded.
#[derive(Clone, Debug)]
pub struct Rng {
    a: u32,
    b: u32,
    c: u32,
    d: u32,
}

impl Rng {
    /// `seed`: an integer below 2^53 (a JS safe integer); both 32-bit halves are used.
    pub fn new(seed: u64) -> Rng {
        let mut rng = Rng { a: 0x9e37_79b9, b: 0x243f_6a88, c: seed as u32, d: (seed >> 32) as u32 };
        for _ in 0..15 {
            rng.next_u32();
        }
        rng
    }

    /// A uniform 32-bit unsigned integer.
    #[inline(always)]
    pub fn next_u32(&mut self) -> u32 {
        let t = self.a.wrapping_add(self.b).wrapping_add(self.d);
        self.d = self.d.wrapping_add(1);
        self.a = self.b ^ (self.b >> 9);
        self.b = self.c.wrapping_add(self.c << 3);
        self.c = self.c.rotate_left(21).wrapping_add(t);
        t
    }

    /// Uniform integer in [0, n): `Math.floor((next() / 2^32) * n)` in the same f64 operations, so it rounds
    /// exactly as JS does (an integer multiply-shift differs for n above 2^21). Always below n: the largest
    /// `next() / 2^32` is 1 - 2^-32, and no rounding of its product with n reaches n.
    #[inline(always)]
    pub fn below(&mut self, n: u32) -> u32 {
        ((self.next_u32() as f64 / 4_294_967_296.0) * n as f64) as u32
    }
}

/// Probability p in [0, 1] as a threshold on `next_u32()`: `(next_u32() as u64) < threshold(p)` happens with
/// probability p (rng.ts's `threshold`; 2^32 for p >= 1, so it always does).
pub fn threshold(p: f64) -> u64 {
    if p >= 1.0 {
        1 << 32
    } else {
        (p * 4_294_967_296.0).floor() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_sequence_as_the_typescript_rng() {
        // From src/gen/rng.ts: `const r = new Rng(seed); [r.next(), …]`.
        let mut r = Rng::new(1);
        let got: Vec<u32> = (0..6).map(|_| r.next_u32()).collect();
        assert_eq!(got, SEED_1_FIRST_6);
        // A seed above 2^32: the high half lands in `d`.
        let mut r = Rng::new(SEED_BIG);
        let got: Vec<u32> = (0..6).map(|_| r.next_u32()).collect();
        assert_eq!(got, SEED_BIG_FIRST_6);
        // `below` over a run of draws, with an n where f64 rounding and a multiply-shift part ways.
        let mut r = Rng::new(7);
        let got: Vec<u32> = (0..6).map(|_| r.below(1_000_000_000)).collect();
        assert_eq!(got, SEED_7_BELOW_1E9);
    }

    #[test]
    fn below_stays_below_n() {
        let mut r = Rng::new(3);
        for n in [1u32, 2, 3, 10, 4800, 1 << 21, (1 << 21) + 1, 1_000_000_000, u32::MAX] {
            for _ in 0..10_000 {
                assert!(r.below(n) < n);
            }
        }
    }

    #[test]
    fn thresholds() {
        assert_eq!(threshold(0.0), 0);
        assert_eq!(threshold(1.0), 1 << 32);
        assert_eq!(threshold(2.0), 1 << 32);
        assert_eq!(threshold(0.5), 1 << 31);
        assert_eq!(threshold(0.9), 3_865_470_566); // Math.floor(0.9 * 2 ** 32)
    }

    const SEED_1_FIRST_6: [u32; 6] = [2_593_809_062, 2_888_961_340, 3_393_000_016, 1_250_086_948, 3_910_925_133, 3_719_557_634];
    const SEED_BIG: u64 = (1 << 40) + 7;
    const SEED_BIG_FIRST_6: [u32; 6] = [1_483_525_079, 1_790_905_670, 216_805_987, 1_372_994_544, 1_717_609_805, 2_762_108_161];
    const SEED_7_BELOW_1E9: [u32; 6] = [372_933_015, 406_239_456, 173_983_049, 551_218_839, 522_110_508, 561_059_106];
}

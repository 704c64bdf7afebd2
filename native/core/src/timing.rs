//! Best-of-many ns-per-call timing for the `#[ignore]` timing tests (`cargo test --release -- --ignored
//! --nocapture --test-threads=1 timing`): numbers to report, never pass/fail.

use std::hint::black_box;
use std::time::Instant;

pub fn best_ns_per_call<T, R>(inputs: &[T], mut f: impl FnMut(&T) -> R) -> f64 {
    let passes = (65_536 / inputs.len().max(1)).max(1);
    let mut best = f64::MAX;
    for _ in 0..300 {
        let t = Instant::now();
        for _ in 0..passes {
            for x in inputs {
                black_box(f(black_box(x)));
            }
        }
        best = best.min(t.elapsed().as_nanos() as f64 / (passes * inputs.len()) as f64);
    }
    best
}

//! The line writer of `logpulse gen` (src/gen/line-writer.ts, issue 15): the same lines, in the same order,
//! with the same stats as the TypeScript writer for every option, from the same sfc32 sequence — at several
//! times its speed, so that `gen` → TCP → daemon measures the daemon. The binding exposes it as `GenWriter`
//! (../API.md); the TypeScript writer stays as this one's oracle (test/gen/native-writer.test.ts).

mod ascii;
mod bad_lines;
mod clock;
mod options;
mod profile;
mod rng;
mod segments;
#[cfg(test)]
mod tests;
mod writer;

pub use bad_lines::{BadKind, BAD_KINDS, FUTURE_AHEAD_US, TOO_LONG_BYTES};
pub use clock::{EventClock, StepClock, TableClock, WallClock};
pub use options::{ClfVariant, GenFormat, GenOptions};
pub use rng::Rng;
pub use writer::{GenStats, LineWriter, LINE_HEADROOM};

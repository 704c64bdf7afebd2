//! Event time of each generated line (`src/gen/clock.ts`): simulated (a fixed step per line from a start), live
//! (the wall clock), or any other clock of the TypeScript side, whose times for the lines to come are handed over
//! in a table.

use std::time::Instant;

pub trait EventClock {
    /// Event time (µs since the epoch) of line number `line` (every line the writer made), the `index`-th line
    /// of the current `fill`.
    fn at(&mut self, line: u64, index: usize) -> i64;
}

/// start + floor(line × step), in the f64 operations of clock.ts's StepClock (so past 2^53 µs, where a JS
/// number skips integers, the same times come out).
pub struct StepClock {
    pub start_us: f64,
    pub step_us: f64,
}

impl EventClock for StepClock {
    #[inline(always)]
    fn at(&mut self, line: u64, _index: usize) -> i64 {
        (self.start_us + (line as f64 * self.step_us).floor()) as i64
    }
}

/// Times the caller computed, one per line of the fill (the fill makes at most `times.len()` lines).
pub struct TableClock<'a> {
    pub times: &'a [f64],
}

impl EventClock for TableClock<'_> {
    #[inline(always)]
    fn at(&mut self, _line: u64, index: usize) -> i64 {
        self.times.get(index).map_or(0, |&t| t as i64)
    }
}

/// Lines a wall-clock reading is shared by (clock.ts's LINES_PER_READING): at millions of lines/s they span
/// about a microsecond, and a reading costs ~20 ns.
const LINES_PER_READING: u32 = 8;

/// Live: the wall clock when the line is made, read once per LINES_PER_READING lines. `refresh` takes the wall
/// clock's reading of the JS side (its `wallClockUs()`, kept in step with the system clock there); readings
/// within a fill add the monotonic time since. Never goes backwards.
pub struct WallClock {
    base_us: i64,
    started: Instant,
    left: u32,
    us: i64,
}

impl Default for WallClock {
    fn default() -> Self {
        WallClock { base_us: 0, started: Instant::now(), left: 0, us: i64::MIN }
    }
}

impl WallClock {
    /// Before each fill: `now_us` is the wall clock now; the fill's first line reads it afresh.
    pub fn refresh(&mut self, now_us: i64) {
        self.base_us = now_us;
        self.started = Instant::now();
        self.left = 0;
    }
}

impl EventClock for WallClock {
    #[inline(always)]
    fn at(&mut self, _line: u64, _index: usize) -> i64 {
        if self.left == 0 {
            let elapsed = self.started.elapsed().as_micros() as i64;
            self.us = self.us.max(self.base_us.saturating_add(elapsed));
            self.left = LINES_PER_READING;
        }
        self.left -= 1;
        self.us
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_clock_floors_each_step() {
        let mut c = StepClock { start_us: 1_749_462_160_000_000.0, step_us: 500.5 };
        assert_eq!(c.at(0, 0), 1_749_462_160_000_000);
        assert_eq!(c.at(3, 0), 1_749_462_160_001_501);
    }

    #[test]
    fn wall_clock_is_shared_and_monotonic() {
        let mut c = WallClock::default();
        c.refresh(1_000_000);
        let first = c.at(0, 0);
        assert!(first >= 1_000_000);
        for i in 1..8 {
            assert_eq!(c.at(i, i as usize), first);
        }
        // A reading behind the last one (the JS side re-synced backwards) does not move time back.
        c.refresh(0);
        assert_eq!(c.at(8, 0), first);
    }

    #[test]
    fn table_clock_reads_by_index() {
        let times = [5.0, 7.0];
        let mut c = TableClock { times: &times };
        assert_eq!((c.at(100, 0), c.at(101, 1), c.at(102, 2)), (5, 7, 0));
    }
}

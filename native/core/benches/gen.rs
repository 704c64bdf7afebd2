//! `cargo bench --bench gen`: the generator's line writer alone (no N-API, no pipe), `logpulse gen --rate 0`'s
//! default options per format, 1 MiB blocks, one core. For profiling the writer (`perf record` on this binary);
//! the figure users see is `npm run bench -- --only gen` (the CLI into a pipe). `LINES` sets the count.

use std::time::Instant;

use logpulse_core::gen::{ClfVariant, GenFormat, GenOptions, LineWriter, StepClock, WallClock, LINE_HEADROOM};

const BLOCK: usize = 1 << 20;

fn options(format: GenFormat) -> GenOptions {
    GenOptions {
        format,
        compact: false,
        clf_variant: ClfVariant::Common,
        urls: 10,
        methods: ["GET", "POST", "PUT", "DELETE"].map(String::from).to_vec(),
        status_dist: [90.0, 5.0, 5.0],
        users: 0,
        error_user_percent: 0.0,
        error_rate: 50.0,
        error_url_percent: 0.0,
        late_fraction: 0.0,
        late_by_seconds: 60.0,
        malformed_fraction: 0.0,
        seed: 1,
    }
}

fn main() {
    let lines: u64 = std::env::var("LINES").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000_000);
    let mut buf = vec![0u8; BLOCK + LINE_HEADROOM];
    for format in [GenFormat::Json, GenFormat::Csv, GenFormat::Clf] {
        for live in [true, false] {
            let mut w = LineWriter::new(&options(format)).expect("valid options");
            let mut wall = WallClock::default();
            let mut step = StepClock { start_us: 1_749_462_160_000_000.0, step_us: 1000.0 };
            let started = Instant::now();
            let mut bytes = 0;
            while w.lines() < lines {
                let left = lines - w.lines();
                bytes += if live {
                    wall.refresh(1_749_462_160_000_000);
                    w.fill(&mut buf, left, &mut wall, BLOCK)
                } else {
                    w.fill(&mut buf, left, &mut step, BLOCK)
                };
            }
            let s = started.elapsed().as_secs_f64();
            println!(
                "{format:?} {}: {:.1} M lines/s, {:.1} ns/line, {:.0} MB/s",
                if live { "live clock" } else { "simulated" },
                lines as f64 / s / 1e6,
                s * 1e9 / lines as f64,
                bytes as f64 / s / 1e6
            );
        }
    }
}

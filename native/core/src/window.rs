//! One tumbling window's aggregates while open (`WindowAgg`), and the mergeable form it takes once closed
//! (`WindowPartial`): counts add, HLL sketches union, URL counts add — so N shards or N daemons give the
//! answer one would.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::escape::{write_f64, write_json_str, write_u64};
use crate::hll::Hll;
use crate::timestamp::write_iso_millis;

/// Error aggregates of one HTTP status inside one window (the seed Spark job's row).
#[derive(Debug, Clone, Default)]
pub struct StatusAgg {
    pub status: u16,
    pub count: u64,
    pub ips: Hll,
    pub urls: FxHashMap<Box<str>, u64>,
}

#[derive(Debug, Clone)]
pub struct WindowAgg {
    pub start_us: i64,
    pub end_us: i64,
    pub requests: u64,
    pub errors: u64,
    pub ips: Hll,
    pub error_ips: Hll,
    /// Few distinct error statuses per window: a vector scan beats hashing.
    pub statuses: Vec<StatusAgg>,
}

impl WindowAgg {
    pub fn new(start_us: i64, end_us: i64) -> Self {
        WindowAgg { start_us, end_us, requests: 0, errors: 0, ips: Hll::new(), error_ips: Hll::new(), statuses: Vec::new() }
    }

    /// Counts one request; for an error also its status, IP and URL. Returns the status's new error count.
    #[inline]
    pub fn add(&mut self, ip_hash: u64, error: Option<(u16, &str)>) -> u64 {
        self.requests += 1;
        self.ips.add_hash(ip_hash);
        let Some((status, url)) = error else { return 0 };
        self.errors += 1;
        self.error_ips.add_hash(ip_hash);
        let idx = match self.statuses.iter().position(|s| s.status == status) {
            Some(i) => i,
            None => {
                self.statuses.push(StatusAgg { status, ..StatusAgg::default() });
                self.statuses.len() - 1
            }
        };
        let agg = &mut self.statuses[idx];
        agg.count += 1;
        agg.ips.add_hash(ip_hash);
        match agg.urls.get_mut(url) {
            Some(n) => *n += 1,
            None => {
                agg.urls.insert(url.into(), 1);
            }
        }
        agg.count
    }

    pub fn into_partial(self) -> WindowPartial {
        let mut statuses: Vec<StatusPartial> = self
            .statuses
            .into_iter()
            .map(|s| {
                let mut urls: Vec<(String, u64)> = s.urls.into_iter().map(|(u, n)| (u.into_string(), n)).collect();
                urls.sort_unstable();
                StatusPartial { status: s.status, count: s.count, ips: s.ips, urls }
            })
            .collect();
        statuses.sort_unstable_by_key(|s| s.status);
        WindowPartial {
            start_us: self.start_us,
            end_us: self.end_us,
            requests: self.requests,
            errors: self.errors,
            ips: self.ips,
            error_ips: self.error_ips,
            statuses,
        }
    }

    pub fn from_partial(p: WindowPartial) -> Self {
        WindowAgg {
            start_us: p.start_us,
            end_us: p.end_us,
            requests: p.requests,
            errors: p.errors,
            ips: p.ips,
            error_ips: p.error_ips,
            statuses: p
                .statuses
                .into_iter()
                .map(|s| StatusAgg {
                    status: s.status,
                    count: s.count,
                    ips: s.ips,
                    urls: s.urls.into_iter().map(|(u, n)| (u.into_boxed_str(), n)).collect(),
                })
                .collect(),
        }
    }
}

/// Serialized form (msgpack) of a status inside a closed window; URLs sorted so encodings are deterministic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusPartial {
    pub status: u16,
    pub count: u64,
    pub ips: Hll,
    pub urls: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowPartial {
    pub start_us: i64,
    pub end_us: i64,
    pub requests: u64,
    pub errors: u64,
    pub ips: Hll,
    pub error_ips: Hll,
    pub statuses: Vec<StatusPartial>,
}

impl WindowPartial {
    /// Exact merge of the same window seen by another shard.
    pub fn merge(&mut self, other: WindowPartial) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.ips.merge(&other.ips);
        self.error_ips.merge(&other.error_ips);
        for theirs in other.statuses {
            match self.statuses.binary_search_by_key(&theirs.status, |s| s.status) {
                Ok(i) => {
                    let mine = &mut self.statuses[i];
                    mine.count += theirs.count;
                    mine.ips.merge(&theirs.ips);
                    let mut urls: FxHashMap<String, u64> = std::mem::take(&mut mine.urls).into_iter().collect();
                    for (u, n) in theirs.urls {
                        *urls.entry(u).or_insert(0) += n;
                    }
                    mine.urls = urls.into_iter().collect();
                    mine.urls.sort_unstable();
                }
                Err(i) => self.statuses.insert(i, theirs),
            }
        }
    }

    /// Summary row then status rows (ascending status), newline-terminated JSON (SPEC §3).
    pub fn write_rows(&self, max_urls: usize, out: &mut Vec<u8>) {
        let mut bounds = Vec::with_capacity(80);
        bounds.extend_from_slice(b"\"window_start\":\"");
        write_iso_millis(self.start_us, &mut bounds);
        bounds.extend_from_slice(b"\",\"window_end\":\"");
        write_iso_millis(self.end_us, &mut bounds);
        bounds.push(b'"');

        out.extend_from_slice(b"{\"kind\":\"summary\",");
        out.extend_from_slice(&bounds);
        out.extend_from_slice(b",\"requests\":");
        write_u64(out, self.requests);
        out.extend_from_slice(b",\"errors\":");
        write_u64(out, self.errors);
        out.extend_from_slice(b",\"error_rate\":");
        write_f64(out, self.error_rate());
        out.extend_from_slice(b",\"unique_ips\":");
        write_u64(out, self.ips.estimate());
        out.extend_from_slice(b",\"error_unique_ips\":");
        write_u64(out, self.error_ips.estimate());
        out.extend_from_slice(b"}\n");

        for s in &self.statuses {
            out.extend_from_slice(b"{\"kind\":\"status\",");
            out.extend_from_slice(&bounds);
            out.extend_from_slice(b",\"status\":");
            write_u64(out, u64::from(s.status));
            out.extend_from_slice(b",\"error_count\":");
            write_u64(out, s.count);
            out.extend_from_slice(b",\"unique_ips\":");
            write_u64(out, s.ips.estimate());
            let ranked = ranked_urls(&s.urls);
            out.extend_from_slice(b",\"error_urls\":[");
            for (i, (url, _)) in ranked.iter().take(max_urls).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_str(out, url);
            }
            out.push(b']');
            if ranked.len() > max_urls {
                out.extend_from_slice(b",\"error_urls_truncated\":true");
            }
            out.extend_from_slice(b",\"top_urls\":[");
            for (i, (url, n)) in ranked.iter().take(10).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"url\":");
                write_json_str(out, url);
                out.extend_from_slice(b",\"count\":");
                write_u64(out, *n);
                out.push(b'}');
            }
            out.extend_from_slice(b"]}\n");
        }
    }

    pub fn error_rate(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.errors as f64 / self.requests as f64
        }
    }
}

/// Most frequent first; ties by URL bytes ascending, so the order never depends on hashing or shard count.
fn ranked_urls(urls: &[(String, u64)]) -> Vec<(&str, u64)> {
    let mut v: Vec<(&str, u64)> = urls.iter().map(|(u, n)| (u.as_str(), *n)).collect();
    v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    v
}

impl WindowPartial {
    /// Checks a partial that came from outside this process (snapshot, another daemon) before it is trusted.
    pub fn validate(&self, window_us: i64) -> Result<(), String> {
        if self.end_us.checked_sub(self.start_us) != Some(window_us) || self.start_us.rem_euclid(window_us) != 0 {
            return Err(format!("window {}..{} does not match the configured window length", self.start_us, self.end_us));
        }
        self.ips.validate()?;
        self.error_ips.validate()?;
        if self.statuses.windows(2).any(|p| p[0].status >= p[1].status) {
            return Err("window statuses not sorted".into());
        }
        for s in &self.statuses {
            s.ips.validate()?;
        }
        Ok(())
    }
}

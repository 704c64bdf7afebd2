//! One tumbling window's aggregates while open (`WindowAgg`), and the mergeable form it takes once closed
//! (`WindowPartial`): counts add, HLL sketches union, URL counts add — so N shards or N daemons give the
//! answer one would.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::escape::{write_f64, write_json_str, write_u64};
use crate::hll::Hll;
use crate::ip::IpKey;
use crate::timestamp::write_iso_millis;

/// Requests and errors of one group (a URL or a client IP) in one window: what the rate alert rules need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCount {
    pub requests: u64,
    pub errors: u64,
}

impl GroupCount {
    #[inline]
    fn count(&mut self, is_error: bool) {
        self.requests += 1;
        self.errors += u64::from(is_error);
    }

    fn merge(&mut self, other: GroupCount) {
        self.requests += other.requests;
        self.errors += other.errors;
    }
}

/// Which per-group counts a window keeps. Off unless a rate rule needs them: an IP map grows with the
/// number of distinct clients, so it costs memory only when asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupTracking {
    pub urls: bool,
    pub ips: bool,
}

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
    pub url_counts: Option<FxHashMap<Box<str>, GroupCount>>,
    pub ip_counts: Option<FxHashMap<IpKey, GroupCount>>,
}

impl WindowAgg {
    pub fn new(start_us: i64, end_us: i64, tracking: GroupTracking) -> Self {
        WindowAgg {
            start_us,
            end_us,
            requests: 0,
            errors: 0,
            ips: Hll::new(),
            error_ips: Hll::new(),
            statuses: Vec::new(),
            url_counts: tracking.urls.then(FxHashMap::default),
            ip_counts: tracking.ips.then(FxHashMap::default),
        }
    }

    /// Counts one request; for an error also its status, IP and URL. Returns the status's new error count.
    #[inline]
    pub fn add(&mut self, ip_hash: u64, ip: IpKey, url: &str, error_status: Option<u16>) -> u64 {
        self.requests += 1;
        self.ips.add_hash(ip_hash);
        if let Some(urls) = &mut self.url_counts {
            match urls.get_mut(url) {
                Some(c) => c.count(error_status.is_some()),
                None => {
                    let mut c = GroupCount::default();
                    c.count(error_status.is_some());
                    urls.insert(url.into(), c);
                }
            }
        }
        if let Some(ips) = &mut self.ip_counts {
            ips.entry(ip).or_default().count(error_status.is_some());
        }
        let Some(status) = error_status else { return 0 };
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
        let mut url_counts: Vec<(String, GroupCount)> =
            self.url_counts.unwrap_or_default().into_iter().map(|(u, c)| (u.into_string(), c)).collect();
        url_counts.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut ip_counts: Vec<(Vec<u8>, GroupCount)> =
            self.ip_counts.unwrap_or_default().into_iter().map(|(ip, c)| (ip.as_bytes().to_vec(), c)).collect();
        ip_counts.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        WindowPartial {
            start_us: self.start_us,
            end_us: self.end_us,
            requests: self.requests,
            errors: self.errors,
            ips: self.ips,
            error_ips: self.error_ips,
            statuses,
            url_counts,
            ip_counts,
        }
    }

    pub fn from_partial(p: WindowPartial, tracking: GroupTracking) -> Self {
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
            url_counts: tracking.urls.then(|| p.url_counts.into_iter().map(|(u, c)| (u.into_boxed_str(), c)).collect()),
            ip_counts: tracking.ips.then(|| p.ip_counts.iter().filter_map(|(b, c)| Some((ip_from_bytes(b)?, *c))).collect()),
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
    /// Sorted by URL; empty unless URL counts were tracked.
    #[serde(default)]
    pub url_counts: Vec<(String, GroupCount)>,
    /// Sorted by address bytes (4 or 16); empty unless IP counts were tracked.
    #[serde(default)]
    pub ip_counts: Vec<(Vec<u8>, GroupCount)>,
}

pub fn ip_from_bytes(b: &[u8]) -> Option<IpKey> {
    match b.len() {
        4 => Some(IpKey::V4(b.try_into().ok()?)),
        16 => Some(IpKey::V6(b.try_into().ok()?)),
        8 => Some(IpKey::Host(b.try_into().ok()?)),
        _ => None,
    }
}

/// Adds `theirs` into `mine`; both sorted by key and unique, and so is the result. Runs once per window per
/// shard, so clarity beats a hand-written merge walk.
fn merge_sorted<K: Ord>(mine: &mut Vec<(K, GroupCount)>, theirs: Vec<(K, GroupCount)>) {
    if theirs.is_empty() {
        return;
    }
    let mut all: std::collections::BTreeMap<K, GroupCount> = std::mem::take(mine).into_iter().collect();
    for (k, c) in theirs {
        all.entry(k).or_default().merge(c);
    }
    *mine = all.into_iter().collect();
}

impl StatusPartial {
    /// See `WindowPartial::unique_ips`.
    pub fn unique_ips(&self) -> u64 {
        self.ips.estimate().min(self.count)
    }
}

impl WindowPartial {
    /// Exact merge of the same window seen by another shard.
    pub fn merge(&mut self, other: WindowPartial) {
        merge_sorted(&mut self.url_counts, other.url_counts);
        merge_sorted(&mut self.ip_counts, other.ip_counts);
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
        write_u64(out, self.unique_ips());
        out.extend_from_slice(b",\"error_unique_ips\":");
        write_u64(out, self.error_unique_ips());
        out.extend_from_slice(b"}\n");

        for s in &self.statuses {
            out.extend_from_slice(b"{\"kind\":\"status\",");
            out.extend_from_slice(&bounds);
            out.extend_from_slice(b",\"status\":");
            write_u64(out, u64::from(s.status));
            out.extend_from_slice(b",\"error_count\":");
            write_u64(out, s.count);
            out.extend_from_slice(b",\"unique_ips\":");
            write_u64(out, s.unique_ips());
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

    /// The sketch estimate, never above the number of requests it counted (a free, always-true bound that
    /// removes the estimator's overshoot where almost every request has its own IP).
    pub fn unique_ips(&self) -> u64 {
        self.ips.estimate().min(self.requests)
    }

    pub fn error_unique_ips(&self) -> u64 {
        self.error_ips.estimate().min(self.errors)
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
        if self.url_counts.windows(2).any(|p| p[0].0 >= p[1].0) || self.ip_counts.windows(2).any(|p| p[0].0 >= p[1].0) {
            return Err("window group counts not sorted".into());
        }
        if self.ip_counts.iter().any(|(b, _)| ip_from_bytes(b).is_none()) {
            return Err("window ip counts hold an address that is neither 4, 8 (a hostname) nor 16 bytes".into());
        }
        Ok(())
    }
}

//! Joins closed-window partials from any number of shards (or daemons) and renders final rows once per window.

use std::collections::BTreeMap;

use crate::ip::IpKey;
use crate::window::{ip_from_bytes, GroupCount, WindowPartial};

const PARTIALS_MAGIC: &[u8; 4] = b"LPW1";

pub fn encode_partials(partials: &[WindowPartial]) -> Vec<u8> {
    if partials.is_empty() {
        return Vec::new();
    }
    let mut out = PARTIALS_MAGIC.to_vec();
    // Serializing plain owned data into a Vec cannot fail.
    out.extend(rmp_serde::to_vec(partials).unwrap_or_default());
    out
}

pub fn decode_partials(bytes: &[u8]) -> Result<Vec<WindowPartial>, String> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let body = bytes.strip_prefix(PARTIALS_MAGIC).ok_or("not logpulse window partials (bad magic)")?;
    crate::msgpack::decode_whole(body).map_err(|e| format!("undecodable window partials: {e}"))
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusSummary {
    pub status: u16,
    pub error_count: u64,
    pub unique_ips: u64,
}

/// A rate rule over groups (URLs or IPs): a group fires when it has at least `min_requests` requests in the
/// window and `errors / requests > threshold`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateRule {
    pub threshold: f64,
    pub min_requests: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RateRules {
    pub url: Option<RateRule>,
    pub ip: Option<RateRule>,
}

/// A group over its rate rule in one window.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRate {
    pub group: String,
    pub requests: u64,
    pub errors: u64,
}

fn over<K>(counts: &[(K, GroupCount)], rule: Option<RateRule>, name: impl Fn(&K) -> Option<String>) -> Vec<GroupRate> {
    let Some(rule) = rule else { return Vec::new() };
    let mut out: Vec<GroupRate> = counts
        .iter()
        .filter(|(_, c)| c.requests >= rule.min_requests && c.requests > 0 && (c.errors as f64 / c.requests as f64) > rule.threshold)
        .filter_map(|(k, c)| Some(GroupRate { group: name(k)?, requests: c.requests, errors: c.errors }))
        .collect();
    // Worst first, then by name, so alerts come out in a stable order.
    out.sort_by(|a, b| {
        let (ra, rb) = (u128::from(a.errors) * u128::from(b.requests), u128::from(b.errors) * u128::from(a.requests));
        rb.cmp(&ra).then_with(|| a.group.cmp(&b.group))
    });
    out
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    Some(match ip_from_bytes(bytes)? {
        IpKey::V4(b) => std::net::Ipv4Addr::from(b).to_string(),
        IpKey::V6(b) => std::net::Ipv6Addr::from(b).to_string(),
        // Only a hash of a hostname is kept: it cannot be named in an `ip_error_rate` alert.
        IpKey::Host(_) => return None,
    })
}

/// What the console, alert rules and API need of a window, without re-parsing the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowSummary {
    pub window_start_us: i64,
    pub window_end_us: i64,
    pub requests: u64,
    pub errors: u64,
    pub unique_ips: u64,
    pub error_unique_ips: u64,
    pub statuses: Vec<StatusSummary>,
    /// URLs over the `url_error_rate` rule (empty when the rule is off).
    pub url_rates: Vec<GroupRate>,
    /// IPs over the `ip_error_rate` rule (empty when the rule is off).
    pub ip_rates: Vec<GroupRate>,
}

#[derive(Debug, Default)]
pub struct MergedWindows {
    pub rows: Vec<u8>,
    pub windows: Vec<WindowSummary>,
}

pub struct WindowMerger {
    max_urls: usize,
    rates: RateRules,
    held: BTreeMap<i64, WindowPartial>,
}

impl WindowMerger {
    pub fn new(max_urls_per_window: usize) -> Self {
        Self::with_rates(max_urls_per_window, RateRules::default())
    }

    pub fn with_rates(max_urls_per_window: usize, rates: RateRules) -> Self {
        WindowMerger { max_urls: max_urls_per_window.max(1), rates, held: BTreeMap::new() }
    }

    /// New thresholds for the rate rules (thresholds learned by the batch layer); windows not drained yet use them.
    pub fn set_rates(&mut self, rates: RateRules) {
        self.rates = rates;
    }

    /// Adds encoded partials; nothing is merged if any part is invalid.
    pub fn add(&mut self, bytes: &[u8]) -> Result<usize, String> {
        let partials = decode_partials(bytes)?;
        for p in &partials {
            p.validate(p.end_us - p.start_us)?;
            if let Some(held) = self.held.get(&p.start_us) {
                if held.end_us != p.end_us {
                    return Err(format!("window at {} has two lengths", p.start_us));
                }
            }
        }
        let n = partials.len();
        for p in partials {
            match self.held.get_mut(&p.start_us) {
                Some(held) => held.merge(p),
                None => {
                    self.held.insert(p.start_us, p);
                }
            }
        }
        Ok(n)
    }

    pub fn pending(&self) -> usize {
        self.held.len()
    }

    /// The held windows in the form `add` takes: a checkpoint of the merger (restore = `add` on a new one).
    pub fn snapshot(&self) -> Vec<u8> {
        let held: Vec<WindowPartial> = self.held.values().cloned().collect();
        encode_partials(&held)
    }

    /// Emits and forgets every held window with `end <= through` (all of them for `None`), in start order.
    pub fn drain(&mut self, through_us: Option<i64>) -> MergedWindows {
        let mut out = MergedWindows::default();
        let due: Vec<i64> = self
            .held
            .iter()
            .take_while(|(_, w)| through_us.is_none_or(|t| w.end_us <= t))
            .map(|(&k, _)| k)
            .collect();
        for start in due {
            let Some(w) = self.held.remove(&start) else { continue };
            w.write_rows(self.max_urls, &mut out.rows);
            out.windows.push(WindowSummary {
                window_start_us: w.start_us,
                window_end_us: w.end_us,
                requests: w.requests,
                errors: w.errors,
                unique_ips: w.unique_ips(),
                error_unique_ips: w.error_unique_ips(),
                statuses: w
                    .statuses
                    .iter()
                    .map(|s| StatusSummary { status: s.status, error_count: s.count, unique_ips: s.unique_ips() })
                    .collect(),
                url_rates: over(&w.url_counts, self.rates.url, |u| Some(u.clone())),
                ip_rates: over(&w.ip_counts, self.rates.ip, |b| ip_text(b)),
            });
        }
        out
    }
}

//! Who requests what and which requests fail, as `src/gen/profile.ts`: genlogs_v2.py's status weights plus the
//! seed assignment's error profile. Every draw in the same order as there.

use rustc_hash::FxHashSet;

use super::options::GenOptions;
use super::rng::{threshold, Rng};

/// Index into STATUSES.
pub type StatusIndex = usize;
pub const STATUSES: [u16; 3] = [200, 404, 500];

pub struct TrafficProfile {
    urls: u32,
    /// Client IPs to draw from, error users first; empty = a fresh random IP per line.
    pool: Vec<u32>,
    error_users: u32,
    /// Without a pool an IP is an error user when its salted hash is below this (a stable verdict per IP).
    error_ip_threshold: u64,
    salt: u32,
    error_urls: u64,
    ok: u64,
    ok_or_404: u64,
    error_rate: u64,
    /// Among failures of the error profile: 404 below this, else 500.
    failure_404: u64,
    error_user: bool,
}

impl TrafficProfile {
    /// Draws the salt and then the pool from `rng`, as the TypeScript constructor does.
    pub fn new(o: &GenOptions, rng: &mut Rng) -> TrafficProfile {
        let [w200, w404, w500] = o.status_dist;
        let total = w200 + w404 + w500;
        let salt = rng.next_u32();
        let mut pool = Vec::new();
        let mut error_users = 0;
        if o.users > 0 {
            let mut seen = FxHashSet::default();
            pool.reserve(o.users as usize);
            for _ in 0..o.users {
                let mut ip = rng.next_u32();
                while !seen.insert(ip) {
                    ip = rng.next_u32();
                }
                pool.push(ip);
            }
            error_users = (o.users as f64 * o.error_user_percent / 100.0).round() as u32;
        }
        TrafficProfile {
            urls: o.urls,
            pool,
            error_users,
            error_ip_threshold: threshold(o.error_user_percent / 100.0),
            salt,
            error_urls: (o.urls as f64 * o.error_url_percent / 100.0).round() as u64,
            ok: threshold(w200 / total),
            ok_or_404: threshold((w200 + w404) / total),
            error_rate: threshold(o.error_rate / 100.0),
            failure_404: if w404 + w500 == 0.0 { 0 } else { threshold(w404 / (w404 + w500)) },
            error_user: false,
        }
    }

    /// The next request's client IP (32 bits, high octet first).
    #[inline(always)]
    pub fn next_ip(&mut self, rng: &mut Rng) -> u32 {
        if self.pool.is_empty() {
            let ip = rng.next_u32();
            self.error_user = self.error_ip_threshold > 0 && u64::from(fmix32(ip ^ self.salt)) < self.error_ip_threshold;
            return ip;
        }
        let i = rng.below(self.pool.len() as u32);
        self.error_user = i < self.error_users;
        self.pool[i as usize]
    }

    /// The next request's URL number, 1..=urls.
    #[inline(always)]
    pub fn next_url(&mut self, rng: &mut Rng) -> u64 {
        1 + u64::from(rng.below(self.urls))
    }

    /// Status of a request of the last `next_ip` to URL `url`.
    #[inline(always)]
    pub fn next_status(&mut self, rng: &mut Rng, url: u64) -> StatusIndex {
        if self.error_user || url <= self.error_urls {
            if u64::from(rng.next_u32()) >= self.error_rate {
                return 0;
            }
            return if u64::from(rng.next_u32()) < self.failure_404 { 1 } else { 2 };
        }
        let d = u64::from(rng.next_u32());
        if d < self.ok {
            0
        } else if d < self.ok_or_404 {
            1
        } else {
            2
        }
    }
}

/// MurmurHash3's finaliser (profile.ts's `fmix32`: `Math.imul` is a wrapping u32 multiply).
fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

//! What the generated lines look like (`LineOptions` of `src/gen/options.ts`). The CLI checks every flag first
//! (exit 2 naming it); `validate` checks again here so no value can make the writer overrun its headroom or panic.

use crate::options::OptionError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenFormat {
    Json,
    Csv,
    Clf,
}

impl GenFormat {
    pub fn from_name(name: &str) -> Option<GenFormat> {
        match name {
            "json" => Some(GenFormat::Json),
            "csv" => Some(GenFormat::Csv),
            "clf" => Some(GenFormat::Clf),
            _ => None,
        }
    }
}

/// `common`: `IP - - [time] …`; `single`: `IP - [time] …`; `mixed`: either, per line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClfVariant {
    Common,
    Single,
    Mixed,
}

impl ClfVariant {
    pub fn from_name(name: &str) -> Option<ClfVariant> {
        match name {
            "common" => Some(ClfVariant::Common),
            "single" => Some(ClfVariant::Single),
            "mixed" => Some(ClfVariant::Mixed),
            _ => None,
        }
    }
}

/// Longest method token (the CLI's limit): with it a record line stays far inside the writer's headroom.
pub const MAX_METHOD_BYTES: usize = 32;
/// Largest `urls` (the CLI's limit).
pub const MAX_URLS: u32 = 1_000_000_000;
/// Largest `users` (the CLI's limit).
pub const MAX_USERS: u32 = 10_000_000;
/// Largest seed: JS's largest safe integer, 2^53 - 1.
pub const MAX_SEED: u64 = (1 << 53) - 1;

#[derive(Clone, Debug)]
pub struct GenOptions {
    pub format: GenFormat,
    /// JSON without spaces.
    pub compact: bool,
    pub clf_variant: ClfVariant,
    /// URLs are `/resource/1` … `/resource/{urls}`.
    pub urls: u32,
    /// HTTP method tokens to pick from, evenly.
    pub methods: Vec<String>,
    /// Weights of 200, 404 and 500.
    pub status_dist: [f64; 3],
    /// Distinct client IPs to draw from; 0 = a fresh random IP per line.
    pub users: u32,
    pub error_user_percent: f64,
    pub error_rate: f64,
    pub error_url_percent: f64,
    pub late_fraction: f64,
    pub late_by_seconds: f64,
    pub malformed_fraction: f64,
    pub seed: u64,
}

fn err(option: &'static str, message: &str) -> Result<(), OptionError> {
    Err(OptionError { option, message: message.to_owned() })
}

fn is_method_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+.^_`|~-".contains(&b)
}

impl GenOptions {
    pub fn validate(&self) -> Result<(), OptionError> {
        if self.methods.is_empty() {
            return err("methods", "needs at least one method");
        }
        for m in &self.methods {
            if m.is_empty() || m.len() > MAX_METHOD_BYTES || !m.bytes().all(is_method_byte) {
                return err("methods", "must be HTTP method tokens of 1-32 letters, digits or !#$%&'*+.^_`|~-");
            }
        }
        if !(1..=MAX_URLS).contains(&self.urls) {
            return err("urls", "must be an integer from 1 to 1000000000");
        }
        if self.users > MAX_USERS {
            return err("users", "must be an integer from 0 to 10000000");
        }
        let [a, b, c] = self.status_dist;
        if ![a, b, c].iter().all(|w| w.is_finite() && *w >= 0.0) || a + b + c <= 0.0 {
            return err("statusDist", "must be three finite weights >= 0, not all 0");
        }
        let percents = [("errorUserPercent", self.error_user_percent), ("errorRate", self.error_rate), ("errorUrlPercent", self.error_url_percent)];
        for (option, p) in percents {
            if !(0.0..=100.0).contains(&p) {
                return err(option, "must be a percentage from 0 to 100");
            }
        }
        for (option, f) in [("lateFraction", self.late_fraction), ("malformedFraction", self.malformed_fraction)] {
            if !(0.0..=1.0).contains(&f) {
                return err(option, "must be a fraction between 0 and 1");
            }
        }
        if self.late_fraction + self.malformed_fraction > 1.0 {
            return err("lateFraction", "plus malformedFraction must not exceed 1");
        }
        if !(1.0..=86_400.0 * 365.0).contains(&self.late_by_seconds) {
            return err("lateBySeconds", "must be a number of seconds from 1 to 31536000");
        }
        if self.seed > MAX_SEED {
            return err("seed", "must be an integer from 0 to 2^53 - 1");
        }
        Ok(())
    }
}

//! logpulse-core: the engine behind the N-API binding, with no napi dependency so it is testable and
//! fuzzable on its own. See `../API.md` for the contract.

pub mod archive;
pub mod escape;
pub mod gen;
pub mod hll;
pub mod ip;
pub mod json;
pub mod merger;
mod msgpack;
pub mod options;
pub mod parse;
pub mod record;
pub mod shard;
pub mod timestamp;
#[cfg(test)]
mod timing;
pub mod window;

pub use archive::{ArchiveFile, ArchiveOptions};
pub use merger::{MergedWindows, WindowMerger, WindowSummary};
pub use options::{Format, JsonInput, JsonKeys, OptionError, ShardOptions, TimestampUnit};
pub use record::{Counters, Reason};
pub use shard::{ProcessOutput, Shard, StatusCount, WindowCount};
pub use window::{GroupCount, GroupTracking};

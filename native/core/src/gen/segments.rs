//! The constant parts of a record line, precomputed per method and per status (`src/gen/line-writer.ts`'s
//! constructor): a line is then these, the timestamp, the address and the URL number.

use super::options::{GenFormat, GenOptions, MAX_METHOD_BYTES};
use super::profile::STATUSES;

/// Room of a segment: the longest is json's per-method one with a 32-byte method (66 bytes).
pub const SEG_BYTES: usize = 96;

/// A segment in a fixed-size array, copied whole (a few vector moves, no memcpy call for a length known only at
/// run time) and then only `len` bytes kept: the writer's headroom has room for the rest, which the next write
/// overwrites.
pub struct Seg {
    bytes: [u8; SEG_BYTES],
    len: usize,
}

impl Seg {
    fn new(text: &str) -> Seg {
        let mut bytes = [0u8; SEG_BYTES];
        let len = text.len().min(SEG_BYTES);
        bytes[..len].copy_from_slice(&text.as_bytes()[..len]);
        Seg { bytes, len }
    }

    /// Writes the segment at `pos` (`buf` has `SEG_BYTES` of room there) and returns the position after it.
    #[inline(always)]
    pub fn write(&self, buf: &mut [u8], pos: usize) -> usize {
        buf[pos..pos + SEG_BYTES].copy_from_slice(&self.bytes);
        pos + self.len
    }
}

const _: () = assert!(14 + MAX_METHOD_BYTES + 20 <= SEG_BYTES);

/// clf `single`'s ident part.
const CLF_SINGLE: &str = " - [";
/// clf: from after the time to the method.
const CLF_AFTER_TIME: &str = " +0000] \"";

pub struct Segments {
    /// json: `{"timestamp": "`; csv, clf: nothing.
    pub head: Seg,
    /// json/csv: `Z` and what follows the timestamp up to the ip; clf: ` - - [`.
    pub after_time: Seg,
    /// clf `single`: ` - [`.
    pub clf_single: Seg,
    /// clf: ` +0000] "`.
    pub clf_after_time: Seg,
    /// Per method: everything between the ip (json/csv) or the time (clf) and the URL number.
    pub method: Vec<Seg>,
    /// Per status: everything from after the URL number to the end of the line (clf: up to the size).
    pub status: [Seg; 3],
}

impl Segments {
    pub fn new(o: &GenOptions) -> Segments {
        let q = if o.compact { "" } else { " " };
        let per_method = |f: &dyn Fn(&str) -> String| -> Vec<Seg> { o.methods.iter().map(|m| Seg::new(&f(m))).collect() };
        let per_status = |f: &dyn Fn(u16) -> String| STATUSES.map(|s| Seg::new(&f(s)));
        let (head, after_time, method, status) = match o.format {
            GenFormat::Json => (
                format!("{{\"timestamp\":{q}\""),
                format!("Z\",{q}\"ip\":{q}\""),
                per_method(&|m| format!("\",{q}\"method\":{q}\"{m}\",{q}\"url\":{q}\"/resource/")),
                per_status(&|s| format!("\",{q}\"status\":{q}{s}}}\n")),
            ),
            GenFormat::Csv => (String::new(), "Z;".to_owned(), per_method(&|m| format!(";{m};/resource/")), per_status(&|s| format!(";{s}\n"))),
            GenFormat::Clf => (
                String::new(),
                " - - [".to_owned(),
                per_method(&|m| format!("{m} /resource/")),
                per_status(&|s| format!(" HTTP/1.1\" {s} ")),
            ),
        };
        Segments {
            head: Seg::new(&head),
            after_time: Seg::new(&after_time),
            clf_single: Seg::new(CLF_SINGLE),
            clf_after_time: Seg::new(CLF_AFTER_TIME),
            method,
            status,
        }
    }
}

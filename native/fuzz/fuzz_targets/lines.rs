//! Shared by the per-format targets: cuts the input into lines the way a shard hands them to the parser
//! (no `\n`, no trailing `\r`, valid UTF-8, not blank), so a crash found here is one the daemon can hit.

pub fn each_line(data: &[u8], mut f: impl FnMut(&str)) {
    for raw in data.split(|&b| b == b'\n') {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.iter().all(|&b| b == b' ' || b == b'\t') {
            continue;
        }
        if let Ok(text) = std::str::from_utf8(line) {
            f(text);
        }
    }
}

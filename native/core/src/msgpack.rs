//! Decoding the MessagePack bodies of snapshots and window partials. `rmp_serde::from_slice` stops after the
//! first value and ignores what follows, so a checkpoint file with bytes appended (two writes concatenated, a
//! torn rewrite) would restore silently; here anything after the value is an error.

use std::io::Cursor;

use serde::de::DeserializeOwned;

pub fn decode_whole<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let mut reader = Cursor::new(body);
    let value = rmp_serde::from_read(&mut reader).map_err(|e| e.to_string())?;
    let used = reader.position() as usize;
    if used != body.len() {
        return Err(format!("{} bytes after the end of the encoded value", body.len() - used));
    }
    Ok(value)
}

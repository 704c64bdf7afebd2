//! Lines handed to JavaScript as a Buffer that Node owns (a copy), not an external view of Rust memory: the
//! pipeline transfers each chunk's ArrayBuffer to a worker thread, and Node cannot transfer an external one — it
//! silently clones it on every postMessage (seen: the sender's buffer stayed attached) — and frees the Rust side
//! only from a finalizer on this thread's event loop. One memcpy here frees the Vec at once.
use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;

pub struct CopiedBuffer(pub Vec<u8>);

impl TypeName for CopiedBuffer {
    fn type_name() -> &'static str {
        "Buffer"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for CopiedBuffer {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let mut out = ptr::null_mut();
        // SAFETY: `val.0` outlives the call; Node copies its bytes into memory of its own.
        check_status!(
            unsafe { sys::napi_create_buffer_copy(env, val.0.len(), val.0.as_ptr().cast(), ptr::null_mut(), &mut out) },
            "cannot copy a Kafka chunk into a Buffer"
        )?;
        Ok(out)
    }
}

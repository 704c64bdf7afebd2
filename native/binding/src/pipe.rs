//! `growPipe(fd, bytes)`: `logpulse gen` into a pipe (`| cat`, the bench's reader) writes 1 MiB blocks, and
//! Node writes to a pipe synchronously: with the kernel's default 64 KiB pipe every block waits for the reader
//! to take 15 of its 16 parts, so making lines and reading them never overlap. A pipe as large as a block lets
//! the write return at once while the reader catches up.

use napi_derive::napi;

/// Asks the kernel for a pipe buffer of at least `bytes` on `fd` (Linux `F_SETPIPE_SZ`). Returns the size the
/// pipe has now, or -1 when `fd` is no pipe or the kernel refused (above `/proc/sys/fs/pipe-max-size`
/// unprivileged, or the user's pipe budget spent): the pipe then keeps the size it had. Never throws.
#[napi]
pub fn grow_pipe(fd: i32, bytes: u32) -> i32 {
    let Ok(bytes) = libc::c_int::try_from(bytes) else { return -1 };
    #[cfg(target_os = "linux")]
    // SAFETY: F_SETPIPE_SZ only resizes a pipe's buffer; any other fd fails with EBADF/EINVAL and is untouched.
    unsafe {
        let now = libc::fcntl(fd, libc::F_GETPIPE_SZ);
        if now < 0 || now >= bytes {
            return now; // no pipe, or large enough already (never shrink one)
        }
        libc::fcntl(fd, libc::F_SETPIPE_SZ, bytes)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (fd, bytes);
        -1
    }
}

//! glibc's malloc, set once as the module loads (issue 20: memory over weeks). A `file:?follow=true` daemon at
//! 10,000 lines/s climbed for its first 15–20 minutes (generator, tcp-listen and Kafka settled within 5): its
//! ~1 MiB chunks are read on the main thread and freed on a worker, and two glibc defaults kept that memory.
//! - The mmap threshold: glibc raises it every time a large mmapped block is freed, so after the first few chunks
//!   they came from the main arena's heap (71–89 MB there; 35 MB with a fixed 256 KiB threshold, where a chunk is
//!   mmapped and handed back to the kernel when freed).
//! - The arenas: one per thread up to 8 per core, each keeping what its threads freed (thread arenas 47 MB; 11 MB
//!   with two).
//! Measured over 30 minutes, same source and rate: the plateau 191–201 MB against 205–222 MB before, and Kafka
//! flat at 162–168 MB; file → daemon throughput unchanged (5 alternated pairs: wall ×1.00, CPU ×1.02). The
//! climb itself is still there (see the README's Operations section). Arenas made before this runs (Node's own
//! threads) stay; later threads (workers, libuv's pool) share two.
const MMAP_THRESHOLD_BYTES: i32 = 256 * 1024;
const ARENA_MAX: i32 = 2;

#[napi_derive::module_init]
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's parameters.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
        libc::mallopt(libc::M_ARENA_MAX, ARENA_MAX);
    }
}

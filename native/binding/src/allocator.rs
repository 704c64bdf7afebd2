//! glibc's malloc, set once as the module loads (issue 20: memory flat over weeks). Two defaults made a
//! `file:?follow=true` daemon at 10,000 lines/s creep up by 88–105 MB/hour over 30 minutes (generator, tcp-listen
//! and Kafka were flat): its ~1 MiB chunks are read on the main thread and freed on a worker.
//! - The mmap threshold: glibc raises it every time a large mmapped block is freed, so after the first few chunks
//!   they came from the main arena's heap (71–89 MB there, versus 35 MB with a fixed 256 KiB threshold, where a
//!   chunk is mmapped and handed back to the kernel when freed).
//! - The arenas: one per thread up to 8 per core, each keeping what its threads freed. With the environment's
//!   MALLOC_ARENA_MAX=2 the same 12-minute run settled (+8 MB/hour); with the threshold alone it still crept.
//! Arenas made before this runs (Node's own threads) stay; later threads (workers, libuv's pool) share two.
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

//! Giving memory back to the operating system after a heap snapshot.
//!
//! Taking and parsing a snapshot allocates, through malloc, several times the heap's size in
//! small blocks (V8's snapshot graph, the parser's tables). glibc keeps freed blocks for reuse
//! instead of unmapping them, so a process that took one snapshot of a 6 MB heap stayed 40 MB
//! bigger for the rest of its life. Trimming malloc's free lists afterwards returns those pages.

use napi_derive::napi;

/// Returns memory that malloc holds free to the operating system; true if any was returned.
/// Does nothing (and returns false) where the C library has no such call.
#[napi]
pub fn release_free_memory() -> bool {
    trim()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() -> bool {
    // SAFETY: malloc_trim takes no pointers and is thread-safe; it only releases free pages.
    unsafe { libc::malloc_trim(0) == 1 }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() -> bool {
    false
}

/// How far above V8's external-memory limit the nudge in [`start_incremental_gc`] goes. V8's soft
/// limit is the external memory at the last full GC plus 64 MiB; the memory now is at least that
/// low point, so reporting 65 MiB more crosses it.
const NUDGE_BYTES: i64 = 65 * 1024 * 1024;

/// Asks V8 for a full GC the way growing external memory does: V8 starts incremental marking and
/// finishes it on its own schedule, as it does the full GCs it decides on. A forced GC (`gc()`)
/// marks atomically and lets go of every map nothing uses at that instant, so a busy program's
/// optimized code deoptimizes after each one (measured: hundreds of deoptimizations, about 300 ms
/// of CPU per forced GC in bench/overhead.js's server). The 65 MiB are reported and taken back at
/// once: only the crossing counts. Returns the external memory V8 accounts for afterwards.
#[napi]
pub fn start_incremental_gc(env: napi::Env) -> napi::Result<i64> {
    crate::guard("asking V8 for a full GC", || {
        env.adjust_external_memory(NUDGE_BYTES)?;
        env.adjust_external_memory(-NUDGE_BYTES)
    })
}

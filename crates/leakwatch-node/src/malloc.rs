//! Giving memory that malloc holds free back to the operating system.
//!
//! Taking and parsing a snapshot allocates, through malloc, several times the heap's size in
//! small blocks (V8's snapshot graph, the parser's tables). glibc keeps freed blocks mapped for
//! reuse, in the arena of the thread that freed them, where V8 cannot reuse them for its next
//! snapshot: without a trim, a process that took one snapshot stays that much bigger for the rest
//! of its life (bench/heapdiff.js measures the peak RSS).

use napi_derive::napi;

/// Returns memory that malloc holds free to the operating system; true if any was returned.
/// Does nothing (and returns false) where the C library has no such call.
#[napi]
pub fn release_free_memory() -> bool {
    trim()
}

/// Returns malloc's free pages to the kernel; true if any were returned.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(crate) fn trim() -> bool {
    // SAFETY: malloc_trim takes no pointers and takes each arena's lock, so it is safe to call
    // from any thread at any time; it only releases free pages.
    unsafe { libc::malloc_trim(0) == 1 }
}

/// Returns malloc's free pages to the kernel; this C library has no way to, so nothing is.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(crate) fn trim() -> bool {
    false
}

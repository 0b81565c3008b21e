//! Asking V8 for a full garbage collection without forcing one.

use napi_derive::napi;

use crate::panics::catching_panics;

/// How far above V8's external-memory limit the nudge in [`start_incremental_gc`] goes. V8's soft
/// limit is the external memory at the last full GC plus 64 MiB; the memory now is at least that
/// low point, so reporting 65 MiB more crosses it.
const NUDGE_BYTES: i64 = 65 * 1024 * 1024;

/// Asks V8 for a full GC the way growing external memory does: V8 starts incremental marking and
/// finishes it on its own schedule, as it does the full GCs it decides on. A forced GC (`gc()`)
/// marks atomically and lets go of every map nothing uses at that instant, so a busy program's
/// optimized code deoptimizes after each one (bench/overhead.js measures the cost). The 65 MiB
/// are reported and taken back at once: only the crossing counts. Returns the external memory V8
/// accounts for afterwards.
#[napi]
pub fn start_incremental_gc(env: napi::Env) -> napi::Result<i64> {
    catching_panics("asking V8 for a full GC", || {
        env.adjust_external_memory(NUDGE_BYTES)?;
        env.adjust_external_memory(-NUDGE_BYTES)
    })
}

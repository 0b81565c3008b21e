//! The time bound: no input may take longer than 4 x a valid snapshot of its size. Measured in
//! the process's CPU time (all threads), not wall time, because the fuzzer runs at the lowest
//! priority on a shared machine, where a stall of another process's making is not the engine's.
//! libFuzzer's `-timeout` (wall time) stays as the backstop for inputs that never finish.

use std::time::Duration;

/// CPU time of a valid snapshot of `len` bytes, from the fuzz build's timings of real snapshots
/// (fuzz/README.md, "Time bound"): a fixed part for the diffs against the reference snapshot,
/// plus a part per byte; both rounded up so that every valid file measured is under the line.
pub fn valid_file_time(len: usize) -> Duration {
    const FIXED: Duration = Duration::from_millis(150);
    const PER_BYTE: Duration = Duration::from_nanos(1000);
    FIXED + PER_BYTE * len as u32
}

/// The most CPU time an input of `len` bytes may take.
pub fn limit(len: usize) -> Duration {
    valid_file_time(len) * 4
}

/// CPU time used by the whole process so far.
pub fn process_cpu_time() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid timespec for the call to fill.
    let failed = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) } != 0;
    assert!(!failed, "the process's CPU clock is readable on Linux");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

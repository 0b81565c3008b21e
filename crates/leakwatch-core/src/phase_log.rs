//! Where the time and memory of reading and analysing a snapshot go, for benchmarks: with the
//! environment variable `LEAKWATCH_PHASES` set, each phase prints to stderr when it ended and
//! the process's resident and peak resident memory then (bench/README.md, "Big snapshots").

use std::{sync::OnceLock, time::Instant};

/// Whether phases are logged, and when the first one started.
static START: OnceLock<Option<Instant>> = OnceLock::new();

/// Notes that `phase` has just ended, if phases are logged.
pub(crate) fn phase_ended(phase: &str) {
    let Some(start) = START.get_or_init(|| std::env::var_os("LEAKWATCH_PHASES").map(|_| Instant::now())) else {
        return;
    };
    // Linux reports both figures in /proc; elsewhere they are left out.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        let line = status.lines().find(|line| line.starts_with(name)).unwrap_or_default();
        line.get(name.len()..).unwrap_or_default().trim().to_string()
    };
    eprintln!(
        "{:>8.3} s  {phase:<24} RSS {:>12}  peak {:>12}",
        start.elapsed().as_secs_f64(),
        field("VmRSS:"),
        field("VmHWM:")
    );
}

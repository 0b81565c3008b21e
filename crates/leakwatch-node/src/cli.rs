//! The snapshot commands of the npm package's `leakwatch` command, run in-process.
//!
//! npm users get `leakwatch summary`, `diff` and `retainers` from the same code as the Rust
//! binary ([`leakwatch_cli::run`]), so the one platform package that holds the addon serves the
//! library and the command alike, with no Rust toolchain and no second executable to ship.

use napi_derive::napi;

use crate::panics::catching_panics;

/// Runs the `leakwatch` command line `args` (without the program's name: `['summary',
/// 'app.heapsnapshot']`) and returns its exit status, 0 on success or help and 2 on any error.
/// It writes its report to the process's stdout and its errors to stderr itself, and blocks the
/// JS thread until done: it is meant for the command, not for a program at work.
#[napi]
pub fn run_cli(args: Vec<String>) -> napi::Result<u32> {
    catching_panics("running the leakwatch command", || {
        let argv = std::iter::once("leakwatch".to_string()).chain(args);
        Ok(u32::from(leakwatch_cli::run(argv)))
    })
}

//! The `leakwatch` binary: the command of [`leakwatch_cli::run`], with its exit status.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(leakwatch_cli::run(std::env::args_os()))
}

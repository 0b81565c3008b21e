//! The `leakwatch` command: reports on V8 heap snapshots of Node.js programs.
//!
//! [`run`] is the whole command, from the arguments to the exit status. Two front ends call it:
//! the Rust binary (`cargo install leakwatch-cli`) and the npm package's `leakwatch` command,
//! through the Node-API addon, so both print the same reports and exit with the same codes with
//! no Rust toolchain on the machine that runs npm's.
//!
//! A run parses the command line, runs one report over the engine in `leakwatch-core`, and prints
//! the whole report at the end, so that a failure half-way leaves nothing on stdout. Every error
//! becomes one line on stderr and exit status 2.
#![deny(missing_docs)]

mod args;
mod diff;
mod failure;
mod find_leaks;
mod load;
mod progress;
mod render;
mod retainers;
mod room;
mod summary;

use std::{
    ffi::OsString,
    io::{self, Write},
};

use clap::Parser;

use crate::{
    args::{Cli, Command},
    failure::Failure,
    progress::Progress,
};

/// Runs the command line `args` (the program's name first, as in `std::env::args_os()`) and
/// returns the exit status: 0 on success or help, 2 on any error. Reports go to stdout, errors
/// and progress to stderr; nothing here ends the process, so a host process may call it.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        // Help and version are "errors" to clap that print to stdout and exit with 0; usage
        // errors print to stderr and exit with 2.
        Err(err) => {
            let _ = err.print();
            return u8::try_from(err.exit_code()).unwrap_or(2);
        }
    };
    match run_command(&cli.command) {
        Ok(()) => 0,
        Err(failure) => {
            eprintln!("leakwatch: error: {failure}");
            2
        }
    }
}

fn run_command(command: &Command) -> Result<(), Failure> {
    let progress = Progress::start();
    let report = match command {
        Command::Summary { file, output } => summary::run(file, output, &progress)?,
        Command::Diff {
            before,
            after,
            output,
        } => diff::run(before, after, output, &progress)?,
        Command::FindLeaks {
            baseline,
            target,
            last,
            output,
        } => find_leaks::run(baseline, target, last, output, &progress)?,
        Command::Retainers {
            file,
            target,
            paths,
            devtools,
            json,
        } => retainers::run(file, target, *paths, retainers::Notation { devtools: *devtools, json: *json }, &progress)?,
    };
    // The bars must be gone from the terminal before the report is printed under them.
    drop(progress);
    print(&report)
}

/// Writes the finished report to stdout.
fn print(report: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(report.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // A closed pipe (`leakwatch summary x | head`) means the reader has seen enough.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(Failure::new(format!("cannot write the report: {err}"))),
        Ok(()) => Ok(()),
    }
}

/// `value` as pretty-printed JSON, ending in a newline.
fn to_json(value: &impl serde::Serialize) -> Result<String, Failure> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|err| Failure::new(format!("cannot write JSON: {err}")))?;
    text.push('\n');
    Ok(text)
}

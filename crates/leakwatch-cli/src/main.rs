//! The `leakwatch` command: reports on V8 heap snapshots of Node.js programs.
//!
//! The binary is thin: it parses the command line, runs one report over the engine in
//! `leakwatch-core`, and prints the whole report at the end, so that a failure half-way leaves
//! nothing on stdout. Every error becomes one line on stderr and exit status 2.

mod args;
mod diff;
mod failure;
mod load;
mod progress;
mod render;
mod retainers;
mod summary;

use std::{
    io::{self, Write},
    process::ExitCode,
};

use clap::Parser;

use crate::{
    args::{Cli, Command},
    failure::Failure,
    progress::Progress,
};

fn main() -> ExitCode {
    match try_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("leakwatch: error: {failure}");
            ExitCode::from(2)
        }
    }
}

fn try_main() -> Result<(), Failure> {
    // clap prints help, version and usage errors itself; its usage errors exit with status 2 too.
    let cli = Cli::parse();
    let progress = Progress::start();
    let report = match &cli.command {
        Command::Summary { file, output } => summary::run(file, output, &progress)?,
        Command::Diff {
            before,
            after,
            output,
        } => diff::run(before, after, output, &progress)?,
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

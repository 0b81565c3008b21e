//! The command line: subcommands, options and help text.

use std::path::PathBuf;

use clap::{builder::RangedU64ValueParser, Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  Which classes hold the most memory:
    leakwatch summary app.heapsnapshot --top 15

  What grew between two snapshots of one process, as node-memwatch's HeapDiff JSON:
    leakwatch diff before.heapsnapshot after.heapsnapshot --json

  Why the three largest Session objects are still alive, and what in the program holds them:
    leakwatch retainers after.heapsnapshot --class Session --paths 3

  Every shortest way the roots hold object @12345, in DevTools' notation:
    leakwatch retainers after.heapsnapshot --id 12345 --devtools

  What an action left behind: objects allocated between the first two snapshots and still alive
  in the third, taken after the action was undone:
    leakwatch find-leaks baseline.heapsnapshot target.heapsnapshot final.heapsnapshot

A snapshot comes from node's v8.writeHeapSnapshot(), from DevTools (Memory > Save profile), or from
`node --heapsnapshot-signal=SIGUSR2 app.js`.

Exit status: 0 on success, 2 on any error (a one-line message on stderr).";

/// Finds memory leaks in V8 heap snapshots of Node.js programs.
#[derive(Parser, Debug)]
#[command(name = "leakwatch", version, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Classes ranked by retained size: how many objects, their own size, what they keep alive.
    Summary {
        /// The .heapsnapshot file.
        file: PathBuf,
        #[command(flatten)]
        output: Output,
    },
    /// What changed between two snapshots of one process, the class that grew most first.
    Diff {
        /// The earlier snapshot.
        before: PathBuf,
        /// The later snapshot.
        after: PathBuf,
        #[command(flatten)]
        output: Output,
    },
    /// Objects allocated between BASELINE and TARGET that are still alive in FINAL, grouped by
    /// class and retainer-path shape, the group that retains the most first.
    FindLeaks {
        /// The snapshot before the action.
        baseline: PathBuf,
        /// The snapshot after the action.
        target: PathBuf,
        /// The snapshot after the action was undone (or repeated).
        #[arg(value_name = "FINAL")]
        last: PathBuf,
        #[command(flatten)]
        output: Output,
    },
    /// What keeps objects alive: the holder the program's source names, and a shortest path from
    /// the roots (one through the program's code, told from the module it leads to).
    Retainers {
        /// The .heapsnapshot file.
        file: PathBuf,
        #[command(flatten)]
        target: Target,
        /// With --class, how many objects; with --id and --devtools, how many paths.
        #[arg(long, value_name = "K", default_value_t = 5, value_parser = at_least_one())]
        paths: usize,
        /// Show DevTools' shortest paths in full (every object with its @id) instead of the
        /// holder and the program-terms path.
        #[arg(long)]
        devtools: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Options shared by the reports that print a ranked table.
#[derive(Args, Debug)]
pub struct Output {
    /// Show the first N rows [default: 20 in a table, all rows in JSON].
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

impl Output {
    /// How many rows to show: a table is for reading, so it is short unless asked otherwise;
    /// JSON is for programs, so it is complete unless asked otherwise.
    pub fn rows(&self) -> usize {
        self.top.unwrap_or(if self.json { usize::MAX } else { 20 })
    }
}

/// Which objects `retainers` explains: exactly one of `--id` or `--class`.
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct Target {
    /// The object with this id (`@id` in DevTools).
    #[arg(long, value_name = "N")]
    pub id: Option<u32>,
    /// The K largest objects (by retained size) of this class, one path each.
    #[arg(long, value_name = "NAME")]
    pub class: Option<String>,
}

/// Parses a count that must be 1 or more: asking for no paths at all is surely a mistake.
fn at_least_one() -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(1..)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}

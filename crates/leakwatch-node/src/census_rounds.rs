//! The censuses of a leak test's rounds of calls, kept off the JS heap.
//!
//! `assertNoLeak` (lib/leak-test/) snapshots the heap after every round of calls and compares it
//! with the one before, by object id. Whatever it kept in JS from one snapshot to the next would
//! itself grow round after round and pass for a leak, so each round's growth is kept here, with
//! the censuses it needs, and JS reads it once, when the rounds are over.

use std::sync::Arc;

use leakwatch_core::{Analysis, Census, ClassChange, HeapDiff, Retainers, Side};
use napi::{Error, Result};
use napi_derive::napi;
use serde_json::{json, Value};

use crate::{
    heap_diff, malloc,
    panics::catching_panics,
    snapshot_parser::{census_of, SnapshotParser},
};

/// The growth of every class from one snapshot to the next, for a series of snapshots.
#[napi]
pub struct CensusRounds {
    /// The census of the last snapshot added.
    last: Option<Arc<Census>>,
    /// The census that [`CensusRounds::finish`] explains what grew since.
    base: Option<Arc<Census>>,
    /// Per round (between two snapshots added in turn), how each class changed.
    rounds: Vec<Vec<Value>>,
}

/// How one class changed in a round, as JSON: what the verdict needs of a diff row.
fn growth_of(row: &ClassChange) -> Value {
    json!({ "what": row.what, "added": row.added, "removed": row.removed, "size_bytes": row.size_bytes })
}

#[napi]
impl CensusRounds {
    /// An empty series.
    #[napi(constructor)]
    pub fn new() -> CensusRounds {
        CensusRounds { last: None, base: None, rounds: Vec::new() }
    }

    /// Ends `parser`'s snapshot, takes its census and records how each class changed since the
    /// snapshot added before it, if any. Blocks the JS thread.
    #[napi]
    pub fn add(&mut self, parser: &mut SnapshotParser) -> Result<()> {
        let own = parser.own_scripts();
        let parser = parser.take()?;
        catching_panics("analysing the heap snapshot", || {
            // Only the final snapshot's new objects are grouped by path (finish).
            let census = census_of(parser, &own, Side::Before).map_err(Error::from_reason)?;
            self.push(census);
            Ok(())
        })
    }

    /// Makes the last snapshot added the one that `finish` compares the final snapshot with.
    #[napi]
    pub fn mark_base(&mut self) {
        self.base = self.last.clone();
    }

    /// Adds `parser`'s snapshot as [`CensusRounds::add`] does, then compares it with the marked
    /// one and explains the rows of `classes`: the retainer path of the added object of each that
    /// retains the most, and where its constructor is defined. Returns that diff, with only those
    /// rows, best suspect first, as node-memwatch's HeapDiff JSON.
    #[napi]
    pub fn finish(&mut self, parser: &mut SnapshotParser, classes: Vec<String>) -> Result<String> {
        let own = parser.own_scripts();
        let parser = parser.take()?;
        catching_panics("comparing the snapshots", || {
            let json = {
                let snapshot =
                    parser.finish().map_err(|err| Error::from_reason(format!("the heap snapshot is not valid: {err}")))?;
                let analysis = Analysis::new(&snapshot);
                let mut census = Census::new(&snapshot, &analysis, &own, Side::After);
                drop(analysis);
                let own_objects = census.take_own_objects();
                let base = self.base.clone().or_else(|| self.last.clone());
                let mut diff = base.map_or_else(|| HeapDiff::between(&census, &census), |b| HeapDiff::between(&b, &census));
                self.push(census);
                // In the diff's own order, the core's ranking: the program's class before the
                // runtime's containers that grew only because they hold its objects.
                diff.change.details.retain(|row| classes.contains(&row.what));
                diff.explain(&snapshot, &Retainers::leaving_out(&snapshot, own_objects.as_ref()), classes.len());
                heap_diff::to_json(&diff).map_err(Error::from_reason)?
            };
            malloc::trim();
            Ok(json)
        })
    }

    /// Every round's growth as JSON: per round, `{what, added, removed, size_bytes}` per class
    /// that changed.
    #[napi]
    pub fn growth(&self) -> String {
        Value::from(self.rounds.clone()).to_string()
    }

    /// Frees the censuses now rather than when the JS object is collected.
    #[napi]
    pub fn release(&mut self) {
        self.last = None;
        self.base = None;
    }
}

impl CensusRounds {
    fn push(&mut self, census: Census) {
        let census = Arc::new(census);
        if let Some(last) = &self.last {
            let diff = HeapDiff::between(last, &census);
            self.rounds.push(diff.change.details.iter().map(growth_of).collect());
        }
        self.last = Some(census);
    }
}

impl Default for CensusRounds {
    fn default() -> CensusRounds {
        CensusRounds::new()
    }
}

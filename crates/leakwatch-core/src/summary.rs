//! The Summary report: objects grouped by class.

use serde::Serialize;

use crate::{analysis::Analysis, snapshot::HeapSnapshot};

/// One row of the summary: a class and what its objects hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassSummary {
    /// The class name, as DevTools' Summary view shows it.
    pub name: String,
    /// How many objects of the class are on the heap.
    pub count: u64,
    /// Their shallow sizes, added up.
    pub shallow_size: u64,
    /// What freeing all of them would free, counting a class nested in itself once.
    pub retained_size: u64,
}

/// The whole summary of a snapshot, classes ranked by retained size.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// The number of nodes in the snapshot.
    pub node_count: u64,
    /// The number of edges in the snapshot.
    pub edge_count: u64,
    /// The shallow size of every node, added up.
    pub total_size: u64,
    /// Every class, largest retained size first.
    pub classes: Vec<ClassSummary>,
}

impl Summary {
    /// Builds the summary from an analysed snapshot.
    pub fn new(snapshot: &HeapSnapshot, analysis: &Analysis) -> Summary {
        let _ = (snapshot, analysis);
        todo!()
    }

    /// The first `n` classes (all of them if there are fewer).
    pub fn top(&self, n: usize) -> &[ClassSummary] {
        &self.classes[..n.min(self.classes.len())]
    }
}

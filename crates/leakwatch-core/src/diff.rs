//! Comparing two snapshots by object id, in node-memwatch's HeapDiff shape.

use serde::Serialize;

use crate::{analysis::Analysis, snapshot::HeapSnapshot};

/// What a diff needs of one snapshot: every object's id, `what` and shallow size, and each
/// class's retained size. Much smaller than the snapshot, so a HeapDiff can keep its "before"
/// side for as long as it runs without holding a graph.
pub struct Census {
    pub(crate) nodes: u64,
    pub(crate) size_bytes: u64,
}

impl Census {
    /// Takes the census of an analysed snapshot.
    pub fn new(snapshot: &HeapSnapshot, analysis: &Analysis) -> Census {
        let _ = (snapshot, analysis);
        todo!()
    }
}

/// Totals of one side of a diff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeapTotals {
    /// The number of nodes in the snapshot.
    pub nodes: u64,
    /// The shallow size of every node, added up.
    pub size_bytes: u64,
    /// `size_bytes` for people, as node-memwatch prints it.
    pub size: String,
}

/// How one class changed between the snapshots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassChange {
    /// node-memwatch's name for the class: the constructor name, or `Array`, `String`, `Code`,
    /// `Closure`, `RegExp`, `Number`, `Native`.
    pub what: String,
    /// Shallow size of the added objects minus that of the deleted ones.
    pub size_bytes: i64,
    /// `size_bytes` for people.
    pub size: String,
    /// How many objects of the class were added.
    #[serde(rename = "+")]
    pub added: u64,
    /// How many objects of the class were deleted.
    #[serde(rename = "-")]
    pub removed: u64,
    /// The change in the class's retained size.
    pub retained_size_bytes: i64,
}

/// The change between the two sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The change in total size.
    pub size_bytes: i64,
    /// `size_bytes` for people.
    pub size: String,
    /// How many objects of the first snapshot are gone in the second.
    pub freed_nodes: u64,
    /// How many objects of the second snapshot were not in the first.
    pub allocated_nodes: u64,
    /// Per class, the class that grew most in retained size first.
    pub details: Vec<ClassChange>,
}

/// A comparison of two snapshots of one process, shaped as node-memwatch's HeapDiff result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeapDiff {
    /// The first snapshot.
    pub before: HeapTotals,
    /// The second snapshot.
    pub after: HeapTotals,
    /// What changed.
    pub change: Change,
}

impl HeapDiff {
    /// Compares two censuses of the same process.
    pub fn between(before: &Census, after: &Census) -> HeapDiff {
        let _ = (before, after);
        todo!()
    }
}

//! What DevTools computes over the graph: distances, dominators, retained sizes, classes.

use crate::snapshot::HeapSnapshot;

/// The results of analysing one snapshot, indexed by node ordinal.
pub struct Analysis {
    pub(crate) dominators: Vec<u32>,
    pub(crate) retained_sizes: Vec<u64>,
    pub(crate) distances: Vec<u32>,
    pub(crate) class_of: Vec<u32>,
    pub(crate) class_names: Vec<String>,
}

/// The distance given to nodes that cannot be reached from the root without weak edges.
pub const UNREACHABLE: u32 = u32::MAX;

impl Analysis {
    /// Computes distances, the dominator tree, retained sizes and class names.
    pub fn new(snapshot: &HeapSnapshot) -> Analysis {
        let _ = snapshot;
        todo!()
    }

    /// The immediate dominator of node `ordinal` (the root dominates itself).
    pub fn dominator(&self, ordinal: u32) -> u32 {
        self.dominators[ordinal as usize]
    }

    /// The retained size of node `ordinal`: the bytes freed if it were gone.
    pub fn retained_size(&self, ordinal: u32) -> u64 {
        self.retained_sizes[ordinal as usize]
    }

    /// The number of edges on a shortest path from the user roots, or `None` when the node is
    /// reachable only through weak edges.
    pub fn distance(&self, ordinal: u32) -> Option<u32> {
        let d = self.distances[ordinal as usize];
        (d != UNREACHABLE).then_some(d)
    }

    /// The class index of node `ordinal`.
    pub fn class_of(&self, ordinal: u32) -> u32 {
        self.class_of[ordinal as usize]
    }

    /// The name of class `class`, as DevTools' Summary view shows it.
    pub fn class_name(&self, class: u32) -> &str {
        &self.class_names[class as usize]
    }

    /// The number of distinct classes.
    pub fn class_count(&self) -> usize {
        self.class_names.len()
    }

    /// The index of the class called `name`.
    pub fn find_class(&self, name: &str) -> Option<u32> {
        self.class_names.iter().position(|c| c == name).map(|i| i as u32)
    }
}

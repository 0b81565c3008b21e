//! Comparing two snapshots by object id, in node-memwatch's HeapDiff shape.

use std::collections::HashMap;

use serde::Serialize;

use crate::{
    analysis::Analysis,
    classes::{memwatch_what, nice_size, Classes},
    snapshot::{HeapSnapshot, NodeKind},
};

/// What a diff needs of one snapshot: every object's id, `what` and shallow size, and each
/// class's retained size. Much smaller than the snapshot (12 bytes an object), so a HeapDiff can
/// keep its "before" side for as long as it runs without holding a graph.
pub struct Census {
    nodes: u64,
    size_bytes: u64,
    /// Every object, sorted by id.
    objects: Vec<Object>,
    /// The `what` of each class; "" for the node types node-memwatch leaves out.
    class_names: Vec<String>,
    class_retained: Vec<u64>,
}

#[derive(Clone, Copy)]
struct Object {
    id: u32,
    class: u32,
    size: u32,
}

impl Census {
    /// Takes the census of an analysed snapshot, grouping objects by node-memwatch's `what`.
    /// Like node-memwatch, it leaves out the `HeapDiff` objects themselves.
    pub fn new(snapshot: &HeapSnapshot, analysis: &Analysis) -> Census {
        let classes = Classes::by(snapshot, |ordinal| {
            let is_heap_diff =
                snapshot.node_kind(ordinal) == NodeKind::Object && snapshot.node_name(ordinal) == "HeapDiff";
            if is_heap_diff {
                None
            } else {
                memwatch_what(snapshot, ordinal)
            }
        });
        let class_retained = analysis.retained_by_class(&classes);
        let mut objects: Vec<Object> = (0..snapshot.node_count())
            .map(|i| Object { id: snapshot.node_ids[i], class: classes.of[i], size: snapshot.self_sizes[i] })
            .collect();
        objects.sort_unstable_by_key(|object| object.id);
        Census {
            nodes: snapshot.node_count() as u64,
            size_bytes: snapshot.total_size(),
            objects,
            class_names: classes.names,
            class_retained,
        }
    }

    fn totals(&self) -> HeapTotals {
        HeapTotals { nodes: self.nodes, size_bytes: self.size_bytes, size: nice_size(self.size_bytes as i64) }
    }

    /// The retained size of each named class.
    fn retained_by_name(&self) -> HashMap<&str, u64> {
        self.class_names.iter().map(String::as_str).zip(self.class_retained.iter().copied()).collect()
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
    ///
    /// Objects are matched by id: ids only in `after` were allocated, ids only in `before` were
    /// freed. Classes appear in `details` when at least one of their objects changed.
    pub fn between(before: &Census, after: &Census) -> HeapDiff {
        let (mut freed, mut allocated) = (0u64, 0u64);
        // Per `what`: objects added, objects removed, shallow size change.
        let mut changes: HashMap<&str, (u64, u64, i64)> = HashMap::new();
        let (mut i, mut j) = (0, 0);
        let (old, new) = (&before.objects, &after.objects);
        while i < old.len() || j < new.len() {
            let old_id = old.get(i).map_or(u64::MAX, |o| u64::from(o.id));
            let new_id = new.get(j).map_or(u64::MAX, |o| u64::from(o.id));
            if old_id == new_id {
                i += 1;
                j += 1;
            } else if old_id < new_id {
                freed += 1;
                let object = old[i];
                let entry = changes.entry(before.class_names[object.class as usize].as_str()).or_default();
                entry.1 += 1;
                entry.2 -= i64::from(object.size);
                i += 1;
            } else {
                allocated += 1;
                let object = new[j];
                let entry = changes.entry(after.class_names[object.class as usize].as_str()).or_default();
                entry.0 += 1;
                entry.2 += i64::from(object.size);
                j += 1;
            }
        }
        let retained_before = before.retained_by_name();
        let retained_after = after.retained_by_name();
        let mut details: Vec<ClassChange> = changes
            .into_iter()
            .filter(|(what, _)| !what.is_empty())
            .map(|(what, (added, removed, size_bytes))| {
                let retained = |side: &HashMap<&str, u64>| side.get(what).copied().unwrap_or(0) as i64;
                ClassChange {
                    what: what.to_string(),
                    size_bytes,
                    size: nice_size(size_bytes),
                    added,
                    removed,
                    retained_size_bytes: retained(&retained_after) - retained(&retained_before),
                }
            })
            .collect();
        details.sort_by(|a, b| {
            b.retained_size_bytes
                .cmp(&a.retained_size_bytes)
                .then(b.size_bytes.cmp(&a.size_bytes))
                .then(b.added.cmp(&a.added))
                .then(a.what.cmp(&b.what))
        });
        let size_bytes = after.size_bytes as i64 - before.size_bytes as i64;
        HeapDiff {
            before: before.totals(),
            after: after.totals(),
            change: Change {
                size_bytes,
                size: nice_size(size_bytes),
                freed_nodes: freed,
                allocated_nodes: allocated,
                details,
            },
        }
    }
}

//! Distances from the user roots, as DevTools' Distance column shows them.

use std::collections::{HashSet, VecDeque};

use crate::{
    bits::BitSet,
    essential::WeakMapEdges,
    snapshot::{EdgeKind, EdgeLabel, HeapSnapshot, NodeKind, ROOT},
    user_roots::user_roots,
};

/// The distance of nodes that only weak edges reach.
pub(crate) const UNREACHABLE: u32 = u32::MAX;

/// The distance of a node left out while the search runs: any value but [`UNREACHABLE`] keeps
/// the search out, and none is reached this far.
const LEFT_OUT: u32 = u32::MAX - 1;

/// Added to the distance of everything reached only from the system roots, as DevTools does.
pub(crate) const SYSTEM_DISTANCE: u32 = 100_000_000;

/// Breadth-first distances: the user roots (the global objects, see [`user_roots`]) are at 1;
/// whatever they do not reach is measured from the root, at [`SYSTEM_DISTANCE`]. Weak edges are
/// not followed; nodes they alone reach are [`UNREACHABLE`]. So are the nodes of `leaving_out`,
/// which no path goes through.
pub(crate) fn distances(snapshot: &HeapSnapshot, weakmaps: &WeakMapEdges, leaving_out: Option<&BitSet>) -> Vec<u32> {
    let mut distance = vec![UNREACHABLE; snapshot.node_count()];
    // A node left out looks already reached, so the search never enters it; it is unreachable
    // again once the search is done.
    if let Some(left_out) = leaving_out {
        for (node, slot) in distance.iter_mut().enumerate() {
            if left_out.contains(node) {
                *slot = LEFT_OUT;
            }
        }
    }
    let mut queue = VecDeque::new();
    let mut first_of_pair = HashSet::new();
    for to in user_roots(snapshot) {
        if distance[to as usize] == UNREACHABLE {
            distance[to as usize] = 1;
            queue.push_back(to);
        }
    }
    let had_user_roots = !queue.is_empty();
    breadth_first(snapshot, weakmaps, &mut distance, &mut queue, &mut first_of_pair);
    distance[ROOT as usize] = if had_user_roots { SYSTEM_DISTANCE } else { 0 };
    queue.push_back(ROOT);
    breadth_first(snapshot, weakmaps, &mut distance, &mut queue, &mut first_of_pair);
    if leaving_out.is_some() {
        for slot in distance.iter_mut().filter(|slot| **slot == LEFT_OUT) {
            *slot = UNREACHABLE;
        }
    }
    distance
}

fn breadth_first(
    snapshot: &HeapSnapshot,
    weakmaps: &WeakMapEdges,
    distance: &mut [u32],
    queue: &mut VecDeque<u32>,
    first_of_pair: &mut HashSet<u32>,
) {
    while let Some(node) = queue.pop_front() {
        let next = distance[node as usize] + 1;
        let skipped = SkippedEdges::of(snapshot, node);
        for e in snapshot.edges_of(node) {
            let to = snapshot.edge_target(e);
            if distance[to as usize] != UNREACHABLE || snapshot.edge_kind(e) == EdgeKind::Weak {
                continue;
            }
            if skipped.skips(snapshot, e) {
                continue;
            }
            // Of a WeakMap entry's two edges (table and key), the first seen does not count, so
            // that the value is as far as the farther of the two.
            if let Some((_, pair)) = weakmaps.entry(snapshot, e as usize) {
                if first_of_pair.insert(pair) {
                    continue;
                }
            }
            distance[to as usize] = next;
            queue.push_back(to);
        }
    }
}

/// The edges of two V8 internals that DevTools leaves out of distances, so that they do not
/// make everything look close to the system roots.
enum SkippedEdges {
    None,
    /// A native context's `sloppy_function_map`.
    SloppyFunctionMap,
    /// The value slots of a map's descriptor array.
    DescriptorValues,
}

impl SkippedEdges {
    fn of(snapshot: &HeapSnapshot, node: u32) -> SkippedEdges {
        match snapshot.node_kind(node) {
            NodeKind::Hidden if snapshot.node_name(node) == "system / NativeContext" => SkippedEdges::SloppyFunctionMap,
            NodeKind::Array if snapshot.node_name(node) == "(map descriptors)" => SkippedEdges::DescriptorValues,
            _ => SkippedEdges::None,
        }
    }

    fn skips(&self, snapshot: &HeapSnapshot, edge: u32) -> bool {
        match self {
            SkippedEdges::None => false,
            SkippedEdges::SloppyFunctionMap => {
                matches!(snapshot.edge_label(edge), EdgeLabel::Name("sloppy_function_map"))
            }
            SkippedEdges::DescriptorValues => {
                // V8 may name these slots by number or by a numeric string.
                let index = match snapshot.edge_label(edge) {
                    EdgeLabel::Index(index) => Some(index),
                    EdgeLabel::Name(name) => name.parse().ok(),
                };
                matches!(index, Some(k) if k >= 2 && k % 3 == 1)
            }
        }
    }
}

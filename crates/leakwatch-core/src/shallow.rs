//! DevTools' shallow-size transfer: an internal array or hidden object that belongs to exactly
//! one object counts as part of that object.

use crate::snapshot::{EdgeKind, HeapSnapshot, NodeKind, ROOT};

const UNVISITED: u32 = u32::MAX;
const SHARED: u32 = u32::MAX - 1;

/// The shallow sizes the Summary view shows: each `hidden` or `array` node, or external string
/// data, reachable from a single owning object (over edges that are not weak) gives its size to
/// that owner and shows 0.
/// Owners that are the root or synthetic keep nothing. DevTools skips this step when the
/// snapshot has no user roots; so does this.
pub(crate) fn transferred_sizes(snapshot: &HeapSnapshot) -> Vec<u32> {
    let mut sizes = snapshot.self_sizes.clone();
    let has_user_roots =
        snapshot.edges_of(ROOT).any(|e| snapshot.node_kind(snapshot.edge_target(e)) != NodeKind::Synthetic);
    if !has_user_roots {
        return sizes;
    }
    let n = snapshot.node_count();
    // The native node V8 writes for the characters of an external string.
    let external_string_data = snapshot.strings.find("system / ExternalStringData");
    let is_part = |ordinal: u32| match snapshot.node_kind(ordinal) {
        NodeKind::Hidden | NodeKind::Array => true,
        NodeKind::Native => Some(snapshot.node_names[ordinal as usize]) == external_string_data,
        _ => false,
    };
    let mut owner: Vec<u32> = (0..n as u32).map(|i| if is_part(i) { UNVISITED } else { i }).collect();
    // Each object hands ownership down to the parts it reaches. The result does not depend on
    // the order, so one object at a time keeps the stack small.
    let mut stack: Vec<u32> = Vec::new();
    for start in (0..n as u32).filter(|&i| !is_part(i)) {
        stack.push(start);
        while let Some(node) = stack.pop() {
            let node_owner = owner[node as usize];
            for e in snapshot.edges_of(node) {
                if snapshot.edge_kind(e) == EdgeKind::Weak {
                    continue;
                }
                let to = snapshot.edge_target(e);
                let to_owner = owner[to as usize];
                if to_owner == UNVISITED {
                    owner[to as usize] = node_owner;
                    stack.push(to);
                } else if to_owner != to && to_owner != node_owner && to_owner != SHARED {
                    owner[to as usize] = SHARED;
                    stack.push(to);
                }
            }
        }
    }
    for ordinal in 0..n {
        let o = owner[ordinal];
        if o == UNVISITED || o == SHARED || o as usize == ordinal {
            continue;
        }
        if o == ROOT || snapshot.node_kind(o) == NodeKind::Synthetic {
            continue;
        }
        sizes[o as usize] = sizes[o as usize].saturating_add(sizes[ordinal]);
        sizes[ordinal] = 0;
    }
    sizes
}

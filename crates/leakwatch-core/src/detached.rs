//! Which embedder objects DevTools calls detached: those V8 marked detached, and the embedder
//! objects they reach that nothing attached reaches.

use crate::{
    bits::BitSet,
    snapshot::{EdgeKind, HeapSnapshot, NodeKind},
};

/// A node's `detachedness` when the embedder knows it is attached.
const ATTACHED: u8 = 1;
/// A node's `detachedness` when the embedder knows it is detached.
const DETACHED: u8 = 2;

/// The native nodes DevTools shows as `Detached ...`, or `None` when the snapshot marks no node
/// either way (snapshots of programs without a DOM, mostly).
///
/// The embedder marks some of its objects attached or detached; DevTools spreads the marks to the
/// unmarked native objects they reach over edges that are neither hidden nor weak, attached
/// first, so that a native object reached from both sides is attached. The spreading stops at
/// any node that is not native: JavaScript objects carry no state.
pub(crate) fn detached_natives(snapshot: &HeapSnapshot) -> Option<BitSet> {
    if !snapshot.detachedness.has_values() {
        return None;
    }
    let n = snapshot.node_count();
    let mut seen = BitSet::new(n);
    let mut detached = BitSet::new(n);
    let mut attached_stack = Vec::new();
    let mut detached_stack = Vec::new();
    // Marks `ordinal` with `state` unless it already has one; returns whether it was marked.
    let mark = |ordinal: u32, state: u8, seen: &mut BitSet, detached: &mut BitSet| {
        if seen.contains(ordinal as usize) {
            return false;
        }
        seen.insert(ordinal as usize);
        if snapshot.node_kind(ordinal) != NodeKind::Native {
            return false;
        }
        if state == DETACHED {
            detached.insert(ordinal as usize);
        }
        true
    };
    for ordinal in 0..n as u32 {
        let state = snapshot.detachedness(ordinal);
        if state != 0 && mark(ordinal, state, &mut seen, &mut detached) {
            match state {
                ATTACHED => attached_stack.push(ordinal),
                DETACHED => detached_stack.push(ordinal),
                _ => {}
            }
        }
    }
    let spreads = |e: u32| !matches!(snapshot.edge_kind(e), EdgeKind::Hidden | EdgeKind::Weak);
    while let Some(node) = attached_stack.pop() {
        for e in snapshot.edges_of(node).filter(|&e| spreads(e)) {
            let to = snapshot.edge_target(e);
            if mark(to, ATTACHED, &mut seen, &mut detached) {
                attached_stack.push(to);
            }
        }
    }
    while let Some(node) = detached_stack.pop() {
        for e in snapshot.edges_of(node).filter(|&e| spreads(e)) {
            let to = snapshot.edge_target(e);
            if mark(to, DETACHED, &mut seen, &mut detached) {
                detached_stack.push(to);
            }
        }
    }
    Some(detached)
}

#[cfg(test)]
mod tests {
    use crate::{Analysis, HeapSnapshot, Summary};

    /// The (name, count) rows of the summary of a snapshot of natives marked as `detachedness`
    /// says, with the given edges.
    fn rows(nodes: &str, edges: &str, strings: &str) -> Vec<(String, u64)> {
        let (node_count, edge_count) = (nodes.split(',').count() / 6, edges.split(',').count() / 3);
        let json = format!(
            r#"{{"snapshot":{{"meta":{{"node_fields":["type","name","id","self_size","edge_count","detachedness"],
            "node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"]],
            "edge_fields":["type","name_or_index","to_node"],
            "edge_types":[["context","element","property","internal","hidden","shortcut","weak"]]}},
            "node_count":{node_count},"edge_count":{edge_count}}},"nodes":[{nodes}],"edges":[{edges}],"strings":[{strings}]}}"#
        );
        let snapshot = HeapSnapshot::read(json.as_bytes()).unwrap();
        let mut rows: Vec<_> =
            Summary::new(&snapshot, &Analysis::new(&snapshot)).classes.into_iter().map(|c| (c.name, c.count)).collect();
        rows.sort();
        rows
    }

    #[test]
    fn natives_reached_from_detached_ones_only_are_detached_too() {
        // The root holds A (detached) and C (attached). A reaches B, D, a JS object J and, weakly,
        // F; C reaches B; J reaches E. B is attached (attached goes first), D detached; E and F
        // stay unknown: the state crosses neither JS objects nor weak edges.
        let nodes = "9,0,1,0,2,0, 8,1,3,10,4,2, 8,1,5,10,1,1, 8,1,7,10,0,0, 8,1,9,10,0,0, \
                     3,2,11,10,1,0, 8,1,13,10,0,0, 8,1,15,10,0,0";
        let edges = "1,0,6,1,1,12, 2,2,18,2,2,24,2,2,30,6,2,42, 2,2,18, 2,2,36";
        let summary = rows(nodes, edges, r#""","Node / X","p""#);
        assert_eq!(summary, [("Detached Node / X".into(), 2), ("Node / X".into(), 4), ("p".into(), 1)]);
    }

    #[test]
    fn elements_are_grouped_by_tag() {
        // Two attached <div>s with attributes, and a detached one.
        let nodes = "9,0,1,0,3,0, 8,1,3,10,0,1, 8,2,5,10,0,1, 8,1,7,10,0,2";
        let edges = "1,0,6,1,1,12,1,2,18";
        let summary = rows(nodes, edges, r#""","<div id=\"a\">","<div class=\"b c\">""#);
        assert_eq!(summary, [("<div>".into(), 2), ("Detached <div>".into(), 1)]);
    }
}

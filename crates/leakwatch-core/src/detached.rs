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

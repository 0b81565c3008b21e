//! Which edges keep their target alive, in Chrome DevTools' sense.

use std::collections::HashMap;

use crate::{
    bits::BitSet,
    snapshot::{EdgeKind, HeapSnapshot, NodeKind, ROOT},
};

/// The internal edges V8 writes for a WeakMap entry, found by their names.
///
/// V8 names both the key→value and the table→value edge of an entry
/// `"<n> / part of key (K @k) -> value (V @v) pair in WeakMap (table @t)"`. DevTools keeps the key's
/// edge and drops the table's, so that a WeakMap does not appear to retain its values.
pub(crate) struct WeakMapEdges {
    /// Strings that have the WeakMap entry form.
    names: BitSet,
    /// For each such string: the table's id, and a number shared by the two edges of the entry.
    entries: HashMap<u32, (u32, u32)>,
}

impl WeakMapEdges {
    pub(crate) fn find(snapshot: &HeapSnapshot) -> WeakMapEdges {
        let strings = &snapshot.strings;
        let mut names = BitSet::new(strings.len());
        let mut entries = HashMap::new();
        let mut pairs: HashMap<&str, u32> = HashMap::new();
        for index in 0..strings.len() as u32 {
            let text = strings.get(index);
            // Most strings fail this cheap test, which spares them the parse.
            if !text.ends_with(')') {
                continue;
            }
            if let Some((pair, table)) = parse_weakmap_edge_name(text) {
                names.insert(index as usize);
                let next = pairs.len() as u32;
                let pair_id = *pairs.entry(pair).or_insert(next);
                entries.insert(index, (table, pair_id));
            }
        }
        WeakMapEdges { names, entries }
    }

    /// The table id and entry number of edge `edge`, if it is a WeakMap entry edge.
    #[inline]
    pub(crate) fn entry(&self, snapshot: &HeapSnapshot, edge: usize) -> Option<(u32, u32)> {
        if snapshot.edge_kind(edge as u32) != EdgeKind::Internal {
            return None;
        }
        let name = snapshot.edge_name_or_index(edge as u32);
        if !self.names.contains(name as usize) {
            return None;
        }
        self.entries.get(&name).copied()
    }
}

/// Splits `"<n> / part of key (…) -> value (…) pair in WeakMap (table @<t>)"` into the part after
/// `" / "` and the table id.
fn parse_weakmap_edge_name(text: &str) -> Option<(&str, u32)> {
    let (index, pair) = text.split_once(" / ")?;
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !pair.starts_with("part of key (") || !pair.contains(") -> value (") {
        return None;
    }
    let table = pair.strip_suffix(')')?.rsplit_once(" pair in WeakMap (table @")?.1;
    Some((pair, table.parse().ok()?))
}

/// The nodes reachable from the user globals (the targets of the root's shortcut edges) through
/// edges that are not weak. DevTools calls them page objects.
pub(crate) fn page_owned_nodes(snapshot: &HeapSnapshot) -> BitSet {
    let mut owned = BitSet::new(snapshot.node_count());
    let mut stack = Vec::new();
    for e in snapshot.edges_of(ROOT) {
        let to = snapshot.edge_target(e);
        let is_seed = match snapshot.edge_kind(e) {
            EdgeKind::Shortcut => true,
            EdgeKind::Element => {
                snapshot.node_kind(to) == NodeKind::Synthetic && snapshot.node_name(to) == "(Document DOM trees)"
            }
            _ => false,
        };
        if is_seed && !owned.contains(to as usize) {
            owned.insert(to as usize);
            stack.push(to);
        }
    }
    while let Some(node) = stack.pop() {
        for e in snapshot.edges_of(node) {
            let to = snapshot.edge_target(e);
            if snapshot.edge_kind(e) != EdgeKind::Weak && !owned.contains(to as usize) {
                owned.insert(to as usize);
                stack.push(to);
            }
        }
    }
    owned
}

/// The edges the dominator tree follows, and how many of them point at each node.
pub(crate) struct Essential {
    /// The essential edges, by edge index.
    pub(crate) edges: BitSet,
    /// How many essential edges point at each node, by ordinal.
    pub(crate) retainer_counts: Vec<u32>,
}

/// The edges the dominator tree follows. Left out: weak edges, self edges, a WeakMap table's edges
/// to its values, and, except from the root, shortcut edges and edges from outside the page
/// objects into them.
pub(crate) fn essential_edges(snapshot: &HeapSnapshot, weakmaps: &WeakMapEdges) -> Essential {
    let page = page_owned_nodes(snapshot);
    let mut essential = BitSet::new(snapshot.edge_count());
    let mut retainer_counts = vec![0u32; snapshot.node_count()];
    for from in 0..snapshot.node_count() as u32 {
        let from_id = snapshot.node_id(from);
        let from_page = page.contains(from as usize);
        for e in snapshot.edges_of(from) {
            let kind = snapshot.edge_kind(e);
            let to = snapshot.edge_target(e);
            if kind == EdgeKind::Weak || to == from {
                continue;
            }
            if matches!(weakmaps.entry(snapshot, e as usize), Some((table, _)) if table == from_id) {
                continue;
            }
            if from != ROOT && (kind == EdgeKind::Shortcut || (page.contains(to as usize) && !from_page)) {
                continue;
            }
            essential.insert(e as usize);
            retainer_counts[to as usize] += 1;
        }
    }
    Essential { edges: essential, retainer_counts }
}

#[cfg(test)]
mod tests {
    use super::parse_weakmap_edge_name;

    #[test]
    fn recognises_weakmap_entry_edges() {
        let name = "3 / part of key (Object @123) -> value (Foo @125) pair in WeakMap (table @77)";
        assert_eq!(
            parse_weakmap_edge_name(name),
            Some(("part of key (Object @123) -> value (Foo @125) pair in WeakMap (table @77)", 77))
        );
        assert_eq!(parse_weakmap_edge_name("table"), None);
        assert_eq!(parse_weakmap_edge_name("x / part of key (a) -> value (b) pair in WeakMap (table @1)"), None);
    }
}

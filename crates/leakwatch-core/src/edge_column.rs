//! The kind and name of every edge, packed into one `u32` per edge.

use crate::snapshot::EdgeKind;

/// Bits of a packed edge that hold its kind: enough for every [`EdgeKind`].
const KIND_BITS: u32 = 3;

/// The packed name that means "the name is in the side table": names this large are rare (a
/// sparse array's element index past 2²⁹, or a string table past 500 million strings).
const LARGE_NAME: u32 = u32::MAX >> KIND_BITS;

/// Each edge's [`EdgeKind`] and `name_or_index` in one column, four bytes an edge instead of five
/// in two columns; names that do not fit beside the kind are kept by edge in a side table.
#[derive(Default)]
pub(crate) struct EdgeKindsAndNames {
    /// `name << KIND_BITS | kind` for each edge, by edge index.
    packed: Vec<u32>,
    /// The names that do not fit, as (edge index, name), sorted by edge index.
    large_names: Vec<(u32, u32)>,
}

impl EdgeKindsAndNames {
    /// An empty column that fills `room`, an empty vector reserved ahead.
    pub(crate) fn in_room(room: Vec<u32>) -> EdgeKindsAndNames {
        debug_assert!(room.is_empty());
        EdgeKindsAndNames { packed: room, large_names: Vec::new() }
    }

    /// Makes room for `extra` more edges, exactly.
    pub(crate) fn reserve_exact(&mut self, extra: usize) {
        self.packed.reserve_exact(extra);
    }

    /// Appends the next edge's kind and name.
    #[inline]
    pub(crate) fn push(&mut self, kind: EdgeKind, name: u32) {
        let stored = if name >= LARGE_NAME {
            self.large_names.push((self.packed.len() as u32, name));
            LARGE_NAME
        } else {
            name
        };
        self.packed.push(stored << KIND_BITS | kind as u32);
    }

    /// The number of edges.
    pub(crate) fn len(&self) -> usize {
        self.packed.len()
    }

    /// The kind of edge `edge`.
    #[inline]
    pub(crate) fn kind(&self, edge: u32) -> EdgeKind {
        EDGE_KINDS[(self.packed[edge as usize] & ((1 << KIND_BITS) - 1)) as usize]
    }

    /// The `name_or_index` of edge `edge`.
    #[inline]
    pub(crate) fn name(&self, edge: u32) -> u32 {
        let name = self.packed[edge as usize] >> KIND_BITS;
        if name != LARGE_NAME {
            return name;
        }
        let at = self.large_names.binary_search_by_key(&edge, |&(e, _)| e);
        at.map_or(name, |at| self.large_names[at].1)
    }

    /// Every edge's kind and name, in edge order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (EdgeKind, u32)> + '_ {
        (0..self.len() as u32).map(|edge| (self.kind(edge), self.name(edge)))
    }
}

/// The kinds by their discriminant, to unpack a kind without `unsafe`.
const EDGE_KINDS: [EdgeKind; 1 << KIND_BITS] = [
    EdgeKind::Context,
    EdgeKind::Element,
    EdgeKind::Property,
    EdgeKind::Internal,
    EdgeKind::Hidden,
    EdgeKind::Shortcut,
    EdgeKind::Weak,
    EdgeKind::Other,
];

#[cfg(test)]
mod tests {
    use super::{EdgeKindsAndNames, EDGE_KINDS, LARGE_NAME};

    #[test]
    fn every_kind_and_name_comes_back_as_pushed() {
        for (discriminant, kind) in EDGE_KINDS.iter().enumerate() {
            assert_eq!(*kind as usize, discriminant, "{kind:?}");
        }
        let names = [0, 1, 7, LARGE_NAME - 1, LARGE_NAME, LARGE_NAME + 1, u32::MAX - 1, u32::MAX, 12345];
        let mut column = EdgeKindsAndNames::default();
        let pushed: Vec<_> = names.iter().enumerate().map(|(i, &name)| (EDGE_KINDS[i % EDGE_KINDS.len()], name)).collect();
        for &(kind, name) in &pushed {
            column.push(kind, name);
        }
        assert_eq!(column.iter().collect::<Vec<_>>(), pushed);
    }
}

//! The shape of each object's retainer path, which groups the new objects of one class by the
//! leak that holds them.
//!
//! A shape is what stays the same along the paths of the objects one leak makes: the classes of
//! the nodes and the names of the edges from the root down, with element indices and numeric
//! keys folded. The 100,000 objects pushed on one array share a shape; objects of one class held
//! by two containers have two.

use std::collections::VecDeque;

use crate::{
    bits::BitSet,
    snapshot::{EdgeKind, EdgeLabel, HeapSnapshot, NodeKind, ROOT},
};

/// The shape of nodes that only weak edges reach: no path, no group.
pub(crate) const NO_SHAPE: u64 = 0;

/// For every node, a hash of the shape of one shortest path from the root to it: the path
/// through its parent in a breadth-first search, so each node's shape extends its parent's
/// (8 bytes a node, one pass over the edges). [`NO_SHAPE`] for nodes only weak edges reach, and
/// for the nodes in `leaving_out` (leakwatch's own objects), which no path goes through.
pub(crate) fn path_shapes(snapshot: &HeapSnapshot, leaving_out: Option<&BitSet>) -> Vec<u64> {
    let mut shapes = vec![NO_SHAPE; snapshot.node_count()];
    let mut edge_names = EdgeNameShapes::new(snapshot);
    let is_left_out = |node: u32| leaving_out.is_some_and(|own| own.contains(node as usize));
    shapes[ROOT as usize] = mix(0x6c65_616b_7761_7463, 0);
    let mut queue = VecDeque::from([ROOT]);
    while let Some(node) = queue.pop_front() {
        let shape = shapes[node as usize];
        for e in snapshot.edges_of(node) {
            let to = snapshot.edge_target(e);
            if shapes[to as usize] != NO_SHAPE || snapshot.edge_kind(e) == EdgeKind::Weak || is_left_out(to) {
                continue;
            }
            let step = mix(edge_names.edge_shape(snapshot, e), node_shape(snapshot, to));
            shapes[to as usize] = mix(shape, step).max(1);
            queue.push_back(to);
        }
    }
    shapes
}

/// How edges look to a shape: the kind and the name, with element indices and numeric names
/// (a key such as `"1024"`) folded into one. Each name is read and parsed once, by its index in
/// the string table: the search meets a name once per node it leads to.
struct EdgeNameShapes {
    /// 0 not looked at yet, 1 not a number, 2 a number; by string index.
    known: Vec<u8>,
}

impl EdgeNameShapes {
    fn new(snapshot: &HeapSnapshot) -> EdgeNameShapes {
        EdgeNameShapes { known: vec![0; snapshot.strings.len()] }
    }

    /// The shape of edge `edge`.
    fn edge_shape(&mut self, snapshot: &HeapSnapshot, edge: u32) -> u64 {
        let kind = snapshot.edge_kind(edge);
        let index = snapshot.edge_name_or_index(edge);
        if kind.has_index_name() || self.is_numeric(snapshot, edge, index) {
            mix(kind as u64, u64::MAX)
        } else {
            mix(kind as u64, u64::from(index))
        }
    }

    /// Whether the name of `edge`, string `index`, is a number.
    fn is_numeric(&mut self, snapshot: &HeapSnapshot, edge: u32, index: u32) -> bool {
        let is_number = || matches!(snapshot.edge_label(edge), EdgeLabel::Name(name) if name.parse::<f64>().is_ok());
        let Some(known) = self.known.get_mut(index as usize) else { return is_number() };
        if *known == 0 {
            *known = if is_number() { 2 } else { 1 };
        }
        *known == 2
    }
}

/// A node as a shape sees it: its type, and its name where the name is a class or a function
/// rather than a value (the text of a string, the pattern of a RegExp).
fn node_shape(snapshot: &HeapSnapshot, node: u32) -> u64 {
    let kind = snapshot.node_kind(node);
    let named = matches!(
        kind,
        NodeKind::Object | NodeKind::Native | NodeKind::Hidden | NodeKind::Synthetic | NodeKind::Closure | NodeKind::Array
    );
    let name = if named { u64::from(snapshot.node_names[node as usize]) } else { u64::MAX };
    mix(kind as u64, name)
}

/// Combines two values into a well-spread 64-bit hash (splitmix64's finaliser).
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a.rotate_left(29) ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The global holds two arrays, `a` and `b`; `a` holds Foos 5 and 6, `b` Foo 7; a weak edge
    /// alone holds Foo 8; nothing holds object 4.
    fn snapshot() -> HeapSnapshot {
        let json = r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],
            "node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"]],
            "edge_fields":["type","name_or_index","to_node"],
            "edge_types":[["context","element","property","internal","hidden","shortcut","weak"]]},
            "node_count":9,"edge_count":7},
          "nodes":[9,0,1,0,1, 3,1,3,10,3, 3,2,5,10,2, 3,2,7,10,1, 3,0,9,10,0, 3,3,11,10,0, 3,3,13,10,0,
                   3,3,15,10,0, 3,3,17,10,0],
          "edges":[5,1,5, 2,4,10, 2,5,15, 6,6,40, 1,0,25, 1,1,30, 1,0,35],
          "strings":["","global","Array","Foo","a","b","w"]}"#;
        HeapSnapshot::read(json.as_bytes()).unwrap()
    }

    #[test]
    fn objects_of_one_container_share_a_shape_and_two_containers_make_two() {
        let shapes = path_shapes(&snapshot(), None);
        assert_eq!(shapes[5], shapes[6], "indices are folded");
        assert_ne!(shapes[5], shapes[7], "a and b are two paths");
        assert_eq!(shapes[8], NO_SHAPE, "weak edges hold nothing");
        assert!([0, 1, 2, 3, 5, 6, 7].iter().all(|&n| shapes[n] != NO_SHAPE));
    }
}

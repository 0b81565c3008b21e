//! The shape of each object's retainer path, which groups the new objects of one class by the
//! leak that holds them (a HeapDiff's groups, find-leaks' groups).
//!
//! A shape is what stays the same along the paths of the objects one leak makes: the last steps
//! of the path from the root, each the edge's kind and name and the class of the node it leads
//! to, with element indices and numeric keys folded. The 100,000 objects pushed on one array
//! share a shape; objects of one class held by two containers have two; and since only the last
//! steps count, so do the nodes of one long linked list.

use std::{
    collections::{HashMap, VecDeque},
    hash::{BuildHasherDefault, Hasher},
};

use crate::{
    bits::BitSet,
    classes::devtools_class_name,
    snapshot::{EdgeKind, EdgeLabel, HeapSnapshot, NodeKind, ROOT},
};

/// The shape of nodes that only weak edges reach: no path, no group.
pub(crate) const NO_SHAPE: u32 = u32::MAX;

/// How many steps, nearest the object, a shape keeps: enough to tell one holder from another,
/// few enough that the elements of a long linked list share one shape.
const SHAPE_STEPS: usize = 8;

/// A shape: the step ids of its last steps, root side first, how many there are, and whether
/// steps above them were left out. Fixed-size, so that finding the shape of each of millions of
/// nodes allocates nothing.
type ShapeKey = ([u32; SHAPE_STEPS], u8, bool);

/// The retainer-path shape of every node of one snapshot, as a small number, and what each
/// shape looks like.
pub(crate) struct PathShapes {
    /// Each node's shape; [`NO_SHAPE`] for what the root does not reach.
    of: Vec<u32>,
    shapes: Vec<ShapeKey>,
    /// For each step id, one edge that takes it, to write the step out.
    steps: Vec<u32>,
}

impl PathShapes {
    /// The shape of one shortest path from the root to each node: the path through its parent
    /// in a breadth-first search, so each node's shape is its parent's plus one step (one pass
    /// over the edges, 4 bytes a node). [`NO_SHAPE`] for nodes only weak edges reach, and for the
    /// nodes in `leaving_out` (leakwatch's own objects), which no path goes through.
    pub(crate) fn find(snapshot: &HeapSnapshot, leaving_out: Option<&BitSet>) -> PathShapes {
        let n = snapshot.node_count();
        let mut shapes = PathShapes { of: vec![NO_SHAPE; n], shapes: vec![([0; SHAPE_STEPS], 0, false)], steps: Vec::new() };
        if n == 0 {
            return shapes;
        }
        let mut edge_names = EdgeNameShapes::new(snapshot);
        let is_left_out = |node: u32| leaving_out.is_some_and(|own| own.contains(node as usize));
        // Shapes by key, steps by their hash, and the shape that a shape plus a step makes: the
        // last is all that most nodes need.
        let mut shape_ids: HashMap<ShapeKey, u32> = HashMap::from([(shapes.shapes[0], 0)]);
        let mut step_ids: HashMap<u64, u32, Mixed> = HashMap::default();
        let mut next_shape: HashMap<(u32, u64), u32, Mixed> = HashMap::default();
        shapes.of[ROOT as usize] = 0;
        let mut queue = VecDeque::from([ROOT]);
        while let Some(node) = queue.pop_front() {
            let parent = shapes.of[node as usize];
            for e in snapshot.edges_of(node) {
                let to = snapshot.edge_target(e);
                if shapes.of[to as usize] != NO_SHAPE || snapshot.edge_kind(e) == EdgeKind::Weak || is_left_out(to) {
                    continue;
                }
                let step = mix(edge_names.edge_shape(snapshot, e), node_shape(snapshot, to));
                let shape = *next_shape.entry((parent, step)).or_insert_with(|| {
                    let step_id = *step_ids.entry(step).or_insert_with(|| {
                        shapes.steps.push(e);
                        shapes.steps.len() as u32 - 1
                    });
                    let key = extended(shapes.shapes[parent as usize], step_id);
                    let next = shapes.shapes.len() as u32;
                    let id = *shape_ids.entry(key).or_insert(next);
                    if id == next {
                        shapes.shapes.push(key);
                    }
                    id
                });
                shapes.of[to as usize] = shape;
                queue.push_back(to);
            }
        }
        shapes
    }

    /// The shape of node `ordinal`, or [`NO_SHAPE`].
    pub(crate) fn of(&self, ordinal: u32) -> u32 {
        self.of[ordinal as usize]
    }

    /// Every node's shape, by ordinal.
    pub(crate) fn into_node_shapes(self) -> Vec<u32> {
        self.of
    }

    /// Shape `shape` as text: each step's edge (`[]` for a folded index or key) and the DevTools
    /// class of the node it leads to (a named function as `name()`, as shapes tell them apart), from the root down; the last steps only, after `… →`, when
    /// the path is longer.
    pub(crate) fn text(&self, snapshot: &HeapSnapshot, shape: u32) -> String {
        if shape == NO_SHAPE {
            return "(reached by weak edges only)".to_string();
        }
        let (ids, len, cut) = &self.shapes[shape as usize];
        let parts: Vec<String> = ids[..*len as usize]
            .iter()
            .enumerate()
            .map(|(i, &id)| {
                let edge = self.steps[id as usize];
                let class = step_node_text(snapshot, snapshot.edge_target(edge));
                match snapshot.edge_label(edge) {
                    _ if i == 0 && !cut => class.to_string(),
                    EdgeLabel::Name(name) if !is_number(name) => format!("{name} → {class}"),
                    _ => format!("[] → {class}"),
                }
            })
            .collect();
        format!("{}{}", if *cut { "… → " } else { "" }, parts.join(" → "))
    }
}

/// A step's node as a shape's text shows it: its DevTools class, or `name()` for a named
/// function, which [`node_shape`] tells apart from other functions.
fn step_node_text(snapshot: &HeapSnapshot, node: u32) -> String {
    match snapshot.node_name(node) {
        name if snapshot.node_kind(node) == NodeKind::Closure && !name.is_empty() => format!("{name}()"),
        _ => devtools_class_name(snapshot, node).into_owned(),
    }
}

/// `key` with one more step, the root-most dropped when it already has [`SHAPE_STEPS`].
fn extended(mut key: ShapeKey, step_id: u32) -> ShapeKey {
    let len = key.1 as usize;
    if len == SHAPE_STEPS {
        key.0.copy_within(1.., 0);
        key.0[SHAPE_STEPS - 1] = step_id;
        key.2 = true;
    } else {
        key.0[len] = step_id;
        key.1 += 1;
    }
    key
}

/// Whether an edge's name is a number: a Map's or a Set's table numbers its slots so, and an
/// object's numeric keys are named so.
fn is_number(name: &str) -> bool {
    name.parse::<f64>().is_ok()
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
        let is_numeric = || matches!(snapshot.edge_label(edge), EdgeLabel::Name(name) if is_number(name));
        let Some(known) = self.known.get_mut(index as usize) else { return is_numeric() };
        if *known == 0 {
            *known = if is_numeric() { 2 } else { 1 };
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

/// A hasher for keys that are hashes already, or small numbers: [`mix`] over the words written,
/// far cheaper than the standard library's, which guards against chosen keys that a snapshot
/// cannot choose here.
#[derive(Default)]
struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = mix(self.0, u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = mix(self.0, u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = mix(self.0, n);
    }
}

type Mixed = BuildHasherDefault<MixHasher>;

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
        let snapshot = snapshot();
        let shapes = PathShapes::find(&snapshot, None);
        assert_eq!(shapes.of(5), shapes.of(6), "indices are folded");
        assert_ne!(shapes.of(5), shapes.of(7), "a and b are two paths");
        assert_eq!(shapes.of(8), NO_SHAPE, "weak edges hold nothing");
        assert!([0, 1, 2, 3, 5, 6, 7].iter().all(|&n| shapes.of(n) != NO_SHAPE));
        assert_eq!(shapes.text(&snapshot, shapes.of(5)), "global → a → Array → [] → Foo");
    }

    /// The global holds the head of a linked list of 12 `Item`s, each holding the next.
    fn linked_list() -> HeapSnapshot {
        let mut nodes = vec!["9,0,1,0,1".to_string(), "3,1,3,10,1".to_string()];
        let mut edges = vec!["2,3,5".to_string(), "2,4,10".to_string()];
        for i in 0..12 {
            nodes.push(format!("3,2,{},10,{}", 5 + 2 * i, u32::from(i < 11)));
            if i < 11 {
                edges.push(format!("2,5,{}", (3 + i) * 5));
            }
        }
        let json = format!(
            r#"{{"snapshot":{{"meta":{{"node_fields":["type","name","id","self_size","edge_count"],
            "node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"]],
            "edge_fields":["type","name_or_index","to_node"],
            "edge_types":[["context","element","property","internal","hidden","shortcut","weak"]]}},
            "node_count":{},"edge_count":{}}},"nodes":[{}],"edges":[{}],
            "strings":["","global","Item","g","head","next"]}}"#,
            nodes.len(),
            edges.len(),
            nodes.join(","),
            edges.join(",")
        );
        HeapSnapshot::read(json.as_bytes()).unwrap()
    }

    #[test]
    fn the_nodes_of_a_long_linked_list_share_a_shape() {
        let snapshot = linked_list();
        let shapes = PathShapes::find(&snapshot, None);
        // Items 0 to 11 are nodes 2 to 13; item 8 is the first whose last 8 steps are all `next`.
        assert!((10..=13).all(|n| shapes.of(n) == shapes.of(10)), "only the last steps count");
        assert_ne!(shapes.of(9), shapes.of(10));
        assert_eq!(shapes.text(&snapshot, shapes.of(13)), format!("…{}", " → next → Item".repeat(8)));
    }
}

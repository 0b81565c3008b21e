//! Names for plain objects by their properties, as DevTools' Summary shows them: `{id, name}`
//! rather than one big `Object` row.

use std::collections::HashMap;

use crate::snapshot::{EdgeKind, HeapSnapshot, NodeKind};

/// Shape names stop growing at this many characters (UTF-16 units, as JavaScript counts them),
/// though the first property always goes in.
const MAX_SHAPE_LEN: usize = 120;

/// A shape is named only if at least one plain object in this many has it: rarer shapes would
/// only lengthen the list.
const MIN_SHARE: u64 = 1000;

/// The shapes of a snapshot's plain objects (objects named `Object`) that DevTools names, the most
/// common first, and which object has which.
pub(crate) struct Shapes {
    /// Each shape's name, such as `{id, name}`.
    pub(crate) names: Vec<String>,
    /// (ordinal, index into `names`) for every plain object that has one of the shapes.
    pub(crate) objects: Vec<(u32, u32)>,
}

impl Shapes {
    /// Finds the shapes. An object's shape is its property names in order, `__proto__` left
    /// out, cut where the name would pass [`MAX_SHAPE_LEN`] characters. A shape is named when at
    /// least two plain objects, and one in [`MIN_SHARE`], have it. Each plain object then takes
    /// the named shape with the most properties that are all its own (among equals, the more
    /// common): shapes with the same properties in another order are one, and an object of a
    /// rare shape takes the largest named shape it contains, if any.
    pub(crate) fn find(snapshot: &HeapSnapshot) -> Shapes {
        // Shapes are compared by a 64-bit hash of their property names' string indices (V8
        // writes each string once), so that no name is built for the rare shapes.
        let mut counts: HashMap<u64, (u32, u32)> = HashMap::new();
        let mut shape_of: Vec<(u32, Shape)> = Vec::new();
        let Some(object) = snapshot.strings.find("Object") else {
            return Shapes { names: Vec::new(), objects: Vec::new() };
        };
        let mut plain_objects = 0u64;
        for ordinal in 0..snapshot.node_count() as u32 {
            if snapshot.node_kind(ordinal) != NodeKind::Object || snapshot.node_names[ordinal as usize] != object {
                continue;
            }
            plain_objects += 1;
            let (mut hash, mut properties) = (0u64, 0);
            let mut cut = false;
            let mut len = ShapeLen::default();
            for (name, text) in properties_of(snapshot, ordinal) {
                if !len.take(text) {
                    cut = true;
                    break;
                }
                // FxHash's step: fast, and good enough to tell shapes apart.
                hash = (hash.rotate_left(5) ^ u64::from(name)).wrapping_mul(0x517c_c1b7_2722_0a95);
                properties += 1;
            }
            if properties == 0 {
                continue;
            }
            counts.entry(hash).or_insert((0, ordinal)).0 += 1;
            shape_of.push((ordinal, Shape { hash, cut }));
        }
        let min_count = |count: u32| count >= 2 && u64::from(count) * MIN_SHARE >= plain_objects;
        let mut common: Vec<(u64, u32, u32)> =
            counts.into_iter().filter(|&(_, (count, _))| min_count(count)).map(|(h, (c, first))| (h, c, first)).collect();
        // Most common first; among equals, the first seen first, as DevTools' stable sort does.
        common.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
        let index: HashMap<u64, u32> = common.iter().enumerate().map(|(i, &(hash, _, _))| (hash, i as u32)).collect();
        let names = common.iter().map(|&(_, _, first)| shape_name(snapshot, first)).collect();
        let matcher = SubsetMatcher::new(snapshot, &common);
        let objects = shape_of
            .into_iter()
            .filter_map(|(ordinal, shape)| match index.get(&shape.hash) {
                // An object with all its properties in a named shape has no larger one.
                Some(&named) if !shape.cut => Some((ordinal, matcher.canonical[named as usize])),
                _ => matcher.best_subset(snapshot, ordinal).map(|named| (ordinal, named)),
            })
            .collect();
        Shapes { names, objects }
    }
}

/// A plain object's shape as first seen: its hash, and whether properties were left out of it.
struct Shape {
    hash: u64,
    cut: bool,
}

/// The length of a shape's name as properties are added to it.
struct ShapeLen(usize);

impl Default for ShapeLen {
    fn default() -> ShapeLen {
        ShapeLen("{".len())
    }
}

impl ShapeLen {
    /// Adds the property `name` if the name has room for it (the closing brace is not counted);
    /// returns whether it did.
    fn take(&mut self, name: &str) -> bool {
        let label = property_label(name).encode_utf16().count();
        let first = self.0 == "{".len();
        if !first && self.0 + label > MAX_SHAPE_LEN {
            return false;
        }
        self.0 += label + if first { 0 } else { ", ".len() };
        true
    }
}

/// Finds, for an object of a rare shape, the common shape with the most properties that are
/// all among the object's.
struct SubsetMatcher {
    /// Each shape's property names (string indices), sorted.
    sets: Vec<Vec<u32>>,
    /// For each shape, the first shape with the same properties.
    canonical: Vec<u32>,
    /// The canonical shapes that have each property.
    having: HashMap<u32, Vec<u32>>,
}

impl SubsetMatcher {
    fn new(snapshot: &HeapSnapshot, common: &[(u64, u32, u32)]) -> SubsetMatcher {
        let sets: Vec<Vec<u32>> = common
            .iter()
            .map(|&(_, _, first)| {
                let mut set: Vec<u32> = shape_properties(snapshot, first).map(|(name, _)| name).collect();
                set.sort_unstable();
                set.dedup();
                set
            })
            .collect();
        let mut first_with: HashMap<&[u32], u32> = HashMap::new();
        let canonical: Vec<u32> =
            sets.iter().enumerate().map(|(i, set)| *first_with.entry(set).or_insert(i as u32)).collect();
        let mut having: HashMap<u32, Vec<u32>> = HashMap::new();
        for (shape, set) in sets.iter().enumerate().filter(|&(i, _)| canonical[i] == i as u32) {
            for &name in set {
                having.entry(name).or_default().push(shape as u32);
            }
        }
        SubsetMatcher { sets, canonical, having }
    }

    /// The largest shape whose properties `ordinal` all has; among equals, the most common.
    fn best_subset(&self, snapshot: &HeapSnapshot, ordinal: u32) -> Option<u32> {
        let mut names: Vec<u32> = snapshot
            .edges_of(ordinal)
            .filter(|&e| snapshot.edge_kind(e) == EdgeKind::Property)
            .map(|e| snapshot.edge_name_or_index(e))
            .collect();
        names.sort_unstable();
        names.dedup();
        // Count, for every shape, how many of its properties the object has.
        let mut found: HashMap<u32, usize> = HashMap::new();
        for name in names {
            for &shape in self.having.get(&name).into_iter().flatten() {
                *found.entry(shape).or_default() += 1;
            }
        }
        found
            .into_iter()
            .filter(|&(shape, count)| count == self.sets[shape as usize].len())
            .map(|(shape, count)| (count, std::cmp::Reverse(shape)))
            .max()
            .map(|(_, std::cmp::Reverse(shape))| shape)
    }
}

/// The property names (string index and text) of an object, `__proto__` left out.
fn properties_of(snapshot: &HeapSnapshot, ordinal: u32) -> impl Iterator<Item = (u32, &str)> {
    snapshot
        .edges_of(ordinal)
        .filter(move |&e| snapshot.edge_kind(e) == EdgeKind::Property)
        .map(move |e| {
            let name = snapshot.edge_name_or_index(e);
            (name, snapshot.strings.get(name))
        })
        .filter(|&(_, name)| name != "__proto__")
}

/// The property names (string index and text) that make up an object's shape, cut where its
/// name would grow too long.
fn shape_properties(snapshot: &HeapSnapshot, ordinal: u32) -> impl Iterator<Item = (u32, &str)> {
    let mut len = ShapeLen::default();
    properties_of(snapshot, ordinal).take_while(move |&(_, name)| len.take(name))
}

/// A property name as a shape shows it: quoted when it holds characters of the notation.
fn property_label(name: &str) -> std::borrow::Cow<'_, str> {
    if name.contains([',', '\'', '"', '{', '}']) {
        serde_json::to_string(name).map(Into::into).unwrap_or(name.into())
    } else {
        name.into()
    }
}

fn shape_name(snapshot: &HeapSnapshot, ordinal: u32) -> String {
    let labels: Vec<_> = shape_properties(snapshot, ordinal).map(|(_, name)| property_label(name)).collect();
    format!("{{{}}}", labels.join(", "))
}

#[cfg(test)]
mod tests {
    use crate::{Analysis, HeapSnapshot, Summary};

    /// The count of each class of a snapshot made of a root, a global at node 1, and the given
    /// rows (five fields a node, to_node = ordinal × 5).
    fn class_counts(node_count: u32, edge_count: u32, nodes: &str, edges: &str, strings: &str) -> Summary {
        let json = format!(
            r#"{{"snapshot":{{"meta":{{"node_fields":["type","name","id","self_size","edge_count"],
            "node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"]],
            "edge_fields":["type","name_or_index","to_node"],
            "edge_types":[["context","element","property","internal","hidden","shortcut","weak"]]}},
            "node_count":{node_count},"edge_count":{edge_count}}},
            "nodes":[{nodes}],"edges":[{edges}],"strings":[{strings}]}}"#
        );
        let snapshot = HeapSnapshot::read(json.as_bytes()).unwrap();
        Summary::new(&snapshot, &Analysis::new(&snapshot))
    }

    fn count(summary: &Summary, name: &str) -> Option<u64> {
        summary.classes.iter().find(|c| c.name == name).map(|c| c.count)
    }

    #[test]
    fn plain_objects_are_named_by_common_shapes() {
        // A global holding three plain objects: two {a, b} (one also with __proto__), one {c}.
        let summary = class_counts(
            6,
            10,
            "9,0,1,0,1, 3,1,3,10,3, 3,2,5,16,3, 3,2,7,16,2, 3,2,9,16,1, 7,0,11,8,0",
            "5,0,5, 2,3,10,2,4,15,2,5,20, 2,6,25,2,7,25,2,8,25, 2,6,25,2,7,25, 2,9,25",
            r#""","global","Object","x","y","z","a","b","__proto__","c""#,
        );
        assert_eq!(count(&summary, "{a, b}"), Some(2));
        assert_eq!(count(&summary, "Object"), Some(1));
    }

    #[test]
    fn rare_shapes_take_the_largest_common_shape_they_contain() {
        // Two {a}, two {a, b}, and one {b, a, c}: the last is an {a, b}.
        let summary = class_counts(
            8,
            15,
            "9,0,1,0,1, 3,1,3,10,5, 3,2,5,16,1, 3,2,7,16,1, 3,2,9,16,2, 3,2,11,16,2, 3,2,13,16,3, 7,0,15,8,0",
            "5,0,5, 2,3,10,2,3,15,2,3,20,2,3,25,2,3,30, 2,4,35, 2,4,35, 2,4,35,2,5,35, 2,4,35,2,5,35, \
             2,5,35,2,4,35,2,6,35",
            r#""","global","Object","x","a","b","c""#,
        );
        assert_eq!(count(&summary, "{a}"), Some(2));
        assert_eq!(count(&summary, "{a, b}"), Some(3));
        assert_eq!(count(&summary, "Object"), None);
    }

    /// The summary of a snapshot whose global holds one plain object for each property list of
    /// `objects`, every property holding one string.
    fn summary_of(objects: &[Vec<String>]) -> Summary {
        let mut strings: Vec<String> = ["", "global", "Object", "x"].map(String::from).to_vec();
        let string_node = 2 + objects.len();
        let mut nodes = format!("9,0,1,0,1, 3,1,3,10,{}", objects.len());
        // Edges are listed by their node: the root's, the global's, then each object's.
        let mut edges = String::from("5,1,5");
        for i in 0..objects.len() {
            edges += &format!(", 1,{i},{}", (2 + i) * 5);
        }
        for (i, properties) in objects.iter().enumerate() {
            nodes += &format!(", 3,2,{},16,{}", 5 + 2 * i, properties.len());
            for name in properties {
                // V8 writes each string once.
                let index = strings.iter().position(|s| s == name).unwrap_or_else(|| {
                    strings.push(name.clone());
                    strings.len() - 1
                });
                edges += &format!(", 2,{index},{}", string_node * 5);
            }
        }
        nodes += &format!(", 2,3,{},8,0", 5 + 2 * objects.len());
        let edge_count = 1 + objects.len() + objects.iter().map(Vec::len).sum::<usize>();
        let json = format!(
            r#"{{"snapshot":{{"meta":{{"node_fields":["type","name","id","self_size","edge_count"],
            "node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"]],
            "edge_fields":["type","name_or_index","to_node"],
            "edge_types":[["context","element","property","internal","hidden","shortcut","weak"]]}},
            "node_count":{},"edge_count":{edge_count}}},"nodes":[{nodes}],"edges":[{edges}],"strings":{}}}"#,
            objects.len() + 3,
            serde_json::to_string(&strings).unwrap(),
        );
        let snapshot = HeapSnapshot::read(json.as_bytes()).unwrap();
        Summary::new(&snapshot, &Analysis::new(&snapshot))
    }

    fn props(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn a_shape_is_named_when_one_plain_object_in_1000_has_it() {
        for (empty, named) in [(1998, true), (1999, false)] {
            let mut objects = vec![props(&["a"]); 2];
            objects.extend(vec![Vec::new(); empty]);
            let summary = summary_of(&objects);
            assert_eq!(count(&summary, "{a}"), named.then_some(2), "with {empty} objects without properties");
        }
    }

    #[test]
    fn names_are_cut_at_120_utf16_units_with_the_closing_brace_left_out() {
        // "{" + 50 + ", " + 50 leaves room for 17 more characters, not for a fourth property.
        for first in ["a".repeat(50), "é".repeat(50)] {
            let (b, c) = ("b".repeat(50), "c".repeat(17));
            let objects = vec![props(&[&first, &b, &c, "d"]); 2];
            assert_eq!(count(&summary_of(&objects), &format!("{{{first}, {b}, {c}}}")), Some(2), "after {first}");
        }
    }

    #[test]
    fn an_object_whose_shape_was_cut_takes_the_largest_named_shape_it_has() {
        let (a, b, c) = ("a".repeat(50), "b".repeat(50), "c".repeat(17));
        // The first three are cut to {a, b, c}; but {d, e, c, b} has four of their properties.
        let mut objects = vec![props(&[&a, &b, &c, "d", "e"]); 3];
        objects.extend(vec![props(&["d", "e", &c, &b]); 2]);
        let summary = summary_of(&objects);
        assert_eq!(count(&summary, &format!("{{d, e, {c}, {b}}}")), Some(5));
    }

    #[test]
    fn property_names_with_notation_characters_are_quoted() {
        let objects = vec![props(&["a,b", "it's", "{x}", "plain"]); 2];
        assert_eq!(count(&summary_of(&objects), r#"{"a,b", "it's", "{x}", plain}"#), Some(2));
    }
}

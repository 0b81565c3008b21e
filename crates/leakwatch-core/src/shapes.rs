//! Names for plain objects by their properties, as DevTools' Summary shows them: `{id, name}`
//! rather than one big `Object` row.

use std::collections::HashMap;

use crate::snapshot::{EdgeKind, HeapSnapshot, NodeKind};

/// Shapes longer than this many characters are cut, as DevTools cuts them.
const MAX_SHAPE_LEN: usize = 120;

/// DevTools keeps at most this many shapes, the most common first.
const MAX_SHAPES: usize = 1000;

/// The shapes of a snapshot's plain objects (objects named `Object`) that at least two of them
/// share, the most common first, and which object has which.
pub(crate) struct Shapes {
    /// Each shape's name, such as `{id, name}`.
    pub(crate) names: Vec<String>,
    /// (ordinal, index into `names`) for every plain object that has one of the shapes.
    pub(crate) objects: Vec<(u32, u32)>,
}

impl Shapes {
    /// Finds the shapes. An object's shape is its property names in order, `__proto__` left
    /// out, cut at [`MAX_SHAPE_LEN`] characters.
    ///
    /// DevTools also gives an object whose own shape is rare the largest common shape whose
    /// properties it has; here such an object stays `Object`.
    pub(crate) fn find(snapshot: &HeapSnapshot) -> Shapes {
        // Shapes are compared by a 64-bit hash of their property names' string indices (V8
        // writes each string once), so that no name is built for the rare shapes.
        let mut counts: HashMap<u64, (u32, u32)> = HashMap::new();
        let mut shape_of: Vec<(u32, u64)> = Vec::new();
        let Some(object) = snapshot.strings.find("Object") else {
            return Shapes { names: Vec::new(), objects: Vec::new() };
        };
        for ordinal in 0..snapshot.node_count() as u32 {
            if snapshot.node_kind(ordinal) != NodeKind::Object || snapshot.node_names[ordinal as usize] != object {
                continue;
            }
            let (mut hash, mut properties) = (0u64, 0);
            for (name, _) in shape_properties(snapshot, ordinal) {
                // FxHash's step: fast, and good enough to tell shapes apart.
                hash = (hash.rotate_left(5) ^ u64::from(name)).wrapping_mul(0x51_7cc1_b727_220a_95);
                properties += 1;
            }
            if properties == 0 {
                continue;
            }
            counts.entry(hash).or_insert((0, ordinal)).0 += 1;
            shape_of.push((ordinal, hash));
        }
        let mut common: Vec<(u64, u32, u32)> =
            counts.into_iter().filter(|&(_, (count, _))| count >= 2).map(|(h, (c, first))| (h, c, first)).collect();
        // Most common first; among equals, the first seen first, as DevTools' stable sort does.
        common.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
        common.truncate(MAX_SHAPES);
        let index: HashMap<u64, u32> = common.iter().enumerate().map(|(i, &(hash, _, _))| (hash, i as u32)).collect();
        let names = common.iter().map(|&(_, _, first)| shape_name(snapshot, first)).collect();
        let objects =
            shape_of.into_iter().filter_map(|(ordinal, hash)| index.get(&hash).map(|&shape| (ordinal, shape))).collect();
        Shapes { names, objects }
    }
}

/// The property names (string index and text) that make up an object's shape, cut where its
/// name would grow too long.
fn shape_properties(snapshot: &HeapSnapshot, ordinal: u32) -> impl Iterator<Item = (u32, &str)> {
    let mut len = 0;
    snapshot
        .edges_of(ordinal)
        .filter(move |&e| snapshot.edge_kind(e) == EdgeKind::Property)
        .map(move |e| {
            let name = snapshot.edge_name_or_index(e);
            (name, snapshot.strings.get(name))
        })
        .filter(|&(_, name)| name != "__proto__")
        .take_while(move |&(_, name)| {
            let next = property_label(name).len();
            let fits = len == 0 || len + next <= MAX_SHAPE_LEN;
            len += next + 2;
            fits
        })
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

    #[test]
    fn plain_objects_are_named_by_common_shapes() {
        // A global holding three plain objects: two {a, b} (one also with __proto__), one {c}.
        let json = r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],
            "node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"]],
            "edge_fields":["type","name_or_index","to_node"],
            "edge_types":[["context","element","property","internal","hidden","shortcut","weak"]]},
            "node_count":6,"edge_count":10},
            "nodes":[9,0,1,0,1, 3,1,3,10,3, 3,2,5,16,3, 3,2,7,16,2, 3,2,9,16,1, 7,0,11,8,0],
            "edges":[5,0,5, 2,3,10,2,4,15,2,5,20, 2,6,25,2,7,25,2,8,25, 2,6,25,2,7,25, 2,9,25],
            "strings":["","global","Object","x","y","z","a","b","__proto__","c"]}"#;
        let snapshot = HeapSnapshot::read(json.as_bytes()).unwrap();
        let summary = Summary::new(&snapshot, &Analysis::new(&snapshot));
        let count = |name: &str| summary.classes.iter().find(|c| c.name == name).map(|c| c.count);
        assert_eq!(count("{a, b}"), Some(2));
        assert_eq!(count("Object"), Some(1));
    }
}

//! Class names: DevTools' Summary names and node-memwatch's `what` names.

use std::collections::HashMap;

use crate::{
    shapes::Shapes,
    snapshot::{HeapSnapshot, NodeKind},
};

/// How many [`NodeKind`]s there are.
const KIND_COUNT: usize = NodeKind::Other as usize + 1;

/// A grouping of nodes into named classes.
pub(crate) struct Classes {
    /// The class index of each node, by ordinal.
    pub(crate) of: Vec<u32>,
    /// The name of each class.
    pub(crate) names: Vec<String>,
}

impl Classes {
    /// Groups nodes by `name_of`, which must depend only on a node's kind, and on its name only
    /// for objects and natives; nodes it returns `None` for go into a class named "".
    pub(crate) fn by<'a>(snapshot: &'a HeapSnapshot, name_of: impl Fn(u32) -> Option<&'a str>) -> Classes {
        const UNSEEN: u32 = u32::MAX;
        let mut index: HashMap<&str, u32> = HashMap::new();
        let mut names = Vec::new();
        // The class of each kind, and of each name of an object or a native, once seen: the hash
        // map is consulted once per distinct pair, not once per node.
        let mut by_kind = [UNSEEN; KIND_COUNT];
        let mut objects_by_name = vec![UNSEEN; snapshot.strings.len()];
        let mut natives_by_name = vec![UNSEEN; snapshot.strings.len()];
        let of = (0..snapshot.node_count() as u32)
            .map(|ordinal| {
                let name = snapshot.node_names[ordinal as usize] as usize;
                let slot = match snapshot.node_kinds[ordinal as usize] {
                    NodeKind::Object => &mut objects_by_name[name],
                    NodeKind::Native => &mut natives_by_name[name],
                    kind => &mut by_kind[kind as usize],
                };
                if *slot == UNSEEN {
                    let class_name = name_of(ordinal).unwrap_or("");
                    *slot = *index.entry(class_name).or_insert_with(|| {
                        names.push(class_name.to_string());
                        names.len() as u32 - 1
                    });
                }
                *slot
            })
            .collect();
        Classes { of, names }
    }

    /// The classes of DevTools' Summary view, plain objects grouped by their shape.
    pub(crate) fn devtools(snapshot: &HeapSnapshot) -> Classes {
        let mut classes = Classes::by(snapshot, |ordinal| Some(devtools_class_name(snapshot, ordinal)));
        let shapes = Shapes::find(snapshot);
        let first_shape = classes.names.len() as u32;
        classes.names.extend(shapes.names);
        for (ordinal, shape) in shapes.objects {
            classes.of[ordinal as usize] = first_shape + shape;
        }
        classes
    }
}

/// The class of node `ordinal` as the Summary view of Chrome DevTools names it.
pub(crate) fn devtools_class_name(snapshot: &HeapSnapshot, ordinal: u32) -> &str {
    match snapshot.node_kind(ordinal) {
        NodeKind::Hidden => "(system)",
        NodeKind::Object | NodeKind::Native => snapshot.node_name(ordinal),
        NodeKind::Code => "(compiled code)",
        NodeKind::Closure => "Function",
        NodeKind::RegExp => "RegExp",
        NodeKind::Array => "(array)",
        NodeKind::String => "(string)",
        NodeKind::Number => "(number)",
        NodeKind::Synthetic => "(synthetic)",
        NodeKind::ConsString => "(concatenated string)",
        NodeKind::SlicedString => "(sliced string)",
        NodeKind::Symbol => "(symbol)",
        NodeKind::BigInt => "(bigint)",
        NodeKind::ObjectShape => "(object shape)",
        NodeKind::WasmObject => "(wasm object)",
        NodeKind::Other => "(unknown)",
    }
}

/// The `what` that node-memwatch's HeapDiff reports for node `ordinal`, or `None` for the node
/// types it leaves out (hidden, synthetic, rope and sliced strings, and the types it predates).
pub fn memwatch_what(snapshot: &HeapSnapshot, ordinal: u32) -> Option<&str> {
    Some(match snapshot.node_kind(ordinal) {
        NodeKind::Array => "Array",
        NodeKind::String => "String",
        NodeKind::Object => snapshot.node_name(ordinal),
        NodeKind::Code => "Code",
        NodeKind::Closure => "Closure",
        NodeKind::RegExp => "RegExp",
        NodeKind::Number => "Number",
        NodeKind::Native => "Native",
        _ => return None,
    })
}

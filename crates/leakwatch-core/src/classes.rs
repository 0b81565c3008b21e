//! Class names: DevTools' Summary names and node-memwatch's `what` names.

use std::{borrow::Cow, collections::HashMap};

use crate::{
    detached::detached_natives,
    shapes::Shapes,
    snapshot::{HeapSnapshot, NodeKind, SourceLocation},
};

/// How many [`NodeKind`]s there are.
const KIND_COUNT: usize = NodeKind::Other as usize + 1;

/// A class not looked up yet.
const UNSEEN: u32 = u32::MAX;

/// A grouping of nodes into named classes.
#[derive(Default)]
pub(crate) struct Classes {
    /// The class index of each node, by ordinal.
    pub(crate) of: Vec<u32>,
    /// The name of each class.
    pub(crate) names: Vec<String>,
    /// Where the constructor of each class's objects is defined, for the classes told apart by
    /// it; `None` for the others.
    pub(crate) locations: Vec<Option<SourceLocation>>,
}

impl Classes {
    /// Groups nodes by `name_of`, which must depend only on a node's kind, and on its name only
    /// for objects and natives; nodes it returns `None` for go into a class named "".
    pub(crate) fn by<'a>(snapshot: &'a HeapSnapshot, name_of: impl Fn(u32) -> Option<&'a str>) -> Classes {
        let mut classes = Classes::default();
        // The class of each kind, and of each name of an object or a native, once seen: the hash
        // map is consulted once per distinct pair, not once per node.
        let mut by_kind = [UNSEEN; KIND_COUNT];
        let mut objects_by_name = vec![UNSEEN; snapshot.strings.len()];
        let mut natives_by_name = vec![UNSEEN; snapshot.strings.len()];
        let mut index = HashMap::new();
        classes.of = (0..snapshot.node_count() as u32)
            .map(|ordinal| {
                let name = snapshot.node_names[ordinal as usize] as usize;
                let slot = match snapshot.node_kind(ordinal) {
                    NodeKind::Object => &mut objects_by_name[name],
                    NodeKind::Native => &mut natives_by_name[name],
                    kind => &mut by_kind[kind as usize],
                };
                if *slot == UNSEEN {
                    *slot = classes.named(&mut index, name_of(ordinal).unwrap_or("").into());
                }
                *slot
            })
            .collect();
        classes
    }

    /// The classes of DevTools' Summary view: nodes named as [`devtools_class_name`] names them,
    /// plain objects grouped by their shape, and objects whose constructor V8 located grouped by
    /// that place too, so that two classes of one name defined in two places stay apart.
    pub(crate) fn devtools(snapshot: &HeapSnapshot) -> Classes {
        let detached = detached_natives(snapshot);
        let mut classes = Classes::default();
        let mut by_kind = [UNSEEN; KIND_COUNT];
        let mut objects_by_name = vec![UNSEEN; snapshot.strings.len()];
        let mut natives_by_name = vec![UNSEEN; snapshot.strings.len()];
        // Detached natives are few: a map is enough.
        let mut detached_by_name: HashMap<u32, u32> = HashMap::new();
        let mut index = HashMap::new();
        let mut of = Vec::with_capacity(snapshot.node_count());
        for ordinal in 0..snapshot.node_count() as u32 {
            let name = snapshot.node_names[ordinal as usize];
            let kind = snapshot.node_kind(ordinal);
            let is_detached = kind == NodeKind::Native && detached.as_ref().is_some_and(|d| d.contains(ordinal as usize));
            let slot = match kind {
                NodeKind::Object => &mut objects_by_name[name as usize],
                NodeKind::Native if is_detached => detached_by_name.entry(name).or_insert(UNSEEN),
                NodeKind::Native => &mut natives_by_name[name as usize],
                kind => &mut by_kind[kind as usize],
            };
            if *slot == UNSEEN {
                let class_name = if is_detached {
                    tag_only(&format!("Detached {}", snapshot.node_name(ordinal))).into_owned().into()
                } else {
                    devtools_class_name(snapshot, ordinal)
                };
                *slot = classes.named(&mut index, class_name);
            }
            of.push(*slot);
        }
        classes.of = of;
        let shapes = Shapes::find(snapshot);
        let first_shape = classes.names.len() as u32;
        classes.locations.extend(shapes.names.iter().map(|_| None));
        classes.names.extend(shapes.names);
        for (ordinal, shape) in shapes.objects {
            classes.of[ordinal as usize] = first_shape + shape;
        }
        classes.split_by_location(snapshot);
        classes
    }

    /// The class called `name`, added if new. Linear in the number of classes.
    pub(crate) fn class_named(&mut self, name: &str) -> u32 {
        match self.names.iter().position(|n| n == name) {
            Some(class) => class as u32,
            None => {
                self.names.push(name.to_string());
                self.locations.push(None);
                self.names.len() as u32 - 1
            }
        }
    }

    /// The class called `name`, added if new.
    fn named<'a>(&mut self, index: &mut HashMap<Cow<'a, str>, u32>, name: Cow<'a, str>) -> u32 {
        *index.entry(name).or_insert_with_key(|name| {
            self.names.push(name.to_string());
            self.locations.push(None);
            self.names.len() as u32 - 1
        })
    }

    /// Moves each object whose constructor V8 located into a class of its class name and that
    /// place, as DevTools keys its Summary rows.
    fn split_by_location(&mut self, snapshot: &HeapSnapshot) {
        let mut located: HashMap<(u32, u32, u32, u32), u32> = HashMap::new();
        for &(ordinal, location) in &snapshot.locations {
            if snapshot.node_kind(ordinal) != NodeKind::Object {
                continue;
            }
            let class = &mut self.of[ordinal as usize];
            let key = (*class, location.script_id, location.line, location.column);
            *class = *located.entry(key).or_insert_with(|| {
                self.names.push(self.names[*class as usize].clone());
                self.locations.push(Some(location));
                self.names.len() as u32 - 1
            });
        }
    }
}

/// The class of node `ordinal` as the Summary view of Chrome DevTools names it, leaving aside
/// what depends on other nodes: plain objects' shapes and natives' detachedness.
pub(crate) fn devtools_class_name(snapshot: &HeapSnapshot, ordinal: u32) -> Cow<'_, str> {
    Cow::Borrowed(match snapshot.node_kind(ordinal) {
        NodeKind::Hidden => "(system)",
        NodeKind::Object | NodeKind::Native => return tag_only(snapshot.node_name(ordinal)),
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
    })
}

/// A DOM element's name reduced to its tag, as DevTools groups elements: `<div id="a">` and
/// `Detached <div class="b">` are `<div>` and `Detached <div>`. Other names are unchanged.
fn tag_only(name: &str) -> Cow<'_, str> {
    const DETACHED: &str = "Detached <";
    let tag_start = if name.starts_with('<') {
        0
    } else if name.starts_with(DETACHED) {
        DETACHED.len()
    } else {
        return name.into();
    };
    match name[tag_start..].find(' ') {
        Some(space) => format!("{}>", &name[..tag_start + space]).into(),
        None => name.into(),
    }
}

/// The `what` that node-memwatch's HeapDiff reports for node `ordinal`, or `None` for the node
/// types it leaves out (hidden, synthetic, rope and sliced strings, and the types it predates).
///
/// This is the one place where leakwatch names classes otherwise than Chrome DevTools does (the
/// names of [`Summary`](crate::Summary)): `HeapDiff` keeps node-memwatch's names (`Closure`,
/// `String`, `Code`, `Native`, plain objects as `Object` whatever their shape, no `Detached`
/// prefix) because programs written for node-memwatch read them.
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

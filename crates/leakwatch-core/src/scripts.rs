//! Whose code a function is (the program's, Node's or V8's), from the script it was compiled
//! from, and the edges that lead from an object to that script.

use crate::snapshot::{EdgeKind, HeapSnapshot, NodeKind};

/// Who wrote the code of a function: decided by the URL of its script, never by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptOrigin {
    /// A script of the program: a file path or a `file://` URL.
    Program,
    /// One of Node's own modules (`node:…`).
    Node,
    /// V8's built-ins and natives: no script, or a `native …` one.
    V8,
}

impl ScriptOrigin {
    /// The origin of a script with this URL, as a SharedFunctionInfo's script names it.
    pub fn of_url(url: &str) -> ScriptOrigin {
        if url.starts_with("node:") {
            ScriptOrigin::Node
        } else if url.is_empty() || url.starts_with("native ") {
            ScriptOrigin::V8
        } else {
            ScriptOrigin::Program
        }
    }
}

/// The first edge of `node` named `name` that is not weak, if any.
pub(crate) fn edge_named(snapshot: &HeapSnapshot, node: u32, name: &str) -> Option<u32> {
    snapshot.edges_of(node).find(|&e| {
        snapshot.edge_kind(e) != EdgeKind::Weak
            && !snapshot.edge_kind(e).has_index_name()
            && snapshot.strings.get(snapshot.edge_name_or_index(e)) == name
    })
}

/// The node that `node`'s edge named `name` points at.
pub(crate) fn target_named(snapshot: &HeapSnapshot, node: u32, name: &str) -> Option<u32> {
    edge_named(snapshot, node, name).map(|e| snapshot.edge_target(e))
}

/// The URL of the script that `closure` was compiled from: its SharedFunctionInfo's script
/// (`script_or_debug_info`, or `script` in newer V8) is a node named by the URL. `None` when the
/// node is not a closure or V8 did not record the script.
pub(crate) fn script_url(snapshot: &HeapSnapshot, closure: u32) -> Option<&str> {
    if snapshot.node_kind(closure) != NodeKind::Closure {
        return None;
    }
    let shared = target_named(snapshot, closure, "shared")?;
    let script = target_named(snapshot, shared, "script_or_debug_info")
        .or_else(|| target_named(snapshot, shared, "script"))?;
    Some(snapshot.node_name(script))
}

/// Whose code `closure` is; V8's when its script is unknown.
pub(crate) fn function_origin(snapshot: &HeapSnapshot, closure: u32) -> ScriptOrigin {
    script_url(snapshot, closure).map_or(ScriptOrigin::V8, ScriptOrigin::of_url)
}

/// The constructor of a JS object: its prototype's `constructor` property, the prototype found
/// as `__proto__` or through the object's hidden class.
pub(crate) fn constructor_of(snapshot: &HeapSnapshot, object: u32) -> Option<u32> {
    let prototype = target_named(snapshot, object, "__proto__")
        .or_else(|| target_named(snapshot, target_named(snapshot, object, "map")?, "prototype"))?;
    target_named(snapshot, prototype, "constructor").filter(|&c| snapshot.node_kind(c) == NodeKind::Closure)
}

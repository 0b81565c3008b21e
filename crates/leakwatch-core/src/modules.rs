//! The program's modules as V8 and Node keep them: CommonJS `Module` objects and ES module
//! records, recognised by their structure.

use crate::{
    retainers::Retainers,
    scripts::{script_url, target_named},
    snapshot::{EdgeKind, HeapSnapshot, NodeKind},
};

/// The file of a CommonJS module: `node` is one when it is an object with an `exports` property
/// and a string `filename` or `id` (Node's `Module`, whatever its constructor is called).
pub(crate) fn commonjs_file(snapshot: &HeapSnapshot, node: u32) -> Option<&str> {
    if snapshot.node_kind(node) != NodeKind::Object {
        return None;
    }
    target_named(snapshot, node, "exports")?;
    let filename = target_named(snapshot, node, "filename").or_else(|| target_named(snapshot, node, "id"))?;
    // Only a flat string's node is named by its text.
    (snapshot.node_kind(filename) == NodeKind::String).then(|| snapshot.node_name(filename))
}

/// The URL of an ES module's script: `node` is an ES module record (V8's `SourceTextModule`)
/// when the context of the module's functions names it as its `extension`; those functions'
/// script is the module's.
pub(crate) fn es_module_url<'a>(snapshot: &'a HeapSnapshot, retainers: &Retainers, node: u32) -> Option<&'a str> {
    // An `await`'s context also has an `extension`, but it is the async function's object.
    if snapshot.node_kind(node) != NodeKind::Hidden {
        return None;
    }
    retainers
        .retainers_of(snapshot, node)
        .filter(|&(context, edge)| {
            snapshot.edge_label(edge).to_string() == "extension" && target_named(snapshot, context, "scope_info").is_some()
        })
        .find_map(|(context, _)| {
            retainers
                .retainers_of(snapshot, context)
                .filter(|&(_, edge)| snapshot.edge_kind(edge) == EdgeKind::Internal)
                .find_map(|(closure, _)| script_url(snapshot, closure))
        })
}

/// The name an ES module exports the value at `edge` under, when `edge` leads from the module
/// record's export table to a binding's cell: the table lists each name just before its cell.
pub(crate) fn export_name(snapshot: &HeapSnapshot, table: u32, edge: u32) -> Option<&str> {
    let before = edge.checked_sub(1).filter(|&e| snapshot.edges_of(table).contains(&e))?;
    let key = snapshot.edge_target(before);
    matches!(snapshot.node_kind(key), NodeKind::String).then(|| snapshot.node_name(key))
}

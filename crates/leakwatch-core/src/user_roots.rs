//! The user roots: the objects the snapshot's root holds for the program, where distances and
//! retainer paths start.
//!
//! V8 up to Node 24 points the root at each global object (a shortcut edge to `global`). The V8
//! of Node 26 points it at the global's native context (`system / NativeContext`) instead, whose
//! `global_object` edge leads to the global object, now named `global (global*)` (its proxy is
//! `global (global)`). Paths start at the global object on every version, so that a path reads
//! `global → cache → …` on each.

use crate::snapshot::{EdgeLabel, HeapSnapshot, NodeKind, ROOT};

/// The name V8 gives a native context.
const NATIVE_CONTEXT: &str = "system / NativeContext";

/// The root's children that belong to the program (not the synthetic groups of GC roots, except
/// a browser's DOM trees), each native context replaced by its global object.
pub(crate) fn user_roots(snapshot: &HeapSnapshot) -> Vec<u32> {
    let mut roots = Vec::new();
    if snapshot.node_count() == 0 {
        return roots;
    }
    for e in snapshot.edges_of(ROOT) {
        let to = snapshot.edge_target(e);
        let root = match snapshot.node_kind(to) {
            NodeKind::Synthetic if snapshot.node_name(to) != "(Document DOM trees)" => continue,
            NodeKind::Hidden if snapshot.node_name(to) == NATIVE_CONTEXT => global_object_of(snapshot, to).unwrap_or(to),
            _ => to,
        };
        if !roots.contains(&root) {
            roots.push(root);
        }
    }
    roots
}

/// The global object a native context names by its `global_object` edge.
fn global_object_of(snapshot: &HeapSnapshot, context: u32) -> Option<u32> {
    snapshot
        .edges_of(context)
        .find(|&e| matches!(snapshot.edge_label(e), EdgeLabel::Name("global_object")))
        .map(|e| snapshot.edge_target(e))
}

/// A global object's name without the tag Node 26's V8 adds to it (`global (global*)` is
/// `global`); other names as they are.
pub(crate) fn untagged_global_name(name: &str) -> &str {
    match name.split_once(" (") {
        Some((base, tag)) if tag.strip_suffix(')').map(|t| t.trim_end_matches('*')) == Some(base) => base,
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot of `nodes` (type, name, id, size, edge count), `edges` and `strings`.
    fn snapshot(nodes: &str, edges: &str, strings: &str) -> HeapSnapshot {
        let count = |fields: &str, per: usize| fields.split(',').count() / per;
        let (node_count, edge_count) = (count(nodes, 5), count(edges, 3));
        let json = format!(
            r#"{{"snapshot":{{"meta":{{"node_fields":["type","name","id","self_size","edge_count"],
            "node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"]],
            "edge_fields":["type","name_or_index","to_node"],
            "edge_types":[["context","element","property","internal","hidden","shortcut","weak"]]}},
            "node_count":{node_count},"edge_count":{edge_count}}},"nodes":[{nodes}],"edges":[{edges}],"strings":[{strings}]}}"#
        );
        HeapSnapshot::read(json.as_bytes()).unwrap()
    }

    #[test]
    fn the_global_object_is_the_user_root_whether_the_root_points_at_it_or_at_its_native_context() {
        // Node 24: root → (GC roots), root → global.
        let old = snapshot("9,0,1,0,2, 9,1,3,0,0, 3,2,5,10,0", "1,1,5, 5,2,10", r#""","(GC roots)","global""#);
        assert_eq!(user_roots(&old), vec![2]);
        // Node 26: root → (GC roots), root → native context → global_object → global (global*).
        let new = snapshot(
            "9,0,1,0,2, 9,1,3,0,0, 0,2,5,10,2, 3,3,7,10,0, 3,4,9,10,0",
            "1,1,5, 5,5,10, 3,6,15, 3,7,20",
            r#""","(GC roots)","system / NativeContext","global (global*)","global (global)","","global_object","global_proxy_object""#,
        );
        assert_eq!(user_roots(&new), vec![3]);
    }

    #[test]
    fn a_tagged_global_name_loses_its_tag_and_other_names_keep_theirs() {
        assert_eq!(untagged_global_name("global (global*)"), "global");
        assert_eq!(untagged_global_name("global (global)"), "global");
        assert_eq!(untagged_global_name("global"), "global");
        assert_eq!(untagged_global_name("Window / https://example.com"), "Window / https://example.com");
        assert_eq!(untagged_global_name("Foo (bar)"), "Foo (bar)");
    }
}

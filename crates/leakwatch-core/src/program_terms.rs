//! A retainer path told in the program's terms: what Node holds its modules by (the require
//! cache, `process.mainModule`, the ES module loader) is left out, and the path starts at the
//! module it leads to: `module src/workload.js → exports.leakedRequests → [2399] → LeakedRequest`.

use crate::{
    classes::devtools_class_name,
    modules::{commonjs_file, es_module_url, export_name},
    retainers::{display_name, NodePath, Retainers},
    snapshot::{EdgeKind, EdgeLabel, HeapSnapshot, NodeKind},
    source_places::SourcePlaces,
    user_roots::untagged_global_name,
};

/// `path` in the program's terms: from the last module on it (nearest the target) when there is
/// one, otherwise from its first object; the edges by name, the objects between them left out,
/// the target by its class.
pub(crate) fn program_terms(
    snapshot: &HeapSnapshot,
    retainers: &Retainers,
    places: &SourcePlaces,
    path: &NodePath,
) -> String {
    let last = path.nodes.len() - 1;
    let mut parts = Vec::new();
    let mut from = 0;
    let module = (0..last).rev().find_map(|i| {
        let node = path.nodes[i];
        if let Some(file) = commonjs_file(snapshot, node) {
            return Some((i, places.place(file, None), false));
        }
        let url = es_module_url(snapshot, retainers, node)?;
        Some((i, places.place(url, None), true))
    });
    match &module {
        Some((i, file, is_es_module)) => {
            let (i, is_es_module) = (*i, *is_es_module);
            parts.push(format!("module {file}"));
            from = i;
            let is_binding = is_es_module && i + 3 <= last;
            if is_binding {
                // Module record → export table → the binding's cell → its value.
                let name = export_name(snapshot, path.nodes[i + 1], path.edges[i + 1]).unwrap_or("(export)");
                parts.push(name.to_string());
                from = i + 3;
            } else if !is_es_module && i + 2 <= last && edge_name(snapshot, path.edges[i]) == Some("exports") {
                parts.push(format!("exports.{}", snapshot.edge_label(path.edges[i + 1])));
                from = i + 2;
            }
        }
        None => parts.push(untagged_global_name(&display_name(snapshot, path.nodes[0])).to_string()),
    }
    for &edge in &path.edges[from.min(path.edges.len())..] {
        if let Some(label) = program_edge_label(snapshot, edge) {
            parts.push(label);
        }
    }
    let target = path.nodes[last];
    if last > 0 {
        parts.push(match snapshot.node_kind(target) {
            NodeKind::Closure => display_name(snapshot, target),
            _ => devtools_class_name(snapshot, target).to_string(),
        });
    }
    fold_repeats(parts).join(" → ")
}

/// Repeated runs of one edge or of a few edges (a linked list's `next`, Node's timer list's
/// `_idleNext`, each closure keeping the previous one's context) as one part: `_idleNext ×24`,
/// `(describe → previous) ×49`.
fn fold_repeats(parts: Vec<String>) -> Vec<String> {
    const LONGEST_PERIOD: usize = 3;
    let mut folded = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        let repeats_of = |period: usize| {
            let unit = &parts[i..(i + period).min(parts.len())];
            parts[i..].chunks(period).take_while(|chunk| *chunk == unit).count()
        };
        let best = (1..=LONGEST_PERIOD)
            .map(|period| (period, repeats_of(period)))
            .filter(|&(_, count)| count > 1)
            .max_by_key(|&(period, count)| (period * count, std::cmp::Reverse(period)));
        match best {
            Some((1, count)) => folded.push(format!("{} ×{count}", parts[i])),
            Some((period, count)) => folded.push(format!("({}) ×{count}", parts[i..i + period].join(" → "))),
            None => {
                folded.push(parts[i].clone());
                i += 1;
                continue;
            }
        }
        let (period, count) = best.unwrap_or((1, 1));
        i += period * count;
    }
    folded
}

/// An edge as the program-terms path shows it: `[3]` for an index, the name otherwise; `None`
/// for a function's link to its context, whose variable the next edge names.
fn program_edge_label(snapshot: &HeapSnapshot, edge: u32) -> Option<String> {
    match snapshot.edge_label(edge) {
        EdgeLabel::Index(i) => Some(format!("[{i}]")),
        EdgeLabel::Name("context") if snapshot.edge_kind(edge) == EdgeKind::Internal => None,
        // A hash table's slots are internal edges named by number.
        EdgeLabel::Name(name) if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) => {
            Some(format!("[{name}]"))
        }
        EdgeLabel::Name(name) => Some(name.to_string()),
    }
}

/// The name of a named edge.
fn edge_name(snapshot: &HeapSnapshot, edge: u32) -> Option<&str> {
    match snapshot.edge_label(edge) {
        EdgeLabel::Name(name) => Some(name),
        EdgeLabel::Index(_) => None,
    }
}

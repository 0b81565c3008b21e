//! What leakwatch itself holds while it measures, so that it stays out of its own reports.
//!
//! A snapshot taken from inside the process shows leakwatch's own work: its HeapDiff objects,
//! the snapshot stream being read, the parser fed from it. They are found from the graph: the
//! objects and functions of leakwatch's scripts, and whatever only they reach. The stack does
//! not count as the program's: while leakwatch takes a snapshot, its own frames hold the stream.
//!
//! Nor do V8's template-instantiation caches. The first time a class made from a C++ template is
//! instantiated (Node's snapshot stream, the addon's census), V8 keeps a boilerplate of it in
//! its native context's cache; the first snapshot of a process makes some, after V8 has taken
//! it, so the next one would show them as new. A boilerplate is V8's copy source, one per
//! template, never an object the program made, so what only those caches hold is left out too.

use std::collections::VecDeque;

use crate::{
    bits::BitSet,
    origin::ScriptOrigins,
    snapshot::{EdgeKind, HeapSnapshot, NodeKind, ROOT},
};

/// The nodes of one snapshot that leakwatch's code holds and the program does not: every object
/// or function of leakwatch's scripts, V8's template-instantiation caches, and every node that
/// only those reach (not counting the stack). Reports leave them out, and no retainer path or
/// holder goes through them.
pub struct OwnObjects {
    nodes: BitSet,
}

impl OwnObjects {
    /// leakwatch's own nodes in `snapshot`, its scripts told by `origins`; `None` when the
    /// snapshot holds nothing of leakwatch's.
    pub fn find(snapshot: &HeapSnapshot, origins: &ScriptOrigins) -> Option<OwnObjects> {
        let n = snapshot.node_count();
        let mut own = BitSet::new(n);
        let mut seeds = Vec::new();
        for &(ordinal, at) in &snapshot.locations {
            if origins.is_own_at(snapshot, ordinal, at) {
                own.insert(ordinal as usize);
                seeds.push(ordinal);
            }
        }
        if seeds.is_empty() {
            return None;
        }
        let template_caches = TemplateCacheEdges::of(snapshot);
        // What the program reaches without going through leakwatch's code, the stack or V8's
        // template caches.
        let mut programs = BitSet::new(n);
        programs.insert(ROOT as usize);
        let mut queue = VecDeque::from([ROOT]);
        while let Some(node) = queue.pop_front() {
            for e in snapshot.edges_of(node) {
                let to = snapshot.edge_target(e);
                if snapshot.edge_kind(e) == EdgeKind::Weak || programs.contains(to as usize) || own.contains(to as usize) {
                    continue;
                }
                if template_caches.is_one(snapshot, e) {
                    own.insert(to as usize);
                    seeds.push(to);
                } else if !is_stack_roots(snapshot, to) {
                    programs.insert(to as usize);
                    queue.push_back(to);
                }
            }
        }
        // What leakwatch's code reaches that the program does not.
        queue.extend(seeds);
        while let Some(node) = queue.pop_front() {
            for to in strong_targets(snapshot, node) {
                if !programs.contains(to as usize) && !own.contains(to as usize) {
                    own.insert(to as usize);
                    queue.push_back(to);
                }
            }
        }
        Some(OwnObjects { nodes: own })
    }

    /// Whether node `ordinal` is leakwatch's.
    pub fn contains(&self, ordinal: u32) -> bool {
        self.nodes.contains(ordinal as usize)
    }

    /// The nodes, as a set of ordinals.
    pub(crate) fn bits(&self) -> &BitSet {
        &self.nodes
    }
}

/// The edges from a native context to its template-instantiation caches (a fixed array, and a
/// dictionary for templates past its length), told by their internal names, which V8 gives
/// its native context's fields.
struct TemplateCacheEdges {
    /// The string indices of the two names; `None` when the snapshot has no such edge.
    names: [Option<u32>; 2],
}

impl TemplateCacheEdges {
    fn of(snapshot: &HeapSnapshot) -> TemplateCacheEdges {
        let find = |name| snapshot.strings.find(name);
        TemplateCacheEdges { names: [find("fast_template_instantiations_cache"), find("slow_template_instantiations_cache")] }
    }

    /// Whether `edge` leads from a native context to one of its template caches.
    fn is_one(&self, snapshot: &HeapSnapshot, edge: u32) -> bool {
        snapshot.edge_kind(edge) == EdgeKind::Internal
            && self.names.contains(&Some(snapshot.edge_name_or_index(edge)))
    }
}

/// The nodes that `node`'s edges other than weak ones point to.
fn strong_targets(snapshot: &HeapSnapshot, node: u32) -> impl Iterator<Item = u32> + '_ {
    snapshot.edges_of(node).filter(|&e| snapshot.edge_kind(e) != EdgeKind::Weak).map(|e| snapshot.edge_target(e))
}

/// Whether `node` is V8's root of what the stack's frames hold.
fn is_stack_roots(snapshot: &HeapSnapshot, node: u32) -> bool {
    snapshot.node_kind(node) == NodeKind::Synthetic && snapshot.node_name(node) == "(Stack roots)"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{origin::OwnScripts, retainers::Retainers};

    /// A snapshot with scripts 1 (`/app/main.js`) and 2 (`/lw/lib/read.js`): the global holds a
    /// program object (`Conn`, made in script 1), the program's function `main` and leakwatch's
    /// `HeapDiff` (script 2), which holds a `Census`; the stack holds a `Stream` whose `push` is a
    /// function of leakwatch's whose context holds the stream back, and an `Array` that only the
    /// stack holds.
    fn snapshot() -> HeapSnapshot {
        // Nodes: 0 root, 1 (GC roots), 2 (Stack roots), 3 global, 4 Conn, 5 HeapDiff, 6 Census,
        // 7 Stream, 8 push(), 9 its SharedFunctionInfo, 10 script main.js, 11 script read.js,
        // 12 main(), 13 its SharedFunctionInfo, 14 Array, 15 push's context.
        let json = r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],
            "node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"]],
            "edge_fields":["type","name_or_index","to_node"],
            "edge_types":[["context","element","property","internal","hidden","shortcut","weak"]],
            "location_fields":["object_index","script_id","line","column"]},
            "node_count":16,"edge_count":16},
          "nodes":[9,0,1,0,2, 9,1,3,0,1, 9,2,5,0,2, 3,3,7,10,3, 3,4,9,10,0, 3,5,11,10,1, 3,6,13,10,0,
                   3,7,15,10,1, 5,8,17,10,2, 4,9,19,10,1, 4,10,21,10,0, 4,11,23,10,0, 5,12,25,10,1,
                   4,9,27,10,1, 3,13,29,10,0, 0,14,31,10,1],
          "edges":[5,3,15, 1,1,5,
                   1,1,10,
                   1,1,35, 1,2,70,
                   2,15,20, 2,16,25, 2,12,60,
                   2,17,30,
                   2,8,40,
                   3,18,45, 3,20,75,
                   3,19,55,
                   3,18,65,
                   3,19,50,
                   0,21,35],
          "locations":[20,1,3,1, 25,2,10,1, 40,2,20,5, 60,1,1,1],
          "strings":["","(GC roots)","(Stack roots)","global","Conn","HeapDiff","Census","Stream",
                     "push","system / SharedFunctionInfo","/app/main.js","/lw/lib/read.js","main",
                     "Array","system / Context","conn","diff","census","shared","script_or_debug_info",
                     "context","stream"]}"#;
        HeapSnapshot::read(json.as_bytes()).unwrap()
    }

    /// leakwatch's own objects in `snapshot`, whose scripts are under `/lw/lib/`.
    fn leakwatchs(snapshot: &HeapSnapshot) -> OwnObjects {
        OwnObjects::find(snapshot, &ScriptOrigins::of(snapshot, &OwnScripts::new(["/lw/lib/".to_string()]))).unwrap()
    }

    /// The first node called `name`.
    fn named(snapshot: &HeapSnapshot, name: &str) -> u32 {
        (0..snapshot.node_count() as u32).find(|&o| snapshot.node_name(o) == name).unwrap()
    }

    #[test]
    fn leakwatchs_objects_and_what_only_they_hold_are_its_own() {
        let snapshot = snapshot();
        let own = leakwatchs(&snapshot);
        let named = |name: &str| named(&snapshot, name);
        for name in ["HeapDiff", "Census", "push", "system / Context", "Stream"] {
            assert!(own.contains(named(name)), "{name} is leakwatch's");
        }
        for name in ["Conn", "global", "main", "Array"] {
            assert!(!own.contains(named(name)), "{name} is not leakwatch's");
        }
    }

    #[test]
    fn retainer_paths_leave_leakwatchs_objects_out() {
        let snapshot = snapshot();
        let own = leakwatchs(&snapshot);
        let named = |name: &str| named(&snapshot, name);
        let all = Retainers::new(&snapshot);
        let program = Retainers::leaving_out(&snapshot, Some(&own));
        for name in ["HeapDiff", "Census"] {
            assert!(all.distance(named(name)).is_some(), "{name} is reachable");
            assert_eq!(program.distance(named(name)), None, "no path goes through {name}");
        }
        assert_eq!(program.distance(named("Conn")), all.distance(named("Conn")));
    }

    #[test]
    fn without_leakwatchs_scripts_nothing_is_its_own() {
        let snapshot = snapshot();
        let origins = ScriptOrigins::of(&snapshot, &OwnScripts::default());
        assert!(OwnObjects::find(&snapshot, &origins).is_none());
    }
}

//! Where a class comes from: the program's own code, the runtime (Node and V8), or leakwatch.
//!
//! Decided from the graph alone: V8 records where each object's constructor (and each function)
//! is defined as a script id, line and column; a function's SharedFunctionInfo points at its
//! script, whose name in the snapshot is the script's URL. Class names are never looked at.

use std::collections::HashMap;

use serde::Serialize;

use crate::{
    scripts::{edge_named, script_url, ScriptOrigin},
    snapshot::{EdgeKind, HeapSnapshot, NodeKind, SourceLocation},
};

/// Who defines a class of objects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The runtime: Node's or V8's code, or no script at all. Closures, contexts, arrays, plain
    /// objects, strings, promises and timers are the runtime's containers, whoever made them.
    #[default]
    Runtime,
    /// A class whose constructor is in one of the program's scripts.
    Program,
    /// A class or function of leakwatch's own scripts.
    Own,
}

impl Origin {
    /// The program's when either is: a class that one snapshot shows the program defines.
    pub(crate) fn max_program(self, other: Origin) -> Origin {
        if other == Origin::Program {
            other
        } else {
            self
        }
    }
}

/// The scripts that leakwatch itself runs from: paths or directories (ending in `/`), as the
/// JS package lists them. Empty for a snapshot of another process, as the CLI reads.
#[derive(Clone, Debug, Default)]
pub struct OwnScripts {
    prefixes: Vec<String>,
}

impl OwnScripts {
    /// leakwatch's scripts: each entry is a file path, or a directory path ending in `/` that
    /// covers every script under it.
    pub fn new(prefixes: impl IntoIterator<Item = String>) -> OwnScripts {
        OwnScripts { prefixes: prefixes.into_iter().filter(|p| !p.is_empty()).collect() }
    }

    /// Whether no script is leakwatch's.
    pub fn is_empty(&self) -> bool {
        self.prefixes.is_empty()
    }

    /// Whether the script at `url` (a path, or a `file://` URL for an ES module) is leakwatch's.
    fn contains(&self, url: &str) -> bool {
        let path = url.strip_prefix("file://").unwrap_or(url);
        self.prefixes.iter().any(|prefix| path.starts_with(prefix.as_str()))
    }
}

/// The origin of every script of a snapshot, by V8's script id.
pub struct ScriptOrigins {
    /// Sorted by script id: a process has some hundreds of scripts, and every located object is
    /// looked up, so a binary search over a short array beats hashing.
    by_id: Vec<(u32, Origin)>,
}

impl ScriptOrigins {
    /// Finds each located function's script through its SharedFunctionInfo and classifies it.
    pub fn of(snapshot: &HeapSnapshot, own: &OwnScripts) -> ScriptOrigins {
        let mut by_id: HashMap<u32, Origin> = HashMap::new();
        // Functions of one script tend to come together: the last one found is checked first.
        let mut last = None;
        for &(ordinal, location) in &snapshot.locations {
            if snapshot.node_kind(ordinal) != NodeKind::Closure
                || last == Some(location.script_id)
                || by_id.contains_key(&location.script_id)
            {
                continue;
            }
            if let Some(url) = script_url(snapshot, ordinal) {
                by_id.insert(location.script_id, origin_of_url(url, own));
                last = Some(location.script_id);
            }
        }
        let mut by_id: Vec<(u32, Origin)> = by_id.into_iter().collect();
        by_id.sort_unstable_by_key(|&(id, _)| id);
        ScriptOrigins { by_id }
    }

    /// The origin of the script with id `script_id`; the runtime's when no function of the
    /// snapshot leads to it.
    pub fn of_script(&self, script_id: u32) -> Origin {
        self.by_id.binary_search_by_key(&script_id, |&(id, _)| id).map_or_else(|_| Origin::default(), |i| self.by_id[i].1)
    }

    /// The origin of node `ordinal`'s class: the program's or leakwatch's for an object whose
    /// constructor is in their scripts, the runtime's for every other object and node type.
    /// A suspended generator or async function is the runtime's, whatever function it runs.
    pub fn of_class(&self, snapshot: &HeapSnapshot, ordinal: u32) -> Origin {
        match snapshot.node_kind(ordinal) {
            NodeKind::Object if !is_suspended_call(snapshot, ordinal) => {
                snapshot.location(ordinal).map_or(Origin::Runtime, |at| self.of_script(at.script_id))
            }
            _ => Origin::Runtime,
        }
    }

    /// Whether node `ordinal` is leakwatch's own code at work: an object of one of its classes,
    /// or one of its functions.
    pub fn is_own(&self, snapshot: &HeapSnapshot, ordinal: u32) -> bool {
        snapshot.location(ordinal).is_some_and(|at| self.is_own_at(snapshot, ordinal, at))
    }

    /// [`ScriptOrigins::is_own`] for a node whose location `at` is already known.
    pub(crate) fn is_own_at(&self, snapshot: &HeapSnapshot, ordinal: u32, at: SourceLocation) -> bool {
        matches!(snapshot.node_kind(ordinal), NodeKind::Object | NodeKind::Closure) && self.of_script(at.script_id) == Origin::Own
    }
}

/// Whether object `ordinal` is a suspended generator or async function: the frame that the
/// runtime keeps for the call, holding the function it runs by an internal `function` edge. V8
/// places such an object at that function, as it places an instance at its constructor, so its
/// location alone would make every pending `await` of the program look like a class it defines.
pub(crate) fn is_suspended_call(snapshot: &HeapSnapshot, ordinal: u32) -> bool {
    edge_named(snapshot, ordinal, "function").is_some_and(|e| {
        snapshot.edge_kind(e) == EdgeKind::Internal && snapshot.node_kind(snapshot.edge_target(e)) == NodeKind::Closure
    })
}

/// A script's origin by its URL (see [`ScriptOrigin::of_url`]): Node's and V8's are the
/// runtime's; of the others, leakwatch's own scripts are its own.
fn origin_of_url(url: &str, own: &OwnScripts) -> Origin {
    match ScriptOrigin::of_url(url) {
        ScriptOrigin::Node | ScriptOrigin::V8 => Origin::Runtime,
        ScriptOrigin::Program if own.contains(url) => Origin::Own,
        ScriptOrigin::Program => Origin::Program,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;

    const FOOS_SNAPSHOT_GZ: &[u8] = include_bytes!("../fixtures/foos.heapsnapshot.gz");

    fn foos() -> HeapSnapshot {
        HeapSnapshot::read(GzDecoder::new(FOOS_SNAPSHOT_GZ)).unwrap()
    }

    fn first(snapshot: &HeapSnapshot, kind: NodeKind, name: &str) -> u32 {
        (0..snapshot.node_count() as u32)
            .find(|&o| snapshot.node_kind(o) == kind && snapshot.node_name(o) == name)
            .unwrap()
    }

    #[test]
    fn urls_are_classified_by_where_the_script_lives() {
        let own = OwnScripts::new(["/opt/leakwatch/lib/".to_string(), "/opt/leakwatch/index.js".to_string()]);
        assert_eq!(origin_of_url("node:internal/timers", &own), Origin::Runtime);
        assert_eq!(origin_of_url("", &own), Origin::Runtime);
        assert_eq!(origin_of_url("native array.js", &own), Origin::Runtime);
        assert_eq!(origin_of_url("/srv/app/server.js", &own), Origin::Program);
        assert_eq!(origin_of_url("file:///srv/app/server.mjs", &own), Origin::Program);
        assert_eq!(origin_of_url("/opt/leakwatch/lib/snapshot/read.js", &own), Origin::Own);
        assert_eq!(origin_of_url("file:///opt/leakwatch/index.js", &own), Origin::Own);
        assert_eq!(origin_of_url("/opt/leakwatch/test/leaky.js", &own), Origin::Program);
    }

    #[test]
    fn a_class_of_the_program_is_the_programs_and_containers_are_the_runtimes() {
        let snapshot = foos();
        let origins = ScriptOrigins::of(&snapshot, &OwnScripts::default());
        let foo = first(&snapshot, NodeKind::Object, "Foo");
        assert_eq!(origins.of_class(&snapshot, foo), Origin::Program);
        for (kind, name) in [(NodeKind::Object, "Map"), (NodeKind::Object, "WeakMap"), (NodeKind::Object, "Object")] {
            assert_eq!(origins.of_class(&snapshot, first(&snapshot, kind, name)), Origin::Runtime, "{name}");
        }
        let closure = (0..snapshot.node_count() as u32)
            .find(|&o| snapshot.node_kind(o) == NodeKind::Closure && snapshot.location(o).is_some())
            .unwrap();
        assert_eq!(origins.of_class(&snapshot, closure), Origin::Runtime);
    }

    #[test]
    fn leakwatchs_own_scripts_make_its_classes_own() {
        let snapshot = foos();
        let foo = first(&snapshot, NodeKind::Object, "Foo");
        let script = snapshot.location(foo).unwrap().script_id;
        let url = ScriptOrigins::of(&snapshot, &OwnScripts::default());
        assert_eq!(url.of_script(script), Origin::Program);
        // The fixture was written by fixtures/foos.js: declare its directory leakwatch's.
        let path = (0..snapshot.node_count() as u32)
            .filter(|&o| snapshot.node_kind(o) == NodeKind::Closure)
            .filter(|&o| snapshot.location(o).is_some_and(|at| at.script_id == script))
            .find_map(|o| script_url(&snapshot, o))
            .unwrap()
            .to_string();
        assert!(path.ends_with("foos.js"), "{path}");
        let dir = format!("{}/", std::path::Path::new(&path).parent().unwrap().display());
        let origins = ScriptOrigins::of(&snapshot, &OwnScripts::new([dir]));
        assert_eq!(origins.of_class(&snapshot, foo), Origin::Own);
        assert!(origins.is_own(&snapshot, foo));
    }
}

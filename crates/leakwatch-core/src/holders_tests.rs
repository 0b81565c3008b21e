//! `held_by` and program-terms paths on real snapshots of a program that leaks through each kind
//! of holder (`fixtures/holders/main.js`, which says how to remake them), from Node 20 and 24.

use flate2::read::GzDecoder;

use crate::{explain_object, Analysis, HeapSnapshot, ObjectExplanation, Retainers, SourcePlaces};

const NODE_20: &[u8] = include_bytes!("../fixtures/holders-node20.heapsnapshot.gz");
const NODE_24: &[u8] = include_bytes!("../fixtures/holders-node24.heapsnapshot.gz");

/// Where the fixture program ran when it wrote the snapshots.
const PROGRAM_DIR: &str = "/tmp/leakwatch-holders";

/// Each leaked class, the `held_by` of its object farthest from the roots (for `Thing`, the
/// one the longest chain of things holds), and how that object's program-terms path starts
/// (array indices differ between Node versions; every path ends at the class).
const EXPECTED: &[(&str, &str, &str)] = &[
    (
        "PendingRequest",
        "`waiting` (Map) in src/registry.js",
        "module src/registry.js → exports.register → waiting → table → [",
    ),
    (
        "LeakedRequest",
        "exports.leakedRequests (Array) of src/workload.js",
        "module src/workload.js → exports.leakedRequests → [",
    ),
    ("Subscriber", "`bus`.on('config'), 50 listeners", "module src/bus.js → exports.subscribe → bus → _events → config → ["),
    (
        "Poller",
        "an interval never cleared, whose callback is the function at src/poll.js:12:15 (where the timer was started is not in a snapshot)",
        "global → ",
    ),
    // A timer is named by its callback, as what holds it is Node's timer list.
    (
        "Timeout",
        "an interval never cleared, whose callback is the function at src/poll.js:12:15 (where the timer was started is not in a snapshot)",
        "global → ",
    ),
    ("PendingReply", "a promise never settled, awaited in waitForReply() at src/client.js:11:28", "module src/"),
    ("Thing", "`current` (Thing) in src/replace.js, through `previous` (Thing) in replaceThing() at src/replace.js:13:22", "module src/replace.js → exports.replaceThing → current → "),
    ("CacheEntry", "export entries (Array) of src/cache.mjs", "module src/cache.mjs → entries → ["),
];

/// The explanation of the object of class `name` farthest from the roots (the lowest id of
/// those).
fn explain_farthest(snapshot: &HeapSnapshot, analysis: &Analysis, retainers: &Retainers, name: &str) -> ObjectExplanation {
    let classes = analysis.classes_named(name);
    let farthest = (0..snapshot.node_count() as u32)
        .filter(|&n| classes.contains(&analysis.class_of(n)))
        .min_by_key(|&n| (std::cmp::Reverse(retainers.distance(n)), snapshot.node_id(n)))
        .unwrap_or_else(|| panic!("no {name} in the snapshot"));
    explain_object(snapshot, retainers, &SourcePlaces::relative_to(PROGRAM_DIR), farthest)
        .unwrap_or_else(|| panic!("no path to {name}"))
}

fn check(gzipped: &[u8]) {
    let snapshot = HeapSnapshot::read(GzDecoder::new(gzipped)).unwrap();
    let analysis = Analysis::new(&snapshot);
    let retainers = Retainers::new(&snapshot);
    for &(class, held_by, path_start) in EXPECTED {
        let explained = explain_farthest(&snapshot, &analysis, &retainers, class);
        let text = explained.held_by.as_ref().map(|h| h.to_string());
        assert_eq!(text.as_deref(), Some(held_by), "{class}: {}", explained.program_path);
        assert!(explained.program_path.starts_with(path_start), "{class}: {}", explained.program_path);
        assert!(explained.program_path.ends_with(&format!(" → {class}")), "{class}: {}", explained.program_path);
    }
}

#[test]
fn held_by_and_program_paths_on_node_20() {
    check(NODE_20);
}

#[test]
fn held_by_and_program_paths_on_node_24() {
    check(NODE_24);
}

/// A snapshot where `global.a` (a function of Node's) and `global.b` (one of the program's)
/// both hold an `Item` by `x`: two shortest paths, Node's first in edge order.
fn two_paths_snapshot() -> String {
    let meta = r#"{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"]],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"]]}"#;
    // Nodes: root, global, Node's function, the program's, their shared infos, Item, two scripts.
    let nodes = "9,0,1,0,1, 3,1,3,10,2, 5,2,5,10,2, 5,3,7,10,2, 4,2,9,10,1, 4,3,11,10,1, 3,4,13,10,0, 4,5,15,10,0, 4,6,17,10,0";
    let edges = "5,1,5, 2,7,10, 2,8,15, 2,9,30, 3,10,20, 2,9,30, 3,10,25, 3,11,35, 3,11,40";
    let strings = r#"["","global","internalFn","appFn","Item","node:events","/app/server.js","a","b","x","shared","script_or_debug_info"]"#;
    format!(
        r#"{{"snapshot":{{"meta":{meta},"node_count":9,"edge_count":9}},"nodes":[{nodes}],"edges":[{edges}],"strings":{strings}}}"#
    )
}

#[test]
fn of_the_shortest_paths_the_one_through_the_programs_code_is_chosen() {
    let json = two_paths_snapshot();
    let snapshot = HeapSnapshot::read(json.as_bytes()).unwrap();
    let retainers = Retainers::new(&snapshot);
    let item = snapshot.find_node(13).unwrap();
    let devtools = retainers.paths(&snapshot, item, 1)[0].to_string();
    assert!(devtools.contains("internalFn()"), "{devtools}");
    let explained = explain_object(&snapshot, &retainers, &SourcePlaces::relative_to("/app"), item).unwrap();
    assert_eq!(explained.program_path, "global → b → x → Item");
    assert!(explained.path.to_string().contains("appFn()"), "{}", explained.path);
}

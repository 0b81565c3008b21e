//! Snapshots that once made the engine misbehave (fuzz/README.md): each must now be read with a
//! clean one-line error or a valid result, never a panic, and within the memory bound of 4 x the
//! file's size + 64 MB, which the fuzzer's own counting allocator checks here too (it aborts the
//! test, naming the figures, the moment the bound is passed).

use std::path::Path;

use leakwatch_core::{Analysis, Census, HeapSnapshot, OwnScripts, Side, Summary};

#[path = "../../../fuzz/src/peak_allocator.rs"]
mod peak_allocator;

#[global_allocator]
static ALLOCATOR: peak_allocator::PeakAllocator = peak_allocator::PeakAllocator::new();

/// Reads the snapshot and, when it is valid, analyses it, summarises it and takes its census for
/// a diff, as the CLI's `summary` and `diff` would.
fn read_and_analyse(bytes: &[u8]) -> Result<usize, String> {
    let snapshot = HeapSnapshot::read(bytes).map_err(|e| e.to_string())?;
    let analysis = Analysis::new(&snapshot);
    let classes = Summary::new(&snapshot, &analysis).classes.len();
    let census = Census::new(&snapshot, &analysis, &OwnScripts::default(), Side::After);
    std::hint::black_box(census);
    Ok(classes)
}

/// Checks one checked-in input and returns the error it gave, if any.
fn check(name: &str) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/untrusted").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (result, peak) = ALLOCATOR.bounded(bytes.len(), || read_and_analyse(&bytes));
    let bound = bytes.len() * 4 + peak_allocator::FIXED_ALLOWANCE;
    assert!(peak <= bound, "{name}: {peak} bytes at the peak, bound {bound}");
    match result {
        Ok(_) => None,
        Err(message) => {
            assert!(!message.is_empty() && !message.contains('\n'), "{name}: not a one-line error: {message:?}");
            Some(message)
        }
    }
}

/// A header that claims four billion nodes in front of a few hundred used to have the parser
/// reserve room for all of them before reading one.
#[test]
fn a_header_claiming_billions_of_nodes_is_an_error_not_an_allocation() {
    let error = check("header-claims-4e9-nodes.json").expect("the node count does not match the rows");
    assert!(error.contains("snapshot.node_count 4000000000"), "{error}");
}

/// A snapshot of `nodes` nodes whose rows are as short as the format allows (`0,0,0,0,0,0,0`),
/// with no edges: the least text per node, so the most engine memory per byte of file.
fn minimal_rows(nodes: usize) -> Vec<u8> {
    let header = r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"],"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"]},"node_count":NODES,"edge_count":0},"nodes":[9,0,1,0,0,0,0"#;
    let mut out = header.replace("NODES", &nodes.to_string()).into_bytes();
    for _ in 1..nodes {
        out.extend_from_slice(b",0,0,0,0,0,0,0");
    }
    out.extend_from_slice(br#"],"edges":[],"strings":[""]}"#);
    out
}

/// The bound holds for real snapshots (tens of bytes of text per node, and edges), but not yet for
/// files built to have the least text per node. Reading keeps 17 bytes a node, the analysis 16
/// more, and a census for a diff 48 more at its peak (24 for its objects, 8 each for the order by
/// id and the path shapes, 4 each for its classes and the nearest same-class dominators): 81
/// bytes a node where such a file has 14, so past about 2.7 million nodes (38 MB) the bound of
/// 4 x the size + 64 MB is passed (243 MB against 235 MB at 3 million).
/// Run with `-- --ignored` to check a change to the memory layout.
#[test]
#[ignore = "a census keeps 48 bytes a node beside the graph's 17 and the analysis's 16, past 4 x a minimal row's 14 bytes"]
fn minimal_rows_stay_within_the_bound() {
    let bytes = minimal_rows(3_000_000);
    let (result, peak) = ALLOCATOR.bounded(bytes.len(), || read_and_analyse(&bytes));
    let bound = bytes.len() * 4 + peak_allocator::FIXED_ALLOWANCE;
    assert!(peak <= bound, "{peak} bytes at the peak, bound {bound}");
    result.expect("the snapshot is valid");
}

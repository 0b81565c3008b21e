//! Snapshots that once made the engine misbehave (fuzz/README.md): each must now be read with a
//! clean one-line error or a valid result, never a panic, and within the memory bound of 4 x the
//! file's size + 64 MB, which the fuzzer's own counting allocator checks here too (it aborts the
//! test, naming the figures, the moment the bound is passed).

use std::path::Path;

use leakwatch_core::{Analysis, HeapSnapshot, Summary};

#[path = "../../../fuzz/src/peak_allocator.rs"]
mod peak_allocator;

#[global_allocator]
static ALLOCATOR: peak_allocator::PeakAllocator = peak_allocator::PeakAllocator::new();

/// Reads the snapshot and, when it is valid, analyses and summarises it, as the CLI would.
fn read_and_analyse(bytes: &[u8]) -> Result<usize, String> {
    let snapshot = HeapSnapshot::read(bytes).map_err(|e| e.to_string())?;
    let analysis = Analysis::new(&snapshot);
    Ok(Summary::new(&snapshot, &analysis).classes.len())
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
    assert!(error.contains("node"), "{error}");
}

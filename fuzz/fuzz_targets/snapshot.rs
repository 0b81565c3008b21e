//! Fuzzes the engine's reading of untrusted snapshot files: parsing, analysis, summary, diffs,
//! leak groups and retainer paths, under the allocation bound of [`PeakAllocator`] and the time
//! bound of [`time_bound`] (libFuzzer's `-timeout` is the backstop for inputs that never end).
//!
//! An input is one snapshot (plain or gzip), diffed both ways against a fixed real Node 20
//! snapshot; or two snapshots split by [`SPLIT`], each read so, and then diffed one against the
//! other. Any input may be rejected with an error; none may panic, hang or pass the bound.
#![no_main]

use std::sync::LazyLock;

use leakwatch_core::HeapSnapshot;
use leakwatch_fuzz::{
    engine::{compare, Analysed},
    input::{snapshot_bytes, split_pair},
    peak_allocator::PeakAllocator,
    time_bound,
};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOCATOR: PeakAllocator = PeakAllocator::new();

/// The fixed real snapshot each input is diffed against.
static REFERENCE: LazyLock<Analysed> = LazyLock::new(|| {
    let bytes: &[u8] = include_bytes!("../seeds/node20.snapshot.json");
    Analysed::new(HeapSnapshot::read(bytes).expect("the reference seed is a valid snapshot"))
});

/// Reads and analyses one snapshot, and runs the single-snapshot reports on it.
fn read(bytes: &[u8]) -> Option<Analysed> {
    let snapshot = HeapSnapshot::read(bytes).ok()?;
    let analysed = Analysed::new(snapshot);
    analysed.explain_largest();
    Some(analysed)
}

fuzz_target!(|data: &[u8]| {
    LazyLock::force(&REFERENCE);
    let Some(bytes) = snapshot_bytes(data) else { return };
    let started = time_bound::process_cpu_time();
    let (_, peak) = ALLOCATOR.bounded(bytes.len(), || {
        let (first, second) = match split_pair(&bytes) {
            Some((first, second)) => (read(first), read(second)),
            None => (read(&bytes), None),
        };
        for analysed in first.iter().chain(&second) {
            compare(&REFERENCE, analysed);
            compare(analysed, &REFERENCE);
        }
        if let (Some(first), Some(second)) = (&first, &second) {
            compare(first, second);
        }
    });
    std::hint::black_box(peak);
    let took = time_bound::process_cpu_time().saturating_sub(started);
    let limit = time_bound::limit(bytes.len());
    assert!(took <= limit, "the engine took {took:?} of CPU time on {} bytes, past its bound of {limit:?}", bytes.len());
});

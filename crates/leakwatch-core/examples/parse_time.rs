//! Times each step of a full analysis of a snapshot file: `cargo run --release --example
//! parse_time FILE`.
use std::time::Instant;

use leakwatch_core::{Analysis, HeapSnapshot, Summary};

fn main() {
    let path = std::env::args().nth(1).expect("usage: parse_time FILE");
    let start = Instant::now();
    let snapshot = HeapSnapshot::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let parsed = start.elapsed();
    let analysis = Analysis::new(&snapshot);
    let analysed = start.elapsed();
    let summary = Summary::new(&snapshot, &analysis);
    let done = start.elapsed();
    eprintln!(
        "{} nodes, {} edges: parse {parsed:?}, analysis {:?}, summary {:?}, total {done:?}",
        snapshot.node_count(),
        snapshot.edge_count(),
        analysed - parsed,
        done - analysed
    );
    for class in summary.top(8) {
        eprintln!("{:>10} {:>12} {:>12}  {}", class.count, class.shallow_size, class.retained_size, class.name);
    }
}

//! Times parsing (and, once implemented, analysis) of a snapshot file: `parse_time FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: parse_time FILE");
    let start = std::time::Instant::now();
    let snapshot = leakwatch_core::HeapSnapshot::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    eprintln!("parse: {:?}, {} nodes, {} edges", start.elapsed(), snapshot.node_count(), snapshot.edge_count());
}

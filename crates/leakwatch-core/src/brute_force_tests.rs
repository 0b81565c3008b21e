//! Retained sizes checked against their definition: what becomes unreachable from the root,
//! over the essential edges, when a node is taken away.

use std::fmt::Write;

use flate2::read::GzDecoder;

use crate::{
    bits::BitSet,
    essential::{essential_edges, WeakMapEdges},
    snapshot::ROOT,
    Analysis, HeapSnapshot,
};

/// The nodes reachable from the root over essential edges, plus an edge from the root to every
/// node the dominator tree hangs off the root, without passing through `removed`.
fn reachable_without(snapshot: &HeapSnapshot, essential: &BitSet, extra_roots: &[u32], removed: u32) -> Vec<bool> {
    let mut seen = vec![false; snapshot.node_count()];
    let mut stack = vec![ROOT];
    seen[ROOT as usize] = true;
    for &r in extra_roots {
        if r != removed && !seen[r as usize] {
            seen[r as usize] = true;
            stack.push(r);
        }
    }
    while let Some(node) = stack.pop() {
        for e in snapshot.edges_of(node) {
            let to = snapshot.edge_target(e);
            if essential.contains(e as usize) && to != removed && !seen[to as usize] {
                seen[to as usize] = true;
                stack.push(to);
            }
        }
    }
    seen
}

/// Checks `retained_size` of each node in `sample` against the brute-force definition.
fn check_retained_sizes(snapshot: &HeapSnapshot, sample: impl Iterator<Item = u32>) -> usize {
    let analysis = Analysis::new(snapshot);
    let essential = essential_edges(snapshot, &WeakMapEdges::find(snapshot)).edges;
    // As in DevTools, nodes that no essential edge points at hang off the root, and so does each
    // node that neither the root nor those reach.
    let mut retained_by_something = vec![false; snapshot.node_count()];
    for e in 0..snapshot.edge_count() {
        if essential.contains(e) {
            retained_by_something[snapshot.edge_target(e as u32) as usize] = true;
        }
    }
    let mut extra_roots: Vec<u32> = (1..snapshot.node_count() as u32).filter(|&v| !retained_by_something[v as usize]).collect();
    let reached = reachable_without(snapshot, &essential, &extra_roots, u32::MAX);
    extra_roots.extend((0..snapshot.node_count() as u32).filter(|&v| !reached[v as usize]));
    let mut checked = 0;
    for node in sample.filter(|&v| v != ROOT) {
        let alive = reachable_without(snapshot, &essential, &extra_roots, node);
        let freed: u64 = (0..snapshot.node_count()).filter(|&v| !alive[v]).map(|v| analysis.shallow_size(v as u32)).sum();
        assert_eq!(analysis.retained_size(node), freed, "retained size of node {node} (id {})", snapshot.node_id(node));
        checked += 1;
    }
    checked
}

/// A small xorshift generator, so the graphs are the same on every run.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A random snapshot: a root with a few user roots and a GC-roots node, then random edges of
/// every kind among `n` nodes, with cycles, self edges, weak and shortcut edges.
fn random_snapshot(seed: u64, n: usize) -> String {
    let mut random = Random(seed);
    let mut edges: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n];
    edges[0].push((1, 1)); // element edge to (GC roots)
    edges[0].push((5, 2)); // shortcut edges to user roots
    edges[0].push((5, 3));
    for out in edges.iter_mut().skip(1) {
        for _ in 0..random.below(4) {
            let kind = [1, 2, 2, 2, 3, 5, 6][random.below(7) as usize];
            out.push((kind, random.below(n as u64) as u32));
        }
    }
    let mut json = String::from(
        r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"]],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"]]},"#,
    );
    let edge_count: usize = edges.iter().map(Vec::len).sum();
    write!(json, r#""node_count":{n},"edge_count":{edge_count}}},"nodes":["#).unwrap();
    for (i, out) in edges.iter().enumerate() {
        let kind = if i < 2 { 9 } else { [1, 3, 3, 0, 2][random.below(5) as usize] };
        let size = if i < 2 { 0 } else { 8 + random.below(100) };
        let sep = if i == 0 { "" } else { "," };
        writeln!(json, "{sep}{kind},1,{},{size},{}", 2 * i + 1, out.len()).unwrap();
    }
    json.push_str(r#"],"edges":["#);
    let mut first = true;
    for out in &edges {
        for &(kind, to) in out {
            let sep = if first { "" } else { "," };
            first = false;
            writeln!(json, "{sep}{kind},1,{}", to * 5).unwrap();
        }
    }
    json.push_str(r#"],"strings":["<dummy>","x"]}"#);
    json
}

#[test]
fn retained_sizes_match_brute_force_on_random_graphs() {
    for seed in 1..=300 {
        let json = random_snapshot(seed * 7919, 10 + seed as usize % 90);
        let snapshot = HeapSnapshot::read(json.as_bytes()).unwrap();
        check_retained_sizes(&snapshot, 0..snapshot.node_count() as u32);
    }
}

/// A real snapshot of Node (written by `fixtures/foos.js`, which says how to remake it), so
/// these tests need no `node` on the PATH.
const FOOS_SNAPSHOT_GZ: &[u8] = include_bytes!("../fixtures/foos.heapsnapshot.gz");

#[test]
fn retained_sizes_match_brute_force_on_a_real_node_snapshot() {
    let snapshot = HeapSnapshot::read(GzDecoder::new(FOOS_SNAPSHOT_GZ)).unwrap();
    // Every Foo, and an even spread of the rest.
    let analysis = Analysis::new(&snapshot);
    let foo = analysis.classes_named("Foo");
    let foos = (0..snapshot.node_count() as u32).filter(|&v| foo.contains(&analysis.class_of(v)));
    let spread = (0..snapshot.node_count() as u32).step_by(snapshot.node_count() / 150);
    assert_eq!(check_retained_sizes(&snapshot, foos), 300);
    check_retained_sizes(&snapshot, spread);
}

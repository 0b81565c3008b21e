//! Shortest retainer paths, from the roots down to an object.

use std::{
    collections::{HashMap, VecDeque},
    fmt,
};

use serde::Serialize;

use crate::{
    classes::devtools_class_name,
    distances::{distances, UNREACHABLE},
    essential::WeakMapEdges,
    own_objects::OwnObjects,
    snapshot::{EdgeKind, HeapSnapshot, NodeKind, ROOT},
    user_roots::user_roots,
};

/// One object on a retainer path, and the edge by which it holds the next one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RetainerStep {
    /// The object's id (`@id` in DevTools).
    pub id: u32,
    /// The object's class, as the Summary view names it.
    pub class: String,
    /// The object's name as DevTools lists it: the constructor for objects, the text of a string,
    /// the internal name of a system object.
    pub name: String,
    /// The name of the edge to the next step (`[3]` for an element); `None` on the last step.
    pub edge: Option<String>,
}

/// A path from a root to an object, root first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RetainerPath {
    /// The objects along the path, the root's child first, the target last.
    pub steps: Vec<RetainerStep>,
}

impl fmt::Display for RetainerPath {
    /// DevTools' notation: `Window @5 → cache → Map @77 → table → … → Foo @12345`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.steps {
            write!(f, "{} @{}", step.name, step.id)?;
            if let Some(edge) = &step.edge {
                write!(f, " → {edge} → ")?;
            }
        }
        Ok(())
    }
}

/// Every node's retainers (the edges that point at it) and its distance from the roots, for
/// walking shortest paths backwards.
pub struct Retainers {
    first: Vec<u32>,
    edges: Vec<u32>,
    distances: Vec<u32>,
    /// Where paths start besides the root's own children: Node 26's global objects, which the
    /// root holds through their native contexts.
    user_roots: Vec<u32>,
}

/// Paths are not looked for beyond this many steps of search, so a pathological graph cannot
/// make a query run away.
const SEARCH_BUDGET: usize = 1_000_000;

/// One retainer path as ordinals: `nodes[0]` is held by the root, the last node is the target,
/// and `edges[i]` leads from `nodes[i]` to `nodes[i + 1]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NodePath {
    pub(crate) nodes: Vec<u32>,
    pub(crate) edges: Vec<u32>,
}

impl NodePath {
    /// The path with each object's class and name, as DevTools shows it.
    pub(crate) fn retainer_path(&self, snapshot: &HeapSnapshot) -> RetainerPath {
        let steps = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, &node)| RetainerStep {
                id: snapshot.node_id(node),
                class: devtools_class_name(snapshot, node).to_string(),
                name: display_name(snapshot, node),
                edge: self.edges.get(i).map(|&e| snapshot.edge_label(e).to_string()),
            })
            .collect();
        RetainerPath { steps }
    }
}

impl Retainers {
    /// Indexes the retaining edges of every node (one `u32` per edge and per node), and measures
    /// every node's distance from the roots as DevTools does.
    pub fn new(snapshot: &HeapSnapshot) -> Retainers {
        Retainers::leaving_out(snapshot, None)
    }

    /// As [`Retainers::new`], but paths never go through the nodes of `own` (leakwatch's own
    /// objects, in a snapshot of the process it runs in): distances are measured without them,
    /// so the shortest paths are the program's own, and those nodes are unreachable.
    pub fn leaving_out(snapshot: &HeapSnapshot, own: Option<&OwnObjects>) -> Retainers {
        // The index and the distances do not depend on each other: they are built at once.
        std::thread::scope(|scope| {
            let distances =
                scope.spawn(|| distances(snapshot, &WeakMapEdges::find(snapshot), own.map(OwnObjects::bits)));
            let (first, edges) = retaining_edges(snapshot);
            let distances = distances.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            Retainers { first, edges, distances, user_roots: user_roots(snapshot) }
        })
    }

    /// The number of edges on a shortest path from the user roots (the global objects) to node
    /// `ordinal`, or `None` when only weak edges reach it. As in DevTools, nodes that only the
    /// system roots reach are measured from the root plus 100,000,000.
    pub fn distance(&self, ordinal: u32) -> Option<u32> {
        Some(self.distances[ordinal as usize]).filter(|&d| d != UNREACHABLE)
    }

    /// Up to `max_paths` distinct shortest paths from the user roots (or, for objects only the
    /// system holds, from the GC roots) to node `target`, as the Retainers view would unfold
    /// them: weak edges and the root's own edges are left out. Empty when only weak edges hold
    /// the target.
    pub fn paths(&self, snapshot: &HeapSnapshot, target: u32, max_paths: usize) -> Vec<RetainerPath> {
        let mut found = Vec::new();
        if self.distance(target).is_none() || max_paths == 0 {
            return found;
        }
        // Depth-first over retainers one step closer to the roots; `chain` holds (node, edge
        // from it to the node below it, next retainer to try).
        let mut chain: Vec<(u32, u32, usize)> = vec![(target, u32::MAX, self.first[target as usize] as usize)];
        let mut budget = SEARCH_BUDGET;
        while let Some(&mut (node, _, ref mut next)) = chain.last_mut() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            let distance = self.distances[node as usize];
            let mut step_up = None;
            while *next < self.first[node as usize + 1] as usize {
                let edge = self.edges[*next];
                *next += 1;
                let from = self.source_of(snapshot, edge);
                if self.is_step_up(snapshot, from, edge, distance) {
                    step_up = Some((from, edge));
                    break;
                }
            }
            match step_up {
                Some((from, edge)) => {
                    let is_top = self.is_held_by_root(snapshot, from);
                    chain.push((from, edge, self.first[from as usize] as usize));
                    if is_top {
                        found.push(path_of(snapshot, &chain));
                        chain.pop();
                        if found.len() == max_paths {
                            break;
                        }
                    }
                }
                None => {
                    if chain.len() == 1 && found.is_empty() && self.is_held_by_root(snapshot, target) {
                        found.push(path_of(snapshot, &chain));
                    }
                    chain.pop();
                }
            }
        }
        found
    }

    /// One shortest path from the roots to `target` that goes through a node `preferred` accepts
    /// (above the target), if any of the shortest paths does; otherwise the first shortest path, as [`paths`] finds
    /// it. `None` when only weak edges hold the target, or when the search budget ran out first.
    ///
    /// The nodes on shortest paths to the target are gathered from the target up (each one step
    /// nearer the roots than the node below it), then marked, nearest the roots first, when a
    /// path from them to the roots passes a preferred node. Past the search budget, the nodes not
    /// yet reached count as not preferred.
    ///
    /// [`paths`]: Retainers::paths
    pub(crate) fn path_preferring(
        &self,
        snapshot: &HeapSnapshot,
        target: u32,
        preferred: impl Fn(u32) -> bool,
    ) -> Option<NodePath> {
        self.distance(target)?;
        // Every node above the target on a shortest path, with the retainers one step up of each.
        let mut above: HashMap<u32, Vec<(u32, u32)>> = HashMap::new();
        let mut queue = VecDeque::from([target]);
        let mut budget = SEARCH_BUDGET;
        while let Some(node) = queue.pop_front() {
            if above.contains_key(&node) {
                continue;
            }
            let parents = if self.is_held_by_root(snapshot, node) { Vec::new() } else { self.steps_up(snapshot, node) };
            budget = budget.saturating_sub(parents.len() + 1);
            if budget > 0 {
                queue.extend(parents.iter().map(|&(from, _)| from).filter(|from| !above.contains_key(from)));
            }
            above.insert(node, parents);
        }
        let mut nearest_roots_first: Vec<u32> = above.keys().copied().collect();
        nearest_roots_first.sort_unstable_by_key(|&node| (self.distances[node as usize], node));
        let mut passes_preferred: HashMap<u32, bool> = HashMap::with_capacity(above.len());
        for &node in &nearest_roots_first {
            let through_parent = above[&node].iter().any(|(from, _)| passes_preferred.get(from) == Some(&true));
            passes_preferred.insert(node, through_parent || preferred(node));
        }
        // From the target up: once the path has passed a preferred node any retainer will do, and
        // the first one is the one DevTools would show.
        let (mut nodes, mut edges) = (vec![target], Vec::new());
        // The target itself does not count: the path is to say what of the program holds it.
        let mut passed = false;
        let mut node = target;
        loop {
            let parents = above.get(&node).map_or(&[][..], Vec::as_slice);
            let choice = parents
                .iter()
                .find(|(from, _)| !passed && passes_preferred.get(from) == Some(&true))
                .or(parents.first());
            let Some(&(from, edge)) = choice else { break };
            passed |= preferred(from);
            nodes.push(from);
            edges.push(edge);
            node = from;
        }
        if !self.is_held_by_root(snapshot, node) {
            // The search ran out of budget before it reached the roots.
            return None;
        }
        nodes.reverse();
        edges.reverse();
        Some(NodePath { nodes, edges })
    }

    /// The retainers of `node` one step nearer the roots, with the edge from each: what a
    /// shortest path may go through. Weak edges and the root's own edges are left out.
    fn steps_up(&self, snapshot: &HeapSnapshot, node: u32) -> Vec<(u32, u32)> {
        let distance = self.distances[node as usize];
        self.retainers_of(snapshot, node)
            .filter(|&(from, edge)| self.is_step_up(snapshot, from, edge, distance))
            .collect()
    }

    /// Whether `edge`, from `from` to a node at `distance`, is a step of a shortest path.
    fn is_step_up(&self, snapshot: &HeapSnapshot, from: u32, edge: u32, distance: u32) -> bool {
        from != ROOT
            && snapshot.edge_kind(edge) != EdgeKind::Weak
            && self.distances[from as usize].checked_add(1) == Some(distance)
    }

    /// The edges that point at `node`, and the node each leaves from.
    pub(crate) fn retainers_of<'a>(
        &'a self,
        snapshot: &'a HeapSnapshot,
        node: u32,
    ) -> impl Iterator<Item = (u32, u32)> + 'a {
        self.retaining_edges(node).map(move |edge| (self.source_of(snapshot, edge), edge))
    }

    /// Whether a path starts at `node`: the root points at it (a GC root group, a global object
    /// up to Node 24), or it is a user root (a global object).
    fn is_held_by_root(&self, snapshot: &HeapSnapshot, node: u32) -> bool {
        self.user_roots.contains(&node) || self.retaining_edges(node).any(|e| self.source_of(snapshot, e) == ROOT)
    }

    fn retaining_edges(&self, node: u32) -> impl Iterator<Item = u32> + '_ {
        self.edges[self.first[node as usize] as usize..self.first[node as usize + 1] as usize].iter().copied()
    }

    /// The node an edge leaves from: the last node whose first edge is at or before it.
    fn source_of(&self, snapshot: &HeapSnapshot, edge: u32) -> u32 {
        (snapshot.first_edge.partition_point(|&first| first <= edge) - 1) as u32
    }
}

/// The edges that point at each node, as compressed rows: those of node `n` are
/// `edges[first[n]..first[n + 1]]`.
fn retaining_edges(snapshot: &HeapSnapshot) -> (Vec<u32>, Vec<u32>) {
    let n = snapshot.node_count();
    let mut first = vec![0u32; n + 2];
    for &to in &snapshot.edge_targets {
        first[to as usize + 2] += 1;
    }
    for i in 2..first.len() {
        first[i] += first[i - 1];
    }
    let mut edges = vec![0u32; snapshot.edge_count()];
    for from in 0..n as u32 {
        for e in snapshot.edges_of(from) {
            let slot = &mut first[snapshot.edge_target(e) as usize + 1];
            edges[*slot as usize] = e;
            *slot += 1;
        }
    }
    first.pop();
    (first, edges)
}

/// The path that `chain` describes: it runs from the target up, and each entry holds the edge
/// from its node to the node of the entry before it.
fn path_of(snapshot: &HeapSnapshot, chain: &[(u32, u32, usize)]) -> RetainerPath {
    let nodes = chain.iter().rev().map(|&(node, _, _)| node).collect();
    let edges = chain[1..].iter().rev().map(|&(_, edge, _)| edge).collect();
    NodePath { nodes, edges }.retainer_path(snapshot)
}

/// Up to `max_paths` shortest distinct paths from the user roots to node `target`, shortest first.
/// Builds a [`Retainers`] index; to query many objects, build one and call
/// [`Retainers::paths`].
pub fn retainer_paths(snapshot: &HeapSnapshot, target: u32, max_paths: usize) -> Vec<RetainerPath> {
    Retainers::new(snapshot).paths(snapshot, target, max_paths)
}

/// A node's name as a retainer path shows it.
pub(crate) fn display_name(snapshot: &HeapSnapshot, node: u32) -> String {
    let name = snapshot.node_name(node);
    match snapshot.node_kind(node) {
        NodeKind::String | NodeKind::ConsString | NodeKind::SlicedString => {
            let mut text: String = name.chars().take(40).collect();
            if text.len() < name.len() {
                text.push('…');
            }
            format!("{text:?}")
        }
        NodeKind::Closure => format!("{}()", if name.is_empty() { "(anonymous)" } else { name }),
        _ if name.is_empty() => devtools_class_name(snapshot, node).to_string(),
        _ => name.to_string(),
    }
}

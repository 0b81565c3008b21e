//! The exact dominator tree, by the SEMI-NCA algorithm (Georgiadis), iterative throughout.
//!
//! Vertices are numbered in DFS preorder from 1 (0 means "none"), which makes the arrays dense and
//! lets every loop run without recursion. Memory: five `u32` per node plus one per essential edge
//! into a node that has more than one essential retainer.

use crate::{
    bits::BitSet,
    essential::Essential,
    snapshot::{HeapSnapshot, ROOT},
};

/// The dominator tree and the order it was built in.
pub(crate) struct DominatorTree {
    /// The immediate dominator of each node, by ordinal; the root dominates itself.
    pub(crate) idom: Vec<u32>,
    /// Node ordinals in DFS preorder: every node comes after its dominator.
    pub(crate) preorder: Vec<u32>,
}

/// Builds the dominator tree of `snapshot` from the root (ordinal 0), following only the edges
/// set in `essential`.
///
/// Nodes that no essential path reaches hang off the root, as in DevTools: first those with no
/// essential retainer at all, each with what it reaches; then whatever is left (cycles retained
/// only by each other), one by one.
pub(crate) fn dominator_tree(snapshot: &HeapSnapshot, essential: Essential) -> DominatorTree {
    let n = snapshot.node_count();
    let Essential { edges: essential, retainer_counts } = essential;
    // The preorder numbering and the index of retainers do not depend on each other: they are
    // built at once, on two threads.
    let (Numbering { number, mut vertex, parent }, retainers) = std::thread::scope(|scope| {
        let retainers = scope.spawn(|| Retainers::index(snapshot, &essential, &retainer_counts));
        let numbering = Numbering::depth_first(snapshot, &essential, &retainer_counts);
        let retainers = retainers.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (numbering, retainers)
    });
    drop(essential);
    crate::phase_log::phase_ended("numbering and retainers");
    // Retainers by preorder number from here on; the ordinals' numbers are then done with.
    let mut retainers = retainers;
    for source in &mut retainers.sources {
        *source = number[*source as usize];
    }
    drop(number);

    // Semidominators, with path compression over the vertices already processed. The big arrays
    // that are done with are reused, which spares the kernel zeroing fresh pages.
    let mut semi: Vec<u32> = (0..=n as u32).collect();
    let mut label: Vec<u32> = (0..=n as u32).collect();
    let mut ancestor = retainer_counts;
    ancestor.clear();
    ancestor.extend_from_slice(&parent);
    let mut path = Vec::new();
    for w in (2..=n).rev() {
        let mut best = semi[w];
        if parent[w] == 1 {
            // Root children, and nodes hung off the root, have the root as semidominator.
            best = 1;
        } else {
            let sources = retainers.of(vertex[w]);
            if sources.is_empty() {
                // A node with a single retainer: that retainer is its parent in the search.
                best = parent[w];
            }
            for &v in sources {
                let u = eval(v, w as u32 + 1, &mut ancestor, &mut label, &semi, &mut path);
                best = best.min(semi[u as usize]);
            }
        }
        semi[w] = best;
    }
    drop(retainers);
    drop(ancestor);
    crate::phase_log::phase_ended("semi");

    // Immediate dominators: the nearest common ancestor of the parent and the semidominator.
    let mut idom_by_number = label;
    idom_by_number.copy_from_slice(&parent);
    for w in 2..=n {
        let mut candidate = idom_by_number[w];
        while candidate > semi[w] {
            candidate = idom_by_number[candidate as usize];
        }
        idom_by_number[w] = candidate;
    }
    let mut idom = semi;
    idom.truncate(n);
    idom.fill(ROOT);
    for w in 2..=n {
        idom[vertex[w] as usize] = vertex[idom_by_number[w] as usize];
    }
    vertex.remove(0);
    DominatorTree { idom, preorder: vertex }
}

/// A depth-first numbering of the nodes from the root, over essential edges.
struct Numbering {
    /// The preorder number of each node, by ordinal.
    number: Vec<u32>,
    /// The node of each preorder number; number 0 means "none".
    vertex: Vec<u32>,
    /// The preorder number of each vertex's parent in the depth-first tree, by number.
    parent: Vec<u32>,
}

impl Numbering {
    /// Numbers the nodes in preorder from the root; then, as DevTools does, from each node that
    /// has no essential retainer; then every node still left, one by one, as children of the
    /// root.
    fn depth_first(snapshot: &HeapSnapshot, essential: &BitSet, retainer_counts: &[u32]) -> Numbering {
        let n = snapshot.node_count();
        let mut numbering = Numbering { number: vec![0; n], vertex: Vec::with_capacity(n + 1), parent: vec![0; n + 1] };
        numbering.vertex.push(u32::MAX);
        let mut stack: Vec<(u32, u32)> = Vec::new();
        numbering.search(snapshot, essential, ROOT, 0, &mut stack);
        if numbering.vertex.len() <= n {
            for ordinal in 1..n as u32 {
                if numbering.number[ordinal as usize] == 0 && retainer_counts[ordinal as usize] == 0 {
                    numbering.search(snapshot, essential, ordinal, 1, &mut stack);
                }
            }
            for ordinal in 1..n as u32 {
                if numbering.number[ordinal as usize] == 0 {
                    numbering.visit(ordinal, 1);
                }
            }
        }
        numbering
    }

    /// Gives `node` the next number, under the vertex numbered `parent`.
    fn visit(&mut self, node: u32, parent: u32) -> u32 {
        let number = self.vertex.len() as u32;
        self.vertex.push(node);
        self.number[node as usize] = number;
        self.parent[number as usize] = parent;
        number
    }

    /// Numbers everything not yet numbered that `start` reaches, iteratively.
    fn search(&mut self, snapshot: &HeapSnapshot, essential: &BitSet, start: u32, parent: u32, stack: &mut Vec<(u32, u32)>) {
        self.visit(start, parent);
        stack.push((start, snapshot.first_edge[start as usize]));
        while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
            let end = snapshot.first_edge[node as usize + 1];
            let mut next = None;
            while *edge < end {
                let e = *edge;
                *edge += 1;
                let to = snapshot.edge_targets[e as usize];
                if essential.contains(e as usize) && self.number[to as usize] == 0 {
                    next = Some(to);
                    break;
                }
            }
            match next {
                Some(to) => {
                    let parent = self.number[node as usize];
                    self.visit(to, parent);
                    stack.push((to, snapshot.first_edge[to as usize]));
                }
                None => {
                    stack.pop();
                }
            }
        }
    }
}

/// The essential retainers of every node that has more than one, rows by ordinal (compressed
/// sparse rows). The row of a node with a single retainer is empty: that retainer is the node's
/// parent in the depth-first search, which is all the semidominator needs. In a heap most nodes
/// have a single retainer (an object's own strings, arrays, closures and contexts), so this
/// spares most of the index.
struct Retainers {
    starts: Vec<u32>,
    sources: Vec<u32>,
}

impl Retainers {
    fn index(snapshot: &HeapSnapshot, essential: &BitSet, retainer_counts: &[u32]) -> Retainers {
        // Each row is filled from its end: `starts[i]` begins as the end of row i and, after one
        // step back per retainer, ends as its start.
        let mut starts = Vec::with_capacity(retainer_counts.len() + 1);
        let mut total = 0u32;
        for &count in retainer_counts {
            if count > 1 {
                total += count;
            }
            starts.push(total);
        }
        starts.push(total);
        let mut sources = vec![0u32; total as usize];
        for_each_essential_edge(snapshot, essential, |from, to| {
            if retainer_counts[to as usize] > 1 {
                starts[to as usize] -= 1;
                sources[starts[to as usize] as usize] = from;
            }
        });
        Retainers { starts, sources }
    }

    fn of(&self, node: u32) -> &[u32] {
        &self.sources[self.starts[node as usize] as usize..self.starts[node as usize + 1] as usize]
    }
}

/// The vertex with the smallest semidominator on the compressed path from `v` up to the
/// processed part of the tree (numbers at or above `last_linked`).
fn eval(
    v: u32,
    last_linked: u32,
    ancestor: &mut [u32],
    label: &mut [u32],
    semi: &[u32],
    path: &mut Vec<u32>,
) -> u32 {
    if v < last_linked {
        return v;
    }
    // Climb while the ancestor is itself linked, remembering the way.
    path.clear();
    let mut x = v;
    while ancestor[x as usize] >= last_linked {
        path.push(x);
        x = ancestor[x as usize];
    }
    // Walk back down, compressing: each node learns the best label above it.
    for &y in path.iter().rev() {
        let a = ancestor[y as usize];
        if semi[label[a as usize] as usize] < semi[label[y as usize] as usize] {
            label[y as usize] = label[a as usize];
        }
        ancestor[y as usize] = ancestor[a as usize];
    }
    label[v as usize]
}

/// Calls `f(from, to)` for every essential edge, in edge order.
pub(crate) fn for_each_essential_edge(snapshot: &HeapSnapshot, essential: &BitSet, mut f: impl FnMut(u32, u32)) {
    for from in 0..snapshot.node_count() {
        let edges = snapshot.first_edge[from] as usize..snapshot.first_edge[from + 1] as usize;
        for e in edges {
            if essential.contains(e) {
                f(from as u32, snapshot.edge_targets[e]);
            }
        }
    }
}

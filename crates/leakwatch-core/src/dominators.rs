//! The exact dominator tree, by the SEMI-NCA algorithm (Georgiadis), iterative throughout.
//!
//! Vertices are numbered in DFS preorder from 1 (0 means "none"), which makes the arrays dense and
//! lets every loop run without recursion. Memory: five `u32` per node plus one per essential edge.

use crate::{bits::BitSet, essential::Essential, snapshot::HeapSnapshot};

/// The dominator tree and the order it was built in.
pub(crate) struct DominatorTree {
    /// The immediate dominator of each node, by ordinal; the root dominates itself.
    pub(crate) idom: Vec<u32>,
    /// Node ordinals in DFS preorder: every node comes after its dominator.
    pub(crate) preorder: Vec<u32>,
}

const ROOT: u32 = 0;

/// Builds the dominator tree of `snapshot` from the root (ordinal 0), following only the edges
/// set in `essential`.
///
/// Nodes that no essential path reaches hang off the root, as in DevTools: first those with no
/// essential retainer at all, each with what it reaches; then whatever is left (cycles retained
/// only by each other), one by one.
pub(crate) fn dominator_tree(snapshot: &HeapSnapshot, essential: Essential) -> DominatorTree {
    let n = snapshot.node_count();
    let Essential { edges: essential, retainer_counts: retainer_count } = essential;
    let essential = &essential;

    // Preorder numbering. `number[ordinal]` is 0 until visited.
    let mut number = vec![0u32; n];
    let mut vertex = Vec::with_capacity(n + 1);
    vertex.push(u32::MAX); // number 0 is "none"
    let mut parent = vec![0u32; n + 1];
    let mut stack: Vec<(u32, u32)> = Vec::new();
    let mut dfs = |start: u32, start_parent: u32, number: &mut Vec<u32>, vertex: &mut Vec<u32>| {
        vertex.push(start);
        number[start as usize] = vertex.len() as u32 - 1;
        parent[vertex.len() - 1] = start_parent;
        stack.push((start, snapshot.first_edge[start as usize]));
        while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
            let end = snapshot.first_edge[node as usize + 1];
            let mut next = None;
            while *edge < end {
                let e = *edge;
                *edge += 1;
                let to = snapshot.edge_targets[e as usize];
                if essential.contains(e as usize) && number[to as usize] == 0 {
                    next = Some(to);
                    break;
                }
            }
            match next {
                Some(to) => {
                    vertex.push(to);
                    let to_number = vertex.len() as u32 - 1;
                    number[to as usize] = to_number;
                    parent[to_number as usize] = number[node as usize];
                    stack.push((to, snapshot.first_edge[to as usize]));
                }
                None => {
                    stack.pop();
                }
            }
        }
    };
    dfs(ROOT, 0, &mut number, &mut vertex);
    if vertex.len() <= n {
        for ordinal in 0..n as u32 {
            if number[ordinal as usize] == 0 && ordinal != ROOT && retainer_count[ordinal as usize] == 0 {
                dfs(ordinal, 1, &mut number, &mut vertex);
            }
        }
        for ordinal in 0..n as u32 {
            if number[ordinal as usize] == 0 && ordinal != ROOT {
                vertex.push(ordinal);
                number[ordinal as usize] = vertex.len() as u32 - 1;
                parent[vertex.len() - 1] = 1;
            }
        }
    }
    drop(stack);

    // Essential retainers of each vertex, by preorder number (compressed sparse rows).
    let mut first_pred = vec![0u32; n + 2];
    for ordinal in 0..n {
        first_pred[number[ordinal] as usize + 1] = retainer_count[ordinal];
    }
    for i in 1..first_pred.len() {
        first_pred[i] += first_pred[i - 1];
    }
    let mut preds = vec![0u32; first_pred[n + 1] as usize];
    // Fill each row from its end, using the next row's start as the cursor. The big arrays
    // that are done with are reused, which spares the kernel zeroing fresh pages.
    let mut cursor = retainer_count;
    cursor.clear();
    cursor.extend_from_slice(&first_pred[1..]);
    for_each_essential_edge(snapshot, essential, |from, to| {
        let row = number[to as usize] as usize;
        cursor[row] -= 1;
        preds[cursor[row] as usize] = number[from as usize];
    });
    drop(cursor);

    // Semidominators, with path compression over the vertices already processed.
    let mut semi: Vec<u32> = (0..=n as u32).collect();
    let mut label: Vec<u32> = (0..=n as u32).collect();
    let mut ancestor = number;
    ancestor.clear();
    ancestor.extend_from_slice(&parent);
    let mut path = Vec::new();
    for w in (2..=n).rev() {
        let mut best = semi[w];
        if parent[w] == 1 {
            // Root children, and nodes hung off the root, have the root as semidominator.
            best = 1;
        } else {
            for &v in &preds[first_pred[w] as usize..first_pred[w + 1] as usize] {
                let u = eval(v, w as u32 + 1, &mut ancestor, &mut label, &semi, &mut path);
                best = best.min(semi[u as usize]);
            }
        }
        semi[w] = best;
    }
    drop(preds);
    drop(first_pred);
    drop(ancestor);

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

//! What DevTools computes over the graph: dominators, retained sizes, classes.

use crate::{
    classes::Classes,
    dominators::{dominator_tree, DominatorTree},
    essential::{essential_edges, WeakMapEdges},
    shallow::transferred_sizes,
    snapshot::{HeapSnapshot, ROOT},
};

/// The results of analysing one snapshot, indexed by node ordinal.
pub struct Analysis {
    pub(crate) dominators: Vec<u32>,
    /// The dominator tree from the top down.
    children: Children,
    /// Shallow sizes after DevTools' transfer of internal arrays to their owners.
    pub(crate) shallow_sizes: Vec<u32>,
    pub(crate) retained_sizes: Vec<u64>,
    pub(crate) classes: Classes,
}

impl Analysis {
    /// Computes the dominator tree, retained sizes and class names.
    ///
    /// Shallow sizes and classes do not depend on the dominator tree, but they are computed after
    /// it, beside the tree's children: the tree's working memory is the peak of the analysis,
    /// and they would add to it.
    pub fn new(snapshot: &HeapSnapshot) -> Analysis {
        crate::phase_log::phase_ended("parse");
        let weakmaps = WeakMapEdges::find(snapshot);
        let essential = essential_edges(snapshot, &weakmaps);
        drop(weakmaps);
        crate::phase_log::phase_ended("essential");
        let tree = dominator_tree(snapshot, essential);
        crate::phase_log::phase_ended("dominators");
        let ((shallow_sizes, classes), children) = std::thread::scope(|scope| {
            let children = scope.spawn(|| Children::of_tree(&tree));
            ((transferred_sizes(snapshot), Classes::devtools(snapshot)), join(children))
        });
        let mut retained_sizes: Vec<u64> = shallow_sizes.iter().map(|&s| u64::from(s)).collect();
        for &node in tree.preorder.iter().skip(1).rev() {
            let dominator = tree.idom[node as usize];
            retained_sizes[dominator as usize] += retained_sizes[node as usize];
        }
        crate::phase_log::phase_ended("retained");
        Analysis {
            dominators: tree.idom,
            children,
            shallow_sizes,
            retained_sizes,
            classes,
        }
    }

    /// The shallow size of node `ordinal` as DevTools' Summary shows it: internal arrays owned by
    /// a single object count as part of that object (and show 0 themselves).
    pub fn shallow_size(&self, ordinal: u32) -> u64 {
        u64::from(self.shallow_sizes[ordinal as usize])
    }

    /// The immediate dominator of node `ordinal` (the root dominates itself).
    pub fn dominator(&self, ordinal: u32) -> u32 {
        self.dominators[ordinal as usize]
    }

    /// The retained size of node `ordinal`: the bytes freed if it were gone.
    pub fn retained_size(&self, ordinal: u32) -> u64 {
        self.retained_sizes[ordinal as usize]
    }

    /// The class index of node `ordinal`.
    pub fn class_of(&self, ordinal: u32) -> u32 {
        self.classes.of[ordinal as usize]
    }

    /// The name of class `class`, as DevTools' Summary view shows it.
    pub fn class_name(&self, class: u32) -> &str {
        &self.classes.names[class as usize]
    }

    /// The indices of the classes called `name`: more than one when classes of that name are
    /// defined in several places, as DevTools shows them.
    pub fn classes_named(&self, name: &str) -> Vec<u32> {
        (0..self.classes.names.len() as u32).filter(|&c| self.classes.names[c as usize] == name).collect()
    }

    /// The retained size of each class of `classes`: what freeing every object of the class
    /// would free. An object dominated by another of its class is counted within that one, not
    /// again; objects of size 0 are left out, as in DevTools.
    pub(crate) fn retained_by_class(&self, classes: &Classes) -> Vec<u64> {
        let nearest = self.nearest_of_same_class(classes);
        let mut totals = vec![0u64; classes.names.len()];
        for (node, &above) in nearest.iter().enumerate() {
            if above == NONE && self.shallow_sizes[node] != 0 {
                totals[classes.of[node] as usize] += self.retained_sizes[node];
            }
        }
        totals
    }

    /// For each node, the nearest node above it in the dominator tree that has its class and a
    /// shallow size other than 0, or [`NONE`].
    pub(crate) fn nearest_of_same_class(&self, classes: &Classes) -> Vec<u32> {
        let n = self.dominators.len();
        // Depth-first over the tree, keeping the innermost open node of each class; leaving a
        // node restores what it replaced.
        let mut innermost = vec![NONE; classes.names.len()];
        let mut nearest = vec![NONE; n];
        let mut stack: Vec<Visit> = vec![Visit::Enter(ROOT)];
        while let Some(visit) = stack.pop() {
            let node = match visit {
                Visit::Leave { class, replaced } => {
                    innermost[class as usize] = replaced;
                    continue;
                }
                Visit::Enter(node) => node,
            };
            let class = classes.of[node as usize];
            nearest[node as usize] = innermost[class as usize];
            if self.shallow_sizes[node as usize] != 0 {
                stack.push(Visit::Leave { class, replaced: innermost[class as usize] });
                innermost[class as usize] = node;
            }
            stack.extend(self.children.of(node).iter().map(|&child| Visit::Enter(child)));
        }
        nearest
    }
}

/// The children of every node in the dominator tree, as compressed rows.
struct Children {
    first: Vec<u32>,
    list: Vec<u32>,
}

impl Children {
    fn of_tree(tree: &DominatorTree) -> Children {
        let n = tree.idom.len();
        let mut first = vec![0u32; n + 2];
        for &node in tree.preorder.iter().skip(1) {
            first[tree.idom[node as usize] as usize + 2] += 1;
        }
        for i in 2..first.len() {
            first[i] += first[i - 1];
        }
        let mut list = vec![0u32; n.saturating_sub(1)];
        for &node in tree.preorder.iter().skip(1) {
            let slot = &mut first[tree.idom[node as usize] as usize + 1];
            list[*slot as usize] = node;
            *slot += 1;
        }
        first.pop();
        Children { first, list }
    }

    fn of(&self, node: u32) -> &[u32] {
        &self.list[self.first[node as usize] as usize..self.first[node as usize + 1] as usize]
    }
}

/// A step of the walk over the dominator tree.
enum Visit {
    Enter(u32),
    Leave { class: u32, replaced: u32 },
}

/// No node.
pub(crate) const NONE: u32 = u32::MAX;

/// The result of a scoped thread, re-raising its panic on this thread.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

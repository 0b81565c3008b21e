//! What DevTools computes over the graph: dominators, retained sizes, classes.

use crate::{
    classes::Classes,
    dominators::dominator_tree,
    essential::{essential_edges, WeakMapEdges},
    shallow::transferred_sizes,
    size_column::SizeColumn,
    snapshot::{HeapSnapshot, ROOT},
};

/// The results of analysing one snapshot, indexed by node ordinal.
pub struct Analysis {
    pub(crate) dominators: Vec<u32>,
    /// Shallow sizes after DevTools' transfer of internal arrays to their owners.
    pub(crate) shallow_sizes: Vec<u32>,
    retained_sizes: SizeColumn,
    pub(crate) classes: Classes,
}

impl Analysis {
    /// Computes the dominator tree, retained sizes and class names.
    ///
    /// Shallow sizes and classes do not depend on the dominator tree, but they are computed after
    /// it: the tree's working memory is the peak of the analysis, and they would add to it.
    pub fn new(snapshot: &HeapSnapshot) -> Analysis {
        crate::phase_log::phase_ended("parse");
        let weakmaps = WeakMapEdges::find(snapshot);
        let essential = essential_edges(snapshot, &weakmaps);
        drop(weakmaps);
        crate::phase_log::phase_ended("essential");
        let tree = dominator_tree(snapshot, essential);
        crate::phase_log::phase_ended("dominators");
        let (shallow_sizes, classes) = std::thread::scope(|scope| {
            let shallow_sizes = scope.spawn(|| transferred_sizes(snapshot));
            let classes = Classes::devtools(snapshot);
            (join(shallow_sizes), classes)
        });
        let mut retained_sizes = SizeColumn::new(shallow_sizes.clone());
        for &node in tree.preorder.iter().skip(1).rev() {
            retained_sizes.add(tree.idom[node as usize], retained_sizes.get(node));
        }
        crate::phase_log::phase_ended("retained");
        Analysis { dominators: tree.idom, shallow_sizes, retained_sizes, classes }
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
        self.retained_sizes.get(ordinal)
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
                totals[classes.of[node] as usize] += self.retained_sizes.get(node as u32);
            }
        }
        totals
    }

    /// For each node, the nearest node above it in the dominator tree that has its class and a
    /// shallow size other than 0, or [`NONE`].
    pub(crate) fn nearest_of_same_class(&self, classes: &Classes) -> Vec<u32> {
        let n = self.dominators.len();
        // Depth-first over the tree, keeping the innermost open node of each class; leaving a
        // node restores what it replaced. The stack holds one frame per level, not the children
        // waiting at each level: the root alone may have millions of them.
        let children = Children::of_dominators(&self.dominators);
        let mut innermost = vec![NONE; classes.names.len()];
        let mut nearest = vec![NONE; n];
        let mut stack: Vec<Frame> = Vec::new();
        let mut entering = Some(ROOT);
        loop {
            if let Some(node) = entering.take() {
                let class = classes.of[node as usize];
                let open = &mut innermost[class as usize];
                nearest[node as usize] = *open;
                let replaced = if self.shallow_sizes[node as usize] != 0 { std::mem::replace(open, node) } else { KEPT };
                let children = children.range(node);
                stack.push(Frame { next: children.start, end: children.end, class, replaced });
            }
            let Some(frame) = stack.last_mut() else { break };
            if frame.next < frame.end {
                entering = Some(children.list[frame.next as usize]);
                frame.next += 1;
            } else if let Some(Frame { class, replaced, .. }) = stack.pop() {
                if replaced != KEPT {
                    innermost[class as usize] = replaced;
                }
            }
        }
        nearest
    }
}

/// A node open in the walk over the dominator tree.
struct Frame {
    /// Its next child to visit, as an index into [`Children::list`].
    next: u32,
    /// Where its children end in [`Children::list`].
    end: u32,
    /// Its class.
    class: u32,
    /// The innermost node of its class before it, to restore on leaving it, or [`KEPT`] if it
    /// did not replace that one (its shallow size is 0).
    replaced: u32,
}

/// A [`Frame`] that restores nothing on leaving: no node number is this large.
const KEPT: u32 = u32::MAX - 1;

/// The children of every node in the dominator tree, as compressed rows.
struct Children {
    first: Vec<u32>,
    list: Vec<u32>,
}

impl Children {
    /// The children of each node of the tree whose immediate dominators are `dominators`, in
    /// order of ordinal.
    fn of_dominators(dominators: &[u32]) -> Children {
        let n = dominators.len();
        let below_root = || dominators.iter().enumerate().skip(1).map(|(node, &dominator)| (node as u32, dominator));
        let mut first = vec![0u32; n + 2];
        for (_, dominator) in below_root() {
            first[dominator as usize + 2] += 1;
        }
        for i in 2..first.len() {
            first[i] += first[i - 1];
        }
        let mut list = vec![0u32; n.saturating_sub(1)];
        for (node, dominator) in below_root() {
            let slot = &mut first[dominator as usize + 1];
            list[*slot as usize] = node;
            *slot += 1;
        }
        first.pop();
        Children { first, list }
    }

    /// Where the children of `node` are in `list`.
    fn range(&self, node: u32) -> std::ops::Range<u32> {
        self.first[node as usize]..self.first[node as usize + 1]
    }
}

/// No node.
pub(crate) const NONE: u32 = u32::MAX;

/// The result of a scoped thread, re-raising its panic on this thread.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

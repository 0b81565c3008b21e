//! Three-snapshot leak finding: the objects allocated between a baseline and a target snapshot
//! that are still alive in a final one, taken after the action was undone (or repeated), grouped
//! by class and by the shape of their retainer path.
//!
//! Objects are matched by id, as in [`HeapDiff`](crate::HeapDiff), so the baseline and the
//! target are only needed as [`Census`]es; the final snapshot is needed whole, for the paths.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use crate::{
    analysis::{Analysis, NONE},
    classes::{devtools_class_name, memwatch_what, Classes},
    diff::Census,
    retainers::Retainers,
    snapshot::{EdgeKind, EdgeLabel, HeapSnapshot, ROOT},
};

/// Objects of one class, held along one shape of retainer path, that outlived the action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeakGroup {
    /// node-memwatch's name for the class.
    pub class: String,
    /// The shape of their shortest retainer path from the root: each object's class and the edge
    /// below it, with element indexes (and the numbered slots of a Map's table) as `[]`, so that
    /// every element of one collection shares it. The last steps only, after `… →`, when long.
    pub shape: String,
    /// How many objects.
    pub count: u64,
    /// Their retained size, each counted once: an object dominated by another object of its class
    /// that also outlived the action is part of that one's.
    pub retained_size: u64,
    /// The id of the object of the group that retains the most.
    pub example_id: u32,
    /// That object's shortest retainer path as DevTools shows it, if only weak edges do not hold it.
    pub path: Option<String>,
}

/// What [`find_leaks`] found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FoundLeaks {
    /// How many objects of the final snapshot were allocated between the baseline and the target.
    pub still_alive: u64,
    /// The groups, the one that retains the most first.
    pub groups: Vec<LeakGroup>,
}

/// The objects of `last` (analysed as `analysis`) that are in `target` but not in `baseline`,
/// grouped by class and retainer-path shape (see [`path_shapes`]).
pub fn find_leaks(baseline: &Census, target: &Census, last: &HeapSnapshot, analysis: &Analysis) -> FoundLeaks {
    let n = last.node_count();
    let outlived: Vec<bool> = (0..n as u32)
        .map(|o| {
            let id = last.node_id(o);
            target.contains(id) && !baseline.contains(id)
        })
        .collect();
    let classes = Classes::by(last, |o| memwatch_what(last, o));
    let nearest = analysis.nearest_of_same_class(&classes);
    let shapes = path_shapes(last);
    let mut groups: HashMap<(&str, &str), LeakGroup> = HashMap::new();
    let mut still_alive = 0;
    for o in (0..n as u32).filter(|&o| outlived[o as usize]) {
        still_alive += 1;
        let Some(class) = memwatch_what(last, o) else { continue };
        let shape = shapes.of(o);
        let counted = nearest[o as usize] == NONE || !outlived[nearest[o as usize] as usize];
        let retained = if counted { analysis.retained_size(o) } else { 0 };
        let group = groups.entry((class, shape)).or_insert_with(|| LeakGroup {
            class: class.to_string(),
            shape: shape.to_string(),
            count: 0,
            retained_size: 0,
            example_id: last.node_id(o),
            path: None,
        });
        group.count += 1;
        group.retained_size += retained;
        if retained > 0 && last.find_node(group.example_id).is_none_or(|e| analysis.retained_size(e) < retained) {
            group.example_id = last.node_id(o);
        }
    }
    let mut groups: Vec<LeakGroup> = groups.into_values().collect();
    groups.sort_by(|a, b| {
        b.retained_size.cmp(&a.retained_size).then(b.count.cmp(&a.count)).then(a.class.cmp(&b.class)).then(a.shape.cmp(&b.shape))
    });
    if !groups.is_empty() {
        let retainers = Retainers::new(last);
        for group in &mut groups {
            group.path = last
                .find_node(group.example_id)
                .and_then(|o| retainers.paths(last, o, 1).into_iter().next())
                .map(|p| p.to_string());
        }
    }
    FoundLeaks { still_alive, groups }
}

/// How many steps, nearest the object, a shape keeps: enough to tell one holder from another,
/// few enough that the elements of a long linked list share one shape.
const SHAPE_STEPS: usize = 8;

/// The retainer-path shape of every object: the last steps of one shortest path from the root
/// (breadth first over the strong edges), each the edge to an object and the object's class.
struct PathShapes {
    /// Each object's shape, as an index into `shapes`; NONE for what the root does not reach.
    of: Vec<u32>,
    /// Each shape's steps, root side first, and whether steps above them were left out.
    shapes: Vec<(Vec<String>, bool)>,
    texts: Vec<String>,
}

impl PathShapes {
    fn of(&self, ordinal: u32) -> &str {
        match self.of[ordinal as usize] {
            NONE => "(reached by weak edges only)",
            shape => &self.texts[shape as usize],
        }
    }
}

/// Finds the shape of every object's shortest path from the root. Shapes are built top-down as
/// the search reaches each object, so each is its parent's plus one step, interned once.
fn path_shapes(snapshot: &HeapSnapshot) -> PathShapes {
    let n = snapshot.node_count();
    let mut shapes = PathShapes { of: vec![NONE; n], shapes: vec![(Vec::new(), false)], texts: vec![String::new()] };
    if n == 0 {
        return shapes;
    }
    let mut interned: HashMap<String, u32> = HashMap::from([(String::new(), 0)]);
    shapes.of[ROOT as usize] = 0;
    let mut queue = VecDeque::from([ROOT]);
    while let Some(node) = queue.pop_front() {
        let parent = shapes.of[node as usize] as usize;
        for edge in snapshot.edges_of(node) {
            let target = snapshot.edge_target(edge);
            if shapes.of[target as usize] != NONE || matches!(snapshot.edge_kind(edge), EdgeKind::Weak | EdgeKind::Shortcut) {
                continue;
            }
            let class = devtools_class_name(snapshot, target);
            let step = match (node == ROOT, snapshot.edge_label(edge)) {
                (true, _) => class.to_string(),
                // A Map's or a Set's table numbers its slots with names of digits.
                (false, EdgeLabel::Name(name)) if !name.bytes().all(|b| b.is_ascii_digit()) => format!("{name} → {class}"),
                (false, _) => format!("[] → {class}"),
            };
            let (parent_steps, parent_cut) = &shapes.shapes[parent];
            let cut = *parent_cut || parent_steps.len() == SHAPE_STEPS;
            let mut steps: Vec<String> = parent_steps[parent_steps.len().saturating_sub(SHAPE_STEPS - 1)..].to_vec();
            steps.push(step);
            let text = format!("{}{}", if cut { "… → " } else { "" }, steps.join(" → "));
            let next = shapes.texts.len() as u32;
            let id = *interned.entry(text.clone()).or_insert(next);
            if id == next {
                shapes.texts.push(text);
                shapes.shapes.push((steps, cut));
            }
            shapes.of[target as usize] = id;
            queue.push_back(target);
        }
    }
    shapes
}

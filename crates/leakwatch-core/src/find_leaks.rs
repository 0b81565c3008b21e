//! Three-snapshot leak finding: the objects allocated between a baseline and a target snapshot
//! that are still alive in a final one, taken after the action was undone (or repeated), grouped
//! by class and by the shape of their retainer path.
//!
//! Objects are matched by id, as in [`HeapDiff`](crate::HeapDiff), so the baseline and the
//! target are only needed as [`Census`]es; the final snapshot is needed whole, for the paths.

use std::{
    borrow::Cow,
    collections::{HashMap, VecDeque},
};

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
    // Per group, the ordinal of the object that retains the most beside the group itself.
    let mut groups: HashMap<(&str, &str), (LeakGroup, u32)> = HashMap::new();
    let mut still_alive = 0;
    for o in (0..n as u32).filter(|&o| outlived[o as usize]) {
        still_alive += 1;
        let Some(class) = memwatch_what(last, o) else { continue };
        let shape = shapes.of(o);
        let counted = nearest[o as usize] == NONE || !outlived[nearest[o as usize] as usize];
        let retained = if counted { analysis.retained_size(o) } else { 0 };
        let (group, example) = groups.entry((class, shape)).or_insert_with(|| {
            let group = LeakGroup {
                class: class.to_string(),
                shape: shape.to_string(),
                count: 0,
                retained_size: 0,
                example_id: last.node_id(o),
                path: None,
            };
            (group, o)
        });
        group.count += 1;
        group.retained_size += retained;
        if analysis.retained_size(*example) < retained {
            *example = o;
            group.example_id = last.node_id(o);
        }
    }
    let mut groups: Vec<(LeakGroup, u32)> = groups.into_values().collect();
    groups.sort_by(|(a, _), (b, _)| {
        b.retained_size.cmp(&a.retained_size).then(b.count.cmp(&a.count)).then(a.class.cmp(&b.class)).then(a.shape.cmp(&b.shape))
    });
    if !groups.is_empty() {
        let retainers = Retainers::new(last);
        for (group, example) in &mut groups {
            group.path = retainers.paths(last, *example, 1).into_iter().next().map(|p| p.to_string());
        }
    }
    let groups = groups.into_iter().map(|(group, _)| group).collect();
    FoundLeaks { still_alive, groups }
}

/// How many steps, nearest the object, a shape keeps: enough to tell one holder from another,
/// few enough that the elements of a long linked list share one shape.
const SHAPE_STEPS: usize = 8;

/// A shape as the search builds it: the ids of its last steps, root side first, how many there
/// are, and whether steps above them were left out. Fixed-size, so that finding the shape of
/// each of millions of objects allocates nothing.
type ShapeKey = ([u32; SHAPE_STEPS], u8, bool);

/// The retainer-path shape of every object: the last steps of one shortest path from the root
/// (breadth first over the strong edges), each the edge to an object and the object's class.
struct PathShapes {
    /// Each object's shape, as an index into `texts`; NONE for what the root does not reach.
    of: Vec<u32>,
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

/// Finds the shape of every object's shortest path from the root. Each shape is its parent's
/// plus one step; steps and shapes are interned as numbers, and written out once each.
fn path_shapes(snapshot: &HeapSnapshot) -> PathShapes {
    let n = snapshot.node_count();
    let mut of = vec![NONE; n];
    // A step: the edge's name (None for a numbered one) and the class of the object it leads to.
    let mut steps: Vec<(Option<&str>, Cow<'_, str>)> = Vec::new();
    let mut step_ids: HashMap<(Option<&str>, Cow<'_, str>), u32> = HashMap::new();
    let mut keys: Vec<ShapeKey> = vec![([0; SHAPE_STEPS], 0, false)];
    let mut shape_ids: HashMap<ShapeKey, u32> = HashMap::from([(keys[0], 0)]);
    if n > 0 {
        of[ROOT as usize] = 0;
    }
    let mut queue = VecDeque::from(if n > 0 { vec![ROOT] } else { vec![] });
    while let Some(node) = queue.pop_front() {
        let (parent, len, cut) = keys[of[node as usize] as usize];
        for edge in snapshot.edges_of(node) {
            let target = snapshot.edge_target(edge);
            if of[target as usize] != NONE || matches!(snapshot.edge_kind(edge), EdgeKind::Weak | EdgeKind::Shortcut) {
                continue;
            }
            let label = match snapshot.edge_label(edge) {
                // A Map's or a Set's table numbers its slots with names of digits.
                EdgeLabel::Name(name) if node != ROOT && !name.bytes().all(|b| b.is_ascii_digit()) => Some(name),
                _ => None,
            };
            let step = (label, devtools_class_name(snapshot, target));
            let step_id = *step_ids.entry(step.clone()).or_insert_with(|| {
                steps.push(step);
                steps.len() as u32 - 1
            });
            let mut key: ShapeKey = (parent, len, cut);
            if (len as usize) == SHAPE_STEPS {
                key.0.copy_within(1.., 0);
                key.0[SHAPE_STEPS - 1] = step_id;
                key.2 = true;
            } else {
                key.0[len as usize] = step_id;
                key.1 += 1;
            }
            let next = keys.len() as u32;
            let id = *shape_ids.entry(key).or_insert(next);
            if id == next {
                keys.push(key);
            }
            of[target as usize] = id;
            queue.push_back(target);
        }
    }
    let texts = keys
        .iter()
        .map(|(ids, len, cut)| {
            let parts: Vec<String> = ids[..*len as usize]
                .iter()
                .enumerate()
                .map(|(i, &id)| {
                    let (label, class) = &steps[id as usize];
                    match (i, label) {
                        (0, _) if !cut => class.to_string(),
                        (_, Some(name)) => format!("{name} → {class}"),
                        (_, None) => format!("[] → {class}"),
                    }
                })
                .collect();
            format!("{}{}", if *cut { "… → " } else { "" }, parts.join(" → "))
        })
        .collect();
    PathShapes { of, texts }
}

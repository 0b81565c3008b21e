//! Three-snapshot leak finding: the objects allocated between a baseline and a target snapshot
//! that are still alive in a final one, taken after the action was undone (or repeated), grouped
//! by class and by the shape of their retainer path.
//!
//! Objects are matched by id, as in [`HeapDiff`](crate::HeapDiff), so the baseline and the
//! target are only needed as [`Census`]es; the final snapshot is needed whole, for the paths.

use std::collections::HashMap;

use serde::Serialize;

use crate::{
    analysis::{Analysis, NONE},
    classes::{memwatch_what, Classes},
    diff::Census,
    own_objects::OwnObjects,
    path_shapes::PathShapes,
    retainers::Retainers,
    snapshot::HeapSnapshot,
};

/// Objects of one class, held along one shape of retainer path, that outlived the action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeakGroup {
    /// node-memwatch's name for the class.
    pub class: String,
    /// The shape of their shortest retainer path from the root (see `path_shapes`): each edge and
    /// the class of the object it leads to, with element indexes and numeric keys (the numbered
    /// slots of a Map's table) as `[]`, so that every element of one collection shares it. The
    /// last steps only, after `… →`, when long.
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
/// grouped by class and retainer-path shape (see `path_shapes`). `own`, for a snapshot of this
/// process, is what leakwatch holds in `last` (see [`OwnObjects`]): left out of the groups, and
/// no path goes through it.
pub fn find_leaks(
    baseline: &Census,
    target: &Census,
    last: &HeapSnapshot,
    analysis: &Analysis,
    own: Option<&OwnObjects>,
) -> FoundLeaks {
    let n = last.node_count();
    let outlived: Vec<bool> = (0..n as u32)
        .map(|o| {
            let id = last.node_id(o);
            target.contains(id) && !baseline.contains(id) && !own.is_some_and(|own| own.contains(o))
        })
        .collect();
    let classes = Classes::by(last, |o| memwatch_what(last, o));
    let nearest = analysis.nearest_of_same_class(&classes);
    let shapes = PathShapes::find(last, own.map(OwnObjects::bits));
    // Per group, the ordinal of the object that retains the most beside the group itself.
    let mut groups: HashMap<(&str, u32), (LeakGroup, u32)> = HashMap::new();
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
                shape: shapes.text(last, shape),
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
        let retainers = Retainers::leaving_out(last, own);
        for (group, example) in &mut groups {
            group.path = retainers.paths(last, *example, 1).into_iter().next().map(|p| p.to_string());
        }
    }
    let groups = groups.into_iter().map(|(group, _)| group).collect();
    FoundLeaks { still_alive, groups }
}

//! Comparing two snapshots by object id, in node-memwatch's HeapDiff shape.

use std::collections::HashMap;

use serde::Serialize;

use crate::{
    analysis::{Analysis, NONE},
    classes::{memwatch_what, Classes},
    holders::explain_object,
    nice_size::nice_size,
    origin::{is_suspended_call, Origin, OwnScripts, ScriptOrigins},
    own_objects::OwnObjects,
    path_shapes::{PathShapes, NO_SHAPE},
    ranking::rank,
    retainers::Retainers,
    script_urls::ScriptUrls,
    snapshot::{HeapSnapshot, NodeKind, SourceLocation},
    source_maps::{location_text, script_file, Position, SourceMaps},
    source_places::SourcePlaces,
};

/// Which side of a diff a census is taken for. Only the second side's new objects are grouped,
/// so only its census finds each object's path shape (one pass over the graph).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The first snapshot.
    Before,
    /// The second snapshot, whose new objects a diff groups.
    After,
}

/// How many groups a row lists at most, the largest first.
const MAX_GROUPS: usize = 5;

/// What a diff needs of one snapshot: every object's id, `what`, shallow and retained size, the
/// nearest object of its class that dominates it, and, on a diff's second side, the shape of its
/// retainer path and which objects are leakwatch's own. Much smaller than the snapshot (32 bytes
/// an object, 40 on the second side), so a HeapDiff can keep its "before" side for as long as it
/// runs without holding a graph.
pub struct Census {
    nodes: u64,
    size_bytes: u64,
    /// Every object, sorted by id.
    objects: Vec<Object>,
    /// The shape of each object's retainer path (see `path_shapes`), which groups the objects of
    /// a class, in the order of `objects`; empty on the first side, whose objects are not grouped.
    shapes: Vec<u32>,
    /// The `what` of each class; "" for the node types node-memwatch leaves out and for
    /// leakwatch's own objects.
    class_names: Vec<String>,
    /// Who defines each class.
    class_origins: Vec<Origin>,
    /// On the second side, leakwatch's own objects, by ordinal in the census's snapshot.
    own_objects: Option<OwnObjects>,
}

#[derive(Clone, Copy)]
struct Object {
    id: u32,
    class: u32,
    /// The shallow size as V8 reports it.
    size: u32,
    /// The id of the nearest object of the same class above this one in the dominator tree, or 0.
    dominated_by: u32,
    /// The retained size; 0 for internal arrays that DevTools counts as part of their owner.
    retained: u64,
}

impl Census {
    /// Takes the census of an analysed snapshot, grouping objects by node-memwatch's `what`.
    /// Like node-memwatch, which left out its `HeapDiff` objects, it leaves out what leakwatch
    /// holds while it measures: the objects and functions of the scripts in `own` and whatever
    /// only they hold (see `own_objects`). `own` is empty for a snapshot of another process.
    pub fn new(snapshot: &HeapSnapshot, analysis: &Analysis, own: &OwnScripts, side: Side) -> Census {
        let mut classes = Classes::by(snapshot, |ordinal| memwatch_what(snapshot, ordinal));
        let origins = ScriptOrigins::of(snapshot, own);
        let own_objects = if own.is_empty() { None } else { OwnObjects::find(snapshot, &origins) };
        if let Some(own_objects) = &own_objects {
            let unnamed = classes.class_named("");
            for (ordinal, class) in classes.of.iter_mut().enumerate() {
                if own_objects.contains(ordinal as u32) {
                    *class = unnamed;
                }
            }
        }
        let mut class_origins = vec![Origin::Runtime; classes.names.len()];
        for &(ordinal, at) in &snapshot.locations {
            let class = classes.of[ordinal as usize] as usize;
            let is_object = snapshot.node_kind(ordinal) == NodeKind::Object;
            if is_object
                && class_origins[class] != Origin::Program
                && origins.of_script(at.script_id) == Origin::Program
                && !is_suspended_call(snapshot, ordinal)
            {
                class_origins[class] = Origin::Program;
            }
        }
        // The path shapes (one search of the graph, on the second side only) are found beside the
        // rest, which does not need them until the end.
        let left_out = own_objects.as_ref().map(OwnObjects::bits);
        let (by_id, objects, shapes_by_ordinal) = std::thread::scope(|scope| {
            let shapes = (side == Side::After).then(|| scope.spawn(|| PathShapes::find(snapshot, left_out).into_node_shapes()));
            let nearest = analysis.nearest_of_same_class(&classes);
            // The ordinals in order of id: sorting 8-byte keys, then gathering each object once,
            // is cheaper than sorting the objects themselves.
            let mut by_id: Vec<u64> =
                snapshot.node_ids.iter().enumerate().map(|(i, &id)| (u64::from(id) << 32) | i as u64).collect();
            by_id.sort_unstable();
            let objects: Vec<Object> = by_id
                .iter()
                .map(|&key| {
                    let i = ordinal_of(key);
                    Object {
                        id: snapshot.node_ids[i],
                        class: classes.of[i],
                        size: snapshot.self_sizes[i],
                        dominated_by: if nearest[i] == NONE { 0 } else { snapshot.node_ids[nearest[i] as usize] },
                        retained: if analysis.shallow_sizes[i] == 0 { 0 } else { analysis.retained_size(i as u32) },
                    }
                })
                .collect();
            let shapes = shapes.map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
            (by_id, objects, shapes)
        });
        let shapes = match shapes_by_ordinal {
            Some(by_ordinal) => by_id.iter().map(|&key| by_ordinal[ordinal_of(key)]).collect(),
            None => Vec::new(),
        };
        Census {
            nodes: snapshot.node_count() as u64,
            size_bytes: snapshot.total_size(),
            objects,
            shapes,
            class_names: classes.names,
            class_origins,
            own_objects: own_objects.filter(|_| side == Side::After),
        }
    }

    /// On a diff's second side, leakwatch's own objects in the snapshot the census was taken
    /// from, which explaining that side's objects must not go through (see
    /// [`Retainers::leaving_out`]); `None` on the first side and when the snapshot holds none.
    /// They are handed over, not kept: a census outlives its snapshot, they do not.
    pub fn take_own_objects(&mut self) -> Option<OwnObjects> {
        self.own_objects.take()
    }

    fn totals(&self) -> HeapTotals {
        HeapTotals { nodes: self.nodes, size_bytes: self.size_bytes, size: nice_size(self.size_bytes as i64) }
    }

    /// Whether an object with id `id` is in this census.
    pub fn contains(&self, id: u32) -> bool {
        self.objects.binary_search_by_key(&id, |object| object.id).is_ok()
    }

    /// Whether the object with id `id` is in this census and marked in `marks`.
    fn is_marked(&self, marks: &[bool], id: u32) -> bool {
        self.objects.binary_search_by_key(&id, |object| object.id).is_ok_and(|i| marks[i])
    }

    /// The retained size `object` adds to its class among the `marked` objects: none when it is
    /// dominated by a marked object of its class, which already counts it.
    fn own_retained(&self, marked: &[bool], object: &Object) -> u64 {
        if object.dominated_by != 0 && self.is_marked(marked, object.dominated_by) {
            0
        } else {
            object.retained
        }
    }
}

/// Totals of one side of a diff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeapTotals {
    /// The number of nodes in the snapshot.
    pub nodes: u64,
    /// The shallow size of every node, added up.
    pub size_bytes: u64,
    /// `size_bytes` for people, as node-memwatch prints it.
    pub size: String,
}

/// How one class changed between the snapshots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassChange {
    /// node-memwatch's name for the class: the constructor name, or `Array`, `String`, `Code`,
    /// `Closure`, `RegExp`, `Number`, `Native`.
    pub what: String,
    /// Who defines the class: `program` when its constructor is in one of the program's
    /// scripts, `runtime` for Node's and V8's (closures, arrays, plain objects and the like).
    pub origin: Origin,
    /// Shallow size of the added objects minus that of the deleted ones.
    pub size_bytes: i64,
    /// `size_bytes` for people.
    pub size: String,
    /// How many objects of the class were added.
    #[serde(rename = "+")]
    pub added: u64,
    /// How many objects of the class were deleted.
    #[serde(rename = "-")]
    pub removed: u64,
    /// Retained size of the added objects minus that of the deleted ones, each counted once: an
    /// object dominated by another changed object of its class is part of that one's. This is
    /// what `details` are ranked by (see `ranking`): a container that merely holds the new
    /// objects (an `Array`, a `Map`) does not outrank the class of what it holds.
    pub retained_size_bytes: i64,
    /// The id of the added object of this class that retains the most, if any was added: the
    /// one a retainer path best explains.
    #[serde(skip)]
    pub example_id: Option<u32>,
    /// A shortest retainer path of that object, one through the program's code when there is
    /// one, in the program's terms (from the module it leads to), once [`HeapDiff::explain`] has
    /// looked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retainers: Option<String>,
    /// What keeps that object alive, as the program's source names it (a module's variable, an
    /// export, an emitter's listeners, a timer, a promise never settled), once
    /// [`HeapDiff::explain`] has found it on that path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_by: Option<String>,
    /// Where that object's constructor (or, for a `Closure`, the function itself) is defined,
    /// once [`HeapDiff::explain`] or [`HeapDiff::locate`] has looked, if V8 recorded it: what
    /// tells a class of the program's from one of Node's when no sampled stack shows its
    /// constructor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defined_at: Option<DefinedAt>,
    /// The added objects grouped by the shape of their retainer path, the group that retains
    /// the most first, and only those that retain a tenth as much or more (at most five): one
    /// leak is one group however many objects it made, and two containers that each hold
    /// objects of the class make two groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<ObjectGroup>,
}

/// Added objects of one class whose retainer paths have one shape: what one leak made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectGroup {
    /// How many objects the group has.
    pub count: u64,
    /// Their retained size, each counted once (as in [`ClassChange::retained_size_bytes`]).
    pub retained_size_bytes: u64,
    /// The id of the object of the group that retains the most.
    pub example_id: u32,
    /// The shortest retainer path of that object, once [`HeapDiff::explain`] has looked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retainers: Option<String>,
    /// One line naming what holds that object in the program's terms, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_by: Option<String>,
}

/// Where a class's constructor is defined: in the original sources when the script has a source
/// map, with the position in the generated script kept in `generated`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DefinedAt {
    /// V8's id of the (generated) script: the `scriptId` of the inspector protocol's call frames.
    pub script_id: u32,
    /// The file: the original source when mapped, else the script's path (or URL, for a script
    /// that is no file); absent when the snapshot does not name the script.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The line, from 1: in `file`.
    pub line: u32,
    /// The column, from 1: in `file`.
    pub column: u32,
    /// The position in the generated script, when `file`, `line` and `column` are mapped ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated: Option<Position>,
}

impl std::fmt::Display for DefinedAt {
    /// `file:line` (see [`location_text`]), or `script N:line` when the snapshot does not name
    /// the script.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.file {
            Some(file) => f.write_str(&location_text(file, self.line)),
            None => write!(f, "script {}:{}", self.script_id, self.line),
        }
    }
}

impl DefinedAt {
    /// Where the constructor of node `ordinal` of `snapshot` (or the function itself, for a
    /// closure) is defined, mapped through the process's shared [`SourceMaps`]; `None` when V8
    /// recorded no location for it. `scripts` are the snapshot's own.
    pub fn of(snapshot: &HeapSnapshot, scripts: &ScriptUrls, ordinal: u32) -> Option<DefinedAt> {
        let location = snapshot.location(ordinal)?;
        Some(DefinedAt::new(location, scripts.get(location.script_id), SourceMaps::shared()))
    }

    /// `location` in the script at `url` (if known), mapped through the script's source map
    /// when it has one.
    pub fn new(location: SourceLocation, url: Option<&str>, maps: &SourceMaps) -> DefinedAt {
        let unmapped = DefinedAt {
            script_id: location.script_id,
            file: url.map(script_file),
            line: location.line,
            column: location.column,
            generated: None,
        };
        let Some(url) = url else { return unmapped };
        match maps.original_position(url, location.line, location.column) {
            Some(original) => DefinedAt {
                script_id: location.script_id,
                file: Some(original.file),
                line: original.line,
                column: original.column,
                generated: Some(Position { file: script_file(url), line: location.line, column: location.column }),
            },
            None => unmapped,
        }
    }
}

/// The change between the two sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The change in total size.
    pub size_bytes: i64,
    /// `size_bytes` for people.
    pub size: String,
    /// How many objects of the first snapshot are gone in the second.
    pub freed_nodes: u64,
    /// How many objects of the second snapshot were not in the first.
    pub allocated_nodes: u64,
    /// Per class, best suspect first: the class that grew most in retained size, except that a
    /// class of the program comes before the runtime's containers that hold it (see `ranking`).
    pub details: Vec<ClassChange>,
}

/// A comparison of two snapshots of one process, shaped as node-memwatch's HeapDiff result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeapDiff {
    /// The first snapshot.
    pub before: HeapTotals,
    /// The second snapshot.
    pub after: HeapTotals,
    /// What changed.
    pub change: Change,
}

/// One row of a diff while it is being added up.
#[derive(Default)]
struct RowTally {
    added: u64,
    removed: u64,
    size: i64,
    retained: i64,
    /// The added object that retains the most, and how much.
    example: Option<(u32, u64)>,
    origin: Origin,
}

/// One group of a row while it is being added up.
#[derive(Default)]
struct GroupTally {
    count: u64,
    retained: u64,
    /// The object that retains the most, and how much.
    example: (u32, u64),
}

impl HeapDiff {
    /// Compares two censuses of the same process.
    ///
    /// Objects are matched by id: ids only in `after` were allocated, ids only in `before` were
    /// freed. Classes appear in `details` when at least one of their objects changed.
    pub fn between(before: &Census, after: &Census) -> HeapDiff {
        let (old, new) = (&before.objects, &after.objects);
        let mut freed = vec![false; old.len()];
        let mut allocated = vec![false; new.len()];
        let (mut i, mut j) = (0, 0);
        while i < old.len() || j < new.len() {
            let old_id = old.get(i).map_or(u64::MAX, |o| u64::from(o.id));
            let new_id = new.get(j).map_or(u64::MAX, |o| u64::from(o.id));
            if old_id <= new_id {
                freed[i] = old_id < new_id;
                i += 1;
            }
            if new_id <= old_id {
                allocated[j] = new_id < old_id;
                j += 1;
            }
        }
        // Each side's classes are given their row (by `what`) once, so objects are added up by
        // index rather than by name.
        let mut rows_by_name: HashMap<&str, usize> = HashMap::new();
        let before_rows = rows_of(&before.class_names, &mut rows_by_name);
        let after_rows = rows_of(&after.class_names, &mut rows_by_name);
        let mut names = vec![""; rows_by_name.len()];
        for (&name, &row) in &rows_by_name {
            names[row] = name;
        }
        let mut changes: Vec<RowTally> = (0..names.len()).map(|_| RowTally::default()).collect();
        let mut groups: HashMap<(usize, u32), GroupTally> = HashMap::new();
        for (object, _) in old.iter().zip(&freed).filter(|(_, &gone)| gone) {
            let row = &mut changes[before_rows[object.class as usize]];
            row.origin = row.origin.max_program(before.class_origins[object.class as usize]);
            row.removed += 1;
            row.size -= i64::from(object.size);
            row.retained -= before.own_retained(&freed, object) as i64;
        }
        for (k, (object, _)) in new.iter().zip(&allocated).enumerate().filter(|(_, (_, &born))| born) {
            let row_index = after_rows[object.class as usize];
            let row = &mut changes[row_index];
            row.origin = row.origin.max_program(after.class_origins[object.class as usize]);
            row.added += 1;
            row.size += i64::from(object.size);
            let retained = after.own_retained(&allocated, object);
            row.retained += retained as i64;
            if row.example.is_none_or(|(_, most)| retained > most) {
                row.example = Some((object.id, retained));
            }
            let shape = after.shapes.get(k).copied().unwrap_or(NO_SHAPE);
            if shape != NO_SHAPE && !names[row_index].is_empty() {
                let group = groups.entry((row_index, shape)).or_default();
                group.count += 1;
                group.retained += retained;
                if group.count == 1 || retained > group.example.1 {
                    group.example = (object.id, retained);
                }
            }
        }
        let mut groups_of: Vec<Vec<ObjectGroup>> = vec![Vec::new(); changes.len()];
        for ((row, _), group) in groups {
            groups_of[row].push(ObjectGroup {
                count: group.count,
                retained_size_bytes: group.retained,
                example_id: group.example.0,
                retainers: None,
                held_by: None,
            });
        }
        let mut details: Vec<ClassChange> = changes
            .into_iter()
            .zip(groups_of)
            .zip(names)
            .filter(|((row, _), what)| !what.is_empty() && (row.added > 0 || row.removed > 0))
            .map(|((row, groups), what)| ClassChange {
                what: what.to_string(),
                origin: row.origin,
                size_bytes: row.size,
                size: nice_size(row.size),
                added: row.added,
                removed: row.removed,
                retained_size_bytes: row.retained,
                example_id: row.example.map(|(id, _)| id),
                retainers: None,
                held_by: None,
                defined_at: None,
                groups: largest_groups(groups),
            })
            .collect();
        rank(&mut details);
        let freed_nodes = freed.iter().filter(|&&gone| gone).count() as u64;
        let allocated_nodes = allocated.iter().filter(|&&born| born).count() as u64;
        let size_bytes = after.size_bytes as i64 - before.size_bytes as i64;
        HeapDiff {
            before: before.totals(),
            after: after.totals(),
            change: Change {
                size_bytes,
                size: nice_size(size_bytes),
                freed_nodes,
                allocated_nodes,
                details,
            },
        }
    }

    /// Explains the example object of each of the first `top` rows that grew, and of each of
    /// their groups: its retainer path in the program's terms and what holds it
    /// ([`explain_object`]), and where the row's constructor is defined (see [`DefinedAt`]), in
    /// `after`: the snapshot the `after` census of this diff was taken from, whose `retainers`
    /// leave out what that census found to be leakwatch's (`Retainers::leaving_out(after,
    /// census.take_own_objects())`), so that no path goes through leakwatch. Files inside the current
    /// directory are named relative to it.
    pub fn explain(&mut self, after: &HeapSnapshot, retainers: &Retainers, top: usize) {
        let ordinals = self.example_ordinals(after, top);
        if ordinals.is_empty() {
            return;
        }
        let places = SourcePlaces::relative_to_current_dir();
        let scripts = ScriptUrls::new(after);
        // The program-terms path and the holder of object `id`; past the budget of the
        // program-path search, DevTools' first path still serves.
        let explain = |id: u32| -> (Option<String>, Option<String>) {
            let Some(&ordinal) = ordinals.get(&id) else { return (None, None) };
            match explain_object(after, retainers, &places, ordinal) {
                Some(explained) => (Some(explained.program_path), explained.held_by.map(|holder| holder.to_string())),
                None => (retainers.paths(after, ordinal, 1).into_iter().next().map(|p| p.to_string()), None),
            }
        };
        let rows = self.change.details.iter_mut().take(top);
        for row in rows.filter(|row| row.example_id.is_some()) {
            let id = row.example_id.unwrap_or_default();
            (row.retainers, row.held_by) = explain(id);
            row.defined_at = ordinals.get(&id).and_then(|&o| DefinedAt::of(after, &scripts, o));
            for group in &mut row.groups {
                (group.retainers, group.held_by) = explain(group.example_id);
            }
        }
    }

    /// Sets `defined_at` of the first `top` rows that grew: where the constructor of the example
    /// object is defined, in `after` (the snapshot of the `after` census), mapped to the original
    /// sources through the process's shared [`SourceMaps`] when the script has a source map.
    pub fn locate(&mut self, after: &HeapSnapshot, top: usize) {
        let ordinals = self.example_ordinals(after, top);
        if ordinals.is_empty() {
            return;
        }
        let scripts = ScriptUrls::new(after);
        for row in self.change.details.iter_mut().take(top) {
            let ordinal = row.example_id.and_then(|id| ordinals.get(&id).copied());
            row.defined_at = ordinal.and_then(|o| DefinedAt::of(after, &scripts, o));
        }
    }

    /// The ordinal in `after` of the example objects of the first `top` rows and of their groups,
    /// by id; empty when no row has one.
    fn example_ordinals(&self, after: &HeapSnapshot, top: usize) -> HashMap<u32, u32> {
        let mut wanted: HashMap<u32, Option<u32>> = HashMap::new();
        for row in self.change.details.iter().take(top) {
            wanted.extend(row.example_id.map(|id| (id, None)));
            wanted.extend(row.groups.iter().map(|group| (group.example_id, None)));
        }
        if wanted.is_empty() {
            return HashMap::new();
        }
        for (ordinal, id) in after.node_ids.iter().enumerate() {
            if let Some(slot) = wanted.get_mut(id) {
                *slot = Some(ordinal as u32);
            }
        }
        wanted.into_iter().filter_map(|(id, ordinal)| Some((id, ordinal?))).collect()
    }
}

/// The ordinal in a key of a census's order by id: the low half.
fn ordinal_of(key: u64) -> usize {
    (key & u64::from(u32::MAX)) as usize
}

/// The row of each class of `names` (a census's class names), by index: the row of its name in
/// `rows`, which gains the names not there yet.
fn rows_of<'a>(names: &'a [String], rows: &mut HashMap<&'a str, usize>) -> Vec<usize> {
    names
        .iter()
        .map(|name| {
            let next = rows.len();
            *rows.entry(name.as_str()).or_insert(next)
        })
        .collect()
}

/// The groups worth a line: the one that retains the most first, and those that retain at least
/// a tenth as much (a leak, not the odd object made elsewhere), at most [`MAX_GROUPS`] of them.
fn largest_groups(mut groups: Vec<ObjectGroup>) -> Vec<ObjectGroup> {
    groups.sort_by(|a, b| {
        b.retained_size_bytes.cmp(&a.retained_size_bytes).then(b.count.cmp(&a.count)).then(a.example_id.cmp(&b.example_id))
    });
    let largest = groups.first().map_or(0, |group| group.retained_size_bytes);
    groups.retain(|group| group.retained_size_bytes.saturating_mul(10) >= largest);
    groups.truncate(MAX_GROUPS);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Analysis;

    /// A node: its type (index in `node_types`), name, id, size, and edges as (edge type, name or
    /// index, target ordinal).
    type Node<'a> = (u32, &'a str, u32, u32, Vec<(u32, &'a str, u32)>);

    /// A snapshot of `nodes`, with `locations` as (ordinal, script id).
    fn snapshot(nodes: &[Node], locations: &[(u32, u32)]) -> HeapSnapshot {
        let mut strings: Vec<&str> = vec![""];
        let mut intern = |s: &str| -> usize {
            strings.iter().position(|&t| t == s).unwrap_or_else(|| {
                strings.push(Box::leak(s.to_string().into_boxed_str()));
                strings.len() - 1
            })
        };
        let mut node_values = Vec::new();
        let mut edge_values = Vec::new();
        for (kind, name, id, size, edges) in nodes {
            node_values.push(format!("{kind},{},{id},{size},{}", intern(name), edges.len()));
            for &(edge_kind, edge_name, to) in edges {
                let name_or_index = if edge_kind == 1 { edge_name.parse().unwrap() } else { intern(edge_name) };
                edge_values.push(format!("{edge_kind},{name_or_index},{}", to * 5));
            }
        }
        let locations: Vec<String> = locations.iter().map(|(node, script)| format!("{},{script},1,1", node * 5)).collect();
        let json = format!(
            r#"{{"snapshot":{{"meta":{{"node_fields":["type","name","id","self_size","edge_count"],
                "node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"]],
                "edge_fields":["type","name_or_index","to_node"],
                "edge_types":[["context","element","property","internal","hidden","shortcut","weak"]],
                "location_fields":["object_index","script_id","line","column"]}},
                "node_count":{},"edge_count":{}}},
              "nodes":[{}],"edges":[{}],"locations":[{}],"strings":{}}}"#,
            nodes.len(),
            edge_values.len(),
            node_values.join(","),
            edge_values.join(","),
            locations.join(","),
            serde_json::to_string(&strings).unwrap(),
        );
        HeapSnapshot::read(json.as_bytes()).unwrap()
    }

    fn census(snapshot: &HeapSnapshot) -> Census {
        Census::new(snapshot, &Analysis::new(snapshot), &OwnScripts::default(), Side::After)
    }

    #[test]
    fn one_class_held_by_two_containers_is_two_groups_of_a_program_class() {
        let program = |id| (5, "main", id, 10, vec![(3, "shared", 0)]);
        // Before: the global and the program's function `main`, of script 1.
        let mut main = program(15);
        main.4[0].2 = 3;
        let before = snapshot(
            &[
                (9, "", 1, 0, vec![(5, "global", 1)]),
                (3, "global", 3, 10, vec![(2, "main", 2)]),
                main,
                (4, "system / SharedFunctionInfo", 17, 10, vec![(3, "script_or_debug_info", 4)]),
                (4, "/app/main.js", 19, 10, vec![]),
            ],
            &[(2, 1)],
        );
        // After: the global also holds arrays `a` (two Foos) and `b` (one Foo).
        let mut main = program(15);
        main.4[0].2 = 8;
        let after = snapshot(
            &[
                (9, "", 1, 0, vec![(5, "global", 1)]),
                (3, "global", 3, 10, vec![(2, "a", 2), (2, "b", 3), (2, "main", 7)]),
                (3, "Array", 5, 16, vec![(1, "0", 4), (1, "1", 5)]),
                (3, "Array", 7, 16, vec![(1, "0", 6)]),
                (3, "Foo", 9, 100, vec![]),
                (3, "Foo", 11, 100, vec![]),
                (3, "Foo", 13, 100, vec![]),
                main,
                (4, "system / SharedFunctionInfo", 17, 10, vec![(3, "script_or_debug_info", 9)]),
                (4, "/app/main.js", 19, 10, vec![]),
            ],
            &[(4, 1), (5, 1), (6, 1), (7, 1)],
        );
        let diff = HeapDiff::between(&census(&before), &census(&after));
        let rows: Vec<(&str, Origin)> = diff.change.details.iter().map(|row| (row.what.as_str(), row.origin)).collect();
        assert_eq!(rows, [("Foo", Origin::Program), ("Array", Origin::Runtime)]);
        let foo = &diff.change.details[0];
        let groups: Vec<(u64, u64, u32)> =
            foo.groups.iter().map(|g| (g.count, g.retained_size_bytes, g.example_id)).collect();
        assert_eq!(groups, [(2, 200, 9), (1, 100, 13)]);
    }

    #[test]
    fn a_pending_call_of_the_programs_async_function_is_the_runtimes() {
        // The program's async function `main` (script 1); after, the global also holds a pending
        // call of it, whose frame V8 places at `main`, and a `Foo`, placed at its constructor.
        let main = (5, "main", 15, 10, vec![(3, "shared", 3)]);
        let shared = (4, "system / SharedFunctionInfo", 17, 10, vec![(3, "script_or_debug_info", 4)]);
        let script = (4, "/app/main.js", 19, 10, vec![]);
        let before = snapshot(
            &[
                (9, "", 1, 0, vec![(5, "global", 1)]),
                (3, "global", 3, 10, vec![(2, "main", 2)]),
                main.clone(),
                shared.clone(),
                script.clone(),
            ],
            &[(2, 1)],
        );
        let after = snapshot(
            &[
                (9, "", 1, 0, vec![(5, "global", 1)]),
                (3, "global", 3, 10, vec![(2, "main", 2), (2, "pending", 5), (2, "foo", 6)]),
                main,
                shared,
                script,
                (3, "Generator", 21, 40, vec![(3, "function", 2)]),
                (3, "Foo", 23, 20, vec![]),
            ],
            &[(2, 1), (5, 1), (6, 1)],
        );
        let diff = HeapDiff::between(&census(&before), &census(&after));
        let rows: Vec<(&str, Origin)> = diff.change.details.iter().map(|row| (row.what.as_str(), row.origin)).collect();
        assert_eq!(rows, [("Foo", Origin::Program), ("Generator", Origin::Runtime)]);
    }
}

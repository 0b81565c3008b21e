//! Comparing two snapshots by object id, in node-memwatch's HeapDiff shape.

use std::collections::HashMap;

use serde::Serialize;

use crate::{
    analysis::{Analysis, NONE},
    classes::{memwatch_what, Classes},
    holders::explain_object,
    nice_size::nice_size,
    retainers::Retainers,
    script_urls::ScriptUrls,
    snapshot::{HeapSnapshot, NodeKind, SourceLocation},
    source_maps::{location_text, script_file, Position, SourceMaps},
    source_places::SourcePlaces,
};

/// What a diff needs of one snapshot: every object's id, `what`, shallow and retained size, and
/// the nearest object of its class that dominates it. Much smaller than the snapshot (24 bytes
/// an object), so a HeapDiff can keep its "before" side for as long as it runs without holding
/// a graph.
pub struct Census {
    nodes: u64,
    size_bytes: u64,
    /// Every object, sorted by id.
    objects: Vec<Object>,
    /// The `what` of each class; "" for the node types node-memwatch leaves out.
    class_names: Vec<String>,
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
    /// Like node-memwatch, it leaves out the `HeapDiff` objects themselves.
    pub fn new(snapshot: &HeapSnapshot, analysis: &Analysis) -> Census {
        let classes = Classes::by(snapshot, |ordinal| {
            let is_heap_diff =
                snapshot.node_kind(ordinal) == NodeKind::Object && snapshot.node_name(ordinal) == "HeapDiff";
            if is_heap_diff {
                None
            } else {
                memwatch_what(snapshot, ordinal)
            }
        });
        let nearest = analysis.nearest_of_same_class(&classes);
        let mut objects: Vec<Object> = (0..snapshot.node_count())
            .map(|i| Object {
                id: snapshot.node_ids[i],
                class: classes.of[i],
                size: snapshot.self_sizes[i],
                dominated_by: if nearest[i] == NONE { 0 } else { snapshot.node_ids[nearest[i] as usize] },
                retained: if analysis.shallow_sizes[i] == 0 { 0 } else { analysis.retained_sizes[i] },
            })
            .collect();
        objects.sort_unstable_by_key(|object| object.id);
        Census {
            nodes: snapshot.node_count() as u64,
            size_bytes: snapshot.total_size(),
            objects,
            class_names: classes.names,
        }
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
    /// what `details` are ranked by: a container that merely holds the new objects (an `Array`,
    /// a `Map`) does not outrank the class of what it holds.
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
    /// Per class, the class that grew most in retained size first.
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
        let mut changes: HashMap<&str, RowTally> = HashMap::new();
        for (object, _) in old.iter().zip(&freed).filter(|(_, &gone)| gone) {
            let row = changes.entry(before.class_names[object.class as usize].as_str()).or_default();
            row.removed += 1;
            row.size -= i64::from(object.size);
            row.retained -= before.own_retained(&freed, object) as i64;
        }
        for (object, _) in new.iter().zip(&allocated).filter(|(_, &born)| born) {
            let row = changes.entry(after.class_names[object.class as usize].as_str()).or_default();
            row.added += 1;
            row.size += i64::from(object.size);
            let retained = after.own_retained(&allocated, object);
            row.retained += retained as i64;
            if row.example.is_none_or(|(_, most)| retained > most) {
                row.example = Some((object.id, retained));
            }
        }
        let mut details: Vec<ClassChange> = changes
            .into_iter()
            .filter(|(what, _)| !what.is_empty())
            .map(|(what, row)| ClassChange {
                what: what.to_string(),
                size_bytes: row.size,
                size: nice_size(row.size),
                added: row.added,
                removed: row.removed,
                retained_size_bytes: row.retained,
                example_id: row.example.map(|(id, _)| id),
                retainers: None,
                held_by: None,
                defined_at: None,
            })
            .collect();
        details.sort_by(|a, b| {
            b.retained_size_bytes
                .cmp(&a.retained_size_bytes)
                .then(b.size_bytes.cmp(&a.size_bytes))
                .then(b.added.cmp(&a.added))
                .then(a.what.cmp(&b.what))
        });
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

    /// Explains the example object of each of the first `top` rows that grew: its retainer
    /// path in the program's terms, what holds it ([`explain_object`]) and where its constructor
    /// is defined (see [`HeapDiff::locate`]), in `after`: the snapshot the `after` census of this
    /// diff was taken from. Files inside the current directory are named relative to it.
    pub fn explain(&mut self, after: &HeapSnapshot, top: usize) {
        let ordinals = self.example_ordinals(after, top);
        if ordinals.is_empty() {
            return;
        }
        let retainers = Retainers::new(after);
        let places = SourcePlaces::relative_to_current_dir();
        for (row, ordinal) in self.change.details.iter_mut().zip(ordinals) {
            let Some(ordinal) = ordinal else { continue };
            match explain_object(after, &retainers, &places, ordinal) {
                Some(explained) => {
                    row.retainers = Some(explained.program_path);
                    row.held_by = explained.held_by.map(|holder| holder.to_string());
                }
                // Past the budget of the program-path search, DevTools' first path still serves.
                None => row.retainers = retainers.paths(after, ordinal, 1).into_iter().next().map(|p| p.to_string()),
            }
        }
        self.locate(after, top);
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
        for (row, ordinal) in self.change.details.iter_mut().zip(ordinals) {
            row.defined_at = ordinal.and_then(|o| DefinedAt::of(after, &scripts, o));
        }
    }

    /// The ordinal in `after` of the example object of each of the first `top` rows (`None` for a
    /// row with none); empty when no row has one.
    fn example_ordinals(&self, after: &HeapSnapshot, top: usize) -> Vec<Option<u32>> {
        let rows = &self.change.details[..top.min(self.change.details.len())];
        let wanted: HashMap<u32, usize> =
            rows.iter().enumerate().filter_map(|(i, row)| Some((row.example_id?, i))).collect();
        if wanted.is_empty() {
            return Vec::new();
        }
        let mut ordinals = vec![None; rows.len()];
        for (ordinal, id) in after.node_ids.iter().enumerate() {
            if let Some(&row) = wanted.get(id) {
                ordinals[row] = Some(ordinal as u32);
            }
        }
        ordinals
    }
}

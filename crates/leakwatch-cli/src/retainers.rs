//! `leakwatch retainers`: why objects are still alive.

use std::path::Path;

use leakwatch_core::{explain_object, DefinedAt, ObjectExplanation, RetainerPath, Retainers, ScriptUrls, SourcePlaces};
use serde::Serialize;

use crate::{
    args::Target,
    failure::Failure,
    load::{load, Loaded},
    progress::Progress,
    render::size,
};

/// How the report is written.
pub struct Notation {
    /// DevTools' full paths rather than the holder and the program-terms path.
    pub devtools: bool,
    /// JSON (with both) rather than text.
    pub json: bool,
}

/// An object to explain, and the paths that hold it.
struct Explained {
    ordinal: u32,
    /// Where its constructor (or, for a function, the function) is defined, if V8 recorded it.
    defined_at: Option<DefinedAt>,
    /// Edges from the user roots; `None` when only weak references reach the object.
    distance: Option<u32>,
    /// DevTools' shortest paths (when they are to be shown).
    paths: Vec<RetainerPath>,
    /// The holder and the path in the program's terms (when they are to be shown).
    explanation: Option<ObjectExplanation>,
}

/// What holds the objects `target` names in the snapshot at `file`: one object (`--id`), or the
/// `k` largest objects of a class (`--class`). In DevTools' notation, up to `k` paths to the one
/// object, or one path to each.
pub fn run(
    file: &Path,
    target: &Target,
    k: usize,
    notation: Notation,
    progress: &Progress,
) -> Result<String, Failure> {
    let loaded = load(file, progress)?;
    let (snapshot, analysis) = (&loaded.snapshot, &loaded.analysis);
    let (objects, paths_each) = match (target.id, &target.class) {
        (Some(id), _) => {
            let ordinal = snapshot
                .find_node(id)
                .ok_or_else(|| Failure::in_file(file, format!("no object with id @{id}")))?;
            (vec![ordinal], k)
        }
        (None, Some(name)) => {
            let classes = analysis.classes_named(name);
            if classes.is_empty() {
                return Err(Failure::in_file(file, format!("no class named {name:?}")));
            }
            (largest_of_classes(&loaded, &classes, k), 1)
        }
        // clap requires one of the two.
        (None, None) => return Err(Failure::new("give --id or --class")),
    };
    // The index of retaining edges is built once and serves every object asked about.
    let retainers = Retainers::new(snapshot);
    let scripts = ScriptUrls::new(snapshot);
    let places = SourcePlaces::relative_to_current_dir();
    let explained: Vec<Explained> = objects
        .into_iter()
        .map(|ordinal| Explained {
            ordinal,
            defined_at: DefinedAt::of(snapshot, &scripts, ordinal),
            distance: retainers.distance(ordinal),
            paths: if notation.devtools || notation.json {
                retainers.paths(snapshot, ordinal, paths_each)
            } else {
                Vec::new()
            },
            explanation: (!notation.devtools || notation.json)
                .then(|| explain_object(snapshot, &retainers, &places, ordinal))
                .flatten(),
        })
        .collect();
    if notation.json {
        let objects: Vec<_> = explained.iter().map(|e| object_json(&loaded, e)).collect();
        return crate::to_json(&objects);
    }
    Ok(explained
        .iter()
        .map(|e| render(&loaded, e, notation.devtools))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// The ordinals of the `k` objects of `classes` with the largest retained sizes, largest first.
fn largest_of_classes(loaded: &Loaded, classes: &[u32], k: usize) -> Vec<u32> {
    let analysis = &loaded.analysis;
    let node_count = u32::try_from(loaded.snapshot.node_count()).unwrap_or(u32::MAX);
    let mut members: Vec<u32> = (0..node_count)
        .filter(|&n| classes.contains(&analysis.class_of(n)))
        .collect();
    // Ties go to the lower ordinal, so the output is the same on every run.
    members.sort_unstable_by_key(|&n| (std::cmp::Reverse(analysis.retained_size(n)), n));
    members.truncate(k);
    members
}

fn class_of(loaded: &Loaded, ordinal: u32) -> &str {
    loaded
        .analysis
        .class_name(loaded.analysis.class_of(ordinal))
}

fn render(loaded: &Loaded, explained: &Explained, devtools: bool) -> String {
    let (snapshot, analysis) = (&loaded.snapshot, &loaded.analysis);
    let n = explained.ordinal;
    let defined_at = explained
        .defined_at
        .as_ref()
        .map_or_else(String::new, |at| format!(", defined at {at}"));
    let mut out = format!(
        "{} @{}: {} shallow, {} retained{defined_at}\n",
        class_of(loaded, n),
        snapshot.node_id(n),
        size(snapshot.self_size(n)),
        size(analysis.retained_size(n)),
    );
    if explained.distance.is_none() {
        out.push_str("  no path from the roots: only weak references hold it\n");
    } else if devtools {
        for (i, path) in explained.paths.iter().enumerate() {
            out.push_str(&format!("  {}. {path}\n", i + 1));
        }
    } else if let Some(explanation) = &explained.explanation {
        if let Some(holder) = &explanation.held_by {
            out.push_str(&format!("  held by: {holder}\n"));
        }
        out.push_str(&format!("  path: {}\n", explanation.program_path));
    } else {
        out.push_str("  no path found within the search budget: try --devtools\n");
    }
    out
}

/// One explained object in the JSON output.
#[derive(Serialize)]
struct ObjectJson<'a> {
    id: u32,
    class: &'a str,
    self_size: u64,
    retained_size: u64,
    /// Edges from the user roots; `null` when only weak references reach the object.
    distance: Option<u32>,
    /// Where its constructor is defined, mapped to the original source when it has a map.
    #[serde(skip_serializing_if = "Option::is_none")]
    defined_at: Option<&'a DefinedAt>,
    /// The nearest holder the program's source names, as one line.
    held_by: Option<String>,
    /// A shortest path through the program's code, from the module it leads to.
    program_path: Option<&'a str>,
    /// DevTools' shortest paths.
    paths: &'a [RetainerPath],
}

fn object_json<'a>(loaded: &'a Loaded, explained: &'a Explained) -> ObjectJson<'a> {
    let (snapshot, analysis) = (&loaded.snapshot, &loaded.analysis);
    let n = explained.ordinal;
    ObjectJson {
        id: snapshot.node_id(n),
        class: class_of(loaded, n),
        self_size: snapshot.self_size(n),
        retained_size: analysis.retained_size(n),
        distance: explained.distance,
        defined_at: explained.defined_at.as_ref(),
        held_by: explained.explanation.as_ref().and_then(|e| e.held_by.as_ref()).map(|h| h.to_string()),
        program_path: explained.explanation.as_ref().map(|e| e.program_path.as_str()),
        paths: &explained.paths,
    }
}

//! leakwatch-core reads V8 heap snapshots and answers what is on the heap, what holds it, and what
//! grew.
//!
//! The engine is a few modules, each with one job:
//!
//! 1. [`HeapSnapshot::read`] (or [`SnapshotParser`] for a stream that arrives in chunks) parses a
//!    `.heapsnapshot` without building a JSON tree, into compact struct-of-arrays storage.
//! 2. [`Analysis::new`] computes what Chrome DevTools computes: the exact dominator tree over the
//!    essential edges, retained sizes and class names.
//! 3. Reports: [`Summary`] per class, [`Census`] and [`HeapDiff`] for comparing two snapshots by
//!    object id, [`find_leaks`] for three (memlab's method), [`Retainers`] for the shortest ways
//!    from the roots to an object (DevTools' distances).
//! 4. [`SourceMaps`] maps a position in generated JavaScript (a constructor's [`DefinedAt`], an
//!    allocation site) to the program's own sources when the script has a source map.
//! 5. Every failure is an [`Error`] that says what was wrong and where (a byte offset).
//!
//! ```no_run
//! use leakwatch_core::{Analysis, HeapSnapshot, Summary};
//!
//! let snapshot = HeapSnapshot::open("app.heapsnapshot")?;
//! let analysis = Analysis::new(&snapshot);
//! for class in Summary::new(&snapshot, &analysis).top(10) {
//!     println!("{} {} {}", class.name, class.count, class.retained_size);
//! }
//! # Ok::<(), leakwatch_core::Error>(())
//! ```
#![deny(missing_docs)]

mod analysis;
mod bits;
mod chunks;
mod classes;
mod detached;
mod diff;
mod distances;
mod dominators;
mod edge_column;
mod error;
mod essential;
mod find_leaks;
mod holders;
mod modules;
mod nice_size;
mod origin;
mod own_objects;
mod parse;
mod phase_log;
mod path_shapes;
mod program_terms;
mod ranking;
mod retainers;
mod script_urls;
mod scripts;
mod shallow;
mod shapes;
mod size_column;
mod snapshot;
mod snapshot_parser;
mod source_maps;
mod source_places;
mod summary;
mod user_roots;

pub use analysis::Analysis;
pub use classes::memwatch_what;
pub use diff::{Census, Change, ClassChange, DefinedAt, HeapDiff, HeapTotals, ObjectGroup, Side};
pub use error::Error;
pub use find_leaks::{find_leaks, FoundLeaks, LeakGroup};
pub use holders::{explain_object, Holder, ObjectExplanation};
pub use nice_size::nice_size;
pub use origin::{Origin, OwnScripts, ScriptOrigins};
pub use own_objects::OwnObjects;
pub use retainers::{retainer_paths, RetainerPath, RetainerStep, Retainers};
pub use script_urls::ScriptUrls;
pub use snapshot::{EdgeKind, EdgeLabel, HeapSnapshot, NodeKind, SourceLocation};
pub use scripts::ScriptOrigin;
pub use snapshot_parser::SnapshotParser;
pub use source_maps::{display_path, location_text, script_file, OriginalPosition, Position, SourceMaps};
pub use source_places::SourcePlaces;
pub use summary::{ClassSummary, Summary};

#[cfg(test)]
mod brute_force_tests;
#[cfg(test)]
mod holders_tests;

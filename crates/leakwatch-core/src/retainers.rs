//! Shortest retainer paths, from the roots down to an object.

use std::fmt;

use serde::Serialize;

use crate::{analysis::Analysis, snapshot::HeapSnapshot};

/// One object on a retainer path, and the edge by which it holds the next one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RetainerStep {
    /// The object's id (`@id` in DevTools).
    pub id: u32,
    /// The object's class name.
    pub class: String,
    /// The name of the edge to the next step; `None` on the last step.
    pub edge: Option<String>,
}

/// A path from a root to an object, root first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RetainerPath {
    /// The objects along the path, the root's child first, the target last.
    pub steps: Vec<RetainerStep>,
}

impl fmt::Display for RetainerPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.steps {
            write!(f, "{} @{}", step.class, step.id)?;
            if let Some(edge) = &step.edge {
                write!(f, " → {edge} → ")?;
            }
        }
        Ok(())
    }
}

/// Up to `max_paths` shortest distinct paths from the user roots to node `target`, shortest first.
/// Weak edges and the root's own edges are left out, as in DevTools' Retainers view.
pub fn retainer_paths(
    snapshot: &HeapSnapshot,
    analysis: &Analysis,
    target: u32,
    max_paths: usize,
) -> Vec<RetainerPath> {
    let _ = (snapshot, analysis, target, max_paths);
    todo!()
}

//! The Summary report: objects grouped by class.

use serde::Serialize;

use crate::{
    analysis::Analysis,
    snapshot::{HeapSnapshot, SourceLocation},
};

/// One row of the summary: a class and what its objects hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassSummary {
    /// The class name, as DevTools' Summary view shows it.
    pub name: String,
    /// How many objects of the class are on the heap.
    pub count: u64,
    /// Their shallow sizes, added up.
    pub shallow_size: u64,
    /// What freeing all of them would free, counting a class nested in itself once.
    pub retained_size: u64,
    /// Where the class's constructor is defined, when V8 recorded it: DevTools shows classes of
    /// one name defined in different places as different rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<SourceLocation>,
}

/// The whole summary of a snapshot, classes ranked by retained size.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// The number of nodes in the snapshot.
    pub node_count: u64,
    /// The number of edges in the snapshot.
    pub edge_count: u64,
    /// The shallow size of every node, added up.
    pub total_size: u64,
    /// Every class, largest retained size first.
    pub classes: Vec<ClassSummary>,
}

impl Summary {
    /// Builds the summary from an analysed snapshot.
    ///
    /// As in DevTools, a class counts the objects whose shallow size is not 0, after internal
    /// arrays have been counted as part of the object that owns them.
    pub fn new(snapshot: &HeapSnapshot, analysis: &Analysis) -> Summary {
        let classes = &analysis.classes;
        let retained = analysis.retained_by_class(classes);
        let mut rows: Vec<ClassSummary> = classes
            .names
            .iter()
            .zip(&classes.locations)
            .zip(retained)
            .map(|((name, &location), retained_size)| ClassSummary {
                name: name.clone(),
                count: 0,
                shallow_size: 0,
                retained_size,
                location,
            })
            .collect();
        for (&class, &size) in classes.of.iter().zip(&analysis.shallow_sizes) {
            if size != 0 {
                let row = &mut rows[class as usize];
                row.count += 1;
                row.shallow_size += u64::from(size);
            }
        }
        rows.retain(|row| row.count > 0);
        rows.sort_by(|a, b| {
            let place = |row: &ClassSummary| row.location.map(|l| (l.script_id, l.line, l.column));
            b.retained_size
                .cmp(&a.retained_size)
                .then(b.shallow_size.cmp(&a.shallow_size))
                .then(a.name.cmp(&b.name))
                .then(place(a).cmp(&place(b)))
        });
        Summary {
            node_count: snapshot.node_count() as u64,
            edge_count: snapshot.edge_count() as u64,
            total_size: snapshot.total_size(),
            classes: rows,
        }
    }

    /// The first `n` classes (all of them if there are fewer).
    pub fn top(&self, n: usize) -> &[ClassSummary] {
        &self.classes[..n.min(self.classes.len())]
    }
}

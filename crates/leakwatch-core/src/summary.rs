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

#[cfg(test)]
mod tests {
    use crate::{Analysis, HeapSnapshot, SourceLocation, Summary};

    #[test]
    fn classes_of_one_name_defined_in_two_places_are_two_rows() {
        // Three Twin objects: two made by the constructor at 1:1 of script 7, one by the one at
        // 5:3, and a Twin with no location (V8 records none for some constructors).
        let json = r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],
            "node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"]],
            "edge_fields":["type","name_or_index","to_node"],
            "edge_types":[["context","element","property","internal","hidden","shortcut","weak"]],
            "location_fields":["object_index","script_id","line","column"]},"node_count":5,"edge_count":4},
            "nodes":[9,0,1,0,4, 3,1,3,10,0, 3,1,5,10,0, 3,1,7,20,0, 3,1,9,40,0],
            "edges":[1,0,5,1,1,10,1,2,15,1,3,20],
            "locations":[5,7,0,0, 10,7,0,0, 15,7,4,2],
            "strings":["","Twin"]}"#;
        let snapshot = HeapSnapshot::read(json.as_bytes()).unwrap();
        let summary = Summary::new(&snapshot, &Analysis::new(&snapshot));
        let rows: Vec<_> = summary.classes.iter().map(|c| (c.name.as_str(), c.count, c.location)).collect();
        let at = |line, column| Some(SourceLocation { script_id: 7, line, column });
        assert_eq!(rows, [("Twin", 1, None), ("Twin", 2, at(1, 1)), ("Twin", 1, at(5, 3))]);
    }
}

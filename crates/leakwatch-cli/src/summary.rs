//! `leakwatch summary`: the classes of one snapshot, ranked by retained size.

use std::path::Path;

use leakwatch_core::Summary;

use crate::{
    args::Output,
    failure::Failure,
    load::load,
    progress::Progress,
    render::{count, size, Align, Table},
};

/// The summary of the snapshot at `file`, as text or JSON.
pub fn run(file: &Path, output: &Output, progress: &Progress) -> Result<String, Failure> {
    let loaded = load(file, progress)?;
    let mut summary = Summary::new(&loaded.snapshot, &loaded.analysis);
    summary.classes.truncate(output.rows());
    if output.json {
        return crate::to_json(&summary);
    }
    Ok(render(file, &summary))
}

fn render(file: &Path, summary: &Summary) -> String {
    let mut table = Table::new(&[
        ("Class", Align::Left),
        ("Count", Align::Right),
        ("Shallow size", Align::Right),
        ("Retained size", Align::Right),
    ]);
    for class in &summary.classes {
        table.row(vec![
            class.name.clone(),
            count(class.count),
            size(class.shallow_size),
            size(class.retained_size),
        ]);
    }
    format!(
        "{}: {} nodes, {} edges, {} in all\n\n{}",
        file.display(),
        count(summary.node_count),
        count(summary.edge_count),
        size(summary.total_size),
        table.render()
    )
}

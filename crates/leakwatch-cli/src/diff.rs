//! `leakwatch diff`: what changed between two snapshots of one process.

use std::{path::Path, thread};

use leakwatch_core::{Census, HeapDiff, HeapTotals, OwnScripts, Retainers, Side};

use crate::{
    args::Output,
    failure::Failure,
    load::load,
    progress::Progress,
    render::{count, signed_size, Align, Table},
    room,
};

/// The diff from `before` to `after`, as text or JSON.
pub fn run(
    before: &Path,
    after: &Path,
    output: &Output,
    progress: &Progress,
) -> Result<String, Failure> {
    let rows = output.rows();
    let (before_census, after) = if room::fit_at_once(&room::file_sizes(&[before, after]), room::available_memory()) {
        // Each side is parsed and analysed on its own thread; only the small census of each is
        // kept, so the first graph is freed while the second is still being analysed.
        thread::scope(|scope| {
            let first = scope.spawn(|| census(before, Side::Before, progress));
            let second = after_side(after, progress);
            let first = first
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (first, second)
        })
    } else {
        // Too big to hold both graphs: the first is reduced to its census before the second is
        // read, so memory is that of the larger file plus a census.
        let first = census(before, Side::Before, progress);
        (first, after_side(after, progress))
    };
    let (after_census, after_snapshot) = after?;
    let mut diff = HeapDiff::between(&before_census?, &after_census);
    drop(after_census);
    diff.change.details.truncate(rows);
    // Only rows that grew have an object to explain.
    if diff.change.details.iter().any(|row| row.example_id.is_some()) {
        diff.explain(&after_snapshot, &Retainers::new(&after_snapshot), rows);
    }
    if output.json {
        return crate::to_json(&diff);
    }
    Ok(render(&diff))
}

/// The census of the `after` snapshot, and its graph (without its analysis), which stays to
/// explain the shown rows: what holds them, where their classes are defined.
fn after_side(after: &Path, progress: &Progress) -> Result<(Census, leakwatch_core::HeapSnapshot), Failure> {
    load(after, progress).map(|loaded| {
        let census = Census::new(&loaded.snapshot, &loaded.analysis, &OwnScripts::default(), Side::After);
        (census, loaded.snapshot)
    })
}

/// The census of the snapshot at `path`: all that a comparison by object id needs of it (the
/// `side` it is on decides whether its new objects' path shapes are needed).
pub(crate) fn census(path: &Path, side: Side, progress: &Progress) -> Result<Census, Failure> {
    let loaded = load(path, progress)?;
    Ok(Census::new(&loaded.snapshot, &loaded.analysis, &OwnScripts::default(), side))
}

fn render(diff: &HeapDiff) -> String {
    let totals = |totals: &HeapTotals| format!("{} nodes, {}", count(totals.nodes), totals.size);
    let change = &diff.change;
    let mut out = format!(
        "before: {}\nafter:  {}\nchange: {}, {} allocated, {} freed\n\n",
        totals(&diff.before),
        totals(&diff.after),
        signed_size(change.size_bytes),
        count(change.allocated_nodes),
        count(change.freed_nodes),
    );
    let mut table = Table::new(&[
        ("What", Align::Left),
        ("+", Align::Right),
        ("-", Align::Right),
        ("Size change", Align::Right),
        ("Retained change", Align::Right),
        ("Held by", Align::Left),
        ("Defined at", Align::Left),
    ]);
    for class in &change.details {
        table.row(vec![
            class.what.clone(),
            count(class.added),
            count(class.removed),
            signed_size(class.size_bytes),
            signed_size(class.retained_size_bytes),
            class.held_by.clone().unwrap_or_default(),
            class
                .defined_at
                .as_ref()
                .map_or_else(String::new, ToString::to_string),
        ]);
        // A class whose new objects are held in more than one way (two leaks, or a leak and a
        // cache) lists each way on a line of its own: how many, what they retain, and one of
        // them for `leakwatch retainers --id`.
        if class.groups.len() > 1 {
            for group in &class.groups {
                table.row(vec![
                    format!("  like @{}", group.example_id),
                    count(group.count),
                    String::new(),
                    String::new(),
                    signed_size(group.retained_size_bytes as i64),
                    group.held_by.clone().unwrap_or_default(),
                    String::new(),
                ]);
            }
        }
    }
    out.push_str(&table.render());
    out
}

//! `leakwatch find-leaks`: what an action left behind, from three snapshots of one process.

use std::{path::Path, thread};

use leakwatch_core::{find_leaks, FoundLeaks, Side};

use crate::{
    args::Output,
    diff::census,
    failure::Failure,
    load::load,
    progress::Progress,
    render::{count, size, Align, Table},
};

/// The objects allocated between `baseline` and `target` that `last` still holds, grouped, as
/// text or JSON.
pub fn run(baseline: &Path, target: &Path, last: &Path, output: &Output, progress: &Progress) -> Result<String, Failure> {
    // The first two are reduced to their censuses on threads of their own while the last one,
    // which the paths need whole, is parsed and analysed.
    let (baseline, target, last) = thread::scope(|scope| {
        let first = scope.spawn(|| census(baseline, Side::Before, progress));
        let second = scope.spawn(|| census(target, Side::Before, progress));
        let third = load(last, progress);
        let join = |handle: thread::ScopedJoinHandle<'_, _>| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (join(first), join(second), third)
    });
    let last = last?;
    let mut found = find_leaks(&baseline?, &target?, &last.snapshot, &last.analysis, None);
    let groups = found.groups.len();
    found.groups.truncate(output.rows());
    if output.json {
        return crate::to_json(&found);
    }
    Ok(render(&found, groups))
}

/// What a table can show of a shape: its end, nearest the objects, which tells groups apart.
fn nearest_steps(shape: &str) -> String {
    const WIDTH: usize = 60;
    let chars: Vec<char> = shape.chars().collect();
    if chars.len() <= WIDTH {
        return shape.to_string();
    }
    format!("…{}", chars[chars.len() - (WIDTH - 1)..].iter().collect::<String>())
}

/// The report as a table, the first of `groups` groups, then a path for each.
fn render(found: &FoundLeaks, groups: usize) -> String {
    let mut out = format!(
        "{} objects allocated between the baseline and the target are still alive, in {} groups\n\n",
        count(found.still_alive),
        count(groups as u64),
    );
    let mut table = Table::new(&[("Class", Align::Left), ("Count", Align::Right), ("Retained", Align::Right), ("Held along", Align::Left)]);
    for group in &found.groups {
        table.row(vec![group.class.clone(), count(group.count), size(group.retained_size), nearest_steps(&group.shape)]);
    }
    out.push_str(&table.render());
    for group in found.groups.iter().filter(|g| g.path.is_some()) {
        out.push_str(&format!("\n{} (e.g. @{}):\n  {}\n", group.class, group.example_id, group.path.as_deref().unwrap_or_default()));
    }
    out
}

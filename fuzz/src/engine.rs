//! What the fuzzer makes the engine do with a snapshot that parsed: everything a report reads
//! from an untrusted file (analysis, summary, census, diff with its explanations, leak groups,
//! retainer paths), each against a fixed real snapshot and, for a pair, against each other.

use leakwatch_core::{
    explain_object, find_leaks, memwatch_what, Analysis, Census, HeapDiff, HeapSnapshot, OwnScripts,
    Retainers, ScriptOrigins, SourcePlaces, Summary, Side,
};

/// How many rows, paths and objects each report is asked for: enough to reach every code path
/// of the explanations without making one input slow.
const TOP: usize = 5;

/// A snapshot read and analysed once, with its census on either side of a diff.
pub struct Analysed {
    /// The snapshot.
    pub snapshot: HeapSnapshot,
    /// Its dominators, retained sizes and classes.
    pub analysis: Analysis,
    /// Its census as the first snapshot of a diff.
    pub before: Census,
    /// Its census as the second snapshot of a diff.
    pub after: Census,
}

impl Analysed {
    /// Analyses `snapshot` and reads every per-node answer of the analysis once.
    pub fn new(snapshot: HeapSnapshot) -> Analysed {
        let analysis = Analysis::new(&snapshot);
        let own = OwnScripts::new(["/".to_string(), "file:///".to_string()]);
        let origins = ScriptOrigins::of(&snapshot, &own);
        let mut checksum = 0u64;
        for ordinal in 0..snapshot.node_count() as u32 {
            checksum = checksum
                .wrapping_add(analysis.retained_size(ordinal))
                .wrapping_add(analysis.shallow_size(ordinal))
                .wrapping_add(analysis.dominator(ordinal) as u64)
                .wrapping_add(analysis.class_name(analysis.class_of(ordinal)).len() as u64)
                .wrapping_add(memwatch_what(&snapshot, ordinal).map_or(0, str::len) as u64)
                .wrapping_add(origins.is_own(&snapshot, ordinal) as u64);
        }
        std::hint::black_box(checksum);
        let summary = Summary::new(&snapshot, &analysis);
        std::hint::black_box(summary.top(TOP));
        let before = Census::new(&snapshot, &analysis, &own, Side::Before);
        let after = Census::new(&snapshot, &analysis, &own, Side::After);
        Analysed { snapshot, analysis, before, after }
    }

    /// The retainer paths and explanations of the objects that retain the most, and of the last
    /// object (whatever the input made of it).
    pub fn explain_largest(&self) {
        let n = self.snapshot.node_count() as u32;
        if n == 0 {
            return;
        }
        let mut largest: Vec<u32> = (0..n).collect();
        largest.sort_unstable_by_key(|&o| std::cmp::Reverse(self.analysis.retained_size(o)));
        largest.truncate(TOP);
        largest.push(n - 1);
        let retainers = Retainers::new(&self.snapshot);
        let places = SourcePlaces::relative_to_current_dir();
        for ordinal in largest {
            for path in retainers.paths(&self.snapshot, ordinal, TOP) {
                std::hint::black_box(path.to_string());
            }
            if let Some(explained) = explain_object(&self.snapshot, &retainers, &places, ordinal) {
                std::hint::black_box((explained.program_path, explained.held_by.map(|h| h.to_string())));
            }
        }
    }
}

/// Diffs `before` against `after`, explains the rows in `after`, and finds the objects of
/// `after` that `before` did not have, as the CLI's `diff` and `find-leaks` do.
pub fn compare(before: &Analysed, after: &Analysed) {
    let mut diff = HeapDiff::between(&before.before, &after.after);
    diff.change.details.truncate(TOP);
    diff.explain(&after.snapshot, TOP);
    diff.locate(&after.snapshot, TOP);
    std::hint::black_box(serde_json::to_string(&diff).expect("a diff serialises"));
    let leaks = find_leaks(&before.before, &after.after, &after.snapshot, &after.analysis);
    std::hint::black_box(serde_json::to_string(&leaks).expect("leak groups serialise"));
}

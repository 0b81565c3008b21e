//! Reading and analysing one snapshot file.

use std::{fs::File, path::Path};

use leakwatch_core::{Analysis, HeapSnapshot};

use crate::{failure::Failure, progress::Progress};

/// A parsed and analysed snapshot.
pub struct Loaded {
    /// The heap graph.
    pub snapshot: HeapSnapshot,
    /// Dominators, retained sizes and classes of `snapshot`.
    pub analysis: Analysis,
}

/// Parses and analyses the snapshot at `path`, showing its progress on a line of `progress`.
pub fn load(path: &Path, progress: &Progress) -> Result<Loaded, Failure> {
    let file =
        File::open(path).map_err(|err| Failure::in_file(path, format!("cannot open: {err}")))?;
    // The length only scales the bar, so a file whose length cannot be read still loads.
    let len = file.metadata().map(|meta| meta.len()).unwrap_or(0);
    let label = path
        .file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy();
    let (line, reader) = progress.reading(&label, len, file);
    // No BufReader: the parser reads in large chunks of its own, so the progress counter is
    // touched rarely and the bytes are not copied twice.
    let snapshot = HeapSnapshot::read(reader).map_err(|err| Failure::in_file(path, err))?;
    line.analysing();
    let analysis = Analysis::new(&snapshot);
    line.finish();
    Ok(Loaded { snapshot, analysis })
}

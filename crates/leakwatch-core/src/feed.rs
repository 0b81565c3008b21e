//! Parsing a snapshot that arrives in chunks, such as V8's snapshot stream.

use crate::{error::Error, snapshot::HeapSnapshot};

/// Builds a [`HeapSnapshot`] from chunks of bytes pushed as they arrive.
///
/// The parser runs on its own thread, so feeding costs the caller little more than a copy.
pub struct SnapshotBuilder {}

impl SnapshotBuilder {
    /// Starts a parser thread waiting for chunks.
    pub fn new() -> SnapshotBuilder {
        todo!()
    }

    /// Hands the next chunk to the parser. Fails early if the bytes so far are already invalid.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), Error> {
        let _ = chunk;
        todo!()
    }

    /// Signals the end of the stream and waits for the parsed snapshot.
    pub fn finish(self) -> Result<HeapSnapshot, Error> {
        todo!()
    }
}

impl Default for SnapshotBuilder {
    fn default() -> Self {
        SnapshotBuilder::new()
    }
}

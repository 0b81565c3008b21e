//! Parsing a snapshot that arrives in chunks, such as V8's snapshot stream.

use std::{
    sync::mpsc::{sync_channel, SyncSender},
    thread::JoinHandle,
};

use crate::{
    chunks::ChunkReader,
    error::Error,
    snapshot::HeapSnapshot,
};

/// How many chunks may wait for the parser before `feed` blocks, bounding the memory held.
const QUEUED_CHUNKS: usize = 16;

/// Parses a snapshot pushed in chunks as they arrive, into a [`HeapSnapshot`].
///
/// [`HeapSnapshot::read`] takes the whole input at once; this takes it piece by piece. The parser
/// runs on its own thread and reads the chunks through a bounded queue, so feeding costs the
/// caller a copy, and the whole text is never in memory at once.
pub struct SnapshotParser {
    /// The queue to the parser thread. Dropping it, as dropping this does, ends the input, so an
    /// abandoned parser thread finishes instead of waiting forever.
    sender: Option<SyncSender<Vec<u8>>>,
    /// The parser thread, until it has been joined.
    thread: Option<JoinHandle<Result<HeapSnapshot, Error>>>,
    /// Set once the parser has failed; every later call returns it.
    failed: Option<Error>,
}

impl SnapshotParser {
    /// Starts a parser thread waiting for chunks.
    pub fn new() -> SnapshotParser {
        let (sender, receiver) = sync_channel(QUEUED_CHUNKS);
        let reader = ChunkReader::new(receiver);
        let spawned = std::thread::Builder::new()
            .name("leakwatch-parse".into())
            .spawn(move || crate::parse::parse(reader));
        match spawned {
            Ok(thread) => SnapshotParser { sender: Some(sender), thread: Some(thread), failed: None },
            Err(err) => SnapshotParser {
                sender: None,
                thread: None,
                failed: Some(Error::new(format!("cannot start the parser thread: {err}"))),
            },
        }
    }

    /// Hands the next chunk to the parser. Fails early if the bytes so far are already invalid.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), Error> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let sent = self.sender.as_ref().map(|sender| sender.send(chunk.to_vec()));
        if let Some(Ok(())) = sent {
            return Ok(());
        }
        // The parser stopped reading: it has failed. Collect its error.
        self.sender = None;
        let err = match self.join() {
            Ok(_) => Error::new("the snapshot continues after its end"),
            Err(err) => err,
        };
        self.failed = Some(err.clone());
        Err(err)
    }

    /// Signals the end of the stream and waits for the parsed snapshot.
    pub fn finish(mut self) -> Result<HeapSnapshot, Error> {
        if let Some(err) = self.failed.take() {
            return Err(err);
        }
        self.sender = None;
        self.join()
    }

    fn join(&mut self) -> Result<HeapSnapshot, Error> {
        let thread = self.thread.take().ok_or_else(|| Error::new("the parser has already finished"))?;
        thread.join().unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(Error::new(format!("the parser failed unexpectedly: {message}")))
        })
    }
}

impl Default for SnapshotParser {
    fn default() -> Self {
        SnapshotParser::new()
    }
}

#[cfg(test)]
mod tests {
    use super::SnapshotParser;
    use crate::{Analysis, HeapSnapshot, Summary};

    const SNAPSHOT: &str = r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],
        "node_types":[["hidden","array","string","object","synthetic"]],"edge_fields":["type","name_or_index","to_node"],
        "edge_types":[["context","element","property","internal","hidden","shortcut","weak"]]},"node_count":3,"edge_count":2},
        "nodes":[4,0,1,0,1
        ,3,1,3,40,1
        ,3,2,5,24,0],
        "edges":[5,3,5
        ,2,4,10],
        "strings":["","Foo","Bar","global","child"]}"#;

    #[test]
    fn chunks_of_any_size_give_the_same_snapshot() {
        let whole = HeapSnapshot::read(SNAPSHOT.as_bytes()).unwrap();
        let expected = Summary::new(&whole, &Analysis::new(&whole)).classes;
        for size in [1, 2, 7, 64, 4096] {
            let mut parser = SnapshotParser::new();
            for chunk in SNAPSHOT.as_bytes().chunks(size) {
                parser.feed(chunk).unwrap();
            }
            let fed = parser.finish().unwrap();
            assert_eq!(Summary::new(&fed, &Analysis::new(&fed)).classes, expected, "chunks of {size}");
        }
    }

    #[test]
    fn bad_input_fails_in_feed_or_finish_with_its_offset() {
        let mut parser = SnapshotParser::new();
        let mut failed = None;
        for _ in 0..1000 {
            if let Err(err) = parser.feed(b"[not a snapshot") {
                failed = Some(err);
                break;
            }
        }
        let err = failed.unwrap_or_else(|| parser.finish().map(|_| ()).unwrap_err());
        assert_eq!(err.offset(), Some(0), "{err}");

        let inside_nodes = SNAPSHOT.find("[4,0,1").unwrap() + 4;
        let mut parser = SnapshotParser::new();
        parser.feed(&SNAPSHOT.as_bytes()[..inside_nodes]).unwrap();
        let err = parser.finish().map(|_| ()).unwrap_err();
        assert!(err.message().contains("end of input"), "{err}");
        assert_eq!(err.offset(), Some(inside_nodes as u64), "{err}");
    }
}

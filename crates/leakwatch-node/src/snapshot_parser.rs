//! The HeapDiff pipeline's first step as JS sees it: snapshot chunks in, a census or a diff out.
//!
//! A [`SnapshotParser`] is the engine's parser of that name made visible to JS: JS pushes V8's
//! chunks into it as V8 writes them, and the parser thread reads them while V8 goes on. Ending it
//! gives a [`HeapCensus`], the small per-object summary that a diff needs, after which the graph
//! itself is dropped; or, for a HeapDiff's "after" side, the diff against the "before" census
//! while the graph is still at hand to explain it.
//!
//! Each step that can take long exists three ways: blocking (`census`, `heapDiff`: node-memwatch's
//! synchronous `end()`), on a background thread that a later blocking call joins
//! (`censusInBackground`: the "before" side of a HeapDiff, analysed while the program runs on),
//! and as an `AsyncTask` on libuv's thread pool whose promise JS awaits (`censusAsync`,
//! `heapDiffAsync`: `endAsync()`).

use std::sync::{Arc, Mutex};

use leakwatch_core::{Analysis, Census, HeapDiff, OwnScripts, Retainers, Side};
use napi::{
    bindgen_prelude::{ArrayBuffer, AsyncTask},
    sys, Env, Error, JsValue, Result, Status, Task,
};
use napi_derive::napi;

use crate::{
    census::{self, CensusState, HeapCensus},
    heap_diff, malloc,
    catch_panic::catch_panic,
    panics::catching_panics,
};

/// A heap snapshot being parsed as it arrives, chunk by chunk.
#[napi]
pub struct SnapshotParser {
    parser: Option<leakwatch_core::SnapshotParser>,
    /// leakwatch's own scripts, whose objects the census leaves out.
    own: OwnScripts,
}

#[napi]
impl SnapshotParser {
    /// Starts a parser thread that waits for chunks. `ownScripts` lists leakwatch's own scripts
    /// (file paths, or directories ending in `/`): what they hold is left out of the census.
    #[napi(constructor)]
    pub fn new(own_scripts: Option<Vec<String>>) -> Result<SnapshotParser> {
        catching_panics("starting the snapshot parser", || {
            Ok(SnapshotParser {
                parser: Some(leakwatch_core::SnapshotParser::new()),
                own: OwnScripts::new(own_scripts.unwrap_or_default()),
            })
        })
    }

    /// Hands the next chunk of the snapshot's JSON text (a Buffer or Uint8Array) to the parser.
    /// Throws if the text so far is not a valid snapshot; the parser is then spent.
    #[napi]
    pub fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        catching_panics("parsing the heap snapshot", || self.push(chunk))
    }

    /// Hands the whole of `buffer` to the parser, then detaches it, which frees its memory now.
    ///
    /// V8 writes a snapshot in some 64 KB chunks, each in a new ArrayBuffer that would otherwise
    /// live until a GC long after the snapshot (no GC is due while V8 is writing): hundreds of
    /// megabytes on a large heap, on top of the snapshot itself. Only for buffers that nothing
    /// else uses: afterwards they are empty.
    #[napi]
    pub fn feed_and_free(&mut self, buffer: ArrayBuffer) -> Result<()> {
        catching_panics("parsing the heap snapshot", || {
            let fed = self.push(&buffer);
            let raw = buffer.value();
            // SAFETY: `raw` is a live ArrayBuffer of this env, for the length of this call; the
            // slice `buffer` derefs to is not used after this point.
            let status = unsafe { sys::napi_detach_arraybuffer(raw.env, raw.value) };
            if status != sys::Status::napi_ok {
                return Err(Error::new(Status::from(status), "cannot free the chunk's buffer"));
            }
            fed
        })
    }

    /// Hands the next chunk as a string, as the inspector protocol delivers it.
    #[napi]
    pub fn feed_string(&mut self, chunk: String) -> Result<()> {
        catching_panics("parsing the heap snapshot", || self.push(chunk.as_bytes()))
    }

    /// Ends the stream, waits for the parser and takes the census of a diff's second side (its
    /// new objects are grouped), blocking the JS thread.
    #[napi]
    pub fn census(&mut self) -> Result<HeapCensus> {
        let parser = self.take()?;
        catching_panics("analysing the heap snapshot", || {
            census_of(parser, &self.own, Side::After).map(HeapCensus::ready).map_err(Error::from_reason)
        })
    }

    /// Ends the stream and takes the census of a diff's first side on a new thread; returns at once. A later blocking
    /// call that needs the census (`heapDiff`, `diffAgainst`) joins the thread.
    #[napi]
    pub fn census_in_background(&mut self) -> Result<HeapCensus> {
        let parser = self.take()?;
        let own = self.own.clone();
        catching_panics("starting the census thread", || {
            let (sender, receiver) = std::sync::mpsc::channel();
            let spawned = std::thread::Builder::new().name("leakwatch-census".into()).spawn(move || {
                // The parser comes over a channel so that a failed spawn gives it back.
                let parser: leakwatch_core::SnapshotParser = receiver.recv().expect("the parser is sent once");
                catch_panic(|| census_of(parser, &own, Side::Before)).and_then(|result| result)
            });
            match spawned {
                Ok(handle) => {
                    sender.send(parser).expect("the census thread is waiting");
                    Ok(HeapCensus::new(CensusState::Pending(handle)))
                }
                // No thread to be had: do the work now rather than fail.
                Err(_) => census_of(parser, &self.own, Side::Before).map(HeapCensus::ready).map_err(Error::from_reason),
            }
        })
    }

    /// Ends the stream and takes the census of a diff's second side on libuv's thread pool.
    #[napi(ts_return_type = "Promise<HeapCensus>")]
    pub fn census_async(&mut self) -> Result<AsyncTask<CensusTask>> {
        Ok(AsyncTask::new(CensusTask { parser: Some(self.take()?), own: self.own.clone() }))
    }

    /// Ends the stream and compares it with `before`, blocking the JS thread; the first
    /// `explain` rows that grew get the retainer path of their example object. Returns
    /// node-memwatch's HeapDiff as JSON text.
    #[napi]
    pub fn diff_against(&mut self, before: &HeapCensus, explain: u32) -> Result<String> {
        let parser = self.take()?;
        catching_panics("comparing the snapshots", || {
            explained_diff(parser, &self.own, &before.state, explain).map_err(Error::from_reason)
        })
    }

    /// `diffAgainst` on libuv's thread pool; resolves to the diff as JSON text.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn diff_against_async(&mut self, before: &HeapCensus, explain: u32) -> Result<AsyncTask<ExplainedDiffTask>> {
        Ok(AsyncTask::new(ExplainedDiffTask {
            parser: Some(self.take()?),
            before: Arc::clone(&before.state),
            explain,
            own: self.own.clone(),
        }))
    }

    /// Stops the parser and frees what it had read. The parser is spent afterwards.
    #[napi]
    pub fn discard(&mut self) {
        self.parser = None;
    }
}

impl SnapshotParser {
    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        let parser = self.parser.as_mut().ok_or_else(spent)?;
        if let Err(err) = parser.feed(chunk) {
            self.parser = None;
            return Err(Error::from_reason(format!("the heap snapshot is not valid: {err}")));
        }
        Ok(())
    }

    /// leakwatch's own scripts, whose objects a census of this parser's snapshot leaves out.
    pub(crate) fn own_scripts(&self) -> OwnScripts {
        self.own.clone()
    }

    /// The engine's parser, leaving this one spent.
    pub(crate) fn take(&mut self) -> Result<leakwatch_core::SnapshotParser> {
        self.parser.take().ok_or_else(spent)
    }
}

fn spent() -> Error {
    Error::from_reason("leakwatch: this snapshot parser was already ended or discarded")
}

/// Finishes parsing and reduces the snapshot to its census, leaving out what the scripts in `own`
/// hold, and drops the graph.
pub(crate) fn census_of(
    parser: leakwatch_core::SnapshotParser,
    own: &OwnScripts,
    side: Side,
) -> std::result::Result<Census, String> {
    let census = {
        let snapshot =
            parser.finish().map_err(|err| format!("the heap snapshot is not valid: {err}"))?;
        let analysis = Analysis::new(&snapshot);
        Census::new(&snapshot, &analysis, own, side)
    };
    // The graph just dropped stays mapped in this thread's arena unless handed back.
    malloc::trim();
    Ok(census)
}

/// Finishes parsing and diffs the snapshot against `before` while its graph is still at hand, to
/// find the retainer paths of the first `explain` rows' example objects.
fn explained_diff(
    parser: leakwatch_core::SnapshotParser,
    own: &OwnScripts,
    before: &Mutex<CensusState>,
    explain: u32,
) -> std::result::Result<String, String> {
    let json = {
        let snapshot =
            parser.finish().map_err(|err| format!("the heap snapshot is not valid: {err}"))?;
        let analysis = Analysis::new(&snapshot);
        let mut after = Census::new(&snapshot, &analysis, own, Side::After);
        drop(analysis);
        let mut diff = HeapDiff::between(&*census::wait(before)?, &after);
        let own_objects = after.take_own_objects();
        drop(after);
        diff.explain(&snapshot, &Retainers::leaving_out(&snapshot, own_objects.as_ref()), explain as usize);
        heap_diff::to_json(&diff)?
    };
    // The graph just dropped stays mapped in this thread's arena unless handed back.
    malloc::trim();
    Ok(json)
}

/// `SnapshotParser.censusAsync` off the JS thread.
pub struct CensusTask {
    parser: Option<leakwatch_core::SnapshotParser>,
    own: OwnScripts,
}

impl Task for CensusTask {
    type Output = Census;
    type JsValue = HeapCensus;

    fn compute(&mut self) -> Result<Census> {
        let parser = self.parser.take().ok_or_else(spent)?;
        catching_panics("analysing the heap snapshot", || census_of(parser, &self.own, Side::After).map_err(Error::from_reason))
    }

    fn resolve(&mut self, _env: Env, census: Census) -> Result<HeapCensus> {
        Ok(HeapCensus::ready(census))
    }
}

/// `SnapshotParser.diffAgainstAsync` off the JS thread.
pub struct ExplainedDiffTask {
    parser: Option<leakwatch_core::SnapshotParser>,
    before: Arc<Mutex<CensusState>>,
    explain: u32,
    own: OwnScripts,
}

impl Task for ExplainedDiffTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> Result<String> {
        let parser = self.parser.take().ok_or_else(spent)?;
        catching_panics("comparing the snapshots", || {
            explained_diff(parser, &self.own, &self.before, self.explain).map_err(Error::from_reason)
        })
    }

    fn resolve(&mut self, _env: Env, json: String) -> Result<String> {
        Ok(json)
    }
}

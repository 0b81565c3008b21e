//! Comparing two censuses: node-memwatch's HeapDiff as JSON, blocking or on libuv's thread pool.

use std::sync::{Arc, Mutex};

use leakwatch_core::HeapDiff;
use napi::{bindgen_prelude::AsyncTask, Env, Error, Result, Task};
use napi_derive::napi;

use crate::{
    census::{wait, CensusState, HeapCensus},
    panics::catching_panics,
};

/// The diff of two censuses of one process as node-memwatch's JSON.
fn diff_json(
    before: &Mutex<CensusState>,
    after: &Mutex<CensusState>,
) -> std::result::Result<String, String> {
    let before = wait(before)?;
    let after = wait(after)?;
    to_json(&HeapDiff::between(&before, &after))
}

/// Compares two censuses, blocking the JS thread; returns node-memwatch's HeapDiff as JSON text.
#[napi]
pub fn heap_diff(before: &HeapCensus, after: &HeapCensus) -> Result<String> {
    catching_panics("comparing the snapshots", || {
        diff_json(&before.state, &after.state).map_err(Error::from_reason)
    })
}

/// Compares two censuses on libuv's thread pool; resolves to node-memwatch's HeapDiff as JSON.
#[napi(ts_return_type = "Promise<string>")]
pub fn heap_diff_async(before: &HeapCensus, after: &HeapCensus) -> AsyncTask<DiffTask> {
    AsyncTask::new(DiffTask { before: Arc::clone(&before.state), after: Arc::clone(&after.state) })
}

/// `heapDiffAsync` off the JS thread.
pub struct DiffTask {
    before: Arc<Mutex<CensusState>>,
    after: Arc<Mutex<CensusState>>,
}

impl Task for DiffTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> Result<String> {
        catching_panics("comparing the snapshots", || {
            diff_json(&self.before, &self.after).map_err(Error::from_reason)
        })
    }

    fn resolve(&mut self, _env: Env, json: String) -> Result<String> {
        Ok(json)
    }
}

/// A diff as the JSON text that JS parses into node-memwatch's object.
pub(crate) fn to_json(diff: &HeapDiff) -> std::result::Result<String, String> {
    serde_json::to_string(diff).map_err(|err| format!("leakwatch: cannot encode the diff: {err}"))
}

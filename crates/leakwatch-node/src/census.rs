//! A census held for JS: what a diff keeps of one snapshot, ready or still being computed.

use std::{
    sync::{Arc, Mutex, MutexGuard},
    thread::JoinHandle,
};

use leakwatch_core::Census;
use napi_derive::napi;

use crate::{catch_panic::panic_message, panics::internal_error};

/// Where a census is: being computed, ready, failed, or freed.
pub(crate) enum CensusState {
    /// Being computed on a background thread.
    Pending(JoinHandle<std::result::Result<Census, String>>),
    Ready(Arc<Census>),
    Failed(String),
    Released,
}

/// What a diff keeps of one snapshot: each object's id, class and size. Ready at once, or being
/// computed in the background.
#[napi]
pub struct HeapCensus {
    pub(crate) state: Arc<Mutex<CensusState>>,
}

impl HeapCensus {
    /// A census in `state`.
    pub(crate) fn new(state: CensusState) -> HeapCensus {
        HeapCensus { state: Arc::new(Mutex::new(state)) }
    }

    /// A census computed already.
    pub(crate) fn ready(census: Census) -> HeapCensus {
        HeapCensus::new(CensusState::Ready(Arc::new(census)))
    }
}

/// Locks a census state; a poisoned lock only means another thread panicked while holding it,
/// and every state is valid on its own.
fn lock(state: &Mutex<CensusState>) -> MutexGuard<'_, CensusState> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The census, joining its thread first if it is still being computed.
pub(crate) fn wait(state: &Mutex<CensusState>) -> std::result::Result<Arc<Census>, String> {
    let mut state = lock(state);
    if let CensusState::Pending(_) = &*state {
        let CensusState::Pending(handle) = std::mem::replace(&mut *state, CensusState::Released)
        else {
            unreachable!()
        };
        *state = match handle.join() {
            Ok(Ok(census)) => CensusState::Ready(Arc::new(census)),
            Ok(Err(message)) => CensusState::Failed(message),
            Err(payload) => CensusState::Failed(internal_error(
                "analysing the heap snapshot",
                &panic_message(&*payload),
            )),
        };
    }
    match &*state {
        CensusState::Ready(census) => Ok(Arc::clone(census)),
        CensusState::Failed(message) => Err(message.clone()),
        CensusState::Released => Err("leakwatch: this census was released".to_string()),
        CensusState::Pending(_) => unreachable!("joined above"),
    }
}

#[napi]
impl HeapCensus {
    /// Frees the census now rather than when the JS object is collected. If it is still being
    /// computed, the thread finishes and its result is dropped.
    #[napi]
    pub fn release(&self) {
        *lock(&self.state) = CensusState::Released;
    }
}


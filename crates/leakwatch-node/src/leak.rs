//! The leak detector's JS face: [`LeakDetector`] over [`leakwatch_detector::Detector`], whose
//! options, samples, findings, status and probe answers cross to JavaScript as they are.

use leakwatch_detector::{Detector, DetectorOptions, Finding, GcSample, ProbeAnswer, Status};
use napi::Result;
use napi_derive::napi;

use crate::panics::catching_panics;

/// Watches the heap and external memory for leaks, one GC at a time, and says when a full GC is
/// worth asking for (see leakwatch-detector's `Detector`).
#[napi]
pub struct LeakDetector {
    inner: Detector,
}

#[napi]
impl LeakDetector {
    /// A detector with the given tuning; each field left out keeps its default.
    #[napi(constructor)]
    pub fn new(#[napi(ts_arg_type = "Partial<DetectorOptions>")] options: Option<serde_json::Value>) -> Result<LeakDetector> {
        catching_panics("creating the leak detector", || {
            let options = match options {
                Some(given) => serde_json::from_value(given)
                    .map_err(|e| napi::Error::new(napi::Status::InvalidArg, format!("leakwatch: bad leak detector options: {e}")))?,
                None => DetectorOptions::default(),
            };
            Ok(LeakDetector { inner: Detector::new(options) })
        })
    }

    /// Adds one GC; returns the leaks it completes the evidence for (usually none).
    #[napi]
    pub fn observe(&mut self, sample: GcSample) -> Result<Vec<Finding>> {
        catching_panics("detecting leaks", || Ok(self.inner.observe(sample)))
    }

    /// What to do about probes now (ms since the epoch): start a full GC, ask again at a given
    /// time, or wait for the next GC. `listening`: whether anyone waits for leak reports.
    #[napi]
    pub fn probe(&mut self, now_ms: f64, listening: bool) -> Result<ProbeAnswer> {
        catching_panics("scheduling probes", || Ok(self.inner.probe(now_ms, listening)))
    }

    /// Says that a probe has started the full GC it asked for, at `nowMs`.
    #[napi]
    pub fn probe_started(&mut self, now_ms: f64) {
        self.inner.probe_started(now_ms);
    }

    /// Says that someone read the status at `nowMs`: probes keep the detector fed for them.
    #[napi]
    pub fn status_read(&mut self, now_ms: f64) {
        self.inner.status_read(now_ms);
    }

    /// What the detector thinks now.
    #[napi]
    pub fn status(&self) -> Result<Status> {
        catching_panics("reading the leak detector", || Ok(self.inner.status()))
    }

    /// The options in effect, after bringing them into range.
    #[napi(getter)]
    pub fn options(&self) -> DetectorOptions {
        self.inner.options().clone()
    }

    /// How many leaks it reported since it was made or reset.
    #[napi(getter)]
    pub fn reports(&self) -> f64 {
        self.inner.reports() as f64
    }

    /// Forgets every sample and report.
    #[napi]
    pub fn reset(&mut self) {
        self.inner.reset();
    }

    /// Says that leakwatch has just taken a heap snapshot of its own and handed malloc's free
    /// memory back: what that does to resident and free memory is not the program's growth.
    #[napi]
    pub fn own_snapshot_taken(&mut self) {
        self.inner.own_snapshot_taken();
    }
}

/// The leak detector's default options.
#[napi]
pub fn default_detector_options() -> DetectorOptions {
    DetectorOptions::default()
}

/// A byte count as node-memwatch prints it, such as `"243.4 kb"`.
#[napi]
pub fn nice_size(bytes: f64) -> String {
    let clamped = if bytes.is_finite() { bytes.round().clamp(i64::MIN as f64, i64::MAX as f64) } else { 0.0 };
    leakwatch_core::nice_size(clamped as i64)
}

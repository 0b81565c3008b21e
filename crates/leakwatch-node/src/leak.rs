//! The leak detector's JS face: [`LeakDetector`] over [`leakwatch_core::Detector`].

use leakwatch_core::{Detector, DetectorOptions, Finding, GcSample, LeakState};
use napi::Result;
use napi_derive::napi;

use crate::panics::catching_panics;

/// Tuning of the leak detector; each field left out keeps its default.
#[napi(object)]
#[derive(Default)]
pub struct LeakDetectorOptions {
    /// How many standard deviations above zero the trend test must be (default 3).
    pub sensitivity: Option<f64>,
    /// The smallest growth rate that counts, in bytes per second (default 8 KiB/s).
    pub min_rate: Option<f64>,
    /// The smallest growth over a window that counts, in bytes (default 384 KiB).
    pub min_growth: Option<f64>,
    /// The shortest window judged, in ms (default 12 s).
    pub min_window_ms: Option<f64>,
    /// The longest window judged, in ms (default 10 minutes).
    pub max_window_ms: Option<f64>,
    /// How long after a report the same memory can be reported again, in ms (default 10 minutes).
    pub repeat_ms: Option<f64>,
    /// The shortest time between the full GCs the detector asks for, in ms (default 1 s; 0: never).
    pub probe_interval_ms: Option<f64>,
    /// The largest share of time those full GCs may take while memory rises (default 0.01; a
    /// fifth of it while nothing does).
    pub probe_budget: Option<f64>,
}

/// One GC as the detector sees it.
#[napi(object)]
pub struct LeakSample {
    /// When the GC ended (ms since the epoch).
    pub time_ms: f64,
    /// Whether it was a full (mark-compact) GC.
    pub full: bool,
    /// V8 heap used right after it, in bytes.
    pub heap_used: f64,
    /// External memory right after it, in bytes.
    pub external: f64,
    /// How long the GC took, in ms.
    pub duration_ms: f64,
}

/// A leak found by the detector.
#[napi(object)]
pub struct LeakFinding {
    /// `"heap"` or `"external"`.
    pub memory: String,
    /// Start of the window that shows the leak (ms since the epoch).
    pub start_ms: f64,
    /// End of the window: the full GC that completed the evidence.
    pub end_ms: f64,
    /// The lowest measurement in the window's first third, in bytes.
    pub start_bytes: f64,
    /// The lowest measurement in the window's last third, in bytes.
    pub end_bytes: f64,
    /// Growth over the window by the fitted slope, in bytes.
    pub growth: f64,
    /// The fitted growth rate, in bytes per second.
    pub rate: f64,
    /// The trend test's one-sided confidence, between 0 and 1.
    pub confidence: f64,
    /// Full GCs in the window.
    pub full_gcs: u32,
}

impl From<Finding> for LeakFinding {
    fn from(f: Finding) -> LeakFinding {
        LeakFinding {
            memory: f.memory.name().to_owned(),
            start_ms: f.start_ms,
            end_ms: f.end_ms,
            start_bytes: f.start_bytes,
            end_bytes: f.end_bytes,
            growth: f.growth.round(),
            rate: f.rate.round(),
            confidence: f.confidence,
            full_gcs: u32::try_from(f.full_gcs).unwrap_or(u32::MAX),
        }
    }
}

/// The detector's view of the program right now.
#[napi(object)]
pub struct LeakStatus {
    /// `"idle"`, `"suspect"` or `"leak"`.
    pub state: String,
    /// The memory that rises fastest (`"heap"` or `"external"`), if any rises.
    pub memory: Option<String>,
    /// Its growth rate estimate, in bytes per second (0 when nothing rises).
    pub rate: f64,
    /// How sure the detector is that it rises, between 0 and 1.
    pub confidence: f64,
    /// Whether the last judgement found a leak: reported, or being confirmed.
    pub leak_found: bool,
}

/// Watches the heap and external memory for leaks, one GC at a time (see the core crate's
/// `Detector`).
#[napi]
pub struct LeakDetector {
    inner: Detector,
}

#[napi]
impl LeakDetector {
    /// A detector with the given tuning.
    #[napi(constructor)]
    pub fn new(options: Option<LeakDetectorOptions>) -> Result<LeakDetector> {
        catching_panics("creating the leak detector", || {
            let d = DetectorOptions::default();
            let o = options.unwrap_or_default();
            Ok(LeakDetector {
                inner: Detector::new(DetectorOptions {
                    sensitivity: o.sensitivity.unwrap_or(d.sensitivity),
                    min_rate: o.min_rate.unwrap_or(d.min_rate),
                    min_growth: o.min_growth.unwrap_or(d.min_growth),
                    min_window_ms: o.min_window_ms.unwrap_or(d.min_window_ms),
                    max_window_ms: o.max_window_ms.unwrap_or(d.max_window_ms),
                    repeat_ms: o.repeat_ms.unwrap_or(d.repeat_ms),
                    probe_interval_ms: o.probe_interval_ms.unwrap_or(d.probe_interval_ms),
                    probe_budget: o.probe_budget.unwrap_or(d.probe_budget),
                }),
            })
        })
    }

    /// Adds one GC; returns the leaks it completes the evidence for (usually none).
    #[napi]
    pub fn observe(&mut self, sample: LeakSample) -> Result<Vec<LeakFinding>> {
        catching_panics("detecting leaks", || {
            let LeakSample { time_ms, full, heap_used, external, duration_ms } = sample;
            let found = self.inner.observe(GcSample { time_ms, full, heap_used, external, duration_ms });
            Ok(found.into_iter().map(LeakFinding::from).collect())
        })
    }

    /// Whether a full GC now would tell the detector something worth its cost (see the core
    /// crate's `Detector::probe_due`).
    #[napi]
    pub fn probe_due(&self, now_ms: f64) -> bool {
        self.inner.probe_due(now_ms)
    }

    /// Says that a probe has started the full GC it asked for: the next full GC is the probe's,
    /// not one V8 ran of its own accord (see the core crate's `Detector::probe_started`).
    #[napi]
    pub fn probe_started(&mut self) {
        self.inner.probe_started();
    }

    /// When a full GC may next be worth asking for while memory rises, in ms; null while nothing
    /// rises (see the core crate's `Detector::next_probe_ms`).
    #[napi]
    pub fn next_probe_ms(&self) -> Option<f64> {
        self.inner.next_probe_ms()
    }

    /// What the detector thinks now.
    #[napi]
    pub fn status(&self) -> Result<LeakStatus> {
        catching_panics("reading the leak detector", || {
            let s = self.inner.status();
            let state = match s.state {
                LeakState::Idle => "idle",
                LeakState::Suspect => "suspect",
                LeakState::Leak => "leak",
            };
            Ok(LeakStatus {
                state: state.to_owned(),
                memory: s.memory.map(|m| m.name().to_owned()),
                rate: s.rate,
                confidence: s.confidence,
                leak_found: s.leak_found,
            })
        })
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
}

/// A byte count as node-memwatch prints it, such as `"243.4 kb"`.
#[napi]
pub fn nice_size(bytes: f64) -> String {
    let clamped = if bytes.is_finite() { bytes.round().clamp(i64::MIN as f64, i64::MAX as f64) } else { 0.0 };
    leakwatch_core::nice_size(clamped as i64)
}

//! The leak detector's JS face: [`LeakDetector`] over [`crate::detector::Detector`].

use napi::Result;
use napi_derive::napi;

use crate::{
    detector::{Detector, DetectorOptions, Finding},
    guard::guard,
};

/// Tuning of the leak detector; each field left out keeps its default.
#[napi(object)]
pub struct LeakDetectorOptions {
    /// How far back post-GC samples count, in ms (default 10 minutes).
    pub window_ms: Option<f64>,
    /// The fewest samples that can show a trend (default 5, at least 4).
    pub min_samples: Option<u32>,
    /// The shortest time the samples must span, in ms (default 1 minute).
    pub min_span_ms: Option<f64>,
    /// The smallest growth over the window that counts, in bytes (default 1 MiB).
    pub min_growth: Option<f64>,
    /// How many standard errors above zero the slope must be (default 3).
    pub min_t: Option<f64>,
}

/// A steady rise found by the detector.
#[napi(object)]
pub struct LeakFinding {
    /// When the first sample of the window was taken (ms since the epoch).
    pub start_ms: f64,
    /// When the last sample was taken.
    pub end_ms: f64,
    /// The value measured at the first sample, in bytes.
    pub start_bytes: f64,
    /// The value measured at the last sample.
    pub end_bytes: f64,
    /// The growth over the window by the fitted line, in bytes.
    pub growth: f64,
    /// The fitted rate, in bytes per hour.
    pub rate_per_hour: f64,
    /// How many post-GC samples the window held.
    pub samples: u32,
}

impl From<Finding> for LeakFinding {
    fn from(f: Finding) -> LeakFinding {
        LeakFinding {
            start_ms: f.start_ms,
            end_ms: f.end_ms,
            start_bytes: f.start_bytes,
            end_bytes: f.end_bytes,
            growth: f.growth.round(),
            rate_per_hour: f.rate_per_hour.round(),
            samples: u32::try_from(f.samples).unwrap_or(u32::MAX),
        }
    }
}

/// Watches one series of post-GC measurements (first version: least-squares slope over a
/// window; see the crate's `detector` module).
#[napi]
pub struct LeakDetector {
    inner: Detector,
}

#[napi]
impl LeakDetector {
    /// A detector with the given tuning.
    #[napi(constructor)]
    pub fn new(options: Option<LeakDetectorOptions>) -> Result<LeakDetector> {
        guard("creating the leak detector", || {
            let d = DetectorOptions::default();
            let o = options.unwrap_or(LeakDetectorOptions {
                window_ms: None,
                min_samples: None,
                min_span_ms: None,
                min_growth: None,
                min_t: None,
            });
            Ok(LeakDetector {
                inner: Detector::new(DetectorOptions {
                    window_ms: o.window_ms.unwrap_or(d.window_ms),
                    min_samples: o.min_samples.map_or(d.min_samples, |n| n as usize),
                    min_span_ms: o.min_span_ms.unwrap_or(d.min_span_ms),
                    min_growth: o.min_growth.unwrap_or(d.min_growth),
                    min_t: o.min_t.unwrap_or(d.min_t),
                }),
            })
        })
    }

    /// Adds the measurement `bytes` taken at `timeMs`; returns a finding when the window now
    /// shows a steady rise, `null` otherwise.
    #[napi]
    pub fn observe(&mut self, time_ms: f64, bytes: f64) -> Result<Option<LeakFinding>> {
        guard("detecting leaks", || Ok(self.inner.observe(time_ms, bytes).map(LeakFinding::from)))
    }

    /// Forgets every sample.
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

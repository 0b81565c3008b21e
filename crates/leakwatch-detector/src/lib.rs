//! leakwatch-detector finds memory leaks in a running program from what its garbage collector
//! reports, with no heap snapshot at all.
//!
//! A [`Detector`] is fed one [`GcSample`] per GC of every kind: the V8 heap used and the external
//! memory (ArrayBuffers, Buffers) right after it, and after full GCs the memory outside V8
//! ([`NativeSample`]: resident memory, malloc's bytes in use and held free). It watches each
//! separately and reports a [`Finding`] when one of them shows a leak, or, for malloc's free
//! memory, fragmentation: not a rising line, which a sawtooth of big batches or
//! a burst of allocation also makes, but a rising *floor*, the memory that full GCs leave behind,
//! rising steadily and significantly over a window. Its [`Status`] says what it thinks meanwhile.
//!
//! It is built of one module per job:
//!
//! - the series: GC samples in time buckets, and the floors that full GCs show;
//! - window judging: whether the full GCs of each window, from `min_window_ms` up to
//!   `max_window_ms`, show a leak;
//! - the trend test: the Theil–Sen slope and the Mann–Kendall test, robust to noise;
//! - probes: when asking V8 for a full GC would tell the detector something worth its cost
//!   ([`Detector::probe`] answers with a [`ProbeAnswer`]);
//! - the detector, which ties them together and confirms a finding before reporting it.
//!
//! Every tunable is a field of [`DetectorOptions`], whose docs give its default. With the `napi`
//! feature, the types that cross to JavaScript are Node-API objects, so the addon exposes them,
//! and its TypeScript definitions, without restating them.
//!
//! ```
//! use leakwatch_detector::{Detector, DetectorOptions, GcSample};
//!
//! let mut detector = Detector::new(DetectorOptions::default());
//! let mut found = Vec::new();
//! for second in 0..60 {
//!     // A full GC a second, finding 100 KB more each time.
//!     let heap_used = 40e6 + 100e3 * f64::from(second);
//!     let sample = GcSample { time_ms: f64::from(second) * 1000.0, full: true, heap_used, external: 0.0, duration_ms: 2.0, native: None };
//!     found.extend(detector.observe(sample));
//! }
//! assert_eq!(found.len(), 1);
//! assert!(found[0].rate > 90e3);
//! ```
#![deny(missing_docs)]

mod detector;
mod options;
mod probe;
mod series;
mod trend;
mod window;

pub use detector::{Detector, Finding, FindingKind, LeakState, Status};
pub use options::DetectorOptions;
pub use probe::ProbeAnswer;
pub use series::{GcSample, Memory, NativeSample};

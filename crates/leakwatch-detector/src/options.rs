//! The detector's tuning: every field and its default, written once for Rust and JavaScript.

/// The tuning of the leak detector, window judging and probes alike. The defaults aim at leaks of
/// 50 KB/s and more in small programs, found within seconds, and no alarm on the usual patterns of
/// healthy ones (bench/leak-detection.js measures how they do). From JavaScript every field is
/// optional: one left out keeps its default.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[cfg_attr(feature = "napi", derive(serde::Deserialize), serde(default, rename_all = "camelCase", deny_unknown_fields))]
pub struct DetectorOptions {
    /// How many standard deviations above zero the Mann–Kendall statistic must be (default 3:
    /// a one-sided false-alarm chance of about 0.13% per window judged on pure noise).
    pub sensitivity: f64,
    /// The smallest growth rate that counts, in bytes per second (default 8 KiB/s).
    pub min_rate: f64,
    /// The smallest growth over a window that counts, in bytes (default 384 KiB: what a leak of
    /// 50 KB/s adds in two thirds of the shortest window).
    pub min_growth: f64,
    /// The shortest window judged, in milliseconds (default 12 s).
    pub min_window_ms: f64,
    /// The longest window judged, in milliseconds (default 10 minutes); also how long samples
    /// are kept.
    pub max_window_ms: f64,
    /// After a report, how long until the same memory can be reported again, in ms (default 10 min).
    pub repeat_ms: f64,
    /// The shortest time between two full GCs that probes ask for while a window is suspect, in
    /// ms (default 0.5 s; twice that while full GCs merely rise, and until `minWindowMs` is
    /// covered; each twice as long after a full GC V8 ran on its own; while nothing rises, 2 s,
    /// or a third of `minWindowMs` after V8's own); 0 never asks.
    pub probe_interval_ms: f64,
    /// The largest share of the program's time that the full GCs probes ask for may take while
    /// memory rises (default 0.01: 1%); a fifth of it while nothing does.
    pub probe_budget: f64,
    /// How long after the status is read probes go on when nobody listens for leaks, in ms
    /// (default 60 s): a reader of the status wants it fed with full GCs.
    pub probe_interest_ms: f64,
    /// How long a probe's full GC may take to end before another probe may start one, in ms
    /// (default 2 s): V8 finishes an incremental GC at its own pace, and probes go one at a time.
    pub probe_patience_ms: f64,
}

impl Default for DetectorOptions {
    fn default() -> Self {
        DetectorOptions {
            sensitivity: 3.0,
            min_rate: 8.0 * 1024.0,
            min_growth: 384.0 * 1024.0,
            min_window_ms: 12_000.0,
            max_window_ms: 600_000.0,
            repeat_ms: 600_000.0,
            probe_interval_ms: 500.0,
            probe_budget: 0.01,
            probe_interest_ms: 60_000.0,
            probe_patience_ms: 2_000.0,
        }
    }
}

impl DetectorOptions {
    /// These options brought into range: values that are negative or not finite take their
    /// defaults; the shortest window is at least `shortest_window_ms`, the longest at least the
    /// shortest, the budget at most 1.
    pub(crate) fn in_range(&self, shortest_window_ms: f64) -> DetectorOptions {
        let d = DetectorOptions::default();
        let positive_or = |v: f64, d: f64| if v.is_finite() && v > 0.0 { v } else { d };
        let non_negative_or = |v: f64, d: f64| if v.is_finite() && v >= 0.0 { v } else { d };
        let min_window_ms = positive_or(self.min_window_ms, d.min_window_ms).max(shortest_window_ms);
        DetectorOptions {
            sensitivity: positive_or(self.sensitivity, d.sensitivity),
            min_rate: non_negative_or(self.min_rate, d.min_rate),
            min_growth: non_negative_or(self.min_growth, d.min_growth),
            min_window_ms,
            max_window_ms: positive_or(self.max_window_ms, d.max_window_ms).max(min_window_ms),
            repeat_ms: non_negative_or(self.repeat_ms, d.repeat_ms),
            probe_interval_ms: non_negative_or(self.probe_interval_ms, d.probe_interval_ms),
            probe_budget: positive_or(self.probe_budget, d.probe_budget).min(1.0),
            probe_interest_ms: non_negative_or(self.probe_interest_ms, d.probe_interest_ms),
            probe_patience_ms: non_negative_or(self.probe_patience_ms, d.probe_patience_ms),
        }
    }
}

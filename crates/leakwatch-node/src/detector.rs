//! Leak detection, first version: a steady rise of the post-GC heap over a time window.
//!
//! This is a deliberately simple stand-in until the engine gets its own detector; it lives apart
//! from everything else in the addon so that it can be replaced in one place.
//!
//! node-memwatch called it a leak when the heap measured after a full GC had grown on five
//! consecutive full GCs. That rule almost never fires on a real program: any one flat GC resets
//! the count, and busy processes run only a few full GCs a minute. This version instead looks at
//! every post-GC sample in the last `window` and fits a straight line through them by least
//! squares. It reports a leak only when all of these hold:
//!
//! - there are at least `min_samples` samples spanning at least `min_span`;
//! - the fitted growth over the window is at least `min_growth` bytes;
//! - the slope is clearly positive: at least `min_t` standard errors above zero, so a flat heap
//!   whose samples wander up and down does not qualify;
//! - both halves of the window rise on their own (each half's slope is at least a quarter of the
//!   whole window's), so a one-time step, such as a cache filling once at startup, does not
//!   qualify either.
//!
//! After a report the window starts again from the last sample, so a leak that goes on is
//! reported again once per window, not on every GC.
//!
//! All arithmetic is in `f64` and signed: no unsigned subtraction that wraps on a shrinking heap,
//! no 32-bit sums that overflow on a large one.

use std::collections::VecDeque;

/// The tuning of [`Detector`].
#[derive(Clone, Debug, PartialEq)]
pub struct DetectorOptions {
    /// How far back samples count, in milliseconds.
    pub window_ms: f64,
    /// The fewest samples that can show a trend (at least 4).
    pub min_samples: usize,
    /// The shortest time the samples must span, in milliseconds.
    pub min_span_ms: f64,
    /// The smallest fitted growth over the window that counts, in bytes.
    pub min_growth: f64,
    /// How many standard errors above zero the slope must be.
    pub min_t: f64,
}

impl Default for DetectorOptions {
    fn default() -> Self {
        DetectorOptions {
            window_ms: 10.0 * 60_000.0,
            min_samples: 5,
            min_span_ms: 60_000.0,
            min_growth: 1024.0 * 1024.0,
            min_t: 3.0,
        }
    }
}

/// The most samples kept, however many GCs fall in the window, so memory stays bounded.
const MAX_SAMPLES: usize = 4096;

/// What the detector saw when it reported a leak.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// When the first sample of the window was taken (ms, the caller's clock).
    pub start_ms: f64,
    /// When the last sample was taken.
    pub end_ms: f64,
    /// The measured value at the first sample.
    pub start_bytes: f64,
    /// The measured value at the last sample.
    pub end_bytes: f64,
    /// The growth over the window according to the fitted line, in bytes.
    pub growth: f64,
    /// The fitted slope, in bytes per hour.
    pub rate_per_hour: f64,
    /// How many samples the window held.
    pub samples: usize,
}

#[derive(Clone, Copy, Debug)]
struct Sample {
    t: f64,
    bytes: f64,
}

/// Watches one series of post-GC measurements for a steady rise.
#[derive(Debug)]
pub struct Detector {
    options: DetectorOptions,
    samples: VecDeque<Sample>,
}

impl Detector {
    /// A detector with `options`; out-of-range values are brought into range.
    pub fn new(mut options: DetectorOptions) -> Detector {
        options.min_samples = options.min_samples.clamp(4, MAX_SAMPLES);
        let finite_or = |v: f64, d: f64| if v.is_finite() && v >= 0.0 { v } else { d };
        let defaults = DetectorOptions::default();
        options.window_ms = finite_or(options.window_ms, defaults.window_ms);
        options.min_span_ms = finite_or(options.min_span_ms, defaults.min_span_ms);
        options.min_growth = finite_or(options.min_growth, defaults.min_growth);
        options.min_t = finite_or(options.min_t, defaults.min_t);
        Detector { options, samples: VecDeque::new() }
    }

    /// Forgets every sample.
    pub fn reset(&mut self) {
        self.samples.clear();
    }

    /// Adds the measurement `bytes` taken at `t_ms` and says whether the window now shows a leak.
    pub fn observe(&mut self, t_ms: f64, bytes: f64) -> Option<Finding> {
        if !t_ms.is_finite() || !bytes.is_finite() {
            return None;
        }
        // A clock that went backwards makes the window meaningless: start again.
        if self.samples.back().is_some_and(|last| t_ms < last.t) {
            self.samples.clear();
        }
        self.samples.push_back(Sample { t: t_ms, bytes });
        while self.samples.len() > MAX_SAMPLES
            || self.samples.front().is_some_and(|s| s.t < t_ms - self.options.window_ms)
        {
            self.samples.pop_front();
        }
        let finding = self.judge()?;
        // Report once per window: the next one needs a fresh window of evidence.
        let last = *self.samples.back().expect("judge saw samples");
        self.samples.clear();
        self.samples.push_back(last);
        Some(finding)
    }

    fn judge(&self) -> Option<Finding> {
        let o = &self.options;
        let n = self.samples.len();
        let first = *self.samples.front()?;
        let last = *self.samples.back()?;
        let span = last.t - first.t;
        if n < o.min_samples || span < o.min_span_ms || span <= 0.0 {
            return None;
        }
        let (all, _) = self.samples.as_slices();
        let contiguous: Vec<Sample>;
        let samples: &[Sample] = if all.len() == n {
            all
        } else {
            contiguous = self.samples.iter().copied().collect();
            &contiguous
        };
        let fit = Fit::of(samples)?;
        let growth = fit.slope * span;
        if fit.slope <= 0.0 || growth < o.min_growth {
            return None;
        }
        if fit.slope_error > 0.0 && fit.slope / fit.slope_error < o.min_t {
            return None;
        }
        // Both halves rise on their own: a trend, not a step. The middle sample of an odd count
        // belongs to both.
        let (early, late) = (&samples[..n.div_ceil(2)], &samples[n / 2..]);
        for half in [early, late] {
            let half_fit = Fit::of(half)?;
            if half_fit.slope < fit.slope / 4.0 {
                return None;
            }
        }
        Some(Finding {
            start_ms: first.t,
            end_ms: last.t,
            start_bytes: first.bytes,
            end_bytes: last.bytes,
            growth,
            rate_per_hour: fit.slope * 3_600_000.0,
            samples: n,
        })
    }
}

/// A least-squares line through samples.
struct Fit {
    /// Bytes per millisecond.
    slope: f64,
    /// The standard error of the slope (0 when the points lie exactly on the line or there are
    /// only two).
    slope_error: f64,
}

impl Fit {
    /// Fits a line; `None` for fewer than two samples or samples all at one time. Times are taken
    /// relative to the first sample so that epoch milliseconds lose no precision when squared.
    fn of(samples: &[Sample]) -> Option<Fit> {
        let n = samples.len();
        if n < 2 {
            return None;
        }
        let t0 = samples[0].t;
        let nf = n as f64;
        let mean_t = samples.iter().map(|s| s.t - t0).sum::<f64>() / nf;
        let mean_y = samples.iter().map(|s| s.bytes).sum::<f64>() / nf;
        let (mut stt, mut sty) = (0.0, 0.0);
        for s in samples {
            let dt = s.t - t0 - mean_t;
            stt += dt * dt;
            sty += dt * (s.bytes - mean_y);
        }
        if stt <= 0.0 {
            return None;
        }
        let slope = sty / stt;
        let slope_error = if n > 2 {
            let intercept = mean_y - slope * mean_t;
            let sse: f64 = samples
                .iter()
                .map(|s| {
                    let r = s.bytes - (intercept + slope * (s.t - t0));
                    r * r
                })
                .sum();
            (sse / (nf - 2.0) / stt).sqrt()
        } else {
            0.0
        };
        Some(Fit { slope, slope_error })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: f64 = 1024.0 * 1024.0;
    const MIN: f64 = 60_000.0;

    fn detector() -> Detector {
        Detector::new(DetectorOptions::default())
    }

    /// A small deterministic wobble, so tests do not depend on a random generator.
    fn wobble(i: usize, amplitude: f64) -> f64 {
        let x = ((i * 7919 + 13) % 101) as f64 / 100.0; // 0..1, scrambled
        (x - 0.5) * 2.0 * amplitude
    }

    #[test]
    fn a_steady_leak_is_reported_with_its_rate() {
        let mut d = detector();
        let base = 50.0 * MB;
        let mut found = None;
        for i in 0..40 {
            let t = 1.7e12 + i as f64 * 20_000.0; // a full GC every 20 s, epoch ms
            let bytes = base + i as f64 * 0.5 * MB + wobble(i, 0.1 * MB);
            if let Some(f) = d.observe(t, bytes) {
                found = Some((i, f));
                break;
            }
        }
        let (i, f) = found.expect("a 1.5 MB/min leak is found");
        assert!(f.end_ms - f.start_ms >= MIN, "needs a minute of evidence");
        assert!(i <= 6, "found after {i} GCs");
        let per_hour = 0.5 * MB * 180.0;
        assert!((f.rate_per_hour - per_hour).abs() < 0.1 * per_hour, "{}", f.rate_per_hour);
        assert!(f.growth >= MB);
    }

    #[test]
    fn a_flat_heap_never_alarms() {
        let mut d = detector();
        for i in 0..5000 {
            let t = i as f64 * 5_000.0;
            assert_eq!(d.observe(t, 80.0 * MB + wobble(i, 3.0 * MB)), None, "sample {i}");
        }
    }

    #[test]
    fn a_shrinking_heap_never_alarms() {
        let mut d = detector();
        for i in 0..500 {
            let t = i as f64 * 10_000.0;
            assert_eq!(d.observe(t, 500.0 * MB - i as f64 * 0.2 * MB), None);
        }
    }

    #[test]
    fn a_one_time_step_is_not_a_leak() {
        let mut d = detector();
        for i in 0..200 {
            let t = i as f64 * 10_000.0;
            let bytes = if i < 20 { 40.0 * MB } else { 90.0 * MB } + wobble(i, 0.05 * MB);
            assert_eq!(d.observe(t, bytes), None, "sample {i}");
        }
    }

    #[test]
    fn growth_below_the_minimum_is_ignored() {
        let mut d = detector();
        for i in 0..300 {
            // 0.5 MB per 10-minute window: real, but under the 1 MB floor.
            let t = i as f64 * 20_000.0;
            assert_eq!(d.observe(t, 30.0 * MB + i as f64 * (0.5 * MB / 30.0)), None);
        }
    }

    #[test]
    fn a_continuing_leak_is_reported_once_per_window() {
        let mut d = Detector::new(DetectorOptions { window_ms: 2.0 * MIN, ..Default::default() });
        let reports =
            (0..360).filter(|&i| d.observe(i as f64 * 10_000.0, i as f64 * MB).is_some()).count();
        // An hour of samples; each report needs a fresh minute and five samples at least.
        assert!((6..=60).contains(&reports), "{reports}");
    }

    #[test]
    fn huge_heaps_do_not_overflow() {
        let mut d = detector();
        let mut found = false;
        for i in 0..20 {
            let bytes = 6.0e9 + i as f64 * 50.0 * MB; // above 4 GiB
            found |= d.observe(i as f64 * 30_000.0, bytes).is_some();
        }
        assert!(found);
    }

    #[test]
    fn bad_input_is_ignored_and_time_going_back_restarts() {
        let mut d = detector();
        assert_eq!(d.observe(f64::NAN, 1.0), None);
        assert_eq!(d.observe(1.0, f64::INFINITY), None);
        d.observe(100_000.0, 1.0);
        d.observe(50_000.0, 1.0);
        assert_eq!(d.samples.len(), 1);
    }

    #[test]
    fn options_are_brought_into_range() {
        let d = Detector::new(DetectorOptions {
            window_ms: f64::NAN,
            min_samples: 1,
            min_span_ms: -5.0,
            min_growth: f64::INFINITY,
            min_t: 2.0,
        });
        let o = &d.options;
        assert_eq!(o.min_samples, 4);
        assert_eq!(o.window_ms, DetectorOptions::default().window_ms);
        assert_eq!(o.min_span_ms, DetectorOptions::default().min_span_ms);
        assert_eq!(o.min_growth, DetectorOptions::default().min_growth);
        assert_eq!(o.min_t, 2.0);
    }
}

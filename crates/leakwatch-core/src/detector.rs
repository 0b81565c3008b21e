//! Leak detection from what the garbage collector reports, without heap snapshots.
//!
//! The detector is fed one [`GcSample`] per GC of every kind: the V8 heap used and the external
//! memory (ArrayBuffers, Buffers) right after it. It watches the two series separately and
//! reports a [`Finding`] when one of them shows a leak.
//!
//! Every measurement taken right after a GC is an upper bound on the memory a program really
//! holds; only a full GC brings it down to that memory (plus what is in flight). So a leak is a
//! rising *floor*, not a rising line: a sawtooth of big batches or a burst of allocation raises the
//! measurements but not their floor. For each time scale from `min_window` up to `max_window`
//! (each half again as long as the one before), the detector looks at the window of that length
//! that ends at the latest full GC and reports a leak only when all of these hold:
//!
//! - **It rises, significantly.** The Mann–Kendall test (later points above earlier ones, whatever
//!   the noise's distribution) is at least `sensitivity` standard deviations above zero. It is
//!   taken over the post-full-GC measurements, or, when a window has more than 16 of them, over
//!   the lowest of each run of equally many: a batch held across a GC lifts one measurement far
//!   above the floor, rarely all of a run.
//! - **It rises fast enough.** The Theil–Sen slope (the median slope between pairs, which ignores
//!   outliers) is at least `min_rate` bytes per second, and the growth over the window at least
//!   `min_growth`.
//! - **Its floor rises throughout.** The window's thirds each contain a full GC, and the floor of
//!   each (the lower quartile of its full GCs) is above the one before by at least a quarter of
//!   the total: a step up in load, or a cache reaching its bound, raises the floor once, not twice.
//! - **It keeps rising.** Each half's own slope is at least a quarter of the window's, the later
//!   half's at least half the earlier's, and the last third's at least a third of the window's: a
//!   warm-up that stopped, a cache nearing its bound, or a burst in the middle does not qualify.
//!
//! Short windows find fast leaks within seconds; long ones find slow leaks under noise. A leak is
//! reported once these have held at every full GC for four seconds (growth about to stop, such as
//! a cache filling to its bound, stops qualifying within that time); the next report on the same
//! memory waits `repeat` milliseconds.
//!
//! All arithmetic is in signed `f64`: no unsigned subtraction that wraps on a shrinking heap, no
//! 32-bit sum that overflows on a large one.

use std::collections::VecDeque;

use crate::trend::{mann_kendall_z, normal_cdf, theil_sen_slope, Point};

/// What the garbage collector reported for one GC.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GcSample {
    /// When the GC ended, in milliseconds (any clock that does not go backwards).
    pub time_ms: f64,
    /// Whether it was a full (mark-compact) GC.
    pub full: bool,
    /// V8 heap used right after the GC, in bytes. The npm package leaves out V8's code and
    /// bytecode spaces, which V8 grows and flushes on its own schedule, and reads the heap a
    /// moment after each GC, with what was allocated since (after a full GC, the young
    /// generation is counted empty, as the GC left it).
    pub heap_used: f64,
    /// Memory outside the V8 heap that V8 accounts for (ArrayBuffers, Buffers), in bytes.
    pub external: f64,
    /// How long the GC took, in milliseconds.
    pub duration_ms: f64,
}

/// Which memory a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Memory {
    /// The V8 heap.
    Heap,
    /// External memory: ArrayBuffer and Buffer contents, other native objects V8 accounts for.
    External,
}

impl Memory {
    /// `"heap"` or `"external"`.
    pub fn name(self) -> &'static str {
        match self {
            Memory::Heap => "heap",
            Memory::External => "external",
        }
    }
}

/// The tuning of [`Detector`]. The defaults find leaks of 50 KB/s within about 20 seconds in
/// small programs and do not alarm on the usual patterns of healthy ones.
#[derive(Clone, Debug, PartialEq)]
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
    /// The longest window judged, in milliseconds (default 10 minutes).
    pub max_window_ms: f64,
    /// After a report, how long until the same memory can be reported again, in ms (default 10 min).
    pub repeat_ms: f64,
    /// The shortest time between two full GCs that [`Detector::probe_due`] asks for while a window
    /// is suspect, in ms (default 0.5 s; twice that while full GCs merely rise, and until
    /// `min_window_ms` is covered; each twice as long after a full GC V8 ran on its own; while
    /// nothing rises, 2 s, or a third of `min_window_ms` after V8's own); 0 never asks.
    pub probe_interval_ms: f64,
    /// The largest share of the program's time that the full GCs it asks for may take while
    /// memory rises (default 0.01: 1%); a fifth of it while nothing does.
    pub probe_budget: f64,
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
        }
    }
}

/// A leak found by the detector.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Which memory grows.
    pub memory: Memory,
    /// Start of the window that shows the leak (ms, the caller's clock).
    pub start_ms: f64,
    /// End of the window: the full GC that completed the evidence.
    pub end_ms: f64,
    /// The lowest measurement in the window's first third, in bytes.
    pub start_bytes: f64,
    /// The lowest measurement in the window's last third, in bytes.
    pub end_bytes: f64,
    /// Growth over the window by the fitted slope, in bytes.
    pub growth: f64,
    /// The fitted (Theil–Sen) growth rate, in bytes per second.
    pub rate: f64,
    /// How sure the detector is that the memory rises: the one-sided confidence of the
    /// Mann–Kendall test, between 0 and 1.
    pub confidence: f64,
    /// Full GCs in the window.
    pub full_gcs: usize,
}

/// What the detector thinks of the program right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeakState {
    /// No memory is rising.
    Idle,
    /// Memory is rising, but not (yet) enough to call it a leak.
    Suspect,
    /// A leak was reported and the memory still rises.
    Leak,
}

/// The detector's view: see [`Detector::status`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Status {
    /// Idle, suspect or leak.
    pub state: LeakState,
    /// The memory that rises fastest, if any rises.
    pub memory: Option<Memory>,
    /// Its current growth rate estimate, in bytes per second (0 when nothing rises).
    pub rate: f64,
    /// How sure the detector is that it rises, between 0 and 1.
    pub confidence: f64,
    /// Whether the last judgement found a leak: one reported, or one being confirmed (every
    /// judgement must find it for a few seconds before it is reported). Chance suspicions in a
    /// noisy program rarely get this far.
    pub leak_found: bool,
}

/// Samples are kept in buckets of this many milliseconds, so memory stays bounded however often
/// the program collects garbage.
const BUCKET_MS: f64 = 250.0;
/// Each window judged is this many times as long as the one before.
const WINDOW_STEP: f64 = 1.5;
/// Windows with more full GCs than this are judged on the floors of this many groups of them.
const GROUPS: usize = 16;
/// A leak is reported only once every judgement for this long has found one: growth that is
/// about to stop (a cache a few seconds from its bound) stops qualifying within it.
const CONFIRM_MS: f64 = 4_000.0;
/// The cost of a full GC, for [`Detector::probe_due`], is the median duration of this many.
const DURATIONS_KEPT: usize = 5;
/// How far back in time a sample may be and still count as in order, in ms.
const OUT_OF_ORDER_MS: f64 = 1_000.0;
/// While nothing rises, probes leave at least this long between full GCs, in ms.
const IDLE_PROBE_GAP_MS: f64 = 2_000.0;
/// How many of the recent full GCs must rise before probes come faster (under noise alone, three
/// rise in time order one time in six).
const RISING_FULL_GCS: usize = 3;
/// How many recent full GCs the rising ones are the lowest of.
const RECENT_FULL_GCS: usize = 6;
/// Windows with fewer full GCs than this are not judged.
const MIN_FULL_GCS: usize = 6;

/// One bucket of a series: when it starts, and the lowest measurement after a full GC in it, if
/// one ended in it.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    t: f64,
    min_full: Option<f64>,
}

/// How one window judged: see [`Series::judge`].
#[derive(Clone, Copy, Debug)]
struct Verdict {
    window_ms: f64,
    z: f64,
    rate: f64,
    floors: [f64; 3],
    full_gcs: usize,
    leak: bool,
    suspect: bool,
}

/// One watched series (the heap, or external memory).
#[derive(Debug)]
struct Series {
    memory: Memory,
    buckets: VecDeque<Bucket>,
    last_report_ms: Option<f64>,
    /// Since when every judgement has found a leak, if the last one did.
    leaking_since: Option<f64>,
    /// The most telling verdict of the last judgement, if a window was suspect.
    latest: Option<Verdict>,
    /// Whether the last few full GCs rose, which is too little to suspect anything but makes
    /// [`Detector::probe_due`] ask for full GCs sooner.
    rising: bool,
}

impl Series {
    fn new(memory: Memory) -> Series {
        Series { memory, buckets: VecDeque::new(), last_report_ms: None, leaking_since: None, latest: None, rising: false }
    }

    fn add(&mut self, time_ms: f64, full: bool, bytes: f64, keep_ms: f64) {
        let start = (time_ms / BUCKET_MS).floor() * BUCKET_MS;
        let full = full.then_some(bytes);
        match self.buckets.back_mut() {
            Some(last) if last.t == start => {
                if let Some(bytes) = full {
                    last.min_full = Some(last.min_full.map_or(bytes, |m| m.min(bytes)));
                }
            }
            _ => self.buckets.push_back(Bucket { t: start, min_full: full }),
        }
        while self.buckets.front().is_some_and(|b| b.t < time_ms - keep_ms - BUCKET_MS) {
            self.buckets.pop_front();
        }
    }

    /// Judges every window scale ending at `now`; returns a finding when one shows a leak.
    fn judge(&mut self, now: f64, options: &DetectorOptions) -> Option<Finding> {
        let first = self.buckets.front()?.t;
        let mut verdicts = Vec::new();
        let mut window = options.min_window_ms;
        loop {
            let window_ms = window.min(options.max_window_ms);
            // Only windows the history covers: a partial window would be a shorter one.
            if first > now - window_ms + BUCKET_MS {
                break;
            }
            if let Some(v) = self.judge_window(now, window_ms, options) {
                verdicts.push(v);
            }
            if window_ms >= options.max_window_ms {
                break;
            }
            window *= WINDOW_STEP;
        }
        self.latest = verdicts.iter().filter(|v| v.suspect).max_by(|a, b| a.z.total_cmp(&b.z)).copied();
        self.rising = self.latest.is_some() || self.rising_lately(options);
        let Some(v) = verdicts.iter().find(|v| v.leak).copied() else {
            self.leaking_since = None;
            return None;
        };
        let since = *self.leaking_since.get_or_insert(now);
        let quiet = self.last_report_ms.is_some_and(|t| now - t < options.repeat_ms);
        if quiet || now - since < CONFIRM_MS {
            return None;
        }
        self.last_report_ms = Some(now);
        Some(Finding {
            memory: self.memory,
            start_ms: now - v.window_ms,
            end_ms: now,
            start_bytes: v.floors[0],
            end_bytes: v.floors[2],
            growth: v.rate * v.window_ms / 1000.0,
            rate: v.rate,
            confidence: normal_cdf(v.z),
            full_gcs: v.full_gcs,
        })
    }

    /// Whether the lowest [`RISING_FULL_GCS`] of the last [`RECENT_FULL_GCS`] full GCs at least a
    /// second apart each rose above the one before, at `min_rate` or more, by a quarter of
    /// `min_growth` in all. The lowest, because a batch held across a full GC lifts it far above
    /// the floor, and would break any run of the rest. In a noisy heap this happens by chance now
    /// and then (one time in six, on noise alone), so it is no suspicion: it only makes the
    /// detector ask for full GCs sooner, before any window can be judged (see
    /// [`Detector::probe_due`]). A second apart, so that probes coming faster do not make the same
    /// growth look smaller.
    fn rising_lately(&self, o: &DetectorOptions) -> bool {
        let mut picked: Vec<Point> = Vec::with_capacity(RECENT_FULL_GCS);
        for b in self.buckets.iter().rev() {
            let Some(y) = b.min_full else { continue };
            let t = b.t / 1000.0;
            if picked.last().is_none_or(|p| t <= p.t - 1.0) {
                picked.push(Point { t, y });
                if picked.len() == RECENT_FULL_GCS {
                    break;
                }
            }
        }
        if picked.len() < RISING_FULL_GCS {
            return false;
        }
        picked.sort_by(|a, b| a.y.total_cmp(&b.y));
        picked.truncate(RISING_FULL_GCS);
        picked.sort_by(|a, b| a.t.total_cmp(&b.t));
        let (first, last) = (picked[0], picked[RISING_FULL_GCS - 1]);
        let each_rose = picked.windows(2).all(|w| w[1].y > w[0].y);
        let rate = (last.y - first.y) / (last.t - first.t);
        each_rose && last.y - first.y >= o.min_growth / 4.0 && rate >= o.min_rate
    }

    fn judge_window(&self, now: f64, window_ms: f64, o: &DetectorOptions) -> Option<Verdict> {
        let start = now - window_ms;
        let third = window_ms / 3.0;
        let mut per_third: [Vec<f64>; 3] = Default::default();
        let mut points = Vec::new();
        for b in self.buckets.iter().filter(|b| b.t + BUCKET_MS > start && b.t <= now) {
            if let Some(y) = b.min_full {
                let which = (((b.t.max(start) - start) / third) as usize).min(2);
                per_third[which].push(y);
                points.push(Point { t: (b.t - start) / 1000.0, y });
            }
        }
        if points.len() < MIN_FULL_GCS || per_third.iter().any(Vec::is_empty) {
            return None;
        }
        // The floor of a third is its lower quartile (the lowest of up to three full GCs, the
        // second lowest of four to seven...), so that one unusually low measurement, a moment
        // when a program held less than usual, does not pass for the floor; failing that, its
        // lowest value: when batches are held across most GCs of a third, its quartile is lifted.
        for values in &mut per_third {
            values.sort_by(f64::total_cmp);
        }
        let quartiles = per_third.each_ref().map(|sorted| sorted[sorted.len() / 4]);
        let lowest = per_third.each_ref().map(|sorted| sorted[0]);
        let floors = if !rises_throughout(&quartiles, o) && rises_throughout(&lowest, o) { lowest } else { quartiles };
        let full_gcs = points.len();
        let (z_envelope, rate, envelope) = envelope_trend(&points, GROUPS)?;
        let z = lowest_trend(&points).map_or(z_envelope, |z_lowest| z_envelope.max(z_lowest));
        // Suspect when either floor rises by half of `min_growth`: the lowest shows a slow rise
        // through batches held across most GCs of a third sooner than the quartile does.
        let rises_a_little = |f: &[f64; 3]| f[0] < f[1] && f[1] < f[2] && f[2] - f[0] >= o.min_growth / 2.0;
        let suspect =
            z >= o.sensitivity * 2.0 / 3.0 && rate >= o.min_rate / 2.0 && (rises_a_little(&floors) || rises_a_little(&lowest));
        let leak = suspect
            && z >= o.sensitivity
            && rate >= o.min_rate
            && rate * window_ms / 1000.0 >= o.min_growth
            && rises_throughout(&floors, o)
            && keeps_rising(&envelope, rate);
        Some(Verdict { window_ms, z, rate, floors, full_gcs, leak, suspect })
    }
}

/// Whether floors of thirds rise by `min_growth` in all, and by a quarter of that at each step: a
/// step up in load, or a cache reaching its bound, raises the floor once, not twice.
fn rises_throughout(floors: &[f64; 3], o: &DetectorOptions) -> bool {
    let growth = floors[2] - floors[0];
    growth >= o.min_growth && floors[1] - floors[0] >= growth / 4.0 && floors[2] - floors[1] >= growth / 4.0
}

/// Whether the growth keeps on: each half of the points rises at a quarter of `rate` or more on
/// its own, the later half at least half as fast as the earlier, and the last third at a third of
/// `rate` or more. Growth that is dying down (a cache nearing its bound, a warm-up ending) does
/// not qualify.
fn keeps_rising(points: &[Point], rate: f64) -> bool {
    let n = points.len();
    let slope = |part: &[Point]| theil_sen_slope(part).unwrap_or(f64::NEG_INFINITY);
    let (early, late, last) = (slope(&points[..n.div_ceil(2)]), slope(&points[n / 2..]), slope(&points[n - n.div_ceil(3)..]));
    early >= rate / 4.0 && late >= rate / 4.0 && late >= early / 2.0 && last >= rate / 3.0
}

/// The trend of the lower envelope of `points`: the Mann–Kendall z and the Theil–Sen slope of
/// the lowest of each run of consecutive points, at most `max` runs; and the envelope whose last
/// run ends at the latest point.
///
/// Batches held across a GC lift some measurements far above the floor; the lowest of each run
/// is far more likely to be the floor, so a slow rise under heavy noise shows. Every run has the
/// same number of points (the oldest few are left out to make it so): the lowest of more points
/// is lower by chance alone, so runs of different sizes would make a trend out of noise. Where
/// the runs start changes the envelope, and with it the statistics, as each new point comes; so
/// they are averaged over every starting point, which keeps the verdict steady from one full GC
/// to the next (and an average of z-scores is, on pure noise, no more often high than one).
fn envelope_trend(points: &[Point], max: usize) -> Option<(f64, f64, Vec<Point>)> {
    let per_run = points.len().div_ceil(max).max(1);
    let envelope = |skip: usize| -> Vec<Point> {
        points[skip..]
            .chunks_exact(per_run)
            .map(|run| *run.iter().min_by(|a, b| a.y.total_cmp(&b.y)).expect("runs are not empty"))
            .collect()
    };
    let (mut z, mut rate) = (0.0, 0.0);
    for skip in 0..per_run {
        let env = envelope(skip);
        z += mann_kendall_z(&env);
        rate += theil_sen_slope(&env)?;
    }
    let runs = per_run as f64;
    Some((z / runs, rate / runs, envelope(points.len() % per_run)))
}

/// The Mann–Kendall z of the lowest third of `points` (at least [`MIN_FULL_GCS`]), taken in
/// time order; `None` when there are too few points.
///
/// On a series without trend, which points are the lowest says nothing of when they came, so
/// this z means what it means on any series; a batch held across several GCs in a row lifts
/// them out of the selection, where it would lift a whole run of the envelope.
fn lowest_trend(points: &[Point]) -> Option<f64> {
    let keep = points.len().div_ceil(3).max(MIN_FULL_GCS);
    if keep >= points.len() {
        return None;
    }
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| points[a].y.total_cmp(&points[b].y).then(a.cmp(&b)));
    order.truncate(keep);
    order.sort_unstable();
    let lowest: Vec<Point> = order.into_iter().map(|i| points[i]).collect();
    Some(mann_kendall_z(&lowest))
}

/// Watches the heap and external memory for leaks, one GC at a time.
#[derive(Debug)]
pub struct Detector {
    options: DetectorOptions,
    heap: Series,
    external: Series,
    last_time: f64,
    reports: u64,
    /// The last full GC: when it ended, how long it took, and the heap and external memory after it.
    last_full: Option<GcSample>,
    /// How long the last few full GCs took, in milliseconds, latest last.
    full_durations: VecDeque<f64>,
    /// The last GC of any kind.
    last_any: Option<GcSample>,
    /// Whether a probe has started a full GC that has not ended yet.
    probe_pending: bool,
    /// Whether the last full GC was one V8 (or the program) ran, not a probe's.
    last_full_own: bool,
}

impl Detector {
    /// A detector with `options`; values out of range (negative, not finite) take their defaults.
    pub fn new(options: DetectorOptions) -> Detector {
        let d = DetectorOptions::default();
        let positive_or = |v: f64, d: f64| if v.is_finite() && v > 0.0 { v } else { d };
        let non_negative_or = |v: f64, d: f64| if v.is_finite() && v >= 0.0 { v } else { d };
        let min_window_ms = positive_or(options.min_window_ms, d.min_window_ms).max(4.0 * BUCKET_MS);
        let options = DetectorOptions {
            sensitivity: positive_or(options.sensitivity, d.sensitivity),
            min_rate: non_negative_or(options.min_rate, d.min_rate),
            min_growth: non_negative_or(options.min_growth, d.min_growth),
            min_window_ms,
            max_window_ms: positive_or(options.max_window_ms, d.max_window_ms).max(min_window_ms),
            repeat_ms: non_negative_or(options.repeat_ms, d.repeat_ms),
            probe_interval_ms: non_negative_or(options.probe_interval_ms, d.probe_interval_ms),
            probe_budget: positive_or(options.probe_budget, d.probe_budget).min(1.0),
        };
        Detector {
            heap: Series::new(Memory::Heap),
            external: Series::new(Memory::External),
            options,
            last_time: f64::NEG_INFINITY,
            reports: 0,
            last_full: None,
            full_durations: VecDeque::new(),
            last_any: None,
            probe_pending: false,
            last_full_own: false,
        }
    }

    /// The options in effect, after bringing them into range.
    pub fn options(&self) -> &DetectorOptions {
        &self.options
    }

    /// Forgets every sample and report.
    pub fn reset(&mut self) {
        *self = Detector::new(self.options.clone());
    }

    /// How many leaks were reported since the detector was made or reset.
    pub fn reports(&self) -> u64 {
        self.reports
    }

    /// Adds what one GC reported; returns the leaks it completes the evidence for (usually none,
    /// at most one per memory). Samples with values that are not finite are ignored. A sample a
    /// little older than the one before (GCs of different kinds can end in another order than
    /// they are reported) counts as just as recent; a clock that goes back further starts over.
    pub fn observe(&mut self, sample: GcSample) -> Vec<Finding> {
        let GcSample { mut time_ms, full, heap_used, external, duration_ms } = sample;
        if !(time_ms.is_finite() && heap_used.is_finite() && external.is_finite() && duration_ms.is_finite()) {
            return Vec::new();
        }
        if time_ms < self.last_time - OUT_OF_ORDER_MS {
            self.reset();
        }
        time_ms = time_ms.max(self.last_time);
        let sample = GcSample { time_ms, ..sample };
        self.last_time = time_ms;
        self.last_any = Some(sample);
        if full {
            self.last_full = Some(sample);
            if self.full_durations.len() == DURATIONS_KEPT {
                self.full_durations.pop_front();
            }
            self.full_durations.push_back(duration_ms);
            self.last_full_own = !std::mem::take(&mut self.probe_pending);
        }
        let keep = self.options.max_window_ms;
        self.heap.add(time_ms, full, heap_used, keep);
        self.external.add(time_ms, full, external, keep);
        if !full {
            return Vec::new();
        }
        let options = &self.options;
        let found: Vec<Finding> =
            [&mut self.heap, &mut self.external].into_iter().filter_map(|s| s.judge(time_ms, options)).collect();
        self.reports += found.len() as u64;
        found
    }

    /// Whether a full GC now would tell the detector something worth its cost.
    ///
    /// V8 runs full GCs only when its old generation fills, which for a busy program can be once a
    /// minute or less: too rarely to see a leak's floor rise. Only a full GC shows that floor, so the
    /// detector asks for one when memory measured after the GCs since the last full one has grown at
    /// `min_rate` or more. While memory rises (the floor of recent full GCs rising, or a window
    /// that looks like a leak), at most every `probe_interval` (twice that until a window is
    /// suspect), and never so often that full GCs would take more than `probe_budget` of the time
    /// (judged by the median duration of the last few); while nothing does, only after a longer
    /// gap, within a fifth of the budget (see [`Detector::probe_gap_ms`]). A program whose memory
    /// does not grow between full GCs is never asked to collect.
    pub fn probe_due(&self, now_ms: f64) -> bool {
        let o = &self.options;
        if o.probe_interval_ms == 0.0 || !now_ms.is_finite() {
            return false;
        }
        let Some(latest) = self.last_any else { return false };
        let Some(full) = self.last_full else {
            return now_ms - self.first_time() >= o.probe_interval_ms;
        };
        let since = now_ms - full.time_ms;
        if since < self.probe_gap_ms() {
            return false;
        }
        let least = o.min_rate * since / 1000.0;
        latest.heap_used - full.heap_used >= least || latest.external - full.external >= least
    }

    /// Tells the detector that the caller has started the full GC a probe asked for: the next
    /// full GC is the probe's, not one V8 ran of its own accord (see [`Detector::probe_due`]).
    pub fn probe_started(&mut self) {
        self.probe_pending = true;
    }

    /// When [`Detector::probe_due`] may next ask for a full GC while memory rises, in ms (the
    /// caller's clock): a caller that hears of GCs only now and then asks again at that time.
    /// `None` while nothing rises, or probes are off.
    pub fn next_probe_ms(&self) -> Option<f64> {
        let full = self.last_full?;
        (self.rising() && self.options.probe_interval_ms > 0.0).then(|| full.time_ms + self.probe_gap_ms())
    }

    /// Whether either memory rises: a suspect window, or full GCs rising lately.
    fn rising(&self) -> bool {
        self.heap.rising || self.external.rising
    }

    /// The shortest time between full GCs that probes keep to: `probe_interval` and the budget
    /// while a window is suspect, twice that interval while only the last full GCs rose, or, within
    /// a fifth of the budget, until the shortest window is covered; twice as long after a full GC
    /// that V8 ran of its own accord. While nothing rises, at least [`IDLE_PROBE_GAP_MS`] and a
    /// fifth of the budget, or a third of the shortest window after V8's own full GC. A busy
    /// program's V8 collects often on its own: probes then fill only the gaps it leaves, rather
    /// than coming just before each of its full GCs and so taking their place, one after another.
    fn probe_gap_ms(&self) -> f64 {
        let o = &self.options;
        let cost = self.full_gc_cost_ms();
        // The shortest gaps that keep probes within the budget, and within a fifth of it.
        let (within_budget, within_idle_budget) = (cost / o.probe_budget, cost / (o.probe_budget / 5.0));
        let interval = if self.last_full_own { 2.0 * o.probe_interval_ms } else { o.probe_interval_ms };
        if self.heap.latest.is_some() || self.external.latest.is_some() {
            interval.max(within_budget)
        } else if self.rising() {
            // The floor of a few full GCs rises by chance now and then in a busy program.
            (2.0 * interval).max(within_budget)
        } else if self.last_time - self.first_time() < o.min_window_ms {
            // Nothing can be judged until the shortest window is covered, and a slow leak under
            // noise needs every full GC of that window to show: as often as while rising, but
            // within the idle budget, which only a small heap's cheap full GCs leave room for.
            (2.0 * interval).max(within_idle_budget)
        } else {
            let gap = if self.last_full_own { o.min_window_ms / 3.0 } else { IDLE_PROBE_GAP_MS };
            o.probe_interval_ms.max(gap).max(within_idle_budget)
        }
    }

    /// The median duration of the last few full GCs: one slow GC does not hold probes off.
    fn full_gc_cost_ms(&self) -> f64 {
        let mut durations: Vec<f64> = self.full_durations.iter().copied().collect();
        durations.sort_by(f64::total_cmp);
        durations.get(durations.len() / 2).copied().unwrap_or(0.0)
    }

    fn first_time(&self) -> f64 {
        self.heap.buckets.front().map_or(self.last_time, |b| b.t)
    }

    /// What the detector thinks now, as of the last full GC.
    pub fn status(&self) -> Status {
        let rising = [&self.heap, &self.external]
            .into_iter()
            .filter_map(|s| s.latest.map(|v| (s, v)))
            .max_by(|(_, a), (_, b)| a.rate.total_cmp(&b.rate));
        let leak_found = self.heap.leaking_since.is_some() || self.external.leaking_since.is_some();
        let Some((series, verdict)) = rising else {
            return Status { state: LeakState::Idle, memory: None, rate: 0.0, confidence: 0.0, leak_found };
        };
        let reported = series.last_report_ms.is_some_and(|t| self.last_time - t < self.options.repeat_ms);
        Status {
            state: if reported { LeakState::Leak } else { LeakState::Suspect },
            memory: Some(series.memory),
            rate: verdict.rate,
            confidence: normal_cdf(verdict.z),
            leak_found,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: f64 = 1024.0 * 1024.0;
    const KB: f64 = 1024.0;

    /// A small deterministic noise source (xorshift), uniform in [-1, 1).
    struct Noise(u64);

    impl Noise {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        }
    }

    /// Feeds `seconds` of a program whose live memory at time `t` (s) is `live(t)`, with a full GC
    /// every second (each measuring live memory plus up to `noise` bytes in flight) and a
    /// scavenge every 100 ms (measuring live memory plus promoted garbage); returns the findings
    /// with the second each came at.
    fn run(seconds: u32, noise: f64, live: impl Fn(f64) -> f64) -> Vec<(f64, Finding)> {
        run_series(seconds, noise, |t| (live(t), 0.0))
    }

    fn run_series(seconds: u32, noise: f64, live: impl Fn(f64) -> (f64, f64)) -> Vec<(f64, Finding)> {
        let mut detector = Detector::new(DetectorOptions::default());
        let mut random = Noise(0x9E37_79B9_7F4A_7C15);
        let mut found = Vec::new();
        for tick in 0..seconds * 10 {
            let t = f64::from(tick) / 10.0;
            let full = tick % 10 == 9;
            let (heap, external) = live(t);
            let in_flight = noise * (random.next() + 1.0) / 2.0;
            let garbage = if full { 0.0 } else { f64::from(tick % 10) * 200.0 * KB };
            let sample = GcSample {
                time_ms: 1_700_000_000_000.0 + t * 1000.0,
                full,
                heap_used: 40.0 * MB + heap + in_flight + garbage,
                external: 2.0 * MB + external,
                duration_ms: 3.0,
            };
            found.extend(detector.observe(sample).into_iter().map(|f| (t, f)));
        }
        found
    }

    #[test]
    fn a_steady_heap_is_not_a_leak() {
        assert!(run(300, 2.0 * MB, |_| 0.0).is_empty());
    }

    #[test]
    fn a_linear_leak_is_found_fast_with_its_rate() {
        let found = run(60, 300.0 * KB, |t| 100.0 * KB * t);
        let (when, finding) = found.first().expect("a 100 KB/s leak is found");
        assert!(*when <= 20.0, "found after {when} s");
        assert_eq!(finding.memory, Memory::Heap);
        assert!((finding.rate - 100.0 * KB).abs() < 20.0 * KB, "rate {}", finding.rate);
        assert!(finding.confidence > 0.998);
        assert!(finding.end_ms - finding.start_ms >= 12_000.0);
        // One report per leak within `repeat`, however long it goes on.
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn a_leak_is_found_despite_an_occasional_low_measurement() {
        // Every 7th full GC finds 0.5 MB (5 s of growth) less than usual (a moment the program held less).
        let dip = |t: f64| if (t * 10.0).round() as i64 % 70 == 69 { 0.5 * MB } else { 0.0 };
        let found = run(60, 300.0 * KB, |t| 100.0 * KB * t - dip(t));
        let (when, _) = found.first().expect("a 100 KB/s leak is found");
        assert!(*when <= 20.0, "found after {when} s");
    }

    #[test]
    fn one_slow_full_gc_does_not_hold_probes_off() {
        let mut detector = Detector::new(DetectorOptions::default());
        let gc = |t: f64, full: bool, heap: f64, ms: f64| GcSample { time_ms: t, full, heap_used: heap, external: 0.0, duration_ms: ms };
        // Probes' full GCs, after which an idle program's gap is shortest.
        for i in 0..4 {
            detector.probe_started();
            detector.observe(gc(f64::from(i) * 1000.0, true, 10.0 * MB, 2.0));
        }
        detector.probe_started();
        detector.observe(gc(4_000.0, true, 10.0 * MB, 40.0));
        detector.observe(gc(6_500.0, false, 11.0 * MB, 0.5));
        // Judged by the median of 2 ms, not the last 40 ms (which would wait 20 s).
        assert!(detector.probe_due(6_500.0));
    }

    #[test]
    fn a_slow_leak_under_heavy_noise_is_found() {
        // 20 KB/s under in-flight noise of up to 4 MB: 100 times the growth of a second.
        let found = run(600, 4.0 * MB, |t| 20.0 * KB * t);
        let (when, _) = found.first().expect("a slow leak is found");
        assert!(*when <= 300.0, "found after {when} s");
    }

    #[test]
    fn a_sawtooth_of_batches_is_not_a_leak() {
        // 20 MB batches held for 3 s of every 5.
        assert!(run(300, 1.0 * MB, |t| if t % 5.0 < 3.0 { 20.0 * MB * (t % 5.0) / 3.0 } else { 0.0 }).is_empty());
    }

    #[test]
    fn a_step_up_in_load_is_not_a_leak() {
        assert!(run(300, 1.0 * MB, |t| if t < 30.0 { 0.0 } else { 15.0 * MB }).is_empty());
        // A step that takes two seconds to settle.
        assert!(run(300, 1.0 * MB, |t| 8.0 * MB * ((t - 30.0) / 2.0).clamp(0.0, 1.0)).is_empty());
    }

    #[test]
    fn warm_up_that_stops_is_not_a_leak() {
        // 1 MB/s for the first 8 seconds, then flat.
        assert!(run(300, 500.0 * KB, |t| 1.0 * MB * t.min(8.0)).is_empty());
    }

    #[test]
    fn a_cache_filling_to_its_bound_is_not_a_leak() {
        // An LRU that adds entries at a steady pace until it holds 10 MB, then evicts as it adds.
        let found = run(300, 500.0 * KB, |t| 1.0 * MB * t.min(10.0));
        assert!(found.is_empty(), "{found:?}");
        // One whose fill slows as it nears its bound (hit rate rising).
        let found = run(300, 500.0 * KB, |t| 10.0 * MB * (1.0 - (-t / 2.0).exp()));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn an_external_leak_is_found_on_external_memory() {
        let found = run_series(60, 300.0 * KB, |t| (0.0, 80.0 * KB * t));
        let (when, finding) = found.first().expect("a Buffer leak is found");
        assert!(*when <= 25.0, "found after {when} s");
        assert_eq!(finding.memory, Memory::External);
    }

    #[test]
    fn huge_heaps_and_shrinking_ones_are_handled() {
        // 40 GB and growing 1 MB/s: no overflow anywhere.
        let found = run(60, 1.0 * MB, |t| 40.0 * 1024.0 * MB + MB * t);
        assert!(!found.is_empty());
        // A heap that shrinks is never a leak.
        assert!(run(120, 1.0 * MB, |t| 100.0 * MB - 200.0 * KB * t).is_empty());
    }

    /// Feeds one full GC a second for `seconds`, the heap rising `rate` bytes a second; returns
    /// the detector and its status after each GC.
    fn rising(seconds: u32, rate: f64) -> (Detector, Vec<Status>) {
        let mut detector = Detector::new(DetectorOptions::default());
        let statuses = (0..seconds)
            .map(|second| {
                let s = f64::from(second);
                let sample = GcSample { time_ms: s * 1000.0, full: true, heap_used: 10.0 * MB + rate * s, external: 0.0, duration_ms: 1.0 };
                detector.observe(sample);
                detector.status()
            })
            .collect();
        (detector, statuses)
    }

    #[test]
    fn status_follows_the_rise() {
        let (detector, statuses) = rising(40, 200.0 * KB);
        let states: Vec<LeakState> = statuses.iter().map(|s| s.state).collect();
        assert!(states[..2].iter().all(|s| *s == LeakState::Idle), "no suspicion before three full GCs");
        let suspected = states.iter().position(|s| *s == LeakState::Suspect).expect("suspected first");
        let reported = states.iter().position(|s| *s == LeakState::Leak).expect("then reported");
        assert!(suspected < reported && reported >= 11, "suspected at {suspected} s, reported at {reported} s");
        // Found, then confirmed for CONFIRM_MS before the report, and found ever after.
        let found = statuses.iter().position(|s| s.leak_found).expect("found before reported");
        assert!(suspected <= found && reported - found == 4, "found at {found} s, reported at {reported} s");
        assert!(statuses[found..].iter().all(|s| s.leak_found));
        assert_eq!(states.last(), Some(&LeakState::Leak));
        assert_eq!(detector.reports(), 1);
        assert_eq!(detector.status().memory, Some(Memory::Heap));
        assert!(detector.status().rate > 150.0 * KB);
        // Rising, but slower than `min_rate`: suspect, never found or reported.
        let (detector, statuses) = rising(120, 6.0 * KB);
        assert_eq!(statuses.last().map(|s| s.state), Some(LeakState::Suspect));
        assert!(statuses.iter().all(|s| !s.leak_found));
        assert_eq!(detector.reports(), 0);
        assert!((detector.status().rate - 6.0 * KB).abs() < 1.0);
    }

    #[test]
    fn probes_are_asked_for_only_when_memory_grows_and_within_budget() {
        let mut detector = Detector::new(DetectorOptions::default());
        let gc = |t: f64, full: bool, heap: f64, ms: f64| GcSample { time_ms: t, full, heap_used: heap, external: 0.0, duration_ms: ms };
        detector.observe(gc(0.0, true, 10.0 * MB, 2.0));
        detector.observe(gc(500.0, false, 10.0 * MB, 0.5));
        assert!(!detector.probe_due(500.0), "too soon");
        assert!(!detector.probe_due(5_000.0), "nothing grew");
        detector.observe(gc(5_000.0, false, 11.0 * MB, 0.5));
        assert!(detector.probe_due(5_000.0));
        // While nothing rises, a full GC of 20 ms may run at most every 10 s (a 0.2% budget).
        detector.observe(gc(6_000.0, true, 11.0 * MB, 20.0));
        detector.observe(gc(9_000.0, false, 13.0 * MB, 0.5));
        assert!(!detector.probe_due(9_000.0));
        assert!(detector.probe_due(16_000.0));
        assert_eq!(detector.next_probe_ms(), None, "nothing rises");
        let never = Detector::new(DetectorOptions { probe_interval_ms: 0.0, ..DetectorOptions::default() });
        assert!(!never.probe_due(1e12));
    }

    #[test]
    fn probes_come_faster_while_memory_rises() {
        let mut detector = Detector::new(DetectorOptions::default());
        let gc = |t: f64, full: bool, heap: f64| GcSample { time_ms: t, full, heap_used: heap, external: 0.0, duration_ms: 1.0 };
        // Batches held across these full GCs lift them: not part of the floor. All of these full
        // GCs are probes': V8's own would make the next probe wait twice as long.
        detector.probe_started();
        detector.observe(gc(-12_000.0, true, 13.0 * MB));
        detector.observe(gc(-11_000.0, false, 14.0 * MB));
        assert!(detector.probe_due(-11_000.0), "a second apart until the shortest window is covered");
        detector.probe_started();
        detector.observe(gc(-1_000.0, true, 12.0 * MB));
        detector.probe_started();
        detector.observe(gc(0.0, true, 10.0 * MB));
        detector.observe(gc(1_000.0, false, 11.0 * MB));
        assert!(!detector.probe_due(1_000.0), "nothing rises: 2 s between full GCs");
        assert!(detector.probe_due(2_000.0));
        detector.probe_started();
        detector.observe(gc(2_000.0, true, 10.5 * MB));
        assert_eq!(detector.next_probe_ms(), None, "two full GCs rising is nothing");
        detector.probe_started();
        detector.observe(gc(3_000.0, true, 11.5 * MB));
        assert_eq!(detector.next_probe_ms(), Some(4_000.0), "a second apart until a window is suspect");
        detector.observe(gc(3_900.0, false, 13.0 * MB));
        assert!(!detector.probe_due(3_900.0), "too soon");
        assert!(detector.probe_due(4_000.0));
        // Once a window is suspect, every half second; every second after a full GC V8 ran itself.
        let (mut suspect, _) = rising(20, 200.0 * KB);
        assert_ne!(suspect.status().state, LeakState::Idle);
        assert_eq!(suspect.next_probe_ms(), Some(20_000.0));
        suspect.probe_started();
        suspect.observe(gc(20_000.0, true, 14.0 * MB));
        assert_eq!(suspect.next_probe_ms(), Some(20_500.0));
    }

    #[test]
    fn probes_leave_a_program_whose_v8_collects_on_its_own_to_v8() {
        // Full GCs find the same heap each time; between them, garbage piles up.
        let gc = |t: f64, full: bool| {
            let heap_used = if full { 10.0 * MB } else { 12.0 * MB + t * KB };
            GcSample { time_ms: t, full, heap_used, external: 0.0, duration_ms: 1.0 }
        };
        let mut detector = Detector::new(DetectorOptions::default());
        detector.observe(gc(-12_000.0, true));
        detector.observe(gc(0.0, true));
        detector.observe(gc(3_000.0, false));
        assert!(!detector.probe_due(3_000.0), "V8 ran the last full GC of its own accord");
        assert!(detector.probe_due(4_000.0));
        detector.probe_started();
        detector.observe(gc(4_200.0, true));
        detector.observe(gc(6_200.0, false));
        assert!(detector.probe_due(6_200.0), "after a probe's full GC, 2 s");
    }

    #[test]
    fn bad_input_is_ignored_and_time_going_back_starts_over() {
        let mut detector = Detector::new(DetectorOptions::default());
        let sample = GcSample { time_ms: f64::NAN, full: true, heap_used: 1.0, external: 0.0, duration_ms: 1.0 };
        assert!(detector.observe(sample).is_empty());
        let sample = GcSample { time_ms: 5.0, full: true, heap_used: f64::INFINITY, external: 0.0, duration_ms: 1.0 };
        assert!(detector.observe(sample).is_empty());
        for second in 0..30 {
            let sample =
                GcSample { time_ms: 100_000.0 + f64::from(second) * 1000.0, full: true, heap_used: MB * f64::from(second), external: 0.0, duration_ms: 1.0 };
            detector.observe(sample);
        }
        // A GC reported just after one that ended a little later changes nothing.
        let reports = detector.reports();
        assert!(reports > 0);
        let late = GcSample { time_ms: 128_999.5, full: false, heap_used: MB, external: 0.0, duration_ms: 1.0 };
        detector.observe(late);
        assert_eq!(detector.reports(), reports);
        assert_ne!(detector.status().state, LeakState::Idle);
        let back = GcSample { time_ms: 0.0, full: true, heap_used: MB, external: 0.0, duration_ms: 1.0 };
        detector.observe(back);
        assert_eq!(detector.reports(), 0, "a clock that went back forgets the reports too");
        assert_eq!(detector.status().state, LeakState::Idle);
        let odd = Detector::new(DetectorOptions { sensitivity: -1.0, min_window_ms: f64::NAN, max_window_ms: 1.0, ..DetectorOptions::default() });
        assert_eq!(odd.options().sensitivity, 3.0);
        assert_eq!(odd.options().min_window_ms, 12_000.0);
        assert_eq!(odd.options().max_window_ms, 12_000.0);
    }
}

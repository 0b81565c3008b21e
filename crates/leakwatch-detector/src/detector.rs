//! The detector: each GC's figures in, findings, status and probe answers out.
//!
//! It watches each memory as a [`Series`], judges their windows after every full GC, and reports
//! a leak once every judgement has found it for [`CONFIRM_MS`] (growth about to stop, such as a
//! cache filling to its bound, stops qualifying within that time); the next report on the same
//! memory waits `repeat_ms`.
//!
//! Besides the heap and external memory, it watches what full GCs find outside V8, when the
//! caller reads it ([`NativeSample`]): malloc's bytes in use beyond external memory (a native
//! leak), malloc's bytes held free (rising while nothing leaks: fragmentation, reported as such
//! and not as a leak), and resident memory outside the heap (reported only when nothing else
//! that is watched rises with it, since every other kind of growth raises it too).
//!
//! All arithmetic is in signed `f64`: no unsigned subtraction that wraps on a shrinking heap, no
//! 32-bit sum that overflows on a large one.

use crate::options::DetectorOptions;
use crate::probe::{ProbeAnswer, ProbeScheduler, Trend};
use crate::series::{GcSample, Memory, NativeSample, Series, BUCKET_MS};
use crate::trend::normal_cdf;
use crate::window::{judge_scales, Verdict};

/// A leak is reported only once every judgement for this long has found one: growth that is
/// about to stop (a cache a few seconds from its bound) stops qualifying within it.
const CONFIRM_MS: f64 = 4_000.0;
/// How far back in time a sample may be and still count as in order, in ms.
const OUT_OF_ORDER_MS: f64 = 1_000.0;
/// After leakwatch's own heap snapshot, how long resident memory may climb back to where it was
/// before without that counting as growth: the snapshot's memory is handed back to the system
/// (`malloc_trim`), and the program's allocations touch those pages again over the next tens of
/// seconds (bench/soak.js shows it).
const OWN_SNAPSHOT_SETTLE_MS: f64 = 60_000.0;

/// Resident memory climbing back after leakwatch's own snapshot: samples below `floor` (the last
/// full GC's before the snapshot) count as `floor` until one reaches it or `until` passes.
#[derive(Clone, Copy, Debug)]
struct Settling {
    floor: f64,
    /// Set by the first sample after the snapshot, on the samples' clock.
    until: Option<f64>,
}

/// What a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "napi", napi_derive::napi(string_enum = "lowercase"))]
pub enum FindingKind {
    /// Memory that rises steadily: a leak.
    Leak,
    /// Memory that malloc holds free rises while the memory it hands out does not: the
    /// allocator's arenas fragment (typically many threads allocating and freeing mixed sizes).
    /// The process grows, but nothing leaks, and the growth levels off.
    Fragmentation,
}

/// A leak, or fragmentation, found by the detector.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "napi", napi_derive::napi(object))]
pub struct Finding {
    /// A leak, or fragmentation (whose `memory` is then `Native`).
    pub kind: FindingKind,
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
    pub full_gcs: u32,
}

/// What the detector thinks of the program right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "napi", napi_derive::napi(string_enum = "lowercase"))]
pub enum LeakState {
    /// No memory is rising.
    Idle,
    /// Memory is rising, but not (yet) enough to call it a leak.
    Suspect,
    /// A leak was reported and the memory still rises.
    Leak,
}

/// What the detector thinks now: see `Detector::status`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "napi", napi_derive::napi(object))]
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
    /// Whether the last full GC found `memory` (the heap when it is none) near its floor: within
    /// max(1 MiB, its growth rate × 10 s) of the lowest full GC of the 10 s up to it. The rate
    /// is the one of the latest judgement that found it rising (0 before any). True before any
    /// full GC. A reading taken far above the floor counts a batch of short-lived objects too.
    pub near_floor: bool,
}

/// One watched memory: its series and what was judged of it.
#[derive(Debug)]
struct Watched {
    kind: FindingKind,
    memory: Memory,
    series: Series,
    last_report_ms: Option<f64>,
    /// Since when every judgement has found a leak, if the last one did.
    leaking_since: Option<f64>,
    /// The most telling verdict of the last judgement, if a window was suspect.
    latest: Option<Verdict>,
    /// The growth rate of the latest judgement that found a window suspect, 0 before any.
    last_rate: f64,
    /// Whether the last few full GCs rose, which is too little to suspect anything but makes
    /// probes ask for full GCs sooner.
    rising: bool,
}

impl Watched {
    fn new(kind: FindingKind, memory: Memory) -> Watched {
        Watched {
            kind,
            memory,
            series: Series::default(),
            last_report_ms: None,
            leaking_since: None,
            latest: None,
            last_rate: 0.0,
            rising: false,
        }
    }

    /// Judges every window scale ending at `now`; returns a finding when one shows a leak and
    /// `may_report` (false while other memory that is watched explains the growth).
    fn judge(&mut self, now: f64, options: &DetectorOptions, may_report: bool) -> Option<Finding> {
        let verdicts = judge_scales(&self.series, now, options)?;
        self.latest = verdicts.iter().filter(|v| v.suspect).max_by(|a, b| a.z.total_cmp(&b.z)).copied();
        if let Some(v) = self.latest {
            self.last_rate = v.rate;
        }
        self.rising = self.latest.is_some() || self.series.rising_lately(options);
        let Some(v) = verdicts.iter().find(|v| v.leak).copied() else {
            self.leaking_since = None;
            return None;
        };
        let since = *self.leaking_since.get_or_insert(now);
        let quiet = self.last_report_ms.is_some_and(|t| now - t < options.repeat_ms);
        if quiet || now - since < CONFIRM_MS || !may_report {
            return None;
        }
        self.last_report_ms = Some(now);
        Some(Finding {
            kind: self.kind,
            memory: self.memory,
            start_ms: now - v.window_ms,
            end_ms: now,
            start_bytes: v.floors[0],
            end_bytes: v.floors[2],
            growth: v.rate * v.window_ms / 1000.0,
            rate: v.rate,
            confidence: normal_cdf(v.z),
            full_gcs: u32::try_from(v.full_gcs).unwrap_or(u32::MAX),
        })
    }

    /// Whether this memory rises now, or was reported rising within `repeat_ms` of `now`:
    /// growth that shows in the memories that contain it too.
    fn explains_growth(&self, now: f64, options: &DetectorOptions) -> bool {
        self.latest.is_some() || self.leaking_since.is_some() || self.last_report_ms.is_some_and(|t| now - t < options.repeat_ms)
    }
}

/// Of `watched`, the one whose last judgement found it rising fastest, with that verdict.
fn fastest_rising<'a, const N: usize>(watched: [&'a Watched; N]) -> Option<(&'a Watched, Verdict)> {
    watched.into_iter().filter_map(|w| w.latest.map(|v| (w, v))).max_by(|(_, a), (_, b)| a.rate.total_cmp(&b.rate))
}

/// Watches the heap, external memory and, when given them, native memory and RSS for leaks, one
/// GC at a time, and says when a full GC is worth asking for.
#[derive(Debug)]
pub struct Detector {
    options: DetectorOptions,
    heap: Watched,
    external: Watched,
    /// malloc's bytes in use minus external memory (which malloc holds too).
    native: Watched,
    /// malloc's bytes held free.
    malloc_free: Watched,
    /// Resident memory outside the V8 heap.
    rss: Watched,
    /// Set after leakwatch's own snapshot, while resident memory climbs back.
    rss_settling: Option<Settling>,
    last_time: f64,
    reports: u64,
    probes: ProbeScheduler,
}

impl Detector {
    /// A detector with `options`; values out of range (negative, not finite) take their defaults.
    pub fn new(options: DetectorOptions) -> Detector {
        Detector {
            heap: Watched::new(FindingKind::Leak, Memory::Heap),
            external: Watched::new(FindingKind::Leak, Memory::External),
            native: Watched::new(FindingKind::Leak, Memory::Native),
            malloc_free: Watched::new(FindingKind::Fragmentation, Memory::Native),
            rss: Watched::new(FindingKind::Leak, Memory::Rss),
            rss_settling: None,
            options: options.in_range(4.0 * BUCKET_MS),
            last_time: f64::NEG_INFINITY,
            reports: 0,
            probes: ProbeScheduler::new(),
        }
    }

    /// The options in effect, after bringing them into range.
    pub fn options(&self) -> &DetectorOptions {
        &self.options
    }

    /// Forgets every sample and report; a status read still keeps probes going for its reader.
    pub fn reset(&mut self) {
        let probes = self.probes.forget_samples();
        *self = Detector { probes, ..Detector::new(self.options.clone()) };
    }

    /// Tells the detector that leakwatch itself has just taken a heap snapshot and handed
    /// malloc's free memory back to the system. The snapshot's buffers, freed, showed as free
    /// memory held (so that history is forgotten), and resident memory, cut by the hand-back,
    /// climbs back as the program reuses those pages: up to where it was before, that is not
    /// growth. Neither is the program's, so neither may be reported as a leak or as
    /// fragmentation.
    pub fn own_snapshot_taken(&mut self) {
        self.malloc_free = Watched::new(FindingKind::Fragmentation, Memory::Native);
        self.rss_settling = self.rss.series.last_full().map(|floor| Settling { floor, until: None });
    }

    /// How many leaks (not fragmentation) were reported since the detector was made or reset.
    pub fn reports(&self) -> u64 {
        self.reports
    }

    /// Adds what one GC reported; returns the leaks (and fragmentation) it completes the evidence
    /// for (usually none, at most one per memory). Samples with values that are not finite are ignored. A sample a
    /// little older than the one before (GCs of different kinds can end in another order than
    /// they are reported) counts as just as recent; a clock that goes back further starts over.
    pub fn observe(&mut self, sample: GcSample) -> Vec<Finding> {
        let GcSample { mut time_ms, full, heap_used, external, duration_ms, native } = sample;
        if !(time_ms.is_finite() && heap_used.is_finite() && external.is_finite() && duration_ms.is_finite()) {
            return Vec::new();
        }
        if time_ms < self.last_time - OUT_OF_ORDER_MS {
            self.reset();
        }
        time_ms = time_ms.max(self.last_time);
        let sample = GcSample { time_ms, ..sample };
        self.last_time = time_ms;
        self.probes.gc_seen(sample);
        let keep = self.options.max_window_ms;
        self.heap.series.add(time_ms, full, heap_used, keep);
        self.external.series.add(time_ms, full, external, keep);
        // Only full GCs are measured (each takes a few reads), and only they count in a series.
        if let Some(NativeSample { rss_outside_heap, malloc_in_use, malloc_free }) = native.filter(|_| full) {
            let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
            if rss_outside_heap.is_finite() {
                let counted = match self.rss_settling {
                    Some(Settling { floor, until }) if rss_outside_heap < floor && until.is_none_or(|until| time_ms < until) => {
                        self.rss_settling = Some(Settling { floor, until: until.or(Some(time_ms + OWN_SNAPSHOT_SETTLE_MS)) });
                        floor
                    }
                    _ => {
                        self.rss_settling = None;
                        rss_outside_heap
                    }
                };
                self.rss.series.add(time_ms, full, counted, keep);
            }
            if let Some(in_use) = finite(malloc_in_use) {
                self.native.series.add(time_ms, full, in_use - external, keep);
            }
            if let Some(free) = finite(malloc_free) {
                self.malloc_free.series.add(time_ms, full, free, keep);
            }
        }
        if !full {
            return Vec::new();
        }
        let options = &self.options;
        let mut found: Vec<Finding> = [&mut self.heap, &mut self.external, &mut self.native]
            .into_iter()
            .filter_map(|w| w.judge(time_ms, options, true))
            .collect();
        // Free memory rising with the memory in use is a leak's churn, not fragmentation; and
        // snapshots (the heap's culprit hunt) leave malloc holding their memory free.
        let leaks_explain = [&self.heap, &self.external, &self.native].iter().any(|w| w.explains_growth(time_ms, options));
        found.extend(self.malloc_free.judge(time_ms, options, !leaks_explain));
        let explained = leaks_explain || self.malloc_free.explains_growth(time_ms, options);
        found.extend(self.rss.judge(time_ms, options, !explained));
        self.reports += found.iter().filter(|f| f.kind == FindingKind::Leak).count() as u64;
        found
    }

    /// The memories whose leaks are reported as leaks: all but malloc's free memory.
    fn leak_watched(&self) -> [&Watched; 4] {
        [&self.heap, &self.external, &self.native, &self.rss]
    }

    /// What the caller should do about probes at `now_ms` (its clock): start a full GC, ask
    /// again later, or wait for the next GC. `listening` says whether anyone waits for leak
    /// reports; without that, probes go on only for `probe_interest_ms` after
    /// [`Detector::status_read`]. See the `probe` module for the policy.
    pub fn probe(&mut self, now_ms: f64, listening: bool) -> ProbeAnswer {
        let trend = self.trend();
        self.probes.answer(now_ms, listening, trend, &self.options)
    }

    /// Tells the detector that the caller has started the full GC a probe asked for, at `now_ms`:
    /// the next full GC is the probe's, not one V8 ran of its own accord.
    pub fn probe_started(&mut self, now_ms: f64) {
        self.probes.probe_started(now_ms);
    }

    /// Tells the detector that someone read its status at `now_ms`, and so wants it fed.
    pub fn status_read(&mut self, now_ms: f64) {
        self.probes.status_read(now_ms);
    }

    /// Whether a full GC now would tell the detector something worth its cost, whoever asks and
    /// whatever probe is under way (see [`Detector::probe`]).
    pub fn probe_due(&self, now_ms: f64) -> bool {
        self.probes.due(now_ms, self.trend(), &self.options)
    }

    /// When [`Detector::probe_due`] may next say yes while memory rises, in ms (the caller's
    /// clock); `None` while nothing rises, or probes are off.
    pub fn next_probe_ms(&self) -> Option<f64> {
        self.probes.next_ms(self.trend(), &self.options)
    }

    fn trend(&self) -> Trend {
        let all = [&self.heap, &self.external, &self.native, &self.malloc_free, &self.rss];
        Trend {
            suspect: all.iter().any(|w| w.latest.is_some()),
            rising: all.iter().any(|w| w.rising),
            first_ms: self.heap.series.first_ms().unwrap_or(self.last_time),
            last_ms: self.last_time,
        }
    }

    /// What the detector thinks now, as of the last full GC.
    pub fn status(&self) -> Status {
        // Resident memory rises with every other memory: it is the one rising only when none else is.
        let rising = fastest_rising([&self.heap, &self.external, &self.native]).or_else(|| fastest_rising([&self.rss]));
        let leak_found = self.leak_watched().iter().any(|w| w.leaking_since.is_some());
        let Some((watched, verdict)) = rising else {
            let near_floor = self.heap.series.near_floor(self.heap.last_rate);
            return Status { state: LeakState::Idle, memory: None, rate: 0.0, confidence: 0.0, leak_found, near_floor };
        };
        let reported = watched.last_report_ms.is_some_and(|t| self.last_time - t < self.options.repeat_ms);
        Status {
            state: if reported { LeakState::Leak } else { LeakState::Suspect },
            memory: Some(watched.memory),
            rate: verdict.rate,
            confidence: normal_cdf(verdict.z),
            leak_found,
            near_floor: watched.series.near_floor(watched.last_rate),
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
                native: None,
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
        let gc = |t: f64, full: bool, heap: f64, ms: f64| GcSample { time_ms: t, full, heap_used: heap, external: 0.0, duration_ms: ms, native: None };
        // Probes' full GCs, after which an idle program's gap is shortest.
        for i in 0..4 {
            detector.probe_started(f64::from(i) * 1000.0);
            detector.observe(gc(f64::from(i) * 1000.0, true, 10.0 * MB, 2.0));
        }
        detector.probe_started(4_000.0);
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

    /// Feeds `seconds` of a program with a steady heap whose native memory at time `t` (s) is
    /// `native(t)`: (malloc's bytes in use, malloc's bytes free, other resident memory), each
    /// read with up to `noise` bytes in flight; returns the findings with the second each came at.
    fn run_native(seconds: u32, noise: f64, native: impl Fn(f64) -> (f64, f64, f64)) -> Vec<(f64, Finding)> {
        let mut detector = Detector::new(DetectorOptions::default());
        let mut random = Noise(0x2545_F491_4F6C_DD1D);
        let mut found = Vec::new();
        for second in 0..seconds {
            let t = f64::from(second);
            let (in_use, free, other) = native(t);
            let mut jitter = || noise * (random.next() + 1.0) / 2.0;
            let sample = NativeSample {
                rss_outside_heap: 30.0 * MB + in_use + free + other + jitter(),
                malloc_in_use: Some(20.0 * MB + in_use + jitter()),
                malloc_free: Some(5.0 * MB + free + jitter()),
            };
            let sample = GcSample {
                time_ms: t * 1000.0,
                full: true,
                heap_used: 40.0 * MB + jitter(),
                external: 2.0 * MB,
                duration_ms: 3.0,
                native: Some(sample),
            };
            found.extend(detector.observe(sample).into_iter().map(|f| (t, f)));
        }
        found
    }

    #[test]
    fn a_native_leak_is_found_as_native() {
        let found = run_native(60, 500.0 * KB, |t| (100.0 * KB * t, 0.0, 0.0));
        let (when, finding) = found.first().expect("a 100 KB/s native leak is found");
        assert!(*when <= 25.0, "found after {when} s");
        assert_eq!((finding.kind, finding.memory), (FindingKind::Leak, Memory::Native));
        // Its resident memory rises as much, explained by the native leak: no second report.
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn free_memory_rising_while_in_use_is_flat_is_fragmentation() {
        // 2 MB more held free each second for 30 s, then flat: arenas fragmenting.
        let found = run_native(120, 500.0 * KB, |t| (0.0, 2.0 * MB * t.min(30.0), 0.0));
        let kinds: Vec<(FindingKind, Memory)> = found.iter().map(|(_, f)| (f.kind, f.memory)).collect();
        assert_eq!(kinds, [(FindingKind::Fragmentation, Memory::Native)], "{found:?}");
        assert!(found[0].0 <= 30.0, "found after {} s", found[0].0);
        // Free memory rising along with a leak is the leak's, not fragmentation.
        let found = run_native(60, 500.0 * KB, |t| (200.0 * KB * t, 200.0 * KB * t, 0.0));
        assert!(found.iter().all(|(_, f)| f.kind == FindingKind::Leak && f.memory == Memory::Native), "{found:?}");
    }

    #[test]
    fn resident_memory_that_nothing_else_explains_is_an_rss_leak() {
        let found = run_native(60, 500.0 * KB, |t| (0.0, 0.0, 150.0 * KB * t));
        let kinds: Vec<(FindingKind, Memory)> = found.iter().map(|(_, f)| (f.kind, f.memory)).collect();
        assert_eq!(kinds, [(FindingKind::Leak, Memory::Rss)], "{found:?}");
    }

    #[test]
    fn status_names_the_memory_that_explains_resident_growth() {
        let mut detector = Detector::new(DetectorOptions::default());
        for second in 0..30 {
            let t = f64::from(second);
            // Native memory leaks 100 KB/s; resident memory rises faster (pages touched around it).
            let native = NativeSample { rss_outside_heap: 50.0 * MB + 150.0 * KB * t, malloc_in_use: Some(20.0 * MB + 100.0 * KB * t), malloc_free: Some(MB) };
            let sample = GcSample { time_ms: t * 1000.0, full: true, heap_used: 40.0 * MB, external: 0.0, duration_ms: 1.0, native: Some(native) };
            detector.observe(sample);
        }
        assert_eq!(detector.status().memory, Some(Memory::Native));
    }

    #[test]
    fn resident_memory_climbing_back_after_an_own_snapshot_is_not_growth() {
        // Every 20 s leakwatch takes a snapshot and hands 3 MB back to the system, which the
        // program's allocations touch again over the next 30 s.
        let feed = |own_snapshots: bool, leak: f64| {
            let mut detector = Detector::new(DetectorOptions::default());
            let mut found = Vec::new();
            for second in 0..300 {
                let t = f64::from(second);
                if own_snapshots && second % 20 == 0 && second > 0 {
                    detector.own_snapshot_taken();
                }
                let since = t % 20.0;
                let handed_back = if t >= 20.0 { 3.0 * MB * (1.0 - since / 30.0).max(0.0) } else { 0.0 };
                let native = NativeSample {
                    rss_outside_heap: 50.0 * MB - handed_back + leak * t,
                    malloc_in_use: Some(20.0 * MB),
                    malloc_free: Some(5.0 * MB + if since < 1.0 { 8.0 * MB } else { 0.0 }),
                };
                let sample = GcSample { time_ms: t * 1000.0, full: true, heap_used: 40.0 * MB, external: 0.0, duration_ms: 1.0, native: Some(native) };
                found.extend(detector.observe(sample).into_iter().map(|f| (t, f)));
            }
            found
        };
        assert!(!feed(false, 0.0).is_empty(), "without being told, the climbs look like growth");
        assert!(feed(true, 0.0).is_empty(), "{:?}", feed(true, 0.0));
        // A leak of resident memory beside them is still found.
        let found = feed(true, 150.0 * KB);
        assert!(found.iter().any(|(_, f)| f.kind == FindingKind::Leak && f.memory == Memory::Rss), "{found:?}");
    }

    #[test]
    fn steady_native_memory_is_nothing() {
        assert!(run_native(300, 2.0 * MB, |_| (0.0, 0.0, 0.0)).is_empty());
        // A warm-up: malloc's arenas and resident memory grow for 10 s, then hold.
        assert!(run_native(300, 1.0 * MB, |t| (500.0 * KB * t.min(10.0), MB * t.min(10.0), MB * t.min(10.0))).is_empty());
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
                let sample = GcSample { time_ms: s * 1000.0, full: true, heap_used: 10.0 * MB + rate * s, external: 0.0, duration_ms: 1.0, native: None };
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
    fn status_says_whether_the_last_full_gc_found_the_rising_memory_near_its_floor() {
        let (mut detector, _) = rising(40, 200.0 * KB);
        let status = detector.status();
        assert_eq!(status.memory, Some(Memory::Heap));
        assert!(status.near_floor);
        // A batch held across the next full GC: 4 MB above the floor, more than 10 s of growth.
        let gc = |t: f64, heap: f64| GcSample { time_ms: t, full: true, heap_used: heap, external: 0.0, duration_ms: 1.0, native: None };
        detector.observe(gc(40_000.0, 10.0 * MB + 200.0 * KB * 40.0 + 4.0 * MB));
        assert!(!detector.status().near_floor);
        // Half a megabyte under the line: less than the leak's 10 s of growth above the lowest.
        detector.observe(gc(41_000.0, 10.0 * MB + 200.0 * KB * 41.0 - 0.5 * MB));
        assert!(detector.status().near_floor);
        assert!(Detector::new(DetectorOptions::default()).status().near_floor, "no full GC yet");
    }

    #[test]
    fn resident_memory_grown_since_the_last_full_gc_makes_a_probe_due() {
        let mut detector = Detector::new(DetectorOptions::default());
        let gc = |t: f64, full: bool, rss: f64| {
            let native = NativeSample { rss_outside_heap: rss, malloc_in_use: None, malloc_free: None };
            GcSample { time_ms: t, full, heap_used: 10.0 * MB, external: 0.0, duration_ms: 1.0, native: Some(native) }
        };
        detector.observe(gc(0.0, true, 50.0 * MB));
        detector.observe(gc(5_000.0, false, 50.0 * MB));
        assert!(!detector.probe_due(5_000.0), "the heap and resident memory are flat");
        detector.observe(gc(6_000.0, false, 51.0 * MB));
        assert!(detector.probe_due(6_000.0), "resident memory grew 1 MB with the heap flat");
    }

    #[test]
    fn probes_are_asked_for_only_when_memory_grows_and_within_budget() {
        let mut detector = Detector::new(DetectorOptions::default());
        let gc = |t: f64, full: bool, heap: f64, ms: f64| GcSample { time_ms: t, full, heap_used: heap, external: 0.0, duration_ms: ms, native: None };
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
        let gc = |t: f64, full: bool, heap: f64| GcSample { time_ms: t, full, heap_used: heap, external: 0.0, duration_ms: 1.0, native: None };
        // Batches held across these full GCs lift them: not part of the floor. All of these full
        // GCs are probes': V8's own would make the next probe wait twice as long.
        detector.probe_started(-12_000.0);
        detector.observe(gc(-12_000.0, true, 13.0 * MB));
        detector.observe(gc(-11_000.0, false, 14.0 * MB));
        assert!(detector.probe_due(-11_000.0), "a second apart until the shortest window is covered");
        detector.probe_started(-1_000.0);
        detector.observe(gc(-1_000.0, true, 12.0 * MB));
        detector.probe_started(0.0);
        detector.observe(gc(0.0, true, 10.0 * MB));
        detector.observe(gc(1_000.0, false, 11.0 * MB));
        assert!(!detector.probe_due(1_000.0), "nothing rises: 2 s between full GCs");
        assert!(detector.probe_due(2_000.0));
        detector.probe_started(2_000.0);
        detector.observe(gc(2_000.0, true, 10.5 * MB));
        assert_eq!(detector.next_probe_ms(), None, "two full GCs rising is nothing");
        detector.probe_started(3_000.0);
        detector.observe(gc(3_000.0, true, 11.5 * MB));
        assert_eq!(detector.next_probe_ms(), Some(4_000.0), "a second apart until a window is suspect");
        detector.observe(gc(3_900.0, false, 13.0 * MB));
        assert!(!detector.probe_due(3_900.0), "too soon");
        assert!(detector.probe_due(4_000.0));
        // Once a window is suspect, every half second; every second after a full GC V8 ran itself.
        let (mut suspect, _) = rising(20, 200.0 * KB);
        assert_ne!(suspect.status().state, LeakState::Idle);
        assert_eq!(suspect.next_probe_ms(), Some(20_000.0));
        suspect.probe_started(20_000.0);
        suspect.observe(gc(20_000.0, true, 14.0 * MB));
        assert_eq!(suspect.next_probe_ms(), Some(20_500.0));
    }

    #[test]
    fn probes_leave_a_program_whose_v8_collects_on_its_own_to_v8() {
        // Full GCs find the same heap each time; between them, garbage piles up.
        let gc = |t: f64, full: bool| {
            let heap_used = if full { 10.0 * MB } else { 12.0 * MB + t * KB };
            GcSample { time_ms: t, full, heap_used, external: 0.0, duration_ms: 1.0, native: None }
        };
        let mut detector = Detector::new(DetectorOptions::default());
        detector.observe(gc(-12_000.0, true));
        detector.observe(gc(0.0, true));
        detector.observe(gc(3_000.0, false));
        assert!(!detector.probe_due(3_000.0), "V8 ran the last full GC of its own accord");
        assert!(detector.probe_due(4_000.0));
        detector.probe_started(4_200.0);
        detector.observe(gc(4_200.0, true));
        detector.observe(gc(6_200.0, false));
        assert!(detector.probe_due(6_200.0), "after a probe's full GC, 2 s");
    }

    #[test]
    fn bad_input_is_ignored_and_time_going_back_starts_over() {
        let mut detector = Detector::new(DetectorOptions::default());
        let sample = GcSample { time_ms: f64::NAN, full: true, heap_used: 1.0, external: 0.0, duration_ms: 1.0, native: None };
        assert!(detector.observe(sample).is_empty());
        let sample = GcSample { time_ms: 5.0, full: true, heap_used: f64::INFINITY, external: 0.0, duration_ms: 1.0, native: None };
        assert!(detector.observe(sample).is_empty());
        for second in 0..30 {
            let sample =
                GcSample { time_ms: 100_000.0 + f64::from(second) * 1000.0, full: true, heap_used: MB * f64::from(second), external: 0.0, duration_ms: 1.0, native: None };
            detector.observe(sample);
        }
        // A GC reported just after one that ended a little later changes nothing.
        let reports = detector.reports();
        assert!(reports > 0);
        let late = GcSample { time_ms: 128_999.5, full: false, heap_used: MB, external: 0.0, duration_ms: 1.0, native: None };
        detector.observe(late);
        assert_eq!(detector.reports(), reports);
        assert_ne!(detector.status().state, LeakState::Idle);
        let back = GcSample { time_ms: 0.0, full: true, heap_used: MB, external: 0.0, duration_ms: 1.0, native: None };
        detector.observe(back);
        assert_eq!(detector.reports(), 0, "a clock that went back forgets the reports too");
        assert_eq!(detector.status().state, LeakState::Idle);
        let odd = Detector::new(DetectorOptions { sensitivity: -1.0, min_window_ms: f64::NAN, max_window_ms: 1.0, ..DetectorOptions::default() });
        assert_eq!(odd.options().sensitivity, 3.0);
        assert_eq!(odd.options().min_window_ms, 12_000.0);
        assert_eq!(odd.options().max_window_ms, 12_000.0);
    }
}

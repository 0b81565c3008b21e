//! Probes: when a full GC asked of V8 would tell the detector something worth its cost.
//!
//! V8 runs full GCs only when its old generation fills, which for a busy program can be once a
//! minute or less: too rarely to see a leak's floor rise, and only a full GC shows that floor. So
//! the detector asks for one (a probe) when memory measured after the GCs since the last full one
//! has grown, for as long as someone uses what it finds: while a listener waits for leaks, or for
//! a while after the status was read. Probes go one at a time and keep within a time budget.
//!
//! The caller tells the scheduler what happened (each GC, a status read, a probe started) and
//! acts on its one answer, [`ProbeAnswer`].

use std::collections::VecDeque;

use crate::options::DetectorOptions;
use crate::series::GcSample;

/// The cost of a full GC is the median duration of this many.
const DURATIONS_KEPT: usize = 5;
/// While nothing rises, probes leave at least this long between full GCs, in ms.
const IDLE_PROBE_GAP_MS: f64 = 2_000.0;

/// What the caller of `Detector::probe` should do now.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "napi", napi_derive::napi(discriminant = "action", discriminant_case = "camelCase"))]
pub enum ProbeAnswer {
    /// Start a full GC now, then say so with `Detector::probe_started`.
    Probe,
    /// Ask again at `at_ms` (the caller's clock) unless a GC comes first: the growth since the
    /// last full GC may be enough by then, and a program that allocates slowly may not collect
    /// again for a long while.
    AskAgain {
        /// When to ask again, in ms.
        at_ms: f64,
    },
    /// Nothing until the next GC.
    Wait,
}

/// What the detector's series say, as far as probes care.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Trend {
    /// A window of either memory is suspect.
    pub suspect: bool,
    /// Either memory rises: a suspect window, or full GCs rising lately.
    pub rising: bool,
    /// When the oldest sample kept was taken, in ms.
    pub first_ms: f64,
    /// When the latest sample was taken, in ms.
    pub last_ms: f64,
}

/// The state behind [`ProbeAnswer`]s.
#[derive(Debug)]
pub(crate) struct ProbeScheduler {
    /// The last full GC.
    last_full: Option<GcSample>,
    /// The last GC of any kind.
    last_any: Option<GcSample>,
    /// How long the last few full GCs took, in milliseconds, latest last.
    full_durations: VecDeque<f64>,
    /// When a probe started the full GC that has not ended yet, if one did.
    started_ms: Option<f64>,
    /// When a probe was last answered for that the caller has not said it started.
    asked_ms: f64,
    /// Whether the last full GC was one V8 (or the program) ran, not a probe's.
    last_full_own: bool,
    /// When the status was last read.
    status_read_ms: f64,
}

impl ProbeScheduler {
    pub fn new() -> ProbeScheduler {
        ProbeScheduler {
            last_full: None,
            last_any: None,
            full_durations: VecDeque::new(),
            started_ms: None,
            asked_ms: f64::NEG_INFINITY,
            last_full_own: false,
            status_read_ms: f64::NEG_INFINITY,
        }
    }

    /// The same scheduler with what it knew of the program forgotten, but not when the status was
    /// last read: the reader's interest outlasts the samples.
    pub fn forget_samples(&self) -> ProbeScheduler {
        ProbeScheduler { status_read_ms: self.status_read_ms, ..ProbeScheduler::new() }
    }

    /// Notes one GC, its time already in order.
    pub fn gc_seen(&mut self, sample: GcSample) {
        self.last_any = Some(sample);
        if sample.full {
            self.last_full = Some(sample);
            if self.full_durations.len() == DURATIONS_KEPT {
                self.full_durations.pop_front();
            }
            self.full_durations.push_back(sample.duration_ms);
            self.last_full_own = self.started_ms.take().is_none();
        }
    }

    pub fn status_read(&mut self, now_ms: f64) {
        self.status_read_ms = now_ms;
    }

    pub fn probe_started(&mut self, now_ms: f64) {
        self.started_ms = Some(now_ms);
        self.asked_ms = f64::NEG_INFINITY;
    }

    /// What to do at `now_ms`: probe only for someone who uses the detector (`listening` for
    /// leaks, or a status read within `probe_interest_ms`), one probe at a time (the last one's
    /// full GC ended, or `probe_patience_ms` passed since it started or was answered), and only
    /// when [`ProbeScheduler::due`]; otherwise ask again when one may next be due.
    pub fn answer(&mut self, now_ms: f64, listening: bool, trend: Trend, o: &DetectorOptions) -> ProbeAnswer {
        let wanted = listening || now_ms - self.status_read_ms < o.probe_interest_ms;
        let patient = |since: f64| now_ms - since < o.probe_patience_ms;
        if !wanted || patient(self.asked_ms) || self.started_ms.is_some_and(patient) {
            return ProbeAnswer::Wait;
        }
        if self.due(now_ms, trend, o) {
            self.asked_ms = now_ms;
            return ProbeAnswer::Probe;
        }
        // Once that time has passed, what is missing is growth, which the next GC will show.
        match self.next_ms(trend, o) {
            Some(at_ms) if at_ms > now_ms => ProbeAnswer::AskAgain { at_ms },
            _ => ProbeAnswer::Wait,
        }
    }

    /// Whether a full GC now would tell the detector something worth its cost: memory measured
    /// after the GCs since the last full one (the heap, external memory, resident memory outside
    /// the heap when given) has grown at `min_rate` or more, and the gap since
    /// that full GC is at least [`ProbeScheduler::gap_ms`]. A program whose memory does not grow
    /// between full GCs is never asked to collect.
    pub fn due(&self, now_ms: f64, trend: Trend, o: &DetectorOptions) -> bool {
        if o.probe_interval_ms == 0.0 || !now_ms.is_finite() {
            return false;
        }
        let Some(latest) = self.last_any else { return false };
        let Some(full) = self.last_full else {
            return now_ms - trend.first_ms >= o.probe_interval_ms;
        };
        let since = now_ms - full.time_ms;
        if since < self.gap_ms(trend, o) {
            return false;
        }
        let least = o.min_rate * since / 1000.0;
        // Resident memory shows native growth between full GCs, which is the only time malloc's
        // figures are read: a native leak in a program whose heap is quiet needs probes too.
        let rss = |s: GcSample| s.native.map(|n| n.rss_outside_heap);
        let rss_grew = rss(latest).zip(rss(full)).is_some_and(|(now, then)| now - then >= least);
        latest.heap_used - full.heap_used >= least || latest.external - full.external >= least || rss_grew
    }

    /// When a probe may next be due while memory rises, in ms; `None` while nothing rises, or
    /// probes are off.
    pub fn next_ms(&self, trend: Trend, o: &DetectorOptions) -> Option<f64> {
        let full = self.last_full?;
        (trend.rising && o.probe_interval_ms > 0.0).then(|| full.time_ms + self.gap_ms(trend, o))
    }

    /// The shortest time between full GCs that probes keep to: `probe_interval` and the budget
    /// while a window is suspect, twice that interval while only the last full GCs rose, or, within
    /// a fifth of the budget, until the shortest window is covered; twice as long after a full GC
    /// that V8 ran of its own accord. While nothing rises, at least [`IDLE_PROBE_GAP_MS`] and a
    /// fifth of the budget, or a third of the shortest window after V8's own full GC. A busy
    /// program's V8 collects often on its own: probes then fill only the gaps it leaves, rather
    /// than coming just before each of its full GCs and so taking their place, one after another.
    fn gap_ms(&self, trend: Trend, o: &DetectorOptions) -> f64 {
        let cost = self.full_gc_cost_ms();
        // The shortest gaps that keep probes within the budget, and within a fifth of it.
        let (within_budget, within_idle_budget) = (cost / o.probe_budget, cost / (o.probe_budget / 5.0));
        let interval = if self.last_full_own { 2.0 * o.probe_interval_ms } else { o.probe_interval_ms };
        if trend.suspect {
            interval.max(within_budget)
        } else if trend.rising {
            // The floor of a few full GCs rises by chance now and then in a busy program.
            (2.0 * interval).max(within_budget)
        } else if trend.last_ms - trend.first_ms < o.min_window_ms {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: f64 = 1024.0 * 1024.0;
    const IDLE: Trend = Trend { suspect: false, rising: false, first_ms: 0.0, last_ms: 0.0 };

    fn gc(time_ms: f64, full: bool, heap_used: f64) -> GcSample {
        GcSample { time_ms, full, heap_used, external: 0.0, duration_ms: 1.0, native: None }
    }

    /// A scheduler that saw V8's own full GC at 0 and, at 5 s, a scavenge that found 1 MB more:
    /// a probe is due from then on.
    fn grown() -> ProbeScheduler {
        let mut probes = ProbeScheduler::new();
        probes.gc_seen(gc(0.0, true, 10.0 * MB));
        probes.gc_seen(gc(5_000.0, false, 11.0 * MB));
        probes
    }

    #[test]
    fn probes_are_only_for_someone_who_uses_the_detector() {
        let o = DetectorOptions::default();
        let mut probes = grown();
        assert!(probes.due(5_000.0, IDLE, &o));
        assert_eq!(probes.answer(5_000.0, false, IDLE, &o), ProbeAnswer::Wait, "nobody listens, nobody read the status");
        assert_eq!(probes.answer(5_000.0, true, IDLE, &o), ProbeAnswer::Probe, "a 'leak' listener");
        let mut probes = grown();
        probes.status_read(1_000.0);
        assert_eq!(probes.answer(60_999.0, false, IDLE, &o), ProbeAnswer::Probe, "a minute after the status read");
        let mut probes = grown();
        probes.status_read(1_000.0);
        assert_eq!(probes.answer(61_000.0, false, IDLE, &o), ProbeAnswer::Wait, "the reader's interest has lapsed");
    }

    #[test]
    fn probes_go_one_at_a_time() {
        let o = DetectorOptions::default();
        let mut probes = grown();
        assert_eq!(probes.answer(5_000.0, true, IDLE, &o), ProbeAnswer::Probe);
        assert_eq!(probes.answer(5_001.0, true, IDLE, &o), ProbeAnswer::Wait, "answered, not started yet");
        probes.probe_started(5_002.0);
        assert_eq!(probes.answer(7_001.0, true, IDLE, &o), ProbeAnswer::Wait, "its GC may still end");
        assert_eq!(probes.answer(7_002.0, true, IDLE, &o), ProbeAnswer::Probe, "patience ran out");
        probes.probe_started(7_003.0);
        probes.gc_seen(gc(7_100.0, true, 10.0 * MB));
        probes.gc_seen(gc(10_000.0, false, 12.0 * MB));
        assert_eq!(probes.answer(10_000.0, true, IDLE, &o), ProbeAnswer::Probe, "its GC ended: the next may start");
        // An answer the caller never acted on (watching stopped meanwhile) holds probes off no
        // longer than a started one.
        assert_eq!(probes.answer(12_000.0, true, IDLE, &o), ProbeAnswer::Probe);
    }

    #[test]
    fn while_memory_rises_the_caller_is_told_when_to_ask_again() {
        let o = DetectorOptions::default();
        let rising = Trend { suspect: true, rising: true, first_ms: -20_000.0, last_ms: 0.0 };
        let mut probes = ProbeScheduler::new();
        probes.probe_started(-100.0);
        probes.gc_seen(gc(0.0, true, 10.0 * MB));
        probes.gc_seen(gc(100.0, false, 10.0 * MB));
        // A probe's full GC at 0 and a suspect window: the next is due half a second later.
        assert_eq!(probes.answer(100.0, true, rising, &o), ProbeAnswer::AskAgain { at_ms: 500.0 });
        probes.gc_seen(gc(450.0, false, 10.5 * MB));
        assert_eq!(probes.answer(500.0, true, rising, &o), ProbeAnswer::Probe);
        // Nothing rising: no time to ask again at, the next GC will tell.
        let mut probes = grown();
        probes.gc_seen(gc(6_000.0, true, 10.0 * MB));
        assert_eq!(probes.answer(6_100.0, true, IDLE, &o), ProbeAnswer::Wait);
        // Probes off: never.
        let off = DetectorOptions { probe_interval_ms: 0.0, ..DetectorOptions::default() };
        assert_eq!(grown().answer(5_000.0, true, rising, &off), ProbeAnswer::Wait);
    }

    #[test]
    fn a_reset_keeps_the_readers_interest() {
        let o = DetectorOptions::default();
        let mut probes = ProbeScheduler::new();
        probes.status_read(0.0);
        let mut probes = probes.forget_samples();
        probes.gc_seen(gc(0.0, true, 10.0 * MB));
        probes.gc_seen(gc(5_000.0, false, 11.0 * MB));
        assert_eq!(probes.answer(5_000.0, false, IDLE, &o), ProbeAnswer::Probe);
    }
}

//! One watched memory over time: what full GCs measured, in time buckets, and its floors.
//!
//! Every measurement taken right after a GC is an upper bound on the memory a program really
//! holds; only a full GC brings it down to that memory (plus what is in flight). So a series keeps
//! the lowest full-GC measurement of each bucket, which bounds memory however often the program
//! collects, and the lowest of the recent full GCs, which says whether the latest one found the
//! memory near its floor.

use std::collections::VecDeque;

use crate::options::DetectorOptions;
use crate::trend::Point;

/// Samples are kept in buckets of this many milliseconds, so memory stays bounded however often
/// the program collects garbage.
pub(crate) const BUCKET_MS: f64 = 250.0;
/// How many of the recent full GCs must rise before probes come faster (under noise alone, three
/// rise in time order one time in six).
const RISING_FULL_GCS: usize = 3;
/// How many recent full GCs the rising ones are the lowest of.
const RECENT_FULL_GCS: usize = 6;
/// The floor that [`Series::near_floor`] compares with is the lowest full GC of this many ms.
const FLOOR_RECENT_MS: f64 = 10_000.0;
/// How far above that floor still counts as near it, in bytes, at the least.
const FLOOR_SLACK_BYTES: f64 = 1024.0 * 1024.0;

/// What the garbage collector reported for one GC.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "napi", napi_derive::napi(object))]
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
    /// The process's memory outside V8, read after full GCs (a few reads, too many for every
    /// GC); after other GCs, resident memory alone (a cheap read, which says when a probe's full
    /// GC would find native memory grown); `None` where it is not read.
    pub native: Option<NativeSample>,
}

/// The process's memory beside the V8 heap, read right after a full GC.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "napi", napi_derive::napi(object))]
pub struct NativeSample {
    /// Resident set size outside the V8 heap (the process's RSS minus the heap's committed
    /// physical size), in bytes: V8 grows and shrinks its committed heap on its own schedule,
    /// which would otherwise make RSS look like it leaks whenever the heap does.
    pub rss_outside_heap: f64,
    /// Bytes that the allocator (glibc's malloc, jemalloc) has handed out and not taken back;
    /// `None` where the allocator does not say (musl).
    pub malloc_in_use: Option<f64>,
    /// Bytes that the allocator holds free for reuse, not returned to the system; `None` where
    /// the allocator does not say.
    pub malloc_free: Option<f64>,
}

/// Which memory a series, a finding or a status is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "napi", napi_derive::napi(string_enum = "lowercase"))]
pub enum Memory {
    /// The V8 heap.
    Heap,
    /// External memory: ArrayBuffer and Buffer contents, other native objects V8 accounts for.
    External,
    /// Native allocations: what malloc has handed out and not taken back, beside the external
    /// memory that V8 accounts for (a native addon or library that allocates and forgets).
    Native,
    /// Resident memory that none of the others accounts for (mmap, thread stacks, code).
    Rss,
}

impl Memory {
    /// `"heap"`, `"external"`, `"native"` or `"rss"`.
    pub fn name(self) -> &'static str {
        match self {
            Memory::Heap => "heap",
            Memory::External => "external",
            Memory::Native => "native",
            Memory::Rss => "rss",
        }
    }
}

/// One bucket of a series: when it starts, and the lowest measurement after a full GC in it, if
/// one ended in it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bucket {
    pub t: f64,
    pub min_full: Option<f64>,
}

/// The measurements of one memory (the heap, or external memory).
#[derive(Debug, Default)]
pub(crate) struct Series {
    pub buckets: VecDeque<Bucket>,
    /// The full GCs of the last [`FLOOR_RECENT_MS`] that no later one measured lower (time,
    /// bytes): the first is the lowest of them all.
    recent_lows: VecDeque<(f64, f64)>,
    /// What the latest full GC measured.
    last_full: Option<f64>,
}

impl Series {
    /// Adds one measurement; buckets older than `keep_ms` before it go.
    pub fn add(&mut self, time_ms: f64, full: bool, bytes: f64, keep_ms: f64) {
        let start = (time_ms / BUCKET_MS).floor() * BUCKET_MS;
        if full {
            self.add_full(time_ms, bytes);
        }
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

    fn add_full(&mut self, time_ms: f64, bytes: f64) {
        while self.recent_lows.back().is_some_and(|&(_, low)| low >= bytes) {
            self.recent_lows.pop_back();
        }
        self.recent_lows.push_back((time_ms, bytes));
        while self.recent_lows.front().is_some_and(|&(t, _)| t < time_ms - FLOOR_RECENT_MS) {
            self.recent_lows.pop_front();
        }
        self.last_full = Some(bytes);
    }

    /// What the latest full GC measured, if one did.
    pub fn last_full(&self) -> Option<f64> {
        self.last_full
    }

    /// When the oldest bucket kept starts, if any is.
    pub fn first_ms(&self) -> Option<f64> {
        self.buckets.front().map(|b| b.t)
    }

    /// Whether the latest full GC found this memory near its floor: within `rate` × 10 s, or
    /// 1 MiB if more, of the lowest full GC of the 10 s up to it; true before any full GC.
    /// Memory read far above its floor holds a batch of short-lived objects besides what leaks,
    /// which a comparison with an earlier reading would take for the leak.
    pub fn near_floor(&self, rate: f64) -> bool {
        let (Some(last), Some(&(_, lowest))) = (self.last_full, self.recent_lows.front()) else { return true };
        last <= lowest + FLOOR_SLACK_BYTES.max(rate * FLOOR_RECENT_MS / 1000.0)
    }

    /// Whether the lowest [`RISING_FULL_GCS`] of the last [`RECENT_FULL_GCS`] full GCs at least a
    /// second apart each rose above the one before, at `min_rate` or more, by a quarter of
    /// `min_growth` in all. The lowest, because a batch held across a full GC lifts it far above
    /// the floor, and would break any run of the rest. In a noisy heap this happens by chance now
    /// and then (one time in six, on noise alone), so it is no suspicion: it only makes probes
    /// ask for full GCs sooner, before any window can be judged. A second apart, so that probes
    /// coming faster do not make the same growth look smaller.
    pub fn rising_lately(&self, o: &DetectorOptions) -> bool {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: f64 = 1024.0 * 1024.0;

    #[test]
    fn near_floor_compares_the_last_full_gc_with_the_lowest_of_ten_seconds() {
        let mut series = Series::default();
        assert!(series.near_floor(0.0), "no full GC yet");
        series.add(0.0, true, 10.0 * MB, 600_000.0);
        series.add(1_000.0, true, 12.0 * MB, 600_000.0);
        assert!(!series.near_floor(0.0), "2 MiB above the floor, with 1 MiB of slack");
        assert!(series.near_floor(220_000.0), "a leak of 220 KB/s adds over 2 MiB in 10 s");
        series.add(2_000.0, false, 30.0 * MB, 600_000.0);
        assert!(!series.near_floor(0.0), "only full GCs count");
        series.add(9_000.0, true, 10.5 * MB, 600_000.0);
        assert!(series.near_floor(0.0));
        series.add(10_500.0, true, 11.8 * MB, 600_000.0);
        // The 10 MB of time 0 is older than 10 s: the floor is now 10.5 MB.
        assert!(!series.near_floor(0.0));
        series.add(19_500.0, true, 12.0 * MB, 600_000.0);
        // 10.5 MB is gone too: 11.8 MB is the lowest left.
        assert!(series.near_floor(0.0));
    }
}

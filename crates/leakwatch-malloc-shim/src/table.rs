//! The live samples: a table of fixed size, keyed by the sampled pointer, that threads fill and
//! empty without locks and that the report reads while they do.
//!
//! A pointer's slot is one of the [`PROBES`] slots after its hash (its home); a sample finding
//! them all taken is dropped (and counted). `free` looks up every pointer freed, so each home
//! counts the live samples that have it: a `free` whose home counts none (nearly every one) reads
//! one byte of a 16 KB array and nothing else; otherwise it reads at most those few keys, which
//! live apart from the samples so that they share a cache line or two. Every field is an atomic: a slot is reserved by swapping its key from
//! [`EMPTY`] to [`WRITING`], filled, then published by storing the pointer (release); the
//! report copies a slot only if its key is the same before and after the copy.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// The most frames kept per sample.
pub const MAX_FRAMES: usize = 24;
/// Slots in the table: at one sample per 512 KB, room for about 8 GB of sampled live memory.
const SLOTS: usize = 1 << 14;
/// Slots a pointer may occupy, from its hash on.
const PROBES: usize = 8;
/// The key of a free slot.
const EMPTY: usize = 0;
/// The key of a slot being filled.
const WRITING: usize = 1;

/// One sampled allocation, as the sampler makes it and the report reads it back.
#[derive(Clone, Copy)]
pub struct Sample {
    /// Bytes allocated.
    pub size: usize,
    /// Bytes the sample stands for (see the sampler).
    pub estimated: usize,
    /// Frames in `frames`, innermost first.
    pub depth: usize,
    /// Return addresses, innermost first.
    pub frames: [usize; MAX_FRAMES],
}

/// The fields of one slot.
struct Slot {
    size: AtomicUsize,
    estimated: AtomicUsize,
    depth: AtomicUsize,
    frames: [AtomicUsize; MAX_FRAMES],
}

impl Slot {
    const fn new() -> Self {
        Slot {
            size: AtomicUsize::new(0),
            estimated: AtomicUsize::new(0),
            depth: AtomicUsize::new(0),
            frames: [const { AtomicUsize::new(0) }; MAX_FRAMES],
        }
    }
}

static KEYS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(EMPTY) }; SLOTS];
/// Live samples per home slot: at most [`PROBES`], so a byte holds it.
static AT_HOME: [AtomicU8; SLOTS] = [const { AtomicU8::new(0) }; SLOTS];
static SAMPLES: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];
/// Samples in the table: while 0, `free` looks nothing up.
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// Samples dropped because their slots were all taken.
static DROPPED: AtomicUsize = AtomicUsize::new(0);
/// Bumped at every insert and remove: the report is written again only when it moved.
static CHANGES: AtomicUsize = AtomicUsize::new(0);

/// The first slot of `pointer`: a multiplicative hash, since blocks' low bits are mostly 0.
#[inline]
fn home(pointer: usize) -> usize {
    (pointer.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize) >> 20) % SLOTS
}

/// Keeps `sample` as the live sample at `pointer`, or drops it if its slots are all taken.
pub fn insert(pointer: usize, sample: &Sample) {
    if pointer <= WRITING {
        return;
    }
    let start = home(pointer);
    for probe in 0..PROBES {
        let index = (start + probe) % SLOTS;
        if KEYS[index].compare_exchange(EMPTY, WRITING, Ordering::Acquire, Ordering::Relaxed).is_err() {
            continue;
        }
        let slot = &SAMPLES[index];
        slot.size.store(sample.size, Ordering::Relaxed);
        slot.estimated.store(sample.estimated, Ordering::Relaxed);
        slot.depth.store(sample.depth, Ordering::Relaxed);
        for (field, frame) in slot.frames.iter().zip(sample.frames) {
            field.store(frame, Ordering::Relaxed);
        }
        AT_HOME[start].fetch_add(1, Ordering::Relaxed);
        KEYS[index].store(pointer, Ordering::Release);
        LIVE.fetch_add(1, Ordering::Relaxed);
        CHANGES.fetch_add(1, Ordering::Relaxed);
        return;
    }
    DROPPED.fetch_add(1, Ordering::Relaxed);
}

/// Forgets the sample at `pointer`, if there is one.
#[inline]
pub fn remove(pointer: usize) {
    if LIVE.load(Ordering::Relaxed) == 0 {
        return;
    }
    let start = home(pointer);
    if AT_HOME[start].load(Ordering::Relaxed) == 0 {
        return;
    }
    for probe in 0..PROBES {
        let index = (start + probe) % SLOTS;
        if KEYS[index].load(Ordering::Relaxed) == pointer
            && KEYS[index].compare_exchange(pointer, EMPTY, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            AT_HOME[start].fetch_sub(1, Ordering::Relaxed);
            LIVE.fetch_sub(1, Ordering::Relaxed);
            CHANGES.fetch_add(1, Ordering::Relaxed);
            return;
        }
    }
}

/// Calls `each` with a copy of every live sample.
pub fn for_each_live(mut each: impl FnMut(&Sample)) {
    for (key, slot) in KEYS.iter().zip(SAMPLES.iter()) {
        let before = key.load(Ordering::Acquire);
        if before <= WRITING {
            continue;
        }
        let mut sample = Sample {
            size: slot.size.load(Ordering::Relaxed),
            estimated: slot.estimated.load(Ordering::Relaxed),
            depth: slot.depth.load(Ordering::Relaxed).min(MAX_FRAMES),
            frames: [0; MAX_FRAMES],
        };
        for (frame, field) in sample.frames.iter_mut().zip(slot.frames.iter()) {
            *frame = field.load(Ordering::Relaxed);
        }
        std::sync::atomic::fence(Ordering::Acquire);
        // Freed (and perhaps reused) while being copied: left for the next report.
        if key.load(Ordering::Relaxed) == before {
            each(&sample);
        }
    }
}

/// Samples dropped so far because the table had no room for them.
pub fn dropped() -> usize {
    DROPPED.load(Ordering::Relaxed)
}

/// A number that changes whenever the live samples do.
pub fn changes() -> usize {
    CHANGES.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(size: usize) -> Sample {
        Sample { size, estimated: size, depth: 1, frames: [7; MAX_FRAMES] }
    }

    fn live_sizes() -> Vec<usize> {
        let mut sizes = Vec::new();
        for_each_live(|s| sizes.push(s.size));
        sizes.sort_unstable();
        sizes
    }

    #[test]
    fn samples_stay_until_freed_and_overflow_is_dropped() {
        // Pointers that all hash to the same home slot would be rare; these are spread.
        let pointers: Vec<usize> = (1..=3).map(|i| 0x7f00_0000_0000 + i * 0x1000).collect();
        for (i, p) in pointers.iter().enumerate() {
            insert(*p, &sample(1_000_000 + i));
        }
        assert_eq!(live_sizes().iter().filter(|s| **s >= 1_000_000).count(), 3);
        remove(pointers[1]);
        remove(0x1234_5678); // never sampled: nothing happens
        let left: Vec<usize> = live_sizes().into_iter().filter(|s| *s >= 1_000_000).collect();
        assert_eq!(left, vec![1_000_000, 1_000_002]);

        // The same pointer inserted more often than it has slots: the rest is dropped.
        let before = dropped();
        let crowded = 0x7f00_dead_0000;
        for _ in 0..PROBES + 2 {
            insert(crowded, &sample(2_000_000));
        }
        assert_eq!(dropped() - before, 2);
        for _ in 0..PROBES {
            remove(crowded);
        }
        assert!(live_sizes().iter().all(|s| *s != 2_000_000));
    }
}

//! Which allocations become samples: each thread counts down the bytes it allocates, and the
//! allocation that takes its countdown below zero is sampled; the next countdown is drawn from an
//! exponential distribution of mean [`SAMPLING_MEAN_BYTES`], which makes the samples a Poisson
//! process over the bytes allocated, blind to any rhythm of the program's own.

use std::cell::Cell;
use std::ffi::c_void;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::table::{self, Sample};
use crate::unwind;

/// The mean number of bytes allocated between two samples.
pub const SAMPLING_MEAN_BYTES: usize = 512 * 1024;

thread_local! {
    /// Set while the thread runs the shim's own code (sampling, unwinding, the report), whose
    /// allocations are forwarded unseen: sampling them would recurse.
    static BUSY: Cell<bool> = const { Cell::new(false) };
    /// Bytes left before the thread's next sample; 0 until the thread has drawn its first.
    static COUNTDOWN: Cell<i64> = const { Cell::new(0) };
    /// The thread's random state (xorshift64*), 0 until seeded.
    static RANDOM: Cell<u64> = const { Cell::new(0) };
}

/// Seeds the threads' random states apart from one another.
static SEEDS: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);

/// Marks this thread as the shim's own for good: its allocations are never sampled.
pub fn exempt_this_thread() {
    BUSY.with(|busy| busy.set(true));
}

/// `block` of `size` bytes was just allocated (null when the allocation failed).
#[inline]
pub fn allocated(block: *mut c_void, size: usize) {
    if block.is_null() {
        return;
    }
    // The common path: a subtraction on a thread-local counter.
    let left = COUNTDOWN.with(|countdown| {
        let left = countdown.get().saturating_sub(size as i64);
        countdown.set(left);
        left
    });
    if left < 0 {
        sample(block, size);
    }
}

/// `block` is being freed (or moved by realloc): it leaves the samples if it was one.
#[inline]
pub fn freed(block: *mut c_void) {
    if !block.is_null() {
        table::remove(block as usize);
    }
}

/// The slow path: draws the next countdown and, unless the thread is inside the shim or this is
/// its first allocation, records `block` with its stack.
#[cold]
#[inline(never)]
fn sample(block: *mut c_void, size: usize) {
    if BUSY.with(Cell::get) {
        return;
    }
    BUSY.with(|busy| busy.set(true));
    let first = RANDOM.with(|random| random.get() == 0);
    COUNTDOWN.with(|countdown| countdown.set(next_interval()));
    if !first {
        let mut sample = Sample { size, estimated: estimated_bytes(size), depth: 0, frames: [0; table::MAX_FRAMES] };
        sample.depth = unwind::capture(&mut sample.frames);
        table::insert(block as usize, &sample);
    }
    BUSY.with(|busy| busy.set(false));
}

/// The bytes that a sample of `size` bytes stands for: an allocation of that size is sampled
/// with probability 1 - e^(-size/mean), so its bytes are scaled by the inverse.
fn estimated_bytes(size: usize) -> usize {
    let probability = -(-(size as f64) / SAMPLING_MEAN_BYTES as f64).exp_m1();
    if probability <= 0.0 {
        return size;
    }
    (size as f64 / probability) as usize
}

/// Bytes until the next sample: exponentially distributed with mean [`SAMPLING_MEAN_BYTES`].
fn next_interval() -> i64 {
    let bits = RANDOM.with(|random| {
        let mut state = random.get();
        if state == 0 {
            state = SEEDS.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) | 1;
        }
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        random.set(state);
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    });
    // A uniform in (0, 1]: never 0, whose logarithm is infinite.
    let uniform = ((bits >> 11) + 1) as f64 / (1u64 << 53) as f64;
    (-uniform.ln() * SAMPLING_MEAN_BYTES as f64) as i64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_average_the_sampling_mean() {
        let draws = 200_000;
        let total: i64 = (0..draws).map(|_| next_interval()).sum();
        let mean = total as f64 / draws as f64;
        let expected = SAMPLING_MEAN_BYTES as f64;
        assert!((mean - expected).abs() < expected * 0.02, "mean interval {mean}, expected about {expected}");
    }

    #[test]
    fn small_samples_stand_for_about_the_mean_and_large_ones_for_themselves() {
        let small = estimated_bytes(64) as f64;
        assert!((small - SAMPLING_MEAN_BYTES as f64).abs() < 64.0, "{small}");
        let large = 64 * SAMPLING_MEAN_BYTES;
        assert!(estimated_bytes(large) >= large && estimated_bytes(large) < large + 64);
    }
}

//! A global allocator that counts the bytes live and aborts the process, naming the figures, the
//! moment the engine passes its bound: 4 x the input's size + 64 MB above what was live before
//! the input, the most any snapshot may make the engine use. Aborting at the allocation,
//! not after the input, catches a peak that is freed again and an allocation too big to succeed.

use std::{
    alloc::{GlobalAlloc, Layout, System},
    io::Write,
    sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed},
};

/// What every input may use beside 4 x its size.
pub const FIXED_ALLOWANCE: usize = 64 << 20;

/// The system allocator, counting.
pub struct PeakAllocator {
    live: AtomicUsize,
    peak: AtomicUsize,
    /// Live bytes above which the process aborts; `usize::MAX` outside a measured input.
    limit: AtomicUsize,
    reporting: AtomicBool,
}

impl PeakAllocator {
    /// An allocator with no bound yet.
    pub const fn new() -> PeakAllocator {
        PeakAllocator {
            live: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            limit: AtomicUsize::new(usize::MAX),
            reporting: AtomicBool::new(false),
        }
    }

    /// Runs `work` on an input of `input_len` bytes under the bound, and returns its result and
    /// the most bytes it had live at once above what was live before.
    pub fn bounded<T>(&self, input_len: usize, work: impl FnOnce() -> T) -> (T, usize) {
        let base = self.live.load(Relaxed);
        self.peak.store(base, Relaxed);
        let allowance = input_len.saturating_mul(4).saturating_add(FIXED_ALLOWANCE);
        self.limit.store(base.saturating_add(allowance), Relaxed);
        let result = work();
        self.limit.store(usize::MAX, Relaxed);
        (result, self.peak.load(Relaxed).saturating_sub(base))
    }

    fn added(&self, size: usize) {
        let live = self.live.fetch_add(size, Relaxed) + size;
        self.peak.fetch_max(live, Relaxed);
        let limit = self.limit.load(Relaxed);
        if live > limit && !self.reporting.swap(true, Relaxed) {
            // Written without allocating: formatting into stderr needs no heap.
            let _ = writeln!(
                std::io::stderr(),
                "leakwatch-fuzz: the engine allocated past its bound: {live} bytes live, bound {limit} (an allocation of {size})"
            );
            std::process::abort();
        }
    }
}

impl Default for PeakAllocator {
    fn default() -> PeakAllocator {
        PeakAllocator::new()
    }
}

// SAFETY: every call is passed on to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for PeakAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.added(layout.size());
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.added(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        self.live.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            self.added(new_size - layout.size());
        }
        let out = System.realloc(ptr, layout, new_size);
        if new_size < layout.size() {
            self.live.fetch_sub(layout.size() - new_size, Relaxed);
        }
        out
    }
}

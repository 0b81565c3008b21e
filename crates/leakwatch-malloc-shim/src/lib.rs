//! The sampling allocator shim that `leakwatch watch --native` preloads into the watched
//! program with `LD_PRELOAD` (Linux, glibc).
//!
//! It exports `malloc`, `calloc`, `realloc`, `reallocarray`, `free`, `posix_memalign`,
//! `aligned_alloc` and `memalign`, which forward to glibc's own `__libc_*` entry points (so looking the real ones up
//! cannot recurse into the shim), and samples the allocations on the way: one per about
//! [`SAMPLING_MEAN_BYTES`] allocated, at intervals drawn at random so that a program allocating
//! in a fixed rhythm cannot step over the samples. Each sample keeps its native stack in a table
//! of fixed size keyed by the pointer until the pointer is freed. A thread of the shim writes the
//! live samples, added up per stack, to `$LEAKWATCH_NATIVE_DIR/PID.stacks` once a second; the
//! watcher reads that file, symbolizes the stacks and ranks them by growth.
//!
//! Nothing on the hooks' path allocates, and nothing there can fail the program: when the table
//! is full the sample is dropped, and when unwinding stops early the frames found are kept.
#![deny(missing_docs)]

mod hooks;
mod report;
mod sampler;
mod table;
mod unwind;

pub use hooks::{aligned_alloc, calloc, free, malloc, memalign, posix_memalign, realloc, reallocarray};
pub use sampler::SAMPLING_MEAN_BYTES;

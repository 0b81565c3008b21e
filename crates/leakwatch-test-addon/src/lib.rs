//! A Node-API addon for leakwatch's tests: real native code whose memory leakwatch must tell
//! apart. `leak` mallocs and forgets, as a buggy addon does; `allocateAndFree` mallocs as much
//! and frees it; `fragment` leaves glibc's arena of the calling thread holding ever more free
//! memory while what it has in use stays flat.
//!
//! Built by `npm run build` into target/release; tests load it with `process.dlopen`.
#![deny(missing_docs)]

use std::cell::Cell;
use std::ffi::c_void;

use napi_derive::napi;

/// The block sizes that `fragment` cycles through: mixed, and all below glibc's mmap threshold
/// (128 KiB), so that they come from the thread's arena.
const FRAGMENT_SIZES: [usize; 6] = [1024, 3 * 1024, 8 * 1024, 24 * 1024, 64 * 1024, 100 * 1024];

/// A block of `bytes` from malloc, written to so that its pages are resident.
fn touched_block(bytes: usize) -> *mut c_void {
    // SAFETY: malloc of any size is safe; a null result is left alone.
    let block = unsafe { libc::malloc(bytes) };
    if !block.is_null() {
        // SAFETY: the block has room for `bytes`.
        unsafe { std::ptr::write_bytes(block.cast::<u8>(), 0xA5, bytes) };
    }
    block
}

/// Mallocs `bytes` and never frees them: a native leak.
#[napi]
#[inline(never)]
pub fn leak(bytes: u32) {
    let block = touched_block(bytes as usize);
    // Forgotten on purpose.
    std::hint::black_box(block);
}

/// Mallocs `bytes`, writes them, and frees them: native work that leaks nothing.
#[napi]
#[inline(never)]
pub fn allocate_and_free(bytes: u32) {
    let block = touched_block(bytes as usize);
    // SAFETY: `block` came from malloc and is freed once.
    unsafe { libc::free(std::hint::black_box(block)) };
}

thread_local! {
    /// The block that `fragment` keeps at the top of what it freed, one per thread.
    static PIN: Cell<*mut c_void> = const { Cell::new(std::ptr::null_mut()) };
}

/// Allocates `bytes` in blocks of mixed sizes and frees them all but the one at the highest
/// address (and the one the call before kept). The arena cannot give the freed memory back (the
/// kept block holds its top, and a small block of its own would come from the freed memory), so
/// calls with growing `bytes` leave it holding ever more free memory, while the memory in use
/// stays one block per thread: fragmentation, no leak.
#[napi]
#[inline(never)]
pub fn fragment(bytes: u32) {
    let mut blocks = Vec::new();
    let mut total = 0usize;
    for size in FRAGMENT_SIZES.iter().cycle() {
        if total >= bytes as usize {
            break;
        }
        blocks.push(touched_block(*size));
        total += size;
    }
    let Some(top) = blocks.iter().copied().max_by_key(|b| *b as usize) else { return };
    let old = PIN.with(|p| p.replace(top));
    for block in blocks.into_iter().filter(|b| *b != top).chain([old]) {
        // SAFETY: each came from malloc (or is null) and is freed once.
        unsafe { libc::free(block) };
    }
}

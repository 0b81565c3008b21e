//! The allocator's entry points that the shim takes the place of. Each forwards to glibc's
//! `__libc_*` function of the same job, then tells the sampler what it allocated or freed.

use std::ffi::{c_int, c_void};

use crate::sampler;

extern "C" {
    fn __libc_malloc(size: usize) -> *mut c_void;
    fn __libc_calloc(count: usize, size: usize) -> *mut c_void;
    fn __libc_realloc(block: *mut c_void, size: usize) -> *mut c_void;
    fn __libc_free(block: *mut c_void);
    fn __libc_memalign(alignment: usize, size: usize) -> *mut c_void;
}

/// `malloc(3)`: glibc's, sampled.
///
/// # Safety
/// As `malloc(3)`.
#[no_mangle]
pub unsafe extern "C" fn malloc(size: usize) -> *mut c_void {
    // SAFETY: glibc's own malloc, called as malloc(3) is.
    let block = unsafe { __libc_malloc(size) };
    sampler::allocated(block, size);
    block
}

/// `calloc(3)`: glibc's, sampled.
///
/// # Safety
/// As `calloc(3)`.
#[no_mangle]
pub unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut c_void {
    // SAFETY: glibc's own calloc, which checks the product for overflow.
    let block = unsafe { __libc_calloc(count, size) };
    sampler::allocated(block, count.saturating_mul(size));
    block
}

/// `realloc(3)`: glibc's; the old block leaves the samples, the new one may join them.
///
/// # Safety
/// As `realloc(3)`: `block` is null or a live block of this allocator.
#[no_mangle]
pub unsafe extern "C" fn realloc(block: *mut c_void, size: usize) -> *mut c_void {
    // Forgotten before glibc may hand the address to another thread.
    sampler::freed(block);
    // SAFETY: glibc's own realloc with the caller's block.
    let moved = unsafe { __libc_realloc(block, size) };
    sampler::allocated(moved, size);
    moved
}

/// `reallocarray(3)`: as `realloc`, of `count * size` bytes unless that overflows. (glibc's own
/// would move a sampled block without the shim seeing it.)
///
/// # Safety
/// As `reallocarray(3)`: `block` is null or a live block of this allocator.
#[no_mangle]
pub unsafe extern "C" fn reallocarray(block: *mut c_void, count: usize, size: usize) -> *mut c_void {
    let Some(bytes) = count.checked_mul(size) else {
        // SAFETY: errno is this thread's.
        unsafe { *libc::__errno_location() = libc::ENOMEM };
        return std::ptr::null_mut();
    };
    // SAFETY: as realloc.
    unsafe { realloc(block, bytes) }
}

/// `free(3)`: leaves the samples if it was one, then glibc's.
///
/// # Safety
/// As `free(3)`: `block` is null or a live block of this allocator.
#[no_mangle]
pub unsafe extern "C" fn free(block: *mut c_void) {
    sampler::freed(block);
    // SAFETY: glibc's own free with the caller's block.
    unsafe { __libc_free(block) };
}

/// `memalign(3)`: glibc's, sampled.
///
/// # Safety
/// As `memalign(3)`.
#[no_mangle]
pub unsafe extern "C" fn memalign(alignment: usize, size: usize) -> *mut c_void {
    // SAFETY: glibc's own memalign.
    let block = unsafe { __libc_memalign(alignment, size) };
    sampler::allocated(block, size);
    block
}

/// `aligned_alloc(3)`: glibc's memalign, which it is in glibc, sampled.
///
/// # Safety
/// As `aligned_alloc(3)`.
#[no_mangle]
pub unsafe extern "C" fn aligned_alloc(alignment: usize, size: usize) -> *mut c_void {
    // SAFETY: as memalign.
    unsafe { memalign(alignment, size) }
}

/// `posix_memalign(3)`: checks the alignment as POSIX asks, then glibc's memalign, sampled.
///
/// # Safety
/// As `posix_memalign(3)`: `out` points to room for a pointer.
#[no_mangle]
pub unsafe extern "C" fn posix_memalign(out: *mut *mut c_void, alignment: usize, size: usize) -> c_int {
    if !alignment.is_power_of_two() || !alignment.is_multiple_of(std::mem::size_of::<*mut c_void>()) {
        return libc::EINVAL;
    }
    // SAFETY: as memalign.
    let block = unsafe { memalign(alignment, size) };
    if block.is_null() {
        return libc::ENOMEM;
    }
    // SAFETY: the caller gives room for the pointer.
    unsafe { *out = block };
    0
}

//! What the C allocator says of its own memory: bytes handed out and bytes held free.
//!
//! Read after full GCs for the leak detector's native signals and for the metrics. The calls
//! are looked up at run time, never linked: glibc's `mallinfo2` exists from glibc 2.33 on, and
//! jemalloc's `mallctl` only where jemalloc is the process's allocator (preloaded, or linked
//! into the binary); musl has neither, and there only RSS is watched.

use napi_derive::napi;

/// The allocators whose figures can be read.
#[napi(string_enum = "lowercase")]
#[derive(Debug, PartialEq, Eq)]
pub enum Allocator {
    /// glibc's malloc (ptmalloc), through `mallinfo2`.
    Glibc,
    /// jemalloc, through `mallctl`.
    Jemalloc,
}

/// The allocator's own figures, in bytes.
#[napi(object)]
#[derive(Debug, PartialEq)]
pub struct MallocStats {
    /// Which allocator said.
    pub allocator: Allocator,
    /// Bytes handed out and not freed (glibc: in-use chunks, mmapped ones included; jemalloc:
    /// `stats.allocated`).
    pub in_use: f64,
    /// Bytes the allocator holds free for reuse, not returned to the system (glibc: free chunks
    /// of every arena; jemalloc: resident minus allocated).
    pub free: f64,
}

/// The allocator's figures now, or null where it does not give them (musl, glibc before 2.33,
/// other systems). jemalloc is asked first: where it is preloaded, glibc's figures are about a
/// malloc the program no longer uses.
#[napi]
pub fn malloc_stats() -> Option<MallocStats> {
    lookup::jemalloc().or_else(lookup::glibc)
}

#[cfg(unix)]
mod lookup {
    use std::ffi::{c_char, c_int, c_void, CStr};
    use std::sync::OnceLock;

    use super::{Allocator, MallocStats};

    /// glibc's `struct mallinfo2` (malloc.h), every field a size_t.
    #[repr(C)]
    #[derive(Default)]
    struct Mallinfo2 {
        arena: usize,
        ordblks: usize,
        smblks: usize,
        hblks: usize,
        hblkhd: usize,
        usmblks: usize,
        fsmblks: usize,
        uordblks: usize,
        fordblks: usize,
        keepcost: usize,
    }

    type Mallinfo2Fn = unsafe extern "C" fn() -> Mallinfo2;
    type MallctlFn = unsafe extern "C" fn(*const c_char, *mut c_void, *mut usize, *mut c_void, usize) -> c_int;

    /// The function `name` of the process's global scope, looked up once into `cell`; `None`
    /// where no loaded object defines it.
    ///
    /// # Safety
    /// `F` must be a function pointer type of the signature that every definition of `name` has.
    unsafe fn function<F: Copy>(cell: &OnceLock<Option<F>>, name: &CStr) -> Option<F> {
        *cell.get_or_init(|| {
            // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name only reads the loaded
            // objects' symbol tables.
            let address = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
            // SAFETY: the caller vouches for the signature; a function pointer is address-sized.
            (!address.is_null()).then(|| unsafe { std::mem::transmute_copy::<*mut c_void, F>(&address) })
        })
    }

    pub(super) fn glibc() -> Option<MallocStats> {
        static MALLINFO2: OnceLock<Option<Mallinfo2Fn>> = OnceLock::new();
        // SAFETY: a `mallinfo2` in a process is glibc's, of this signature.
        let mallinfo2 = unsafe { function(&MALLINFO2, c"mallinfo2") }?;
        // SAFETY: mallinfo2 takes each arena's lock in turn and only reads.
        let info = unsafe { mallinfo2() };
        Some(MallocStats {
            allocator: Allocator::Glibc,
            // Chunks in use from the arenas, and those mapped on their own (large blocks).
            in_use: (info.uordblks + info.hblkhd) as f64,
            // Every free chunk of every arena, the top chunk and fastbins included.
            free: info.fordblks as f64,
        })
    }

    pub(super) fn jemalloc() -> Option<MallocStats> {
        static MALLCTL: OnceLock<Option<MallctlFn>> = OnceLock::new();
        // SAFETY: a `mallctl` in a process is jemalloc's, of this signature.
        let mallctl = unsafe { function(&MALLCTL, c"mallctl") }?;
        let read = |name: &CStr| -> Option<usize> {
            let mut value = 0usize;
            let mut len = std::mem::size_of::<usize>();
            // SAFETY: the stats read are size_t, and `len` says how much room `value` has.
            let status = unsafe { mallctl(name.as_ptr(), (&raw mut value).cast(), &mut len, std::ptr::null_mut(), 0) };
            (status == 0).then_some(value)
        };
        // jemalloc's statistics are a snapshot taken when the epoch advances.
        let mut epoch: u64 = 1;
        // SAFETY: "epoch" takes a uint64_t written from `epoch`, of the size given.
        let refreshed = unsafe {
            mallctl(c"epoch".as_ptr(), std::ptr::null_mut(), std::ptr::null_mut(), (&raw mut epoch).cast(), std::mem::size_of::<u64>())
        };
        if refreshed != 0 {
            return None;
        }
        let allocated = read(c"stats.allocated")?;
        let resident = read(c"stats.resident")?;
        Some(MallocStats { allocator: Allocator::Jemalloc, in_use: allocated as f64, free: resident.saturating_sub(allocated) as f64 })
    }
}

#[cfg(not(unix))]
mod lookup {
    use super::MallocStats;

    pub(super) fn glibc() -> Option<MallocStats> {
        None
    }

    pub(super) fn jemalloc() -> Option<MallocStats> {
        None
    }
}

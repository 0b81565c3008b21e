//! The native stack of a sample, from the unwinder of libgcc (which Rust's standard library links
//! already), called directly: its Rust wrappers allocate. It reads the unwind tables
//! (`.eh_frame`) of the code on the stack, so it needs no frame pointers, and stops at the first
//! frame without them (code compiled at run time, such as V8's), keeping the frames found so far.

use std::ffi::{c_int, c_void};

use crate::table::MAX_FRAMES;

/// `_Unwind_Reason_Code`'s "go on".
const URC_NO_REASON: c_int = 0;
/// `_Unwind_Reason_Code`'s "stop here".
const URC_END_OF_STACK: c_int = 5;

type TraceFn = extern "C" fn(context: *mut c_void, state: *mut c_void) -> c_int;

extern "C" {
    fn _Unwind_Backtrace(trace: TraceFn, state: *mut c_void) -> c_int;
    fn _Unwind_GetIP(context: *mut c_void) -> usize;
}

/// Where the frames go while unwinding.
struct Frames<'a> {
    frames: &'a mut [usize; MAX_FRAMES],
    depth: usize,
}

extern "C" fn on_frame(context: *mut c_void, state: *mut c_void) -> c_int {
    // SAFETY: `state` is the `Frames` that `capture` passed, alive for the whole unwind.
    let found = unsafe { &mut *state.cast::<Frames>() };
    // SAFETY: `context` is the unwinder's own, valid during this call.
    let address = unsafe { _Unwind_GetIP(context) };
    if address == 0 || found.depth >= MAX_FRAMES {
        return URC_END_OF_STACK;
    }
    found.frames[found.depth] = address;
    found.depth += 1;
    URC_NO_REASON
}

/// Fills `frames` with the return addresses of the calling thread's stack, innermost first (the
/// shim's own frames included: the watcher drops them), and returns how many it found.
#[inline(never)]
pub fn capture(frames: &mut [usize; MAX_FRAMES]) -> usize {
    let mut found = Frames { frames, depth: 0 };
    // SAFETY: `on_frame` only writes within `found`, which outlives the call.
    unsafe { _Unwind_Backtrace(on_frame, (&mut found as *mut Frames).cast()) };
    found.depth
}

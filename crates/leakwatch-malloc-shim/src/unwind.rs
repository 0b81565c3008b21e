//! The native stack of a sample. First libgcc's unwinder (which Rust's standard library links
//! already), called directly since its Rust wrappers allocate: it reads the unwind tables
//! (`.eh_frame`) of the code on the stack, so it needs no frame pointers, but stops at the first
//! frame without them, which is code V8 compiled or its builtins. V8 keeps frame pointers in all
//! of its frames, so from there the stack is followed along the frame pointers, each read through
//! `process_vm_readv` on this very process, which fails on an unmapped address instead of
//! faulting: a wrong frame pointer ends the stack, never the program.

use std::ffi::{c_int, c_void};

use crate::table::MAX_FRAMES;

/// `_Unwind_Reason_Code`'s "go on".
const URC_NO_REASON: c_int = 0;
/// `_Unwind_Reason_Code`'s "stop here".
const URC_END_OF_STACK: c_int = 5;
/// The DWARF number of the frame pointer register: rbp on x86-64, x29 on arm64.
#[cfg(target_arch = "x86_64")]
const FRAME_POINTER_REGISTER: c_int = 6;
#[cfg(target_arch = "aarch64")]
const FRAME_POINTER_REGISTER: c_int = 29;
/// The farthest one frame may lie above the one it called: a bigger step is no frame.
const MAX_FRAME_BYTES: usize = 1 << 20;

type TraceFn = extern "C" fn(context: *mut c_void, state: *mut c_void) -> c_int;

extern "C" {
    fn _Unwind_Backtrace(trace: TraceFn, state: *mut c_void) -> c_int;
    fn _Unwind_GetIP(context: *mut c_void) -> usize;
    fn _Unwind_GetGR(context: *mut c_void, register: c_int) -> usize;
}

/// Where the frames go while unwinding.
struct Frames<'a> {
    frames: &'a mut [usize; MAX_FRAMES],
    depth: usize,
    /// The frame pointer in the last frame the unwinder reached.
    last_frame_pointer: usize,
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
    // SAFETY: as above; the register is one every frame has.
    found.last_frame_pointer = unsafe { _Unwind_GetGR(context, FRAME_POINTER_REGISTER) };
    URC_NO_REASON
}

/// The two words at `address` in process `pid`, this one (a frame's saved frame pointer and
/// return address), or None when they cannot be read.
fn read_frame_record(pid: libc::pid_t, address: usize) -> Option<[usize; 2]> {
    let mut record = [0usize; 2];
    let local = libc::iovec { iov_base: record.as_mut_ptr().cast(), iov_len: std::mem::size_of_val(&record) };
    let remote = libc::iovec { iov_base: address as *mut c_void, iov_len: std::mem::size_of_val(&record) };
    // SAFETY: reads into `record`, which has room; the kernel checks the remote range.
    let read = unsafe { libc::process_vm_readv(pid, &local, 1, &remote, 1, 0) };
    (read == std::mem::size_of_val(&record) as isize).then_some(record)
}

/// Follows the frame pointers from `frame_pointer` on, appending return addresses to `found`
/// while each frame lies above the one before, within [`MAX_FRAME_BYTES`], and can be read.
fn follow_frame_pointers(found: &mut Frames, mut frame_pointer: usize) {
    let mut floor = &frame_pointer as *const usize as usize;
    // SAFETY: getpid cannot fail; asked once, since glibc asks the kernel each time.
    let pid = unsafe { libc::getpid() };
    while found.depth < MAX_FRAMES {
        if frame_pointer <= floor || frame_pointer - floor > MAX_FRAME_BYTES || !frame_pointer.is_multiple_of(std::mem::size_of::<usize>()) {
            return;
        }
        let Some([caller_frame_pointer, return_address]) = read_frame_record(pid, frame_pointer) else { return };
        if return_address < 4096 {
            return;
        }
        found.frames[found.depth] = return_address;
        found.depth += 1;
        floor = frame_pointer;
        frame_pointer = caller_frame_pointer;
    }
}

/// Fills `frames` with the return addresses of the calling thread's stack, innermost first (the
/// shim's own frames included: the watcher drops them), and returns how many it found.
#[inline(never)]
pub fn capture(frames: &mut [usize; MAX_FRAMES]) -> usize {
    let mut found = Frames { frames, depth: 0, last_frame_pointer: 0 };
    // SAFETY: `on_frame` only writes within `found`, which outlives the call.
    unsafe { _Unwind_Backtrace(on_frame, (&mut found as *mut Frames).cast()) };
    let last = found.last_frame_pointer;
    if found.depth > 0 {
        follow_frame_pointers(&mut found, last);
    }
    found.depth
}

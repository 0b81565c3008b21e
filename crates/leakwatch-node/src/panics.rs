//! Keeping Rust panics out of JavaScript.
//!
//! A panic that unwinds into a Node-API callback aborts the host process. Every entry point of
//! the addon therefore runs its body in [`catching_panics`], which catches the unwind and returns
//! it as a JS `Error` whose message says where it happened. Background threads do the same with
//! [`panic_message`](crate::catch_panic::panic_message) when they are joined.

use crate::catch_panic::catch_panic;

/// Runs `f`, turning a panic into an error that names `what` was being done.
///
/// `what` is a short phrase such as `"parsing the heap snapshot"`.
pub(crate) fn catching_panics<T>(what: &str, f: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    catch_panic(f).unwrap_or_else(|message| Err(napi::Error::from_reason(internal_error(what, &message))))
}

/// The message of an error that stands for a panic while doing `what`.
pub(crate) fn internal_error(what: &str, message: &str) -> String {
    format!("leakwatch: internal error while {what}: {message}")
}


//! Keeping Rust panics out of JavaScript.
//!
//! A panic that unwinds into a Node-API callback aborts the host process. Every entry point of
//! the addon therefore runs its body in [`catching_panics`], which catches the unwind and returns
//! it as a JS `Error` whose message says where it happened. Background threads do the same with
//! [`panic_message`] when they are joined.
//!
//! The panic hook is replaced by one that, inside [`catch_panic`], only records where the panic
//! happened: the host's stderr is not ours to write to, and the message reaches the caller in the
//! error anyway. Panics elsewhere (threads the engine owns) still go to the previous hook. The hook
//! lives in this library's copy of `std`, so other Rust addons in the process are unaffected.

use std::{
    any::Any,
    cell::{Cell, RefCell},
    panic::{self, AssertUnwindSafe},
    sync::Once,
};

thread_local! {
    /// Whether this thread is inside [`catch_panic`] (an entry point or a background job).
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// Where the last caught panic on this thread happened, for the error message.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

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

/// Runs `f` and returns its value, or the panic's message and location if it panicked.
pub(crate) fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let outer = CATCHING.with(|g| g.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|g| g.set(outer));
    result.map_err(|payload| {
        let location = LOCATION.with(|l| l.borrow_mut().take());
        match location {
            Some(at) => format!("{} (at {at})", panic_message(&*payload)),
            None => panic_message(&*payload),
        }
    })
}

/// The text of a panic payload (`panic!("...")` gives a `&str` or a `String`).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with no message".to_string()
    }
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) {
                let at = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
                LOCATION.with(|l| *l.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    // Only napi-free code is tested here: a test binary is not loaded by Node, so it cannot
    // resolve Node-API's symbols.
    use super::*;

    #[test]
    fn a_panic_becomes_a_message_naming_the_place() {
        let message = catch_panic(|| -> u8 { panic!("boom {}", 7) }).unwrap_err();
        assert!(message.starts_with("boom 7 (at "), "{message}");
        assert!(message.contains("panics.rs"), "{message}");
        assert_eq!(
            internal_error("testing", &message)[..43],
            *"leakwatch: internal error while testing: bo"
        );
    }

    #[test]
    fn values_pass_through() {
        assert_eq!(catch_panic(|| 3), Ok(3));
    }

    #[test]
    fn a_panic_inside_a_caught_panic_is_still_caught() {
        let outer = catch_panic(|| catch_panic(|| -> u8 { panic!("inner") }).unwrap_err());
        assert!(outer.unwrap().starts_with("inner"));
    }
}

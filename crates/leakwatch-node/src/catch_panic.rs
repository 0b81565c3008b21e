//! Catching a panic and saying what and where it was, with nothing but `std`: what
//! [`catching_panics`](crate::panics::catching_panics) builds on, and what background threads use
//! when they are joined. It names no Node-API function, so its tests run as a plain executable
//! (`tests/catch_panic.rs`), which the addon's own code, whose Node-API calls only a Node process
//! can resolve, cannot.
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
    use super::*;

    #[test]
    fn a_panic_becomes_a_message_naming_the_place() {
        let message = catch_panic(|| -> u8 { panic!("boom {}", 7) }).unwrap_err();
        assert!(message.starts_with("boom 7 (at "), "{message}");
        assert!(message.contains("catch_panic.rs"), "{message}");
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

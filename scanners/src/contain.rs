//! Runs code over source data so that a bug in it (a panic) costs one column, not the scan.
//! Classification and profiling read names and values nobody has checked; a panic there is
//! caught, reported as a per-column warning naming where the code failed, and the scan goes on.
//! The panic's message is never printed or kept: it may quote the value that caused it.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, Once};

thread_local! {
    /// Whether this thread runs contained code (its panics are caught and kept quiet).
    static CONTAINING: Cell<bool> = const { Cell::new(false) };
}

/// Where the last contained panic happened (file:line); the message is dropped.
static LAST_LOCATION: Mutex<Option<String>> = Mutex::new(None);

fn install_quiet_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CONTAINING.with(Cell::get) {
                let at = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
                if let Ok(mut last) = LAST_LOCATION.lock() {
                    *last = at;
                }
                return;
            }
            previous(info);
        }));
    });
}

/// A panic caught by [`contained`]: where it happened, not what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contained {
    pub location: String,
}

impl std::fmt::Display for Contained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "internal error at {}", self.location)
    }
}

/// Runs `f`; a panic inside becomes `Err` with its location, silently.
pub fn contained<T>(f: impl FnOnce() -> T) -> Result<T, Contained> {
    install_quiet_hook();
    let was = CONTAINING.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CONTAINING.with(|c| c.set(was));
    result.map_err(|_| Contained {
        location: LAST_LOCATION.lock().ok().and_then(|mut l| l.take()).unwrap_or_else(|| "an unknown place".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_with_its_place_and_no_message() {
        let secret = String::from("Seppälä");
        let r: Result<(), _> = contained(|| panic!("value {secret}"));
        let e = r.unwrap_err();
        assert!(e.location.contains("contain.rs"), "{e}");
        assert!(!e.to_string().contains("Seppälä"));
        assert_eq!(contained(|| 7), Ok(7));
        // Outside contained code, the thread's state is back to normal.
        assert!(!CONTAINING.with(Cell::get));
    }
}

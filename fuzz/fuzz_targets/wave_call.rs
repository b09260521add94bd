//! WAVE call text against real function types (type-zoo's every-type functions): parsing and
//! checking never panic, and the as-you-type check agrees with the session — text that
//! `check_call` accepts never fails as malformed, mistyped or unknown when really called.
#![no_main]

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use wirebench::runtime::{check_call, CallError, Limits, Session, SessionOptions, Target};

fn session() -> &'static Mutex<Session> {
    static SESSION: OnceLock<Mutex<Session>> = OnceLock::new();
    SESSION.get_or_init(|| {
        let zoo = wirebench_fuzz::samples()[3].clone();
        let options = SessionOptions {
            limits: Limits {
                timeout: Duration::from_secs(2),
                max_memory: 64 << 20,
                ..Limits::default()
            },
            ..SessionOptions::default()
        };
        Mutex::new(Session::load(Target::Component(zoo), options).expect("type-zoo loads"))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut s = session().lock().unwrap_or_else(|e| e.into_inner());
    // Returned resources stay in the session's handle table until dropped: start afresh now
    // and then so a long run does not grow without bound.
    if s.handles().len() > 256 {
        let _ = s.reset();
    }
    let checked = check_call(s.functions(), text);
    // Handles (`$1`) exist only at run time; the check cannot know them.
    if text.contains('$') {
        let _ = s.call(text);
        return;
    }
    let outcome = s.call(text);
    if checked.is_ok() {
        if let Err(e) = &outcome.result {
            assert!(
                !matches!(
                    e,
                    CallError::Syntax { .. }
                        | CallError::BadArgument { .. }
                        | CallError::Arity { .. }
                        | CallError::UnknownFunction { .. }
                        | CallError::Ambiguous { .. }
                ),
                "check_call accepted `{text}` but the call said: {e}"
            );
        }
    }
});

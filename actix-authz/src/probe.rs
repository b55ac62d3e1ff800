//! How [`Authorize`](crate::Authorize) learns, before anything of the request runs, whether
//! actix-web routed it to a declared route.
//!
//! `Authorize` arms a per-thread probe and calls the inner service. Up to a handler, actix-web
//! routes synchronously inside that call (app router, scopes, resources, route guards,
//! synchronous middleware), and a handler's extractors only run when its future is first
//! polled. A declared route's service marks the probe in its own `call`; if the probe is still
//! unmarked when the inner call returns, the request reached something undeclared (or reached
//! a declared route only through an asynchronous middleware), and `Authorize` drops the
//! un-polled future: no extractor and no handler ran.

use std::cell::RefCell;
use std::rc::Rc;

use crate::authorize::Settings;

struct Probe {
    settings: Rc<Settings>,
    reached: bool,
}

thread_local! {
    static PROBE: RefCell<Option<Probe>> = const { RefCell::new(None) };
}

/// The probe of one `Authorize` call; restores the previous one (nested `Authorize`) when
/// disarmed or dropped (a panic in the inner call).
pub(crate) struct Armed {
    prev: Option<Option<Probe>>,
}

/// Arms the probe for the synchronous part of one inner call.
pub(crate) fn arm(settings: Rc<Settings>) -> Armed {
    let prev = PROBE.with(|p| {
        p.replace(Some(Probe {
            settings,
            reached: false,
        }))
    });
    Armed { prev: Some(prev) }
}

impl Armed {
    /// Whether a declared route marked the probe.
    pub(crate) fn disarm(mut self) -> bool {
        restore(self.prev.take().flatten())
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        if let Some(prev) = self.prev.take() {
            restore(prev);
        }
    }
}

fn restore(prev: Option<Probe>) -> bool {
    PROBE.with(|p| {
        let mine = p.replace(prev);
        let reached = mine.is_some_and(|m| m.reached);
        if reached {
            // A nested `Authorize`: the outer one was reached through this one.
            if let Some(outer) = p.borrow_mut().as_mut() {
                outer.reached = true;
            }
        }
        reached
    })
}

/// Called by a declared route in its `call`: marks the probe and returns the settings of the
/// `Authorize` that armed it; `None` when no `Authorize` is calling synchronously.
pub(crate) fn reach() -> Option<Rc<Settings>> {
    PROBE.with(|p| {
        p.borrow_mut().as_mut().map(|probe| {
            probe.reached = true;
            Rc::clone(&probe.settings)
        })
    })
}

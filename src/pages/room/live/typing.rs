//! Typing indicators: sent while the reader types, shown for others until they expire.

use super::Live;
use crate::protocol::SetTyping;
use crate::realtime::now_millis;
use leptos::prelude::*;
use std::time::Duration;

/// How long a typing indicator lasts without being renewed.
const TYPING_SHOWN_MS: f64 = 6_000.0;
/// Renew "typing" at most this often, and send "stopped" after this long without a keystroke.
const TYPING_RENEW_MS: f64 = 2_500.0;

/// Someone typing, and until when to believe it.
#[derive(Clone, Debug, PartialEq)]
pub(in crate::pages::room) struct Typist {
    pub(in crate::pages::room) name: String,
    until: f64,
}

impl Live {
    /// Called on every keystroke in the composer.
    pub(in crate::pages::room) fn typing_now(self) {
        let now = now_millis();
        self.last_keystroke.set_value(now);
        if now - self.typing_sent.get_value() > TYPING_RENEW_MS {
            self.typing_sent.set_value(now);
            self.realtime.emit(&SetTyping { room: self.room(), typing: true });
        }
        set_timeout(
            move || {
                let idle = self.last_keystroke.try_get_value().map(|at| now_millis() - at);
                if idle.is_some_and(|idle| idle >= TYPING_RENEW_MS) {
                    self.stop_typing();
                }
            },
            Duration::from_millis(TYPING_RENEW_MS as u64 + 50),
        );
    }

    pub(super) fn stop_typing(self) {
        if self.typing_sent.try_get_value().is_some_and(|sent| sent != 0.0) {
            self.typing_sent.set_value(0.0);
            self.realtime.emit(&SetTyping { room: self.room(), typing: false });
        }
    }

    pub(super) fn someone_typing(self, name: String, typing: bool) {
        self.typing.update(|list| {
            list.retain(|t| t.name != name);
            if typing {
                list.push(Typist { name, until: now_millis() + TYPING_SHOWN_MS });
            }
        });
        if typing {
            set_timeout(
                move || {
                    self.typing.try_update(|list| list.retain(|t| t.until > now_millis()));
                },
                Duration::from_millis(TYPING_SHOWN_MS as u64 + 50),
            );
        }
    }
}

//! The typed, reactive face of the socket.io connection. Views call [`use_realtime`] and get
//! [`Realtime`]: `on::<Broadcast>`, `emit::<Command>`, `emit_with_ack::<Command>` and the
//! connection state as a signal. Every method has the same signature on both sides; on the
//! server (SSR) they do nothing, so views need no `cfg`. In the browser, a signed-in room page
//! loaded from the server connects its socket before it is hydrated ([`connect_early`]); one
//! reached by moving within the app connects once rendered, in an effect.

#[cfg(feature = "hydrate")]
mod binding;
#[cfg(feature = "hydrate")]
mod browser;
#[cfg(feature = "hydrate")]
pub use browser::connect_early;

use crate::protocol::{Broadcast, Command, ProtocolError};
use leptos::prelude::*;

/// How long an acknowledged command may take before it counts as lost.
pub const ACK_TIMEOUT_MS: u32 = 5_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionState {
    /// Rendered on the server and before the first connection.
    Connecting,
    Connected,
    /// The connection dropped; socket.io is trying again.
    Reconnecting,
    /// The browser reports no network; nothing is tried until it is back.
    Offline,
    /// The server ended the connection because the session is over (signed out elsewhere,
    /// expired): nothing is tried again until the page is reloaded.
    SignedOut,
}

impl ConnectionState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Connected => "connected",
            Self::Reconnecting => "reconnecting",
            Self::Offline => "offline",
            Self::SignedOut => "signed out",
        }
    }
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RequestError {
    #[error("not connected")]
    Disconnected,
    #[error("the server did not answer in time")]
    Timeout,
    #[error("{0}")]
    Rejected(ProtocolError),
    #[error("unreadable answer: {0}")]
    Decode(String),
}

/// A handle on the page's one socket. `Copy`, so closures can take it freely.
#[derive(Clone, Copy)]
pub struct Realtime {
    state: RwSignal<ConnectionState>,
    transport: RwSignal<Option<String>>,
    /// A signed-in page asked for the connection (guests read without one).
    wanted: RwSignal<bool>,
    #[cfg(feature = "hydrate")]
    socket: StoredValue<binding::Socket, LocalStorage>,
}

/// Creates the page's socket handle and puts it in context. Call once, at the root.
pub fn provide_realtime() -> Realtime {
    let realtime = Realtime {
        state: RwSignal::new(ConnectionState::Connecting),
        transport: RwSignal::new(None),
        wanted: RwSignal::new(false),
        #[cfg(feature = "hydrate")]
        socket: StoredValue::new_local(browser::create_socket()),
    };
    #[cfg(feature = "hydrate")]
    browser::track_connection(realtime);
    provide_context(realtime);
    realtime
}

pub fn use_realtime() -> Realtime {
    expect_context::<Realtime>()
}

impl Realtime {
    /// Connects once the page is hydrated (and the browser online), as `user`, the account the
    /// page was rendered for. Only a signed-in page calls it: the server refuses a socket without
    /// a session, and one whose session now belongs to someone else (signed out and in again as
    /// another person in another tab), so nothing this page holds is ever sent as them.
    pub fn start(&self, user: &str) {
        #[cfg(feature = "hydrate")]
        browser::claim(*self, user);
        #[cfg(not(feature = "hydrate"))]
        let _ = user;
        self.wanted.set(true);
    }

    pub fn state(&self) -> Signal<ConnectionState> {
        self.state.into()
    }

    /// The Engine.IO transport in use ("polling" or "websocket"), once connected.
    pub fn transport(&self) -> Signal<Option<String>> {
        self.transport.into()
    }

    /// Calls `handler` with every `B` the server sends, until the calling component is dropped.
    pub fn on<B: Broadcast + 'static>(&self, handler: impl Fn(B) + 'static) {
        #[cfg(feature = "hydrate")]
        browser::on(*self, B::NAME, move |value| match browser::from_js::<B>(&value) {
            Ok(event) => handler(event),
            Err(error) => leptos::logging::warn!("unreadable {} event: {error}", B::NAME),
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = handler;
    }

    /// Calls `handler` now if connected, and after every (re)connection, until the calling
    /// component is dropped. This is where a view joins its room and catches up.
    pub fn on_connect(&self, handler: impl Fn() + 'static) {
        #[cfg(feature = "hydrate")]
        {
            if self.socket.with_value(|socket| socket.connected()) {
                handler();
            }
            browser::on(*self, "connect", move |_| handler());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = handler;
    }

    /// Sends a command without waiting for an answer. Dropped when not connected: use it only for
    /// what is worthless later (typing indicators).
    pub fn emit<C: Command>(&self, command: &C) {
        #[cfg(feature = "hydrate")]
        browser::emit(*self, C::NAME, command);
        #[cfg(not(feature = "hydrate"))]
        let _ = command;
    }

    /// Sends a command and waits up to [`ACK_TIMEOUT_MS`] for its acknowledgement.
    pub async fn emit_with_ack<C: Command>(&self, command: &C) -> Result<C::Reply, RequestError> {
        #[cfg(feature = "hydrate")]
        {
            let value = browser::emit_with_ack(*self, C::NAME, command).await?;
            let ack: crate::protocol::Ack<C::Reply> =
                browser::from_js(&value).map_err(RequestError::Decode)?;
            Result::from(ack).map_err(RequestError::Rejected)
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = command;
            Err(RequestError::Disconnected)
        }
    }
}

/// Follows the admin namespace (`/admin`) while the calling component lives: `connected` says
/// whether the feed is up, and `handler` gets every overview. Does nothing on the server.
pub fn follow_admin(
    connected: RwSignal<bool>,
    handler: impl Fn(crate::protocol::AdminOverview) + 'static,
) {
    #[cfg(feature = "hydrate")]
    browser::follow_admin(connected, move |value| match browser::from_js(&value) {
        Ok(overview) => handler(overview),
        Err(error) => leptos::logging::warn!("unreadable admin:overview: {error}"),
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (connected, handler);
}

/// Milliseconds since the epoch, from the browser's clock or the server's.
pub fn now_millis() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or_default()
    }
}

/// The browser's offset from UTC in minutes (330 in India); 0 on the server.
pub fn utc_offset_minutes() -> i32 {
    #[cfg(feature = "hydrate")]
    {
        -(js_sys::Date::new_0().get_timezone_offset() as i32)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}

/// A fresh client id for a message (UUID v4), from the browser's or the server's RNG.
pub fn new_client_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        browser::new_client_id()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        uuid::Uuid::new_v4().to_string()
    }
}

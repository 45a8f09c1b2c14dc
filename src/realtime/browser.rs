//! The browser half of `realtime`: creating the socket, mapping socket.io's and the window's
//! events to a [`ConnectionState`], and moving values between Rust and JavaScript.

use super::{binding, ConnectionState, Realtime, RequestError, ACK_TIMEOUT_MS};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use serde::Serialize;
use std::cell::RefCell;
use wasm_bindgen::{prelude::*, JsCast};

thread_local! {
    /// The socket [`connect_early`] opened before hydration, until the page takes it over.
    static EARLY: RefCell<Option<binding::Socket>> = const { RefCell::new(None) };
}

/// Before hydration. A signed-in room page names its reader on `<main data-reader>`: its socket
/// connects now, while the page's code loads and hydrates, instead of once it is hydrated. The
/// page takes that socket over ([`create_socket`]) and joins its room as soon as it can.
pub fn connect_early() {
    let reader = document()
        .query_selector("main[data-reader]")
        .ok()
        .flatten()
        .and_then(|main| main.get_attribute("data-reader"));
    let Some(reader) = reader.filter(|_| browser_online()) else { return };
    let socket = new_socket();
    set_claim(&socket, &reader);
    socket.connect();
    EARLY.with(|early| *early.borrow_mut() = Some(socket));
}

/// The page's socket: the one opened early, or a new one.
pub(super) fn create_socket() -> binding::Socket {
    EARLY.with(|early| early.borrow_mut().take()).unwrap_or_else(new_socket)
}

fn new_socket() -> binding::Socket {
    let options = js_sys::Object::new();
    // Connect only when asked (see `track_connection`); cookies go with every transport.
    set(&options, "autoConnect", JsValue::FALSE);
    set(&options, "withCredentials", JsValue::TRUE);
    binding::io("/", &options)
}

/// Names the page's account in the handshake's `auth` payload (sent on every reconnection too).
pub(super) fn claim(realtime: Realtime, user: &str) {
    realtime.socket.with_value(|s| set_claim(s, user));
}

fn set_claim(socket: &binding::Socket, user: &str) {
    let auth = js_sys::Object::new();
    set(&auth, "user", JsValue::from_str(user));
    let _ = js_sys::Reflect::set(socket.as_ref(), &JsValue::from_str("auth"), &auth);
}

fn set(object: &js_sys::Object, key: &str, value: JsValue) {
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(key), &value);
}

fn function(handler: impl Fn(JsValue) + 'static) -> js_sys::Function {
    Closure::<dyn Fn(JsValue)>::new(handler).into_js_value().unchecked_into()
}

/// Whether a `connect_error` is the server's "try again in a moment" refusal.
fn refused_for_now(error: &JsValue) -> bool {
    js_sys::Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|message| message.as_string())
        .is_some_and(|message| message == crate::protocol::HANDSHAKE_UNAVAILABLE)
}

fn browser_online() -> bool {
    window().navigator().on_line()
}

/// Keeps `state` and `transport` true to the socket and the browser, and connects once the page
/// is hydrated. Offline, the socket is closed on purpose: socket.io would otherwise wait for a
/// ping timeout (tens of seconds) before noticing.
pub(super) fn track_connection(realtime: Realtime) {
    let Realtime { state, transport, wanted, socket } = realtime;
    let connected = move || {
        state.set(ConnectionState::Connected);
        socket.with_value(|s| {
            let engine = s.manager().engine();
            transport.set(Some(engine.transport().name()));
            engine.on(
                "upgrade",
                &function(move |t| {
                    let t: binding::Transport = t.unchecked_into();
                    transport.set(Some(t.name()));
                }),
            );
        });
    };
    socket.with_value(|s| {
        s.on("connect", &function(move |_| connected()));
        let dropped = move |_| {
            transport.set(None);
            state.set(if browser_online() {
                ConnectionState::Reconnecting
            } else {
                ConnectionState::Offline
            });
        };
        // The server ends a signed-out session's sockets ("io server disconnect") and refuses a
        // handshake without one; socket.io does not retry either, and neither do we.
        s.on(
            "disconnect",
            &function(move |reason| {
                if reason.as_string().as_deref() == Some("io server disconnect") {
                    transport.set(None);
                    state.set(ConnectionState::SignedOut);
                } else {
                    dropped(reason);
                }
            }),
        );
        s.on(
            "connect_error",
            &function(move |error| {
                if socket.with_value(|s| s.active()) {
                    dropped(error);
                } else if refused_for_now(&error) {
                    // The server could not check the session (its database did not answer):
                    // socket.io gives up on a refusal, so try again ourselves.
                    dropped(error);
                    set_timeout(
                        move || {
                            if wanted.get_untracked() && browser_online() {
                                socket.with_value(|s| s.connect());
                            }
                        },
                        std::time::Duration::from_secs(3),
                    );
                } else {
                    transport.set(None);
                    state.set(ConnectionState::SignedOut);
                }
            }),
        );
        s.manager().on("reconnect_attempt", &function(dropped));
    });
    // Opened early, it may have connected before anyone listened.
    if socket.with_value(|s| s.connected()) {
        connected();
    }

    let offline = window_event_listener(leptos::ev::offline, move |_| {
        state.set(ConnectionState::Offline);
        socket.with_value(|s| s.disconnect());
    });
    let online = window_event_listener(leptos::ev::online, move |_| {
        if wanted.get_untracked() && state.get_untracked() != ConnectionState::SignedOut {
            state.set(ConnectionState::Reconnecting);
            socket.with_value(|s| s.connect());
        }
    });
    on_cleanup(move || {
        offline.remove();
        online.remove();
    });

    Effect::new(move |_| {
        if !wanted.get() {
            return;
        }
        if browser_online() {
            socket.with_value(|s| s.connect());
        } else {
            state.set(ConnectionState::Offline);
        }
    });
}

/// Registers a listener for `event` and removes it when the calling component is dropped.
pub(super) fn on(realtime: Realtime, event: &'static str, handler: impl Fn(JsValue) + 'static) {
    let listener = function(handler);
    realtime.socket.with_value(|s| s.on(event, &listener));
    let listener = SendWrapper::new(listener);
    let socket = realtime.socket;
    on_cleanup(move || {
        socket.try_with_value(|s| s.off(event, &listener));
    });
}

// Values cross between Rust and JavaScript as JSON text. serde_json is in the bundle anyway
// (server functions and hydration data use it); a second serde format (serde-wasm-bindgen) would
// compile every event type's (de)serializer twice: about 100 KB of WASM.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, RequestError> {
    let json =
        serde_json::to_string(value).map_err(|error| RequestError::Decode(error.to_string()))?;
    js_sys::JSON::parse(&json).map_err(|_| RequestError::Decode("JSON.parse failed".to_owned()))
}

/// A value socket.io handed over (parsed from the wire's JSON), as a Rust type.
pub(super) fn from_js<T: serde::de::DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    let json = js_sys::JSON::stringify(value).map_err(|_| "JSON.stringify failed".to_owned())?;
    serde_json::from_str(&String::from(json)).map_err(|error| error.to_string())
}

pub(super) fn emit<T: Serialize>(realtime: Realtime, event: &str, payload: &T) {
    let Ok(payload) = to_js(payload) else { return };
    realtime.socket.with_value(|s| {
        if s.connected() {
            s.emit(event, &payload);
        }
    });
}

pub(super) async fn emit_with_ack<T: Serialize>(
    realtime: Realtime,
    event: &str,
    payload: &T,
) -> Result<JsValue, RequestError> {
    let payload = to_js(payload)?;
    // socket.io-client would buffer an emit made while disconnected and send it on reconnect;
    // callers keep their own queue and retry with the same client id, so refuse instead.
    let promise = realtime.socket.with_value(|s| {
        s.connected().then(|| s.timeout(ACK_TIMEOUT_MS).emit_with_ack(event, &payload))
    });
    let promise = promise.ok_or(RequestError::Disconnected)?;
    wasm_bindgen_futures::JsFuture::from(promise).await.map_err(|_| RequestError::Timeout)
}

pub(super) fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    // getRandomValues works outside secure contexts too, unlike crypto.randomUUID().
    if let Ok(crypto) = window().crypto() {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    if bytes == [0; 16] {
        for chunk in bytes.chunks_mut(8) {
            let random = (js_sys::Math::random() * u64::MAX as f64) as u64;
            chunk.copy_from_slice(&random.to_le_bytes());
        }
    }
    crate::model::client_id_from_bytes(bytes)
}

/// Opens a socket on the admin namespace for as long as the calling component lives: `connected`
/// follows it, and `handler` gets every `admin:overview`.
pub(super) fn follow_admin(connected: RwSignal<bool>, handler: impl Fn(JsValue) + 'static) {
    use crate::protocol::{AdminOverview, Broadcast, ADMIN_NAMESPACE};
    let options = js_sys::Object::new();
    set(&options, "withCredentials", JsValue::TRUE);
    let socket = binding::io(ADMIN_NAMESPACE, &options);
    socket.on("connect", &function(move |_| connected.set(true)));
    socket.on("disconnect", &function(move |_| connected.set(false)));
    socket.on("connect_error", &function(move |_| connected.set(false)));
    socket.on(AdminOverview::NAME, &function(handler));
    // It shares the page's Manager, made with `autoConnect` off (see `create_socket`).
    socket.connect();
    let socket = SendWrapper::new(socket);
    on_cleanup(move || {
        socket.disconnect();
    });
}

//! wasm-bindgen declarations for the official `socket.io-client` (npm, pinned by
//! `package-lock.json`). wasm-bindgen copies the ES module into the bundle's `snippets/`; nothing
//! of the library lives in this repository. Only `realtime` uses these; views never see them.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/node_modules/socket.io-client/dist/socket.io.esm.min.js")]
extern "C" {
    /// `io(url, options)`: a socket on the default namespace of `url`.
    #[wasm_bindgen(js_name = io)]
    pub fn io(url: &str, options: &JsValue) -> Socket;

    pub type Socket;

    #[wasm_bindgen(method)]
    pub fn on(this: &Socket, event: &str, listener: &Function) -> Socket;

    #[wasm_bindgen(method)]
    pub fn off(this: &Socket, event: &str, listener: &Function) -> Socket;

    #[wasm_bindgen(method)]
    pub fn emit(this: &Socket, event: &str, payload: &JsValue) -> Socket;

    /// A view of the socket whose next acknowledged emit fails after `ms` milliseconds.
    #[wasm_bindgen(method)]
    pub fn timeout(this: &Socket, ms: u32) -> Socket;

    /// Resolves with the acknowledgement, or rejects on timeout.
    #[wasm_bindgen(method, js_name = emitWithAck)]
    pub fn emit_with_ack(this: &Socket, event: &str, payload: &JsValue) -> Promise;

    #[wasm_bindgen(method)]
    pub fn connect(this: &Socket) -> Socket;

    #[wasm_bindgen(method)]
    pub fn disconnect(this: &Socket) -> Socket;

    #[wasm_bindgen(method, getter)]
    pub fn connected(this: &Socket) -> bool;

    /// False once the server refused the namespace (a middleware error): socket.io-client will
    /// not retry on its own.
    #[wasm_bindgen(method, getter)]
    pub fn active(this: &Socket) -> bool;

    /// The Manager behind the socket: reconnection events live there.
    #[wasm_bindgen(method, getter, js_name = io)]
    pub fn manager(this: &Socket) -> Manager;

    pub type Manager;

    #[wasm_bindgen(method, js_name = on)]
    pub fn on(this: &Manager, event: &str, listener: &Function) -> Manager;

    /// The Engine.IO connection (replaced on every reconnection).
    #[wasm_bindgen(method, getter)]
    pub fn engine(this: &Manager) -> Engine;

    pub type Engine;

    #[wasm_bindgen(method, js_name = on)]
    pub fn on(this: &Engine, event: &str, listener: &Function) -> Engine;

    #[wasm_bindgen(method, getter)]
    pub fn transport(this: &Engine) -> Transport;

    pub type Transport;

    /// "polling", "websocket" or "webtransport".
    #[wasm_bindgen(method, getter)]
    pub fn name(this: &Transport) -> String;
}

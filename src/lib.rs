//! Parley: a real-time chat rendered by Leptos on the server, hydrated in the browser, and kept
//! live over socket.io (socketioxide on the server, the official client bound with wasm-bindgen).
//!
//! Shared modules compile for both sides; `server` exists only with the `ssr` feature and the
//! socket.io binding inside `realtime` only with `hydrate`.

// Leptos views are deeply nested types; the release WASM build needs more room to lay them out.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod markdown;
pub mod model;
pub mod notify;
pub mod outbox;
pub mod pages;
pub mod protocol;
pub mod realtime;
pub mod timeline;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
compile_error!("build Parley with feature `ssr` (the server) or `hydrate` (the WASM bundle)");

/// Entry point of the WASM bundle: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // A room page's socket connects while the page's code loads and hydrates.
    realtime::connect_early();
    // Asynchronous: the current page's WASM chunk loads before its HTML is hydrated.
    leptos::mount::hydrate_lazy(app::App);
}

//! The floor for `scripts/bench --floor`: Parley's stack doing nothing of Parley's. One axum
//! router, configured as Parley's (TCP_NODELAY on every accepted socket), with Leptos' server
//! rendering through leptos_axum (a router, one route, the shell with its hydration scripts and
//! meta tags) and socketioxide on it, with Parley's socket limits. It answers only what the
//! benchmark asks, the way the Node reference does minus its database: `room:join` (the socket
//! joins the room; acknowledged), `message:send` (kept in memory, acknowledged, broadcast to the
//! room as `room:changed`) and `/r/:room`, the latest 50 messages with the reference's markup.
//!
//! Parley above this floor is Parley's own cost; this floor above the reference is the stack's.
//! No accounts: `/api/sign_up` answers 404, and the load generator keeps its display-name cookie,
//! as with the reference.

use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router as Routes_, Routes};
use leptos_router::hooks::use_params_map;
use leptos_router::path;
use serde_json::{json, Value};
use socketioxide::extract::{AckSender, Data, SocketRef, State};
use socketioxide::SocketIo;
use std::sync::{Arc, Mutex};

/// Every message posted, per room, in memory.
#[derive(Clone, Default)]
struct Messages(Arc<Mutex<std::collections::HashMap<String, Vec<Value>>>>);

impl Messages {
    fn latest(&self, room: &str) -> Vec<(String, String)> {
        let rooms = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let all = rooms.get(room).map(Vec::as_slice).unwrap_or_default();
        all[all.len().saturating_sub(50)..]
            .iter()
            .map(|m| (m["author"].as_str().unwrap_or("").into(), m["body"].as_str().unwrap_or("").into()))
            .collect()
    }
}

fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body><App /></body>
        </html>
    }
}

#[component]
fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Routes_>
            <Routes fallback=|| "Not found">
                <Route path=path!("/r/:room") view=RoomPage />
            </Routes>
        </Routes_>
    }
}

#[component]
fn RoomPage() -> impl IntoView {
    let room = use_params_map().with_untracked(|p| p.get("room").unwrap_or_default());
    let messages = use_context::<Messages>().map(|m| m.latest(&room)).unwrap_or_default();
    view! {
        <Title text=room.clone() />
        <h1>"#" {room}</h1>
        <p role="status" data-state="connecting"></p>
        <ol>
            {messages
                .into_iter()
                .map(|(author, body)| view! { <li><b>{author}</b> " " <p>{body}</p></li> })
                .collect_view()}
        </ol>
    }
}

#[tokio::main]
async fn main() {
    let options = get_configuration(None).expect("Leptos configuration").leptos_options;
    let addr = options.site_addr;
    let messages = Messages::default();

    let (sockets, io) = SocketIo::builder()
        .max_payload(64 * 1024)
        .ws_max_message_size(64 * 1024)
        .ws_max_frame_size(64 * 1024)
        .max_buffer_size(1024)
        .ws_read_buffer_size(1024)
        .with_state(messages.clone())
        .build_layer();
    io.ns("/", async |socket: SocketRef| {
        socket.on("room:join", async |socket: SocketRef, Data::<Value>(input), ack: AckSender| {
            let room = input["room"].as_str().unwrap_or("lobby").to_owned();
            socket.join(room.clone());
            let changes = json!({"changes": [], "upto": 0, "complete": true});
            let room = json!({"slug": room, "name": room});
            let _ = ack.send(&json!({"ok": {"room": room, "online": [], "changes": changes}}));
        });
        socket.on(
            "message:send",
            async |socket: SocketRef,
                   Data::<Value>(input),
                   ack: AckSender,
                   State(messages): State<Messages>| {
                let room = input["room"].as_str().unwrap_or("lobby").to_owned();
                let message = {
                    let mut rooms = messages.0.lock().unwrap_or_else(|p| p.into_inner());
                    let kept = rooms.entry(room.clone()).or_default();
                    let message = json!({"room": room, "seq": kept.len() + 1, "author": "bot",
                                         "body": input["body"], "client_id": input["client_id"]});
                    kept.push(message.clone());
                    message
                };
                let _ = ack.send(&json!({"ok": message}));
                let changed = json!({"room": room, "pos": message["seq"], "kind": "posted",
                                     "message": message});
                let _ = socket.within(room).emit("room:changed", &changed).await;
            },
        );
    });

    let routes = generate_route_list(App);
    let app = Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .leptos_routes_with_context(
            &options,
            routes,
            {
                let messages = messages.clone();
                move || provide_context(messages.clone())
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .layer(sockets)
        .with_state(options);
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await.expect("serve");
}

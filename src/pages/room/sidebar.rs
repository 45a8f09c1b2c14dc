//! The rooms with their unread counts, the current one marked, and a form to create one.
//! Rendered by the server; new rooms and new messages elsewhere update it live.

use crate::api::{CreateRoom, OpenAssistant, OpenDirect};
use crate::model::{RoomEntry, MAX_NAME_CHARS, MAX_ROOM_NAME_CHARS, MIN_ROOM_NAME_CHARS};
use crate::protocol::{Change, Event, ListRooms, RoomActivity, RoomCreated};
use crate::realtime::use_realtime;
use leptos::{prelude::*, server_fn::ServerFn};

#[component]
pub(super) fn Sidebar(
    rooms: RwSignal<Vec<RoomEntry>>,
    current: String,
    can_create: bool,
    /// Offer the visitor's private conversation with the assistant.
    assistant: bool,
    /// Open as a drawer (on a phone; hydrated).
    drawer: RwSignal<bool>,
) -> impl IntoView {
    let close = NodeRef::<leptos::html::A>::new();
    // Opened from the header: the keyboard goes with it.
    Effect::new(move |_| {
        if drawer.get() {
            if let Some(close) = close.get() {
                let _ = close.focus();
            }
        }
    });
    let realtime = use_realtime();
    realtime.on::<RoomCreated>(move |event| {
        rooms.update(|rooms| {
            if !rooms.iter().any(|r| r.slug == event.room.slug) {
                let (slug, name) = (event.room.slug, event.room.name);
                rooms.push(RoomEntry { slug, name, last_seq: 0, read_seq: 0, joined: false });
                rooms.sort_by_key(|r| r.name.to_lowercase());
            }
        });
    });
    let grew = move |room: &str, last_seq: i64| {
        rooms.update(|rooms| {
            if let Some(entry) = rooms.iter_mut().find(|r| r.slug == room) {
                entry.last_seq = entry.last_seq.max(last_seq);
            }
        });
    };
    realtime.on::<RoomActivity>(move |event| grew(&event.room, event.last_seq));
    // News of other rooms missed before the socket (re)connected is not replayed: ask for the
    // list again on every connection. Positions only move forward.
    realtime.on_connect(move || {
        leptos::task::spawn_local(async move {
            let Ok(fresh) = realtime.emit_with_ack(&ListRooms {}).await else { return };
            rooms.try_update(|rooms| {
                for entry in fresh {
                    match rooms.iter_mut().find(|r| r.slug == entry.slug) {
                        Some(known) => {
                            known.last_seq = known.last_seq.max(entry.last_seq);
                            known.read_seq = known.read_seq.max(entry.read_seq);
                            known.joined = entry.joined;
                        }
                        None => rooms.push(entry),
                    }
                }
                rooms.sort_by_key(|r| r.name.to_lowercase());
            });
        });
    });
    realtime.on::<Change>(move |change| {
        if let Event::Posted { message } = change.event {
            grew(&message.room, message.seq);
        }
    });
    // A refused name comes back in the URL after the form post.
    let action = ServerAction::<CreateRoom>::new();
    let error = move || action.value().get().and_then(Result::err).map(|e| e.message);
    let direct = ServerAction::<OpenDirect>::new();
    let direct_error = move || direct.value().get().and_then(Result::err).map(|e| e.message);
    view! {
        // On a phone, a drawer: shown while it is the fragment's target (`#rooms`, without
        // JavaScript) or, hydrated, while `drawer` is set.
        <nav class="sidebar" class:open=move || drawer.get() id="rooms" aria-label="Rooms" on:click=move |event| {
            // Following a link (another room, or Close) closes the drawer.
            use leptos::wasm_bindgen::JsCast;
            let on_link = event
                .target()
                .and_then(|target| target.dyn_into::<leptos::web_sys::Element>().ok())
                .and_then(|element| element.closest("a").ok().flatten())
                .is_some();
            if on_link {
                drawer.set(false);
            }
        }>
            <div class="sidebar-head">
                <a class="brand" href="/">"Parley"</a>
                <a
                    class="drawer-close"
                    href="#"
                    rel="external"
                    aria-label="Close the room list"
                    title="Close"
                    node_ref=close
                    on:click=move |event| event.prevent_default()
                >
                    <span aria-hidden="true">"✕"</span>
                </a>
            </div>
            <a class="search-link" href="/search">"Search messages"</a>
            <h2>"Rooms"</h2>
            <ul class="room-list">
                <For each=move || rooms.get() key=|room| room.slug.clone() let:room>
                    {
                        let slug = room.slug.clone();
                        let is_current = slug == current;
                        let unread = move || {
                            rooms.with(|rooms| {
                                rooms.iter().find(|r| r.slug == slug).map_or(0, RoomEntry::unread)
                            })
                        };
                        view! {
                            <li>
                                <a
                                    href=format!("/r/{}", room.slug)
                                    aria-current=is_current.then_some("page")
                                >
                                    <span class="room-name"><span class="hash">"#"</span>{room.name}</span>
                                    {move || {
                                        let n = unread();
                                        (n > 0 && !is_current).then(|| view! {
                                            <span class="unread" aria-label=format!("{n} unread")>{n}</span>
                                        })
                                    }}
                                </a>
                            </li>
                        }
                    }
                </For>
            </ul>
            {assistant.then(|| view! {
                <form method="post" action=OpenAssistant::url() class="open-assistant">
                    <button type="submit" class="quiet">"Private assistant"</button>
                </form>
            })}
            // Behind disclosures (no JavaScript needed), open again when the server refused.
            {can_create.then(|| view! {
                <details class="new" open=move || error().is_some()>
                    <summary>"New room"</summary>
                    <form method="post" action=CreateRoom::url() class="new-room">
                        <label for="room-name">"Room name"</label>
                        <input
                            id="room-name"
                            name="name"
                            required
                            minlength=MIN_ROOM_NAME_CHARS
                            maxlength=MAX_ROOM_NAME_CHARS
                            placeholder="rust-users"
                        />
                        <label class="check"><input type="checkbox" name="private" value="on" />"Private (by invitation)"</label>
                        <button type="submit">"Create room"</button>
                        {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    </form>
                </details>
                <details class="new" open=move || direct_error().is_some()>
                    <summary>"Direct message"</summary>
                    <form method="post" action=OpenDirect::url() class="new-room">
                        <label for="direct-name">"Their name"</label>
                        <input id="direct-name" name="name" required maxlength=MAX_NAME_CHARS placeholder="name" />
                        <button type="submit">"Open conversation"</button>
                        {move || direct_error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    </form>
                </details>
            })}
        </nav>
    }
}

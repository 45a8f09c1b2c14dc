//! The rooms with their unread counts, the current one marked, the direct conversations with
//! whether the other person is online, and forms to start either. Rendered by the server; new
//! rooms, new messages elsewhere and people coming and going update it live.

use super::Avatar;
use crate::api::{CreateRoom, OpenAssistant, OpenDirect};
use crate::model::{RoomEntry, MAX_NAME_CHARS, MAX_ROOM_NAME_CHARS, MIN_ROOM_NAME_CHARS};
use crate::protocol::{Change, Event, ListRooms, PersonStatus, RoomActivity, RoomCreated};
use crate::realtime::use_realtime;
use leptos::{prelude::*, server_fn::ServerFn};

#[component]
pub(super) fn Sidebar(
    rooms: RwSignal<Vec<RoomEntry>>,
    current: String,
    /// The signed-in reader (guests create nothing and have no direct conversations).
    me: Option<String>,
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
    let can_create = me.is_some();
    let me = StoredValue::new(me.unwrap_or_default());
    let realtime = use_realtime();
    realtime.on::<RoomCreated>(move |event| {
        rooms.update(|rooms| {
            if !rooms.iter().any(|r| r.slug == event.room.slug) {
                let (slug, name) = (event.room.slug, event.room.name);
                let direct = event.direct;
                let entry = RoomEntry {
                    slug,
                    name,
                    last_seq: 0,
                    read_seq: 0,
                    joined: false,
                    direct,
                    online: false,
                };
                rooms.push(entry);
                rooms.sort_by_key(|r| r.name.to_lowercase());
            }
        });
    });
    realtime.on::<PersonStatus>(move |event| {
        let name = event.name.to_lowercase();
        rooms.update(|rooms| {
            let me = me.get_value();
            for entry in rooms.iter_mut() {
                if entry.peer(&me).is_some_and(|peer| peer.to_lowercase() == name) {
                    entry.online = event.online;
                }
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
                            known.online = entry.online;
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
    // Direct conversations are listed by the other person's name.
    let current_slug = StoredValue::new(current.clone());
    let has_direct = Memo::new(move |_| rooms.with(|rooms| rooms.iter().any(|r| r.direct)));
    let conversations = move || {
        let me = me.get_value();
        let mut direct: Vec<(String, String)> = rooms.with(|rooms| {
            rooms.iter().filter_map(|r| Some((r.slug.clone(), r.peer(&me)?.to_owned()))).collect()
        });
        direct.sort_by_key(|(_, peer)| peer.to_lowercase());
        direct
    };
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
                <For each=move || rooms.get().into_iter().filter(|r| !r.direct) key=|room| room.slug.clone() let:room>
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
                                    {move || unread_badge(unread(), is_current)}
                                </a>
                            </li>
                        }
                    }
                </For>
            </ul>
            {move || has_direct.get().then(|| view! {
                <h2>"Direct messages"</h2>
                <ul class="room-list direct-list">
                    <For each=conversations key=|(slug, _)| slug.clone() let:entry>
                        {
                            let (slug, peer) = entry;
                            let is_current = slug == current_slug.get_value();
                            // (unread, online)
                            let state = {
                                let slug = slug.clone();
                                Memo::new(move |_| {
                                    rooms.with(|rooms| {
                                        let entry = rooms.iter().find(|r| r.slug == slug);
                                        entry.map_or((0, false), |e| (e.unread(), e.online))
                                    })
                                })
                            };
                            let status = move || if state.get().1 { "online" } else { "offline" };
                            // Read as "Bob, online, 2 unread".
                            let label = {
                                let peer = peer.clone();
                                move || {
                                    let unread = state.get().0;
                                    let mut label = format!("{peer}, {}", status());
                                    if unread > 0 && !is_current {
                                        label.push_str(&format!(", {unread} unread"));
                                    }
                                    label
                                }
                            };
                            view! {
                                <li>
                                    <a href=format!("/r/{slug}") aria-current=is_current.then_some("page") aria-label=label>
                                        <span class="peer" aria-hidden="true">
                                            <Avatar name=peer.clone() />
                                            <span class="presence" class:online=move || state.get().1 title=status></span>
                                        </span>
                                        <span class="room-name">{peer}</span>
                                        {move || unread_badge(state.get().0, is_current)}
                                    </a>
                                </li>
                            }
                        }
                    </For>
                </ul>
            })}
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

/// How many messages of a room the reader has not read, unless they are reading it now.
fn unread_badge(unread: i64, is_current: bool) -> Option<impl IntoView> {
    (unread > 0 && !is_current).then(|| {
        view! { <span class="unread" aria-label=format!("{unread} unread")>{unread}</span> }
    })
}

//! The rooms, the current one marked, and a form to create one. Rendered by the server; rooms
//! created elsewhere appear live.

use crate::api::CreateRoom;
use crate::model::{Room, MAX_ROOM_NAME_CHARS, MIN_ROOM_NAME_CHARS};
use crate::protocol::RoomCreated;
use crate::realtime::use_realtime;
use leptos::{prelude::*, server_fn::ServerFn};

#[component]
pub(super) fn Sidebar(rooms: Vec<Room>, current: String, can_create: bool) -> impl IntoView {
    let rooms = RwSignal::new(rooms);
    use_realtime().on::<RoomCreated>(move |event| {
        rooms.update(|rooms| {
            if !rooms.iter().any(|r| r.slug == event.room.slug) {
                rooms.push(event.room);
                rooms.sort_by_key(|r| r.name.to_lowercase());
            }
        });
    });
    // A refused name comes back in the URL after the form post.
    let action = ServerAction::<CreateRoom>::new();
    let error = move || action.value().get().and_then(Result::err).map(|e| e.message);
    view! {
        <nav class="sidebar" aria-label="Rooms">
            <h2>"Rooms"</h2>
            <ul>
                <For each=move || rooms.get() key=|room| room.slug.clone() let:room>
                    <li>
                        <a
                            href=format!("/r/{}", room.slug)
                            aria-current=(room.slug == current).then_some("page")
                        >
                            "#"
                            {room.name}
                        </a>
                    </li>
                </For>
            </ul>
            {can_create.then(|| view! {
                <form method="post" action=CreateRoom::url() class="new-room">
                    <label for="room-name">"New room"</label>
                    <input
                        id="room-name"
                        name="name"
                        required
                        minlength=MIN_ROOM_NAME_CHARS
                        maxlength=MAX_ROOM_NAME_CHARS
                        placeholder="rust-users"
                    />
                    <button type="submit">"Create room"</button>
                    {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                </form>
            })}
        </nav>
    }
}

//! `/r/:slug`: a room. The server renders its latest messages and who is online; once hydrated,
//! the page joins the room over the socket, catches up on what was posted meanwhile, and applies
//! live events. Sends go over the socket when JavaScript runs, through the form otherwise.

mod attachments;
mod composer;
mod formatted;
mod live;
mod members;
mod message_list;
mod sidebar;

use super::account_forms::{AccountForms, SignOutButton};
use crate::api::LeaveRoom;
use crate::api::{load_room, set_status, Cursor, DeleteMessage, EditMessage, React, RoomPage};
use crate::model::{RoomEntry, LOBBY};
use crate::notify;
use crate::protocol::{ErrorCode, Online, ProtocolError};
use crate::realtime::{use_realtime, Realtime};
use crate::timeline::Timeline;
use composer::Composer;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use live::{Live, Typist};
use members::MembersPanel;
use message_list::MessageList;
use sidebar::Sidebar;

#[component]
pub fn RoomPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let page = Resource::new(
        move || {
            let number = |value: Option<String>| value.and_then(|v| v.parse::<i64>().ok());
            let query = query.read();
            let cursor = Cursor {
                before: number(query.get("before")),
                after: number(query.get("after")),
                around: number(params.read().get("seq")),
            };
            let reply = number(query.get("reply"));
            let member = query.get("member").filter(|m| !m.trim().is_empty());
            (params.read().get("slug").unwrap_or_default(), cursor, reply, member)
        },
        |(slug, Cursor { before, after, around }, reply, member)| {
            load_room(slug, before, after, around, reply, member)
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <Conversation page /> }.into_any(),
                    Err(error) => view! { <Unavailable error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Unavailable(error: ProtocolError) -> impl IntoView {
    let (status, title) = match error.code {
        ErrorCode::UnknownRoom => (404, "No such room"),
        ErrorCode::Forbidden => (403, "Not allowed"),
        _ => (500, "Something went wrong"),
    };
    set_status(status);
    view! {
        <Title text=title />
        <main class="page narrow">
            <h1>{title}</h1>
            <p>{error.message}</p>
            <p><a href="/r/lobby">"Go to the lobby"</a></p>
        </main>
    }
}

#[component]
fn Conversation(page: RoomPage) -> impl IntoView {
    let RoomPage {
        room,
        rooms,
        me,
        messages,
        has_older,
        has_newer,
        highlight,
        pos,
        read_seq,
        receipts,
        seen_more,
        online,
        draft_id,
        assistant,
        private_assistant,
        private,
        direct,
        members,
        member_count,
        member_matches,
        member_find,
        role,
        banned,
        admin,
        replying,
        refused,
    } = page;
    let seen_more = (messages.last().map_or(0, |m| m.seq), seen_more);
    let mut timeline = Timeline::new(room.slug.clone(), me.clone(), messages, pos);
    if has_newer {
        timeline = timeline.page_of_history();
    }
    let live = Live {
        realtime: use_realtime(),
        timeline: RwSignal::new(timeline.with_divider_after(read_seq)),
        rooms: RwSignal::new(rooms),
        receipts: RwSignal::new(receipts),
        seen_more: RwSignal::new(seen_more),
        online: RwSignal::new(online),
        typing: RwSignal::new(Vec::new()),
        me: StoredValue::new(me.clone()),
        at_live_end: !has_newer,
        older: RwSignal::new(has_older),
        loading_older: StoredValue::new(false),
        highlight,
        typing_sent: StoredValue::new(0.0),
        last_keystroke: StoredValue::new(0.0),
        syncing: StoredValue::new(false),
        refusal: RwSignal::new(None),
        answers: RwSignal::new(Vec::new()),
        moderates: role.is_some_and(crate::model::Role::moderates),
        replying: RwSignal::new(replying),
        picking: RwSignal::new(None),
        hydrated: RwSignal::new(false),
    };
    // Effects run in the browser only, after hydration.
    Effect::new(move |_| live.hydrated.set(true));
    live.follow();
    // Guests read the server's pages; only a signed-in page keeps a live connection.
    if let Some(me) = &me {
        live.realtime.start(me);
    }

    let me_named = me.is_some();
    let reader = me.clone();
    let footer = match me.clone() {
        _ if has_newer => view! {
            <p class="history-note">
                "You are reading older messages. "
                <a href=format!("/r/{}", room.slug)>"Jump to the latest"</a>
            </p>
        }
        .into_any(),
        Some(_) => {
            let hint = if private_assistant {
                "Ask the assistant…"
            } else if assistant {
                "Write a message… (start with @assistant to ask the AI)"
            } else {
                "Write a message…"
            };
            view! { <Composer live room=room.slug.clone() draft_id hint refused /> }.into_any()
        }
        None => view! {
            <section class="choose-name">
                {refused.map(|post| view! { <p class="error" role="alert">{post.error}</p> })}
                <p>"You are reading as a guest. Sign in to take part."</p>
                <AccountForms next=format!("/r/{}", room.slug) />
            </section>
        }
        .into_any(),
    };
    // The tab's title counts what is unread everywhere, this room too while the tab is hidden.
    let title = {
        let name = room.name.clone();
        // The head outlives this page on client-side navigation: the signal may be gone.
        move || match live.rooms.try_with(|rooms| rooms.iter().map(RoomEntry::unread).sum::<i64>())
        {
            None | Some(0) => name.clone(),
            Some(unread) => format!("({unread}) {name}"),
        }
    };
    // The phone's drawer, once hydrated (without JavaScript it is the `#rooms` fragment's target).
    let drawer = RwSignal::new(false);
    let skip = if me_named {
        ("#message", "Skip to the message box")
    } else {
        ("#messages", "Skip to the messages")
    };
    view! {
        <Title text=title />
        <div class="layout">
        // The first stop for the keyboard. `rel="external"`: the browser follows the fragment
        // itself, so the router does not load the page again.
        <a class="skip-link" href=skip.0 rel="external">{skip.1}</a>
        <Sidebar rooms=live.rooms current=room.slug.clone() me=me.clone() assistant=assistant && me.is_some() drawer />
        // The reader's name lets the socket connect before the page is hydrated
        // (`realtime::connect_early`).
        <main class="room" data-reader=reader>
            <header class="room-header">
                // On a phone the sidebar is a drawer, opened by this link (it is the target of
                // the fragment: no JavaScript needed).
                <a
                    class="drawer-open"
                    href="#rooms"
                    rel="external"
                    aria-label="Rooms"
                    title="Rooms"
                    on:click=move |event| {
                        event.prevent_default();
                        drawer.set(true);
                    }
                >
                    <span aria-hidden="true">"☰"</span>
                </a>
                <div class="title">
                    <h1>"#" {room.name}</h1>
                    <div class="status-line">
                        <OnlineCount online=live.online />
                        {me.is_some().then(|| view! { <ConnectionBadge realtime=live.realtime /> })}
                    </div>
                </div>
                {match me {
                    Some(name) => {
                        let leave = room.slug != LOBBY && !private_assistant && !direct;
                        view! { <AccountMenu name admin leave=leave.then(|| room.slug.clone()) /> }.into_any()
                    }
                    None => view! { <a class="sign-in-link" href="/">"Sign in"</a> }.into_any(),
                }}
            </header>
            {(!private_assistant).then(|| view! {
                <MembersPanel room=room.slug.clone() members member_count member_matches member_find role banned private direct />
            })}
            <ChangeError live />
            <MessageList live />
            <TypingIndicator typing=live.typing />
            {footer}
        </main>
        </div>
    }
}

/// The signed-in person's menu: their name, the account page, the admin page for server admins,
/// leaving this room, and signing out. A disclosure: it opens without JavaScript.
#[component]
fn AccountMenu(name: String, admin: bool, leave: Option<String>) -> impl IntoView {
    view! {
        <details class="menu">
            <summary aria-label=format!("Menu for {name}") title=name.clone()>
                <Avatar name=name.clone() />
                <span class="menu-name">{name.clone()}</span>
            </summary>
            <div class="menu-items">
                <p class="menu-who">"Signed in as " <strong>{name}</strong></p>
                <NotificationToggle />
                <a href="/account">"Account"</a>
                // One element either way: a text node beside an optional one does not hydrate.
                {admin.then(|| view! { <a href="/admin" rel="external">"Admin"</a> })}
                {leave.map(|room| view! { <LeaveForm room /> })}
                <SignOutButton />
            </div>
        </details>
    }
}

/// A person's round picture: the one they uploaded, or their initial on the colour their name
/// gives, the same on every page and every node (both drawn by the server, `/avatar`).
#[component]
pub(crate) fn Avatar(#[prop(into)] name: String) -> impl IntoView {
    use leptos::either::Either;
    if name == crate::model::ASSISTANT {
        return Either::Left(
            view! { <span class="avatar assistant-avatar" aria-hidden="true">"A"</span> },
        );
    }
    // The uploaded picture, or the initial drawn by the server (`/avatar`). Decorative: the name
    // is always written beside it.
    let src = crate::model::AvatarOf::url(&name);
    Either::Right(
        view! { <img class="avatar" src=src alt="" width="36" height="36" decoding="async" /> },
    )
}

/// "Leave room": a plain form to the `leave_room` server function, which ends the membership
/// and sends the browser to the lobby, with or without JavaScript.
#[component]
fn LeaveForm(room: String) -> impl IntoView {
    use leptos::server_fn::ServerFn;
    view! {
        <form class="leave" method="post" action=LeaveRoom::url()>
            <input type="hidden" name="room" value=room />
            <button type="submit">"Leave room"</button>
        </form>
    }
}

/// Why an edit, deletion or reaction was refused: over the socket, or after a form post without
/// JavaScript (then the error is in the URL).
#[component]
fn ChangeError(live: Live) -> impl IntoView {
    let edit = ServerAction::<EditMessage>::new();
    let delete = ServerAction::<DeleteMessage>::new();
    let react = ServerAction::<React>::new();
    let leave = ServerAction::<LeaveRoom>::new();
    let posted = move || {
        let errors =
            [edit.value().get(), delete.value().get(), react.value().get(), leave.value().get()];
        errors.into_iter().flatten().find_map(Result::err).map(|e| e.message)
    };
    move || {
        live.refusal.get().or_else(posted).map(|message| {
            view! { <p class="error change-error" role="alert">{message}</p> }
        })
    }
}

#[component]
fn OnlineCount(online: RwSignal<Online>) -> impl IntoView {
    // The names, and how many more there are when only the first are known.
    let title = move || {
        online.with(|online| {
            let more = online.count.saturating_sub(online.names.len() as u64);
            let names = online.names.join(", ");
            if more == 0 {
                names
            } else {
                format!("{names} and {more} more")
            }
        })
    };
    view! {
        <p class="online" title=title>
            <span class="dot" aria-hidden="true"></span>
            {move || format!("{} online", online.with(|online| online.count))}
        </p>
    }
}

#[component]
fn ConnectionBadge(realtime: Realtime) -> impl IntoView {
    let state = realtime.state();
    view! {
        <p
            class="connection"
            role="status"
            data-state=move || state.get().label()
            data-transport=move || realtime.transport().get()
        >
            {move || state.get().label()}
        </p>
    }
}

#[component]
fn TypingIndicator(typing: RwSignal<Vec<Typist>>) -> impl IntoView {
    let text = move || {
        typing.with(|list| match list.as_slice() {
            [] => String::new(),
            [one] => format!("{} is typing…", one.name),
            [one, two] => format!("{} and {} are typing…", one.name, two.name),
            [one, rest @ ..] => format!("{} and {} others are typing…", one.name, rest.len()),
        })
    };
    view! { <p class="typing" aria-live="polite">{text}</p> }
}

/// "Enable notifications", offered only while the browser has not decided, and asking only when
/// clicked. Rendered empty on the server: permission is a browser fact.
#[component]
fn NotificationToggle() -> impl IntoView {
    let permission = RwSignal::new(notify::Permission::Unsupported);
    Effect::new(move |_| permission.set(notify::permission()));
    let ask = move |_| {
        leptos::task::spawn_local(async move {
            // Whatever the answer, the button has done its job: do not offer it again.
            let answer = notify::request_permission().await;
            permission.set(if answer == notify::Permission::Default {
                notify::Permission::Denied
            } else {
                answer
            });
        });
    };
    move || {
        (permission.get() == notify::Permission::Default).then(|| {
            view! {
                <button type="button" class="enable-notifications" on:click=ask>
                    "Enable notifications"
                </button>
            }
        })
    }
}

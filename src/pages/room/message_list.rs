//! The conversation: stored messages in log order, notices, and the user's pending messages.
//! Bodies and names are text nodes, never HTML.

use super::attachments::attachments;
use super::formatted::formatted;
use super::live::Answering;
use super::live::Live;
use super::Avatar;
use crate::api::{DeleteMessage, EditMessage, React};
use crate::markdown::plain;
use crate::model::{clock, mention_parts, Message, Quote, ASSISTANT, MAX_SEEN_LISTED, REACTIONS};
use crate::realtime::utc_offset_minutes;
use crate::timeline::{Line, Timeline};
use leptos::{ev, html, prelude::*, server_fn::ServerFn};

#[component]
pub(super) fn MessageList(live: Live) -> impl IntoView {
    let scroller = NodeRef::<html::Div>::new();
    // Times render in UTC on the server, then in the reader's time zone once hydrated.
    let utc_offset = RwSignal::new(0);
    Effect::new(move |_| utc_offset.set(utc_offset_minutes()));
    // Keep the newest line in view when one is added at the bottom and the reader is there; a
    // permalink's message instead, on arrival. Effects run only in the browser.
    Effect::new(move |first: Option<()>| {
        // The reader's own message, however long, is always brought into view.
        let own = live.timeline.with(Timeline::ends_with_pending);
        let Some(element) = scroller.get() else { return };
        let target = live
            .highlight
            .filter(|_| first.is_none())
            .and_then(|seq| element.query_selector(&format!("#m{seq}")).ok().flatten());
        if let Some(target) = target {
            target.scroll_into_view();
        } else if first.is_none() || own || near_bottom(&element) {
            element.set_scroll_top(element.scroll_height());
        }
    });
    // Scrolled to the top: fetch the batch before (hydrated). Without JavaScript, the link.
    let scrolled = move |_| {
        if let Some(element) = scroller.get_untracked() {
            if element.scroll_top() < 40 && live.older.get_untracked() {
                leptos::task::spawn_local(live.load_older(element));
            }
        }
    };
    let room = live.timeline.with_untracked(|t| t.room().to_owned());
    let older_href = {
        let room = room.clone();
        move || {
            live.timeline.with(|t| t.first_seq()).map(|first| format!("/r/{room}?before={first}"))
        }
    };
    let newer = (!live.at_live_end()).then(|| {
        let last = live.timeline.with_untracked(|t| t.last_seq());
        view! { <a class="newer" href=format!("/r/{room}?after={last}")>"Newer messages"</a> }
    });
    view! {
        <div class="scroller" node_ref=scroller on:scroll=scrolled>
            // One child: without JavaScript the scroller is a reversed column (see the stylesheet).
            <div class="scroll-content">
            {move || {
                live.older.get().then(|| view! {
                    <a class="older" href=older_href()>"Older messages"</a>
                })
            }}
            // A polite live region: screen readers announce what arrives, not what was there.
            <ol class="messages" id="messages" aria-label="Messages" aria-live="polite" aria-relevant="additions">
                <For each=move || live.timeline.with(|t| t.lines(utc_offset.get())) key=Line::key let:line>
                    {row(line, live, utc_offset)}
                </For>
                <For each=move || live.answers.get() key=|a| (a.client_id.clone(), a.text.len()) let:answer>
                    <Answer live answer />
                </For>
            </ol>
            <SeenBy live />
            {newer}
            </div>
        </div>
    }
}

/// "Seen by Ada, Bob" under the latest message: who has read it, but its author and the reader;
/// past [`MAX_SEEN_LISTED`] names, the rest counted ("and 12 others").
#[component]
fn SeenBy(live: Live) -> impl IntoView {
    let text = move || {
        let last = live.timeline.with(|t| t.last_message().map(|m| (m.seq, m.author.clone())));
        let (seq, author) = last?;
        let me = live.me();
        let (names, known) = live.receipts.with(|receipts| {
            let mut readers = receipts.iter().filter(|(name, read)| {
                *read >= seq && *name != author && Some(name) != me.as_ref()
            });
            let names: Vec<&str> =
                readers.by_ref().take(MAX_SEEN_LISTED).map(|(name, _)| name.as_str()).collect();
            (names.join(", "), names.len() + readers.count())
        });
        let (counted_to, more) = live.seen_more.get();
        let more = if counted_to >= seq { more } else { 0 };
        let others = (known.saturating_sub(MAX_SEEN_LISTED) as u64).saturating_add(more);
        let text = match others {
            _ if known == 0 && others == 0 => return None,
            0 => format!("Seen by {names}"),
            1 if known == 0 => "Seen by 1 person".to_owned(),
            n if known == 0 => format!("Seen by {n} people"),
            1 => format!("Seen by {names} and 1 other"),
            n => format!("Seen by {names} and {n} others"),
        };
        live.at_live_end().then_some(text)
    };
    view! { <p class="seen-by">{text}</p> }
}

/// Within a screenful of the bottom, counting the line just added.
fn near_bottom(element: &leptos::web_sys::HtmlDivElement) -> bool {
    element.scroll_height() - element.scroll_top() - element.client_height() < 400
}

fn row(line: Line, live: Live, utc_offset: RwSignal<i32>) -> AnyView {
    let me = live.me();
    match line {
        Line::Sent(message) => sent(message, false, live, utc_offset),
        Line::Followup(message) => sent(message, true, live, utc_offset),
        Line::Pending(outgoing) => {
            let room = live.timeline.with_untracked(|t| t.room().to_owned());
            let status = if outgoing.error.is_some() { "failed" } else { "pending" };
            let client_id = outgoing.client_id.clone();
            let name = me.unwrap_or_default();
            view! {
                <li class="message mine" data-status=status>
                    <Avatar name=name.clone() />
                    <div class="message-main">
                        <div class="message-head">
                            <span class="author">{name}</span>
                            <span class="status">{if outgoing.error.is_some() { "not sent" } else { "sending…" }}</span>
                        </div>
                        {outgoing.reply.clone().map(|quote| quote_view(&room, quote))}
                        {(!outgoing.body.is_empty()).then(|| view! { <div class="body">{formatted(plain(&outgoing.body), None, false)}</div> })}
                        {attachments(&outgoing.files)}
                        {outgoing.error.map(|error| view! {
                            <p class="error">
                                {error} " "
                                <button type="button" on:click=move |_| live.discard(&client_id)>"Discard"</button>
                            </p>
                        })}
                    </div>
                </li>
            }
            .into_any()
        }
        Line::Notice(notice) => view! { <li class="notice">{notice.text}</li> }.into_any(),
        // A list item like the others (a separator role does not belong among list items).
        Line::Divider => view! { <li class="divider"><span>"New messages"</span></li> }.into_any(),
        Line::Day(day) => view! { <li class="day"><span>{day}</span></li> }.into_any(),
    }
}

/// A stored message: with its author's avatar and name, or (`followup`) under the previous
/// message of the same author, its name kept for screen readers only.
fn sent(message: Message, followup: bool, live: Live, utc_offset: RwSignal<i32>) -> AnyView {
    let me = live.me();
    let mine = me.as_deref() == Some(message.author.as_str());
    let mentions_me = !mine
        && me.as_deref().is_some_and(|me| mention_parts(&message.body, me).iter().any(|(m, _)| *m));
    let body = if message.deleted {
        view! { <p class="body tombstone">"Message deleted"</p> }.into_any()
    } else {
        let text = (!message.body.is_empty() || message.edited_at.is_some()).then(|| {
            view! {
                <div class="body">
                    {formatted(message.formatted.blocks(&message.body), me.as_deref(), message.edited_at.is_some())}
                </div>
            }
        });
        view! {
            {text}
            {attachments(&message.files)}
            {message.note.clone().map(|note| view! { <p class="note">{note}</p> })}
        }
        .into_any()
    };
    let tools = (!message.deleted && me.is_some()).then(|| {
        view! {
            <div class="tools">
                <ReplyLink live message=message.clone() />
                <Reactions live message=message.clone() />
                {mine.then(|| view! { <OwnMessageTools live message=message.clone() /> })}
                {(!mine && live.moderates).then(|| view! { <ModeratorTools live message=message.clone() /> })}
            </div>
        }
    });
    let author = message.author.clone();
    view! {
        <li
            id=format!("m{}", message.seq)
            class="message"
            class:followup=followup
            class:mine=mine
            class:mentions-me=mentions_me
            class:deleted=message.deleted
            class:assistant=message.author == ASSISTANT
            class:highlight=live.highlight == Some(message.seq)
            data-status="sent"
            data-seq=message.seq
        >
            {(!followup).then(|| view! { <Avatar name=author.clone() /> })}
            <div class="message-main">
                <div class="message-head">
                    <span class="author" class:visually-hidden=followup>{author}</span>
                    <a class="permalink" href=format!("/r/{}/m/{}#m{}", message.room, message.seq, message.seq)>
                        <time datetime=message.timestamp()>
                            {let at = message.created_at; move || clock(at, utc_offset.get())}
                        </time>
                    </a>
                </div>
                {message.reply.clone().map(|quote| quote_view(&message.room, quote))}
                {body}
                {tools}
            </div>
        </li>
    }
    .into_any()
}

/// The start of the message a reply answers, linking to it in context.
fn quote_view(room: &str, quote: Quote) -> AnyView {
    let href = format!("/r/{room}/m/{}#m{}", quote.seq, quote.seq);
    if quote.deleted {
        return view! {
            <a class="quote deleted" href=href><span aria-hidden="true">"↩ "</span>"Reply to a deleted message"</a>
        }
        .into_any();
    }
    view! {
        <a class="quote" href=href>
            <span aria-hidden="true">"↩ "</span>
            <span class="visually-hidden">"Reply to "</span>
            <span class="quote-author">{quote.author}</span>
            " "
            <span class="quote-text">{quote.excerpt}</span>
        </a>
    }
    .into_any()
}

/// "Reply": without JavaScript a link to the room with the composer replying to the message;
/// hydrated, it sets the reply in place and moves to the message box.
#[component]
fn ReplyLink(live: Live, message: Message) -> impl IntoView {
    let href = format!("/r/{}?reply={}#message", message.room, message.seq);
    // Quoted when clicked, not for every message a page renders.
    let click = move |event: ev::MouseEvent| {
        event.prevent_default();
        live.replying.set(Some(Quote::of(&message)));
        if let Some(composer) = document().get_element_by_id("message") {
            use leptos::wasm_bindgen::JsCast;
            if let Ok(composer) = composer.dyn_into::<leptos::web_sys::HtmlElement>() {
                let _ = composer.focus();
            }
        }
    };
    // `rel="external"`: the router leaves the link alone; the handler (or the browser) takes it.
    view! { <a class="reply-link" href=href rel="external" on:click=click>"Reply"</a> }
}

/// The reactions on a message (each a toggle: emoji, count, and who in its tooltip), and "+"
/// to add one. Plain forms to the `react` server function without JavaScript, and "+" a link to
/// the emoji page (the quick six first); hydrated, the buttons send `message:react` over the
/// socket and "+" opens the quick six in place, rendered only while open: a page of messages
/// carries one link per message instead of a form of six buttons.
#[component]
fn Reactions(live: Live, message: Message) -> impl IntoView {
    let me = live.me().unwrap_or_default();
    let (room, seq) = (message.room.clone(), message.seq);
    let chips = message
        .reactions
        .iter()
        .map(|reaction| {
            let chose = reaction.names.contains(&me);
            let emoji = reaction.emoji.clone();
            let label = format!("{} {}", reaction.emoji, reaction.names.len());
            let who = format!("{} reacted with {}", reaction.names.join(", "), reaction.emoji);
            let click = move |event: ev::MouseEvent| {
                event.prevent_default();
                live.react(seq, emoji.clone(), !chose);
            };
            view! {
                <form class="reaction" method="post" action=React::url()>
                    <input type="hidden" name="room" value=room.clone() />
                    <input type="hidden" name="seq" value=seq />
                    <input type="hidden" name="emoji" value=reaction.emoji.clone() />
                    <input type="hidden" name="on" value=(!chose).to_string() />
                    <button type="submit" aria-pressed=chose.to_string() title=who.clone() aria-label=who on:click=click>
                        {label}
                    </button>
                </form>
            }
        })
        .collect_view();
    let opener = NodeRef::<html::A>::new();
    let open = move || live.picking.get() == Some(seq);
    let close = move || {
        live.picking.set(None);
        if let Some(opener) = opener.get_untracked() {
            let _ = opener.focus();
        }
    };
    let toggle = move |event: ev::MouseEvent| {
        event.prevent_default();
        live.picking.update(|picking| *picking = (*picking != Some(seq)).then_some(seq));
    };
    let escape = move |event: ev::KeyboardEvent| {
        if event.key() == "Escape" && live.picking.get_untracked() == Some(seq) {
            event.prevent_default();
            close();
        }
    };
    let more = format!("/r/{room}/m/{seq}/react");
    let choices = {
        let more = more.clone();
        move || {
            open().then(|| {
                let picks = REACTIONS
                    .iter()
                    .map(|emoji| {
                        let click = move |_| {
                            live.react(seq, (*emoji).to_owned(), true);
                            close();
                        };
                        view! {
                            <button type="button" aria-label=format!("React with {emoji}") on:click=click>
                                {*emoji}
                            </button>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="react-choices" role="group" aria-label="Quick reactions">
                        {picks}
                        // Any other emoji: a page with a search (a full load: it holds no live state).
                        <a class="more-emoji" href=more.clone() rel="external" aria-label="More emoji" title="More emoji">"…"</a>
                    </div>
                }
            })
        }
    };
    view! {
        <div class="reactions">
            {chips}
            <div class="react-picker" class:open=open on:keydown=escape>
                // Without JavaScript this is a link to the emoji page; hydrated, a disclosure.
                <a
                    class="react-open"
                    href=more
                    rel="external"
                    node_ref=opener
                    aria-label="Add a reaction"
                    title="Add a reaction"
                    aria-expanded=move || live.hydrated.get().then(|| open().to_string())
                    on:click=toggle
                >
                    "+"
                </a>
                {choices}
            </div>
        </div>
    }
}

/// Edit (a form in a disclosure, which needs no JavaScript) and Delete, on the reader's own
/// messages.
#[component]
fn OwnMessageTools(live: Live, message: Message) -> impl IntoView {
    let (room, seq) = (message.room.clone(), message.seq);
    let editor = NodeRef::<html::Textarea>::new();
    let save = move |event: ev::SubmitEvent| {
        event.prevent_default();
        if let Some(editor) = editor.get() {
            live.edit(seq, editor.value());
        }
        close_details(&event);
    };
    let delete = move |event: ev::SubmitEvent| {
        event.prevent_default();
        live.delete(seq);
    };
    view! {
        <div class="own-tools">
            <details class="edit">
                <summary>"Edit"</summary>
                <form method="post" action=EditMessage::url() on:submit=save>
                    <input type="hidden" name="room" value=room.clone() />
                    <input type="hidden" name="seq" value=seq />
                    <textarea name="body" rows="2" aria-label="Edited message" node_ref=editor>
                        {crate::pages::textarea_text(&message.body)}
                    </textarea>
                    <button type="submit">"Save"</button>
                </form>
            </details>
            <form class="delete" method="post" action=DeleteMessage::url() on:submit=delete>
                <input type="hidden" name="room" value=room />
                <input type="hidden" name="seq" value=seq />
                <button type="submit">"Delete"</button>
            </form>
        </div>
    }
}

/// What a room's moderator may do to someone else's message: delete it.
#[component]
fn ModeratorTools(live: Live, message: Message) -> impl IntoView {
    let seq = message.seq;
    let delete = move |event: ev::SubmitEvent| {
        event.prevent_default();
        live.delete(seq);
    };
    view! {
        <div class="own-tools">
            <form class="delete" method="post" action=DeleteMessage::url() on:submit=delete>
                <input type="hidden" name="room" value=message.room.clone() />
                <input type="hidden" name="seq" value=seq />
                <button type="submit" aria-label=format!("Delete {}'s message", message.author)>"Delete"</button>
            </form>
        </div>
    }
}

/// Closes the disclosure an event happened in (the editor), once it has done its job.
fn close_details(event: &leptos::web_sys::Event) {
    use leptos::wasm_bindgen::JsCast;
    let details = event
        .target()
        .and_then(|target| target.dyn_into::<leptos::web_sys::Element>().ok())
        .and_then(|element| element.closest("details").ok().flatten());
    if let Some(details) = details {
        let _ = details.remove_attribute("open");
    }
}

/// An answer the assistant is still writing, growing piece by piece; its asker can stop it.
#[component]
fn Answer(live: Live, answer: Answering) -> impl IntoView {
    let mine = live.me().as_deref() == Some(answer.asker.as_str());
    view! {
        <li class="message assistant" data-status="streaming" aria-busy="true">
            <Avatar name=ASSISTANT />
            <div class="message-main">
                <div class="message-head">
                    <span class="author">{ASSISTANT}</span>
                    <span class="status">"writing…"</span>
                </div>
                <div class="body">{formatted(plain(&format!("{}{}", if answer.gappy { "… " } else { "" }, answer.text)), None, false)}</div>
                {mine.then(|| view! {
                    <button type="button" class="stop" on:click=move |_| live.stop_answer()>"Stop"</button>
                })}
            </div>
        </li>
    }
}

//! The message box. Without JavaScript it is a plain form posting to the `post_message` server
//! function (with a client id from the page, so a re-post is stored once); hydrated, Enter or
//! Send puts the message in the timeline as pending and sends it over the socket.

use super::live::Live;
use crate::api::PostMessage;
use crate::model::{validate_body, MAX_MESSAGE_CHARS};
use leptos::{ev, html, prelude::*, server_fn::ServerFn};

#[component]
pub(super) fn Composer(
    live: Live,
    room: String,
    draft_id: String,
    /// The placeholder: what can be written here.
    hint: &'static str,
) -> impl IntoView {
    // An error the server put in the URL after a post without JavaScript.
    let action = ServerAction::<PostMessage>::new();
    let server_error = move || action.value().get().and_then(Result::err).map(|e| e.message);
    let local_error = RwSignal::new(None::<String>);
    let draft = RwSignal::new(String::new());
    let form = NodeRef::<html::Form>::new();

    let submit = move |event: ev::SubmitEvent| {
        event.prevent_default();
        match validate_body(&draft.get_untracked()) {
            Ok(body) => {
                live.send(body);
                draft.set(String::new());
                local_error.set(None);
            }
            Err(error) => local_error.set(Some(error.message)),
        }
    };
    let keydown = move |event: ev::KeyboardEvent| {
        // Escape drops the reply being written (the text stays).
        if event.key() == "Escape" && live.replying.get_untracked().is_some() {
            live.replying.set(None);
        }
        if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
            event.prevent_default();
            if let Some(form) = form.get() {
                let _ = form.request_submit();
            }
        }
    };
    let input = move |event: ev::Event| {
        draft.set(event_target_value(&event));
        local_error.set(None);
        live.typing_now();
    };
    // Near the limit, how many characters are left; past it, how many too many. No `maxlength`:
    // it would cut a pasted text silently, and the sender must see why it is refused.
    let count = move || {
        let used = draft.with(|d| d.trim().chars().count());
        (used * 10 >= MAX_MESSAGE_CHARS * 9).then(|| {
            let over = used > MAX_MESSAGE_CHARS;
            let text = if over {
                format!("{} characters too many", used - MAX_MESSAGE_CHARS)
            } else {
                format!("{} characters left", MAX_MESSAGE_CHARS - used)
            };
            view! { <p class="count" class:over=over>{text}</p> }
        })
    };

    // What the message will reply to: a hidden field for the form, and a way out of it (a link
    // back to the room without JavaScript, a reset hydrated).
    let cancel_href = format!("/r/{room}");
    let replying = move || {
        live.replying.get().map(|quote| {
            let cancel = move |event: ev::MouseEvent| {
                event.prevent_default();
                live.replying.set(None);
            };
            view! {
                <div class="replying" role="group" aria-label="Replying to">
                    <input type="hidden" name="reply_to" value=quote.seq />
                    <p class="replying-to">"Replying to " <strong>{quote.author}</strong></p>
                    <p class="replying-text">{quote.excerpt}</p>
                    <a class="cancel-reply" href=cancel_href.clone() rel="external" on:click=cancel>"Cancel reply"</a>
                </div>
            }
        })
    };
    // Arriving to reply (the no-JavaScript "Reply" link): straight to the message box.
    let autofocus = live.replying.get_untracked().is_some();

    view! {
        <form class="composer" method="post" action=PostMessage::url() node_ref=form on:submit=submit>
            <input type="hidden" name="room" value=room />
            <input type="hidden" name="client_id" value=draft_id />
            {replying}
            <label for="message" class="visually-hidden">"Message"</label>
            <textarea
                id="message"
                name="body"
                rows="2"
                autofocus=autofocus
                placeholder=hint
                aria-describedby="composer-error composer-count"
                prop:value=draft
                on:input=input
                on:keydown=keydown
            ></textarea>
            <button type="submit">"Send"</button>
            <div id="composer-count" class="count-slot">{count}</div>
            <p id="composer-error" class="error" role="alert">
                {move || local_error.get().or_else(server_error)}
            </p>
        </form>
    }
}

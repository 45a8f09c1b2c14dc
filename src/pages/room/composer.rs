//! The message box. Without JavaScript it is a plain form posting to `/r/<slug>` (with a client
//! id from the page, so a re-post is stored once; a refused post comes back in the box with the
//! reason, see `server::compose`); hydrated, Enter or Send puts the message in the timeline as
//! pending and sends it over the socket.
//!
//! Files: without JavaScript, "Attach" leads to a form of its own (`/r/<slug>/attach`);
//! hydrated, it opens the file picker, and files dropped on the message box or pasted into it
//! upload at once and go with the next message.

use super::attachments::{Chip, Upload};
use super::live::Live;
use crate::api::RefusedPost;
use crate::model::{validate_post, Attachment, MAX_FILES_PER_MESSAGE, MAX_MESSAGE_CHARS};
use leptos::{ev, html, prelude::*};

#[component]
pub(super) fn Composer(
    live: Live,
    room: String,
    draft_id: String,
    /// The placeholder: what can be written here.
    hint: &'static str,
    /// What the server refused from this form without JavaScript: the text goes back in the box.
    refused: Option<RefusedPost>,
) -> impl IntoView {
    let (draft, local_error) = match refused {
        Some(post) => (post.body, Some(post.error)),
        None => (String::new(), None),
    };
    let local_error = RwSignal::new(local_error);
    // The text goes in the markup too: a property is set by the browser, after hydration.
    let initial = crate::pages::textarea_text(&draft);
    let draft = RwSignal::new(draft);
    let form = NodeRef::<html::Form>::new();
    let chips = RwSignal::new(Vec::<Chip>::new());

    let submit = move |event: ev::SubmitEvent| {
        event.prevent_default();
        let (busy, files) = chips.with_untracked(|chips| {
            let busy = chips.iter().any(|chip| chip.state == Upload::Sending);
            let files: Vec<Attachment> = chips
                .iter()
                .filter_map(|chip| match &chip.state {
                    Upload::Ready(file) => Some(file.clone()),
                    _ => None,
                })
                .collect();
            (busy, files)
        });
        if busy {
            local_error.set(Some("Wait for the files to finish uploading.".into()));
            return;
        }
        match validate_post(&draft.get_untracked(), !files.is_empty()) {
            Ok(body) => {
                live.send(body, files);
                draft.set(String::new());
                chips.set(Vec::new());
                local_error.set(None);
            }
            Err(error) => local_error.set(Some(error.message)),
        }
    };
    let room_slug = StoredValue::new(room.clone());
    let add_files = move |files: Vec<FileHandle>| {
        let room = room_slug.get_value();
        for file in files {
            if chips.with_untracked(Vec::len) >= MAX_FILES_PER_MESSAGE {
                let why = format!("A message can carry at most {MAX_FILES_PER_MESSAGE} files.");
                local_error.set(Some(why));
                break;
            }
            local_error.set(None);
            start_upload(chips, room.clone(), file);
        }
    };
    let picker = NodeRef::<html::Input>::new();
    let open_picker = move |event: ev::MouseEvent| {
        event.prevent_default();
        if let Some(input) = picker.get() {
            input.click();
        }
    };
    let picked = move |_: ev::Event| {
        if let Some(input) = picker.get() {
            add_files(input_files(&input));
            input.set_value("");
        }
    };
    let dropped = move |event: ev::DragEvent| {
        let files = dropped_files(&event);
        if !files.is_empty() {
            event.prevent_default();
            add_files(files);
        }
    };
    let dragover = move |event: ev::DragEvent| event.prevent_default();
    let pasted = move |event: ev::ClipboardEvent| {
        let files = pasted_files(&event);
        if !files.is_empty() {
            event.prevent_default();
            add_files(files);
        }
    };
    let chip_list = move || {
        let list = chips.get();
        (!list.is_empty()).then(|| {
            let items = list
                .into_iter()
                .map(|chip| {
                    let key = chip.key;
                    let remove = move |_| chips.update(|c| c.retain(|chip| chip.key != key));
                    let (class, status) = match &chip.state {
                        Upload::Sending => ("chip sending", "uploading…".to_owned()),
                        Upload::Ready(file) => ("chip", file.size_text()),
                        Upload::Failed(why) => ("chip failed", why.clone()),
                    };
                    let label = format!("Remove {}", chip.name);
                    view! {
                        <li class=class>
                            <span class="chip-name">{chip.name}</span>
                            " "
                            <span class="chip-status">{status}</span>
                            <button type="button" class="chip-remove" aria-label=label on:click=remove>"×"</button>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="chips" aria-label="Files to send" aria-live="polite">{items}</ul> }
        })
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
        <form
            class="composer"
            method="post"
            action=format!("/r/{room}")
            node_ref=form
            on:submit=submit
            on:drop=dropped
            on:dragover=dragover
        >
            <input type="hidden" name="room" value=room.clone() />
            <input type="hidden" name="client_id" value=draft_id />
            {replying}
            {chip_list}
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
                on:paste=pasted
            >{initial}</textarea>
            <a class="attach" href=format!("/r/{room}/attach") rel="external" aria-label="Attach files" title="Attach files" on:click=open_picker>
                <span aria-hidden="true">"📎"</span>
            </a>
            <input type="file" class="picker" multiple tabindex="-1" aria-hidden="true" node_ref=picker on:change=picked />
            <button type="submit">"Send"</button>
            <div id="composer-count" class="count-slot">{count}</div>
            <p id="composer-error" class="error" role="alert">
                {move || local_error.get()}
            </p>
        </form>
    }
}

/// A file the browser hands over (nothing on the server, which never sees one).
#[cfg(feature = "hydrate")]
type FileHandle = leptos::web_sys::File;
#[cfg(not(feature = "hydrate"))]
type FileHandle = ();

static NEXT_CHIP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Shows a file as uploading and uploads it; its chip then says it is ready, or why not.
fn start_upload(chips: RwSignal<Vec<Chip>>, room: String, file: FileHandle) {
    let key = NEXT_CHIP.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    #[cfg(feature = "hydrate")]
    {
        let name = file.name();
        chips.update(|c| c.push(Chip { key, name, state: Upload::Sending }));
        leptos::task::spawn_local(async move {
            let state = match super::attachments::upload(&room, &file).await {
                Ok(attachment) => Upload::Ready(attachment),
                Err(why) => Upload::Failed(why),
            };
            chips.try_update(|c| {
                if let Some(chip) = c.iter_mut().find(|chip| chip.key == key) {
                    chip.state = state;
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (chips, room, file, key);
}

#[cfg(feature = "hydrate")]
fn list(files: Option<leptos::web_sys::FileList>) -> Vec<FileHandle> {
    let Some(files) = files else { return Vec::new() };
    (0..files.length()).filter_map(|i| files.get(i)).collect()
}

fn input_files(input: &leptos::web_sys::HtmlInputElement) -> Vec<FileHandle> {
    #[cfg(feature = "hydrate")]
    return list(input.files());
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = input;
        Vec::new()
    }
}

fn dropped_files(event: &ev::DragEvent) -> Vec<FileHandle> {
    #[cfg(feature = "hydrate")]
    return list(event.data_transfer().and_then(|data| data.files()));
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = event;
        Vec::new()
    }
}

fn pasted_files(event: &ev::ClipboardEvent) -> Vec<FileHandle> {
    #[cfg(feature = "hydrate")]
    return list(event.clipboard_data().and_then(|data| data.files()));
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = event;
        Vec::new()
    }
}

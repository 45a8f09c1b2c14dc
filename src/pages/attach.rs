//! `/r/:slug/attach`: attach a file without JavaScript. A `multipart/form-data` form posting to
//! `/r/<slug>/upload` (see `server::uploads`), which uploads the file and posts it with the
//! message, then goes back to the room; a refusal comes back here as `?error=<code>`, with
//! the message text kept. Hydrated pages open the file picker instead of coming here.

use crate::api::{load_attach, set_status};
use crate::model::MAX_MESSAGE_CHARS;
use crate::protocol::ErrorCode;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn AttachPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let room = move || params.with(|p| p.get("slug").unwrap_or_default());
    let form = Resource::new(room, load_attach);
    view! {
        <Title text="Attach a file" />
        <main class="page attach-page">
            <p><a href=move || format!("/r/{}", room())>"← Back to the room"</a></p>
            <h1>"Attach a file"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let form = match form.await {
                        Ok(form) => form,
                        Err(error) => {
                            set_status(match error.code {
                                ErrorCode::NotSignedIn => 401,
                                ErrorCode::Forbidden => 403,
                                ErrorCode::UnknownRoom => 404,
                                _ => 500,
                            });
                            return view! { <p class="error" role="alert">{error.message}</p> }.into_any();
                        }
                    };
                    let (error, body) = query.with_untracked(|q| (q.get("error"), q.get("body").unwrap_or_default()));
                    let error = error.map(|code| refusal_text(&code, form.max_mb));
                    let action = format!("/r/{}/upload", room());
                    view! {
                        <p>"To " <strong>{form.room_name}</strong></p>
                        <form class="attach-form" method="post" action=action enctype="multipart/form-data">
                            <input type="hidden" name="client_id" value=form.client_id />
                            <label for="attach-file">"File"</label>
                            <input id="attach-file" type="file" name="file" required aria-describedby="attach-hint attach-error" />
                            <p id="attach-hint" class="muted">
                                {format!("Pictures (PNG, JPEG, GIF, WebP), PDF, ZIP or plain text, up to {} MB.", form.max_mb)}
                            </p>
                            <label for="attach-body">"Message (optional)"</label>
                            <textarea id="attach-body" name="body" rows="3">{crate::pages::textarea_text(&body)}</textarea>
                            <p id="attach-error" class="error" role="alert">{error}</p>
                            <button type="submit">"Send"</button>
                        </form>
                    }
                    .into_any()
                })}
            </Suspense>
        </main>
    }
}

/// What a refusal the upload sent back here means, in words.
fn refusal_text(code: &str, max_mb: u64) -> String {
    let code: Option<ErrorCode> = serde_json::from_value(serde_json::Value::from(code)).ok();
    match code {
        Some(ErrorCode::FileTooLarge) => {
            format!("That file is too large: a file can be at most {max_mb} MB.")
        }
        Some(ErrorCode::UnsupportedFile) => "Parley accepts pictures (PNG, JPEG, GIF, WebP), PDF, \
                                             ZIP and plain text files only."
            .into(),
        Some(ErrorCode::UnknownFile) => "Choose a file to attach.".into(),
        Some(ErrorCode::RateLimited) => {
            "You have uploaded or sent too much for now. Try again later.".into()
        }
        Some(ErrorCode::MessageTooLong) => {
            format!("The message can be at most {MAX_MESSAGE_CHARS} characters long.")
        }
        Some(ErrorCode::InvalidMessage) => "The message cannot contain control characters.".into(),
        Some(ErrorCode::NotSignedIn) => "Sign in to attach files.".into(),
        _ => "The file could not be attached. Try again.".into(),
    }
}

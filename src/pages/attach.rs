//! `/r/:slug/attach`: attach a file without JavaScript. A `multipart/form-data` form posting to
//! the page itself (see `server::uploads`), which uploads the file and posts it with the
//! message, then goes back to the room; a refusal is answered with this page again, saying why,
//! with the message text kept. Hydrated pages open the file picker instead of coming here.

use crate::api::{load_attach, set_status};
use crate::protocol::ErrorCode;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn AttachPage() -> impl IntoView {
    let params = use_params_map();
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
                    let (error, body) = match form.refused {
                        Some(post) => (Some(post.error), post.body),
                        None => (None, String::new()),
                    };
                    let action = format!("/r/{}/attach", room());
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

//! Files on messages: pictures as previews the size they will take (no layout jump while they
//! load), other files as download links; and, hydrated, the composer's uploads.

use crate::model::Attachment;
use leptos::prelude::*;

/// A message's files, if it has any.
pub(super) fn attachments(files: &[Attachment]) -> Option<AnyView> {
    if files.is_empty() {
        return None;
    }
    let items = files
        .iter()
        .map(|file| match file.preview_size() {
            Some((width, height)) => view! {
                <li>
                    <a class="picture" href=file.url() rel="external">
                        <img src=file.thumb_url() width=width height=height alt=file.name.clone() loading="lazy" />
                    </a>
                </li>
            }
            .into_any(),
            None => view! {
                <li>
                    <a class="file" href=file.url() rel="external" download=file.name.clone()>
                        <span class="file-icon" aria-hidden="true">"📄"</span>
                        <span class="file-name">{file.name.clone()}</span>
                        <span class="file-size">{file.size_text()}</span>
                    </a>
                </li>
            }
            .into_any(),
        })
        .collect_view();
    Some(view! { <ul class="files">{items}</ul> }.into_any())
}

/// A file being attached in the composer.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Chip {
    pub key: u64,
    pub name: String,
    pub state: Upload,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))] // set by uploads, in the browser only
pub(super) enum Upload {
    Sending,
    Ready(Attachment),
    Failed(String),
}

/// Uploads one file to a room (`POST /api/v1/rooms/{room}/files`, with the session cookie).
#[cfg(feature = "hydrate")]
pub(super) async fn upload(room: &str, file: &leptos::web_sys::File) -> Result<Attachment, String> {
    use leptos::wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    #[derive(serde::Deserialize)]
    struct Refusal {
        error: crate::protocol::ProtocolError,
    }
    let lost = || format!("{} could not be uploaded: check your connection.", file.name());
    let name = String::from(js_sys::encode_uri_component(&file.name()));
    let url = format!("/api/v1/rooms/{room}/files?name={name}");
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(file.as_ref());
    let window = web_sys::window().ok_or_else(lost)?;
    let response = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
        .await
        .map_err(|_| lost())?
        .dyn_into::<web_sys::Response>()
        .map_err(|_| lost())?;
    let text = JsFuture::from(response.text().map_err(|_| lost())?)
        .await
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default();
    if response.ok() {
        serde_json::from_str(&text).map_err(|_| lost())
    } else {
        Err(serde_json::from_str::<Refusal>(&text).map(|r| r.error.message).unwrap_or_else(|_| {
            format!("{} could not be uploaded (error {}).", file.name(), response.status())
        }))
    }
}

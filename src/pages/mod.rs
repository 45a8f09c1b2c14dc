//! One page per file (the room page, with its components, per folder). Each renders completely
//! on the server; the browser hydrates it.

pub mod account;
pub mod admin;
pub mod attach;
pub mod home;
pub mod not_found;
pub mod react;
pub mod room;
pub mod search;

mod account_forms;

/// Text for a `<textarea>`'s contents. Leptos does not escape a textarea's children when it
/// renders HTML (tachys 0.2 marks the element as raw text: `</textarea>` in the text would end
/// it), so the server escapes them itself; in the browser they become a text node, which needs
/// no escaping.
pub fn textarea_text(text: &str) -> String {
    #[cfg(feature = "ssr")]
    return html_escape::encode_text(text).into_owned();
    #[cfg(not(feature = "ssr"))]
    text.to_owned()
}

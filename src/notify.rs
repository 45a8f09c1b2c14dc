//! Browser notifications for messages that mention the reader while the tab is hidden.
//! Permission is asked for only when the person clicks the button that asks for it, never on
//! load. Every function has the same signature on both sides; on the server they do nothing.

/// What the browser allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Not decided yet: the "Enable notifications" button may be offered.
    Default,
    Granted,
    Denied,
    /// No Notification API (or the server render).
    Unsupported,
}

pub fn permission() -> Permission {
    #[cfg(feature = "hydrate")]
    {
        use web_sys::{Notification, NotificationPermission};
        let supported = js_sys::Reflect::has(&leptos::prelude::window(), &"Notification".into())
            .unwrap_or(false);
        if !supported {
            return Permission::Unsupported;
        }
        match Notification::permission() {
            NotificationPermission::Granted => Permission::Granted,
            NotificationPermission::Denied => Permission::Denied,
            _ => Permission::Default,
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Permission::Unsupported
    }
}

/// Shows the browser's permission prompt; call it from a click handler only.
pub async fn request_permission() -> Permission {
    #[cfg(feature = "hydrate")]
    {
        if let Ok(promise) = web_sys::Notification::request_permission() {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        }
    }
    permission()
}

/// True when the page is in a background tab or a minimised window.
pub fn tab_hidden() -> bool {
    #[cfg(feature = "hydrate")]
    {
        leptos::prelude::document().hidden()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// Shows a notification if permitted. `tag` folds repeated notifications of one room together.
pub fn show(title: &str, body: &str, tag: &str) {
    #[cfg(feature = "hydrate")]
    if permission() == Permission::Granted {
        let options = web_sys::NotificationOptions::new();
        options.set_body(body);
        options.set_tag(tag);
        let _ = web_sys::Notification::new_with_options(title, &options);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (title, body, tag);
}

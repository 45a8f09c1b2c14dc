//! The HTML shell and the route table.

use crate::pages::attach::AttachPage;
use crate::pages::{account::AccountPage, admin::AdminPage, home::HomePage};
use crate::pages::{not_found::NotFound, react::ReactPage, room::RoomPage, search::SearchPage};
use crate::realtime::provide_realtime;
use leptos::prelude::*;
use leptos::tachys::view::any_view::AnyView;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    lazy_route, path, Lazy, LazyRoute, SsrMode,
};

/// The document around the app. Rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options=options.clone() />
                <ChunkPreloads options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_realtime();
    // Every page but the sign-in page is its own WASM chunk (`cargo leptos --split`): a visitor
    // downloads the code of the pages they open, not of every page. The sign-in page, a new
    // visitor's first, stays in the main bundle.
    // Pages render only after their data has loaded (`SsrMode::Async`), so the HTML is complete
    // without JavaScript and redirects or status codes can still be set.
    view! {
        <Stylesheet id="leptos" href="/pkg/parley.css" />
        <Title formatter=|page: String| if page.is_empty() { "Parley".to_owned() } else { format!("{page} · Parley") } />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/admin") view={Lazy::<AdminRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/search") view={Lazy::<SearchRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/r/:slug") view={Lazy::<RoomRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/r/:slug/m/:seq") view={Lazy::<RoomRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/r/:slug/m/:seq/react") view={Lazy::<ReactRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/r/:slug/attach") view={Lazy::<AttachRoute>::new()} ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}

/// A route whose view is split into its own WASM chunk, fetched when the route is first opened
/// (and preloaded by the server-rendered page that needs it). Pages load their own data, so
/// `data` has nothing to start.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    };
}

lazy_page!(AccountRoute, AccountPage);
lazy_page!(AdminRoute, AdminPage);
lazy_page!(SearchRoute, SearchPage);
lazy_page!(RoomRoute, RoomPage);
lazy_page!(ReactRoute, ReactPage);
lazy_page!(AttachRoute, AttachPage);

/// The split chunk that holds the view of the page at `path`: the `#[lazy_route]` struct's name in
/// snake case, as wasm-split names it. Mirrors the route table above (`None`: the main bundle).
#[cfg(any(feature = "ssr", test))]
fn page_chunk(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["account"] => Some("account_route"),
        ["admin"] => Some("admin_route"),
        ["search"] => Some("search_route"),
        ["r", _] | ["r", _, "m", _] => Some("room_route"),
        ["r", _, "m", _, "react"] => Some("react_route"),
        ["r", _, "attach"] => Some("attach_route"),
        _ => None,
    }
}

/// `<link rel=preload>` for the WASM chunks of the page being served, so that the browser fetches
/// them with the main bundle rather than after it (hydration waits for them). Leptos means to do
/// this itself (`prefetch_lazy_fn_on_server`), but its integration looks the split manifest up
/// outside the page's reactive owner and never finds it (leptos_integration_utils 0.8.9).
/// Nothing without a split build (`__wasm_split_manifest.json` absent, as in `cargo test`).
#[component]
fn ChunkPreloads(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        use std::{collections::HashMap, sync::OnceLock};
        static MANIFEST: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
        let manifest = MANIFEST.get_or_init(|| {
            let path = std::path::Path::new(&*options.site_root)
                .join(&*options.site_pkg_dir)
                .join("__wasm_split_manifest.json");
            std::fs::read_to_string(path)
                .ok()
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or_default()
        });
        let path =
            use_context::<axum::http::request::Parts>().map(|parts| parts.uri.path().to_owned());
        let prefix = path.as_deref().and_then(page_chunk).map(|chunk| format!("__{chunk}_view_"));
        let chunks = prefix
            .and_then(|prefix| manifest.iter().find(|(key, _)| key.starts_with(&prefix)))
            .map(|(_, chunks)| chunks.clone())
            .unwrap_or_default();
        let pkg = options.site_pkg_dir.to_string();
        chunks
            .into_iter()
            .map(|chunk| {
                view! {
                    <link rel="preload" href=format!("/{pkg}/{chunk}.wasm") r#as="fetch" r#type="application/wasm" crossorigin="anonymous" />
                }
            })
            .collect_view()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = options;
    }
}

#[cfg(test)]
mod tests {
    use super::page_chunk;

    #[test]
    fn every_lazy_route_names_its_chunk() {
        assert_eq!(page_chunk("/"), None);
        assert_eq!(page_chunk("/account"), Some("account_route"));
        assert_eq!(page_chunk("/admin"), Some("admin_route"));
        assert_eq!(page_chunk("/search"), Some("search_route"));
        assert_eq!(page_chunk("/r/lobby"), Some("room_route"));
        assert_eq!(page_chunk("/r/lobby/m/12"), Some("room_route"));
        assert_eq!(page_chunk("/r/lobby/m/12/react"), Some("react_route"));
        assert_eq!(page_chunk("/r/lobby/attach"), Some("attach_route"));
        assert_eq!(page_chunk("/r/lobby/other"), None);
    }
}

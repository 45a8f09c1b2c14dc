//! The HTML shell and the route table.

use crate::pages::attach::AttachPage;
use crate::pages::{account::AccountPage, admin::AdminPage, home::HomePage};
use crate::pages::{not_found::NotFound, react::ReactPage, room::RoomPage, search::SearchPage};
use crate::realtime::provide_realtime;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
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
                <HydrationScripts options />
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
    // Pages render only after their data has loaded (`SsrMode::Async`), so the HTML is complete
    // without JavaScript and redirects or status codes can still be set.
    view! {
        <Stylesheet id="leptos" href="/pkg/parley.css" />
        <Title formatter=|page: String| if page.is_empty() { "Parley".to_owned() } else { format!("{page} · Parley") } />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async />
                <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async />
                <Route path=path!("/r/:slug") view=RoomPage ssr=SsrMode::Async />
                <Route path=path!("/r/:slug/m/:seq") view=RoomPage ssr=SsrMode::Async />
                <Route path=path!("/r/:slug/m/:seq/react") view=ReactPage ssr=SsrMode::Async />
                <Route path=path!("/r/:slug/attach") view=AttachPage ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}

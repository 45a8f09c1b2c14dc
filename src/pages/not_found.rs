//! The 404 page.

use crate::api::set_status;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Not found" />
        <main class="page narrow">
            <h1>"Not found"</h1>
            <p>"There is nothing at this address."</p>
            <p><a href="/r/lobby">"Go to the lobby"</a></p>
        </main>
    }
}

//! `/`: choose a display name, then go to the lobby.

use super::name_form::NameForm;
use crate::api::whoami;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let me = Resource::new(|| (), |()| whoami());
    view! {
        <Title text="Welcome" />
        <main class="page narrow">
            <h1>"Parley"</h1>
            <p class="lede">"Real-time chat that works from the first byte, with or without JavaScript."</p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let me = me.await.ok().flatten();
                    view! {
                        {me.clone().map(|name| view! {
                            <p>"You are " <strong>{name}</strong> ". " <a href="/r/lobby">"Go to the lobby"</a></p>
                        })}
                        <NameForm current=me next="/r/lobby" />
                    }
                })}
            </Suspense>
        </main>
    }
}

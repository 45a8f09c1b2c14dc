//! `/`: sign in or create an account, then go to the lobby.

use super::account_forms::{AccountForms, SignOutButton};
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
                    match me.await.ok().flatten() {
                        Some(name) => view! {
                            <p>"You are signed in as " <strong>{name}</strong> ". "
                                <a href="/r/lobby">"Go to the lobby"</a> " · " <a href="/account">"Account"</a>
                            </p>
                            <SignOutButton />
                        }.into_any(),
                        None => view! {
                            <p>"Anyone can read the public rooms, starting with the " <a href="/r/lobby">"Lobby"</a> ". Sign in to take part."</p>
                            <AccountForms next="/r/lobby" />
                        }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

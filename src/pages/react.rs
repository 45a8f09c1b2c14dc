//! `/r/:slug/m/:seq/react`: react to a message with any emoji. A search form (GET `q`) over
//! Unicode's emoji names and a grid of emoji, each a form that adds the reaction and goes back
//! to the message. The same with or without JavaScript; the emoji list stays on the server, so
//! it costs the WASM bundle nothing.

use crate::api::{load_emoji, set_status, EmojiChoice, ReactWith};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ReactPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let q = move || query.with(|q| q.get("q").unwrap_or_default());
    let choices = Resource::new(q, load_emoji);
    let room = move || params.with(|p| p.get("slug").unwrap_or_default());
    let seq = move || params.with(|p| p.get("seq").unwrap_or_default());
    let back = move || format!("/r/{}/m/{}#m{}", room(), seq(), seq());
    view! {
        <Title text="React with an emoji" />
        <main class="page react-page">
            <p><a href=back>"← Back to the message"</a></p>
            <h1>"React with an emoji"</h1>
            <form method="get" role="search" aria-label="Search emoji">
                <div class="row">
                    <label for="emoji-q" class="visually-hidden">"Emoji name"</label>
                    <input id="emoji-q" type="search" name="q" value=q placeholder="Emoji name, e.g. rocket" maxlength="50" />
                    <button type="submit">"Search"</button>
                </div>
            </form>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match choices.await {
                        Ok(choices) if choices.is_empty() => view! { <p class="muted">"No emoji match."</p> }.into_any(),
                        Ok(choices) => {
                            let (room, seq) = (room(), seq());
                            view! {
                                <ul class="emoji-grid" aria-label="Emoji">
                                    {choices.into_iter().map(|choice| choice_view(choice, &room, &seq)).collect_view()}
                                </ul>
                            }
                            .into_any()
                        }
                        Err(error) => {
                            set_status(500);
                            view! { <p class="error" role="alert">{error.message}</p> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </main>
    }
}

fn choice_view(choice: EmojiChoice, room: &str, seq: &str) -> impl IntoView {
    view! {
        <li>
            <form method="post" action=ReactWith::url()>
                <input type="hidden" name="room" value=room.to_owned() />
                <input type="hidden" name="seq" value=seq.to_owned() />
                <input type="hidden" name="emoji" value=choice.emoji.clone() />
                <button type="submit" aria-label=format!("React with {}", choice.name) title=choice.name.clone()>
                    {choice.emoji}
                </button>
            </form>
        </li>
    }
}

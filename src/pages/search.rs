//! `/search`: find messages by their words, with filters (room, author, days). A plain GET form:
//! the same with or without JavaScript. Results link to each message in context, newest first,
//! 20 at a time ("Older results" follows the cursor).

use crate::api::{load_search, set_status, SearchPage};
use crate::model::utc_timestamp;
use crate::protocol::{Search, SearchHit};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || {
        query.with(|q| {
            let text = |key: &str| q.get(key).filter(|v| !v.trim().is_empty());
            Search {
                q: q.get("q").unwrap_or_default(),
                room: text("room"),
                author: text("author"),
                from: text("from"),
                to: text("to"),
                before: q.get("before").and_then(|b| b.parse().ok()),
            }
        })
    };
    let page = Resource::new(search, load_search);
    view! {
        <Title text="Search" />
        <main class="page search">
            <p><a href="/r/lobby">"← Back to the lobby"</a></p>
            <h1>"Search"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let asked = search();
                    match page.await {
                        Ok(page) => view! { <Results page asked /> }.into_any(),
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

#[component]
fn Results(page: SearchPage, asked: Search) -> impl IntoView {
    if page.error.is_some() {
        set_status(400);
    }
    let rooms = page
        .rooms
        .into_iter()
        .map(|room| {
            let selected = asked.room.as_deref() == Some(room.slug.as_str());
            view! { <option value=room.slug selected=selected>"#" {room.name}</option> }
        })
        .collect_view();
    let older = page.results.as_ref().and_then(|r| r.next).map(|next| {
        let query = serde_qs::to_string(&Search { before: Some(next), ..asked.clone() });
        view! { <a class="older" href=format!("/search?{}", query.unwrap_or_default())>"Older results"</a> }
    });
    let results = page.results.map(|results| {
        let count = match (results.hits.len(), asked.before.is_some()) {
            (0, _) => "No messages match.".to_owned(),
            (1, false) => "1 message".to_owned(),
            (n, false) => format!("{n}{} messages", if results.next.is_some() { "+" } else { "" }),
            (n, true) => format!("{n} older messages"),
        };
        view! {
            <p class="muted" data-testid="result-count">{count}</p>
            <ol class="results" aria-label="Results">
                {results.hits.into_iter().map(hit).collect_view()}
            </ol>
            {older}
        }
    });
    view! {
        <form method="get" action="/search" class="search-form" role="search" aria-label="Search messages">
            <div class="row">
                <label for="search-q" class="visually-hidden">"Words"</label>
                <input id="search-q" type="search" name="q" value=asked.q.clone() placeholder="Words to find" maxlength=Search::MAX_CHARS />
                <button type="submit">"Search"</button>
            </div>
            <div class="filters">
                <label>"Room" <select name="room"><option value="">"All rooms"</option>{rooms}</select></label>
                <label>"Author" <input name="author" value=asked.author.clone().unwrap_or_default() placeholder="anyone" /></label>
                <label>"From" <input type="date" name="from" value=asked.from.clone().unwrap_or_default() /></label>
                <label>"To" <input type="date" name="to" value=asked.to.clone().unwrap_or_default() /></label>
            </div>
            {page.error.map(|e| view! { <p class="error" role="alert">{e.message}</p> })}
        </form>
        {results}
    }
}

fn hit(hit: SearchHit) -> impl IntoView {
    let excerpt = hit
        .excerpt
        .iter()
        .map(|part| {
            let text = part.text.clone();
            if part.matched {
                view! { <mark>{text}</mark> }.into_any()
            } else {
                text.into_any()
            }
        })
        .collect_view();
    view! {
        <li>
            <a class="hit" href=hit.href()>
                <span class="where">
                    <strong>"#" {hit.room_name.clone()}</strong>
                    " · " {hit.author.clone()} " · " {utc_timestamp(hit.created_at)}
                </span>
                <span class="excerpt">{excerpt}</span>
            </a>
        </li>
    }
}

//! `/admin`: what a server admin watches. The page renders the node's overview as of its load
//! (enough without JavaScript); hydrated, it follows the `/admin` socket.io namespace and updates
//! every two seconds. Everyone else gets 401 or 403 and a sentence.

use crate::api::load_admin;
use crate::model::utc_timestamp;
use crate::protocol::{AdminOverview, ErrorCode};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminPage() -> impl IntoView {
    let page = Resource::new(|| (), |()| load_admin());
    view! {
        <Title text="Admin" />
        <main class="page admin">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(overview) => view! { <Admin overview /> }.into_any(),
                        Err(error) => {
                            let signed_in = error.code != ErrorCode::NotSignedIn;
                            crate::api::set_status(if signed_in { 403 } else { 401 });
                            view! {
                                <h1>"Admin"</h1>
                                <p>{error.message}</p>
                                {if signed_in {
                                    view! { <p><a href="/r/lobby">"Back to the lobby"</a></p> }.into_any()
                                } else {
                                    view! { <p><a href="/?next=/admin">"Sign in"</a></p> }.into_any()
                                }}
                            }
                            .into_any()
                        }
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn Admin(overview: AdminOverview) -> impl IntoView {
    let overview = RwSignal::new(overview);
    let live = RwSignal::new(false);
    crate::realtime::follow_admin(live, move |next| overview.set(next));
    // One reactive closure for the whole page: every figure changes together. (The page
    // costs the bundle about 48 KB gzipped, nearly all of it tachys' `hydrate_async` for its
    // view types: see BENCHMARKS.md, *Bundle*.)
    view! {
        <h1>"Admin"</h1>
        {move || overview.with(|o| figures(o, live.get()))}
        <p><a href="/r/lobby">"Back to the lobby"</a></p>
    }
}

/// Everything the page shows of one overview.
fn figures(o: &AdminOverview, live: bool) -> AnyView {
    let when = utc_timestamp(o.at);
    let status = if live {
        format!("Live, updated every 2 seconds (node {}, {when}).", o.node)
    } else {
        format!("As of {when} (node {}). Reload for newer figures.", o.node)
    };
    let errors = if o.errors.is_empty() {
        view! { <p>"None."</p> }.into_any()
    } else {
        let rows = o
            .errors
            .iter()
            .map(|e| view! { <tr><td><code>{e.code.clone()}</code></td><td class="number">{e.count}</td></tr> })
            .collect_view();
        view! {
            <table data-testid="errors">
                <thead><tr><th scope="col">"Code"</th><th scope="col" class="number">"Count"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let busiest = if o.busiest.is_empty() {
        view! { <p>"Nobody is online."</p> }.into_any()
    } else {
        let rows = o
            .busiest
            .iter()
            .map(|room| {
                let name = match &room.slug {
                    Some(slug) => {
                        view! { <a href=format!("/r/{slug}")>{room.name.clone()}</a> }.into_any()
                    }
                    None => view! { <em>{room.name.clone()}</em> }.into_any(),
                };
                view! { <tr><td>{name}</td><td class="number">{room.online}</td></tr> }
            })
            .collect_view();
        view! {
            <table data-testid="busiest">
                <thead><tr><th scope="col">"Room"</th><th scope="col" class="number">"Online"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let admins = o.admins.iter().map(|name| view! { <li>{name.clone()}</li> }).collect_view();
    let moderation = if o.moderation.is_empty() {
        view! { <p>"Nothing yet."</p> }.into_any()
    } else {
        // Sentences rather than a table of five columns: they read the same on a phone.
        let rows = o
            .moderation
            .iter()
            .map(|m| {
                let place = match &m.room {
                    Some(room) => format!(" in {room}"),
                    None => " (server-wide)".to_owned(),
                };
                // One text node between elements: adjacent ones do not hydrate.
                let did = format!(" {} {} ", m.by, action(&m.action));
                view! {
                    <li>
                        <span class="muted">{utc_timestamp(m.at)}</span>
                        {did}
                        <strong>{m.target.clone()}</strong>
                        {place}
                    </li>
                }
            })
            .collect_view();
        view! { <ol class="log" data-testid="moderation">{rows}</ol> }.into_any()
    };
    view! {
        <p class="muted" data-testid="admin-status">{status}</p>
        <section aria-labelledby="traffic">
            <h2 id="traffic">"This node, last minute"</h2>
            <dl class="stats">
                <div>
                    <dt>"Connections"</dt>
                    <dd data-testid="connections">{o.websocket + o.polling}</dd>
                    <dd class="muted">{format!("{} WebSocket, {} polling", o.websocket, o.polling)}</dd>
                </div>
                <div>
                    <dt>"Messages per second"</dt>
                    <dd data-testid="messages-per-second">{format!("{:.2}", o.messages_per_second)}</dd>
                </div>
                <div>
                    <dt>"Commands per second"</dt>
                    <dd>{format!("{:.2}", o.commands_per_second)}</dd>
                </div>
                <div>
                    <dt>"Ack latency, median / 99th percentile"</dt>
                    <dd data-testid="ack-latency">{format!("{} / {}", millis(o.ack_p50_ms), millis(o.ack_p99_ms))}</dd>
                </div>
            </dl>
        </section>
        <section aria-labelledby="errors">
            <h2 id="errors">"Refusals since the node started"</h2>
            {errors}
        </section>
        <section aria-labelledby="busiest">
            <h2 id="busiest">"Busiest rooms"</h2>
            {busiest}
        </section>
        <section aria-labelledby="admins">
            <h2 id="admins">"Server admins"</h2>
            <ul data-testid="admins">{admins}</ul>
            <p class="muted">"Granted and revoked with " <code>"parley admin grant NAME"</code> " and " <code>"parley admin revoke NAME"</code> "."</p>
        </section>
        <section aria-labelledby="moderation">
            <h2 id="moderation">"Recent moderation"</h2>
            {moderation}
        </section>
    }
    .into_any()
}

fn millis(value: Option<f64>) -> String {
    match value {
        Some(ms) => format!("≤ {ms} ms"),
        None => "no commands".to_owned(),
    }
}

/// A moderation action as the table says it.
fn action(action: &str) -> &'static str {
    match action {
        "kick" => "removed",
        "ban" => "banned",
        "unban" => "lifted the ban of",
        "moderator" => "made moderator",
        "member" => "made member",
        "delete" => "deleted a message of",
        "grant" => "made server admin",
        "revoke" => "took admin rights from",
        _ => "acted on",
    }
}

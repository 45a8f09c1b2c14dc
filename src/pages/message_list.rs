//! The conversation: stored messages in log order, notices, and the user's pending messages.
//! Bodies and names are text nodes, never HTML.

use super::room::Live;
use crate::realtime::utc_offset_minutes;
use crate::timeline::{Line, Timeline};
use leptos::{html, prelude::*};

#[component]
pub(super) fn MessageList(live: Live) -> impl IntoView {
    let scroller = NodeRef::<html::Div>::new();
    // Times render in UTC on the server, then in the reader's time zone once hydrated.
    let utc_offset = RwSignal::new(0);
    Effect::new(move |_| utc_offset.set(utc_offset_minutes()));
    // Keep the newest line in view. Effects run only in the browser.
    Effect::new(move |_| {
        live.timeline.with(Timeline::line_count);
        if let Some(element) = scroller.get() {
            element.set_scroll_top(element.scroll_height());
        }
    });
    view! {
        <div class="scroller" node_ref=scroller>
            <ol class="messages" aria-label="Messages">
                <For each=move || live.timeline.with(Timeline::lines) key=Line::key let:line>
                    {row(line, live, utc_offset)}
                </For>
            </ol>
        </div>
    }
}

fn row(line: Line, live: Live, utc_offset: RwSignal<i32>) -> AnyView {
    let me = live.me();
    match line {
        Line::Sent(message) => {
            let mine = me.as_deref() == Some(message.author.as_str());
            view! {
                <li class="message" class:mine=mine data-status="sent" data-seq=message.seq>
                    <span class="author">{message.author.clone()}</span>
                    <time datetime=message.timestamp()>
                        {let m = message.clone(); move || m.time_of_day(utc_offset.get())}
                    </time>
                    <p class="body">{message.body}</p>
                </li>
            }
            .into_any()
        }
        Line::Pending(outgoing) => {
            let status = if outgoing.error.is_some() { "failed" } else { "pending" };
            let client_id = outgoing.client_id.clone();
            view! {
                <li class="message mine" data-status=status>
                    <span class="author">{me}</span>
                    <span class="status">{if outgoing.error.is_some() { "not sent" } else { "sending…" }}</span>
                    <p class="body">{outgoing.body}</p>
                    {outgoing.error.map(|error| view! {
                        <p class="error">
                            {error} " "
                            <button type="button" on:click=move |_| live.discard(&client_id)>"Discard"</button>
                        </p>
                    })}
                </li>
            }
            .into_any()
        }
        Line::Notice(notice) => view! { <li class="notice">{notice.text}</li> }.into_any(),
    }
}

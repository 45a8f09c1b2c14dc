//! A message body as views: its Markdown subset ([`crate::markdown`]) as elements and text
//! nodes, never as HTML, with mentions of the reader marked.

use crate::markdown::{self, Block, Inline};
use crate::model::mention_parts;
use leptos::prelude::*;

/// The body of a message, its "(edited)" mark at the end of its last paragraph.
pub(super) fn formatted(body: &str, me: Option<&str>, edited: bool) -> AnyView {
    let mut blocks = markdown::parse(body);
    let ends_in_text = matches!(blocks.last(), Some(Block::Paragraph(_)));
    let last = if ends_in_text { blocks.pop() } else { None };
    let mut views: Vec<AnyView> = blocks.into_iter().map(|block| block_view(block, me)).collect();
    let mark = edited.then(|| view! { <span class="edited">" (edited)"</span> });
    match last {
        Some(Block::Paragraph(inlines)) => {
            views.push(view! { <p>{inlines_view(inlines, me)}{mark}</p> }.into_any());
        }
        _ => views.extend(mark.map(|mark| view! { <p>{mark}</p> }.into_any())),
    }
    views.into_any()
}

fn block_view(block: Block, me: Option<&str>) -> AnyView {
    match block {
        Block::Paragraph(inlines) => view! { <p>{inlines_view(inlines, me)}</p> }.into_any(),
        Block::Code(code) => view! { <pre><code>{code}</code></pre> }.into_any(),
        Block::Quote(blocks) => {
            view! { <blockquote>{blocks_view(blocks, me)}</blockquote> }.into_any()
        }
        Block::List { start: None, items } => view! { <ul>{items_view(items, me)}</ul> }.into_any(),
        Block::List { start: Some(start), items } => {
            // `start` is omitted for lists that start at 1, as browsers number them anyway.
            let start = (start != 1).then(|| start.to_string());
            view! { <ol start=start>{items_view(items, me)}</ol> }.into_any()
        }
    }
}

fn blocks_view(blocks: Vec<Block>, me: Option<&str>) -> Vec<AnyView> {
    blocks.into_iter().map(|block| block_view(block, me)).collect()
}

fn items_view(items: Vec<Vec<Block>>, me: Option<&str>) -> Vec<AnyView> {
    items.into_iter().map(|item| view! { <li>{blocks_view(item, me)}</li> }.into_any()).collect()
}

fn inlines_view(inlines: Vec<Inline>, me: Option<&str>) -> Vec<AnyView> {
    inlines.into_iter().map(|inline| inline_view(inline, me)).collect()
}

fn inline_view(inline: Inline, me: Option<&str>) -> AnyView {
    match inline {
        Inline::Text(text) => text_view(text, me),
        Inline::Strong(c) => view! { <strong>{inlines_view(c, me)}</strong> }.into_any(),
        Inline::Emphasis(c) => view! { <em>{inlines_view(c, me)}</em> }.into_any(),
        Inline::Strike(c) => view! { <s>{inlines_view(c, me)}</s> }.into_any(),
        Inline::Code(code) => view! { <code>{code}</code> }.into_any(),
        Inline::Link { href, children } => view! {
            <a href=href rel="noopener noreferrer nofollow" target="_blank">{inlines_view(children, me)}</a>
        }
        .into_any(),
        Inline::Break => view! { <br /> }.into_any(),
    }
}

/// Text, with mentions of the reader marked.
fn text_view(text: String, me: Option<&str>) -> AnyView {
    let parts = me.map(|me| mention_parts(&text, me)).unwrap_or_default();
    if parts.iter().all(|(mention, _)| !mention) {
        return text.into_any();
    }
    parts
        .into_iter()
        .map(|(mention, part)| {
            let part = part.to_owned();
            if mention {
                view! { <mark class="mention">{part}</mark> }.into_any()
            } else {
                part.into_any()
            }
        })
        .collect::<Vec<_>>()
        .into_any()
}

//! A message body as views: the tree of its Markdown subset ([`crate::markdown`]) as elements
//! and text nodes, never as HTML, with mentions of the reader marked.
//!
//! Elements without attributes are made by one function (`element`), whose view type is the same
//! for every tag: each distinct view type costs the WASM bundle several kilobytes.

use crate::markdown::{Block, Inline};
use crate::model::mention_parts;
use leptos::html::custom;
use leptos::prelude::*;

/// The blocks of a message body (`Formatting::blocks`), its "(edited)" mark at the end of its
/// last paragraph.
pub(super) fn formatted(mut blocks: Vec<Block>, me: Option<&str>, edited: bool) -> AnyView {
    let last = match blocks.last() {
        Some(Block::Paragraph(_)) => blocks.pop(),
        _ => None,
    };
    let mut views: Vec<AnyView> = blocks.into_iter().map(|block| block_view(block, me)).collect();
    let mark = edited.then(|| view! { <span class="edited">" (edited)"</span> }.into_any());
    match last {
        Some(Block::Paragraph(inlines)) => {
            let mut children = inlines_view(inlines, me);
            children.extend(mark);
            views.push(element("p", children));
        }
        _ => views.extend(mark.map(|mark| element("p", vec![mark]))),
    }
    views.into_any()
}

/// `<tag>children</tag>`.
fn element(tag: &'static str, children: Vec<AnyView>) -> AnyView {
    custom(tag).child(children).into_any()
}

fn block_view(block: Block, me: Option<&str>) -> AnyView {
    match block {
        Block::Paragraph(inlines) => element("p", inlines_view(inlines, me)),
        Block::Code(code) => element("pre", vec![element("code", vec![code.into_any()])]),
        Block::Quote(blocks) => element("blockquote", blocks_view(blocks, me)),
        Block::List { start: None, items } => element("ul", items_view(items, me)),
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
    items.into_iter().map(|item| element("li", blocks_view(item, me))).collect()
}

fn inlines_view(inlines: Vec<Inline>, me: Option<&str>) -> Vec<AnyView> {
    inlines.into_iter().map(|inline| inline_view(inline, me)).collect()
}

fn inline_view(inline: Inline, me: Option<&str>) -> AnyView {
    match inline {
        Inline::Text(text) => text_view(text, me),
        Inline::Strong(c) => element("strong", inlines_view(c, me)),
        Inline::Emphasis(c) => element("em", inlines_view(c, me)),
        Inline::Strike(c) => element("s", inlines_view(c, me)),
        Inline::Code(code) => element("code", vec![code.into_any()]),
        Inline::Link { href, children } => view! {
            <a href=href rel="noopener noreferrer nofollow" target="_blank">{inlines_view(children, me)}</a>
        }
        .into_any(),
        // A void element: not made by `element`, which would close it.
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
            let part = part.to_owned().into_any();
            if mention {
                view! { <mark class="mention">{part}</mark> }.into_any()
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .into_any()
}

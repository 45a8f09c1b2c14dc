//! Message formatting: the Markdown subset a message may use (bold, italic, strike, inline code,
//! code blocks, quotes, lists, links), parsed by `pulldown-cmark` into a small tree that pages
//! render as views, never as HTML.
//!
//! Only the server parses: every message it sends carries its tree (`formatted`, see
//! [`Formatting`]) unless the body is plain text, so the browser renders exactly what the server
//! rendered and its bundle holds no parser (pulldown-cmark would add about 70 KB gzipped). The
//! writer's own message shows as plain text until the server acknowledges it.
//!
//! Everything else Markdown knows (headings, images, raw HTML, rules) is shown as the text that
//! was typed. Links keep only `http`, `https` and `mailto` targets; bare `http(s)://` addresses
//! become links too. Nesting deeper than [`MAX_DEPTH`] is shown as typed, so a hostile message
//! cannot make rendering recurse without bound.

#[cfg(feature = "ssr")]
use pulldown_cmark::{Event, LinkType, OffsetIter, Options, Parser, Tag};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use std::ops::Range;

/// Quotes, lists and inline styles nested deeper than this are shown as typed.
pub const MAX_DEPTH: usize = 8;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    Paragraph(Vec<Inline>),
    /// A fenced or indented code block, as typed (its last line break dropped).
    Code(String),
    Quote(Vec<Block>),
    /// `start` is the first number of an ordered list, `None` for bullets.
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Inline {
    Text(String),
    Strong(Vec<Inline>),
    Emphasis(Vec<Inline>),
    Strike(Vec<Inline>),
    Code(String),
    Link {
        href: String,
        children: Vec<Inline>,
    },
    /// A line break: every new line of a message is one, as in every chat.
    Break,
}

/// A message body's formatting as sent with it: its tree, or `None` when the body is plain text
/// (its tree is then [`plain`]'s, which every client makes without a parser).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Formatting(pub Option<Vec<Block>>);

impl Formatting {
    /// The formatting of `body`: parsed once, then taken from [`PARSED`] while it is there.
    #[cfg(feature = "ssr")]
    pub fn of(body: &str) -> Self {
        if let Some(known) = PARSED.get(body) {
            return known;
        }
        let blocks = parse(body);
        let formatting = Self((blocks != plain(body)).then_some(blocks));
        PARSED.insert(body.to_owned(), formatting.clone());
        formatting
    }

    pub fn is_plain(&self) -> bool {
        self.0.is_none()
    }

    /// The blocks of `body`, whose formatting this is.
    pub fn blocks(&self, body: &str) -> Vec<Block> {
        self.0.clone().unwrap_or_else(|| plain(body))
    }
}

/// About how much memory [`PARSED`] may hold, in bytes, as [`parsed_weight`] estimates it.
#[cfg(feature = "ssr")]
const PARSED_BYTES: u64 = 4 << 20;

/// What keeping one body costs besides its bytes and its tree: the key's and the value's headers
/// and the cache's own bookkeeping (its map, queues and counters). Measured with a heap profile
/// of the soak (BENCHMARKS.md): about 380 bytes per short message. Weighing bodies by their
/// length alone let 1 MiB of 20-byte bodies hold 52,000 entries and 18 MiB.
#[cfg(feature = "ssr")]
const PARSED_ENTRY_BYTES: u32 = 384;

/// The estimated memory one kept body costs: its bytes, its tree (about as large again), and
/// [`PARSED_ENTRY_BYTES`].
#[cfg(feature = "ssr")]
fn parsed_weight(body: &str) -> u32 {
    let bytes = u32::try_from(body.len()).unwrap_or(u32::MAX);
    bytes.saturating_mul(2).saturating_add(PARSED_ENTRY_BYTES)
}

/// Bodies parsed lately, with their formatting. Every page and every catch-up reads messages,
/// mostly the same latest ones, and parsing was most of what reading a message cost.
#[cfg(feature = "ssr")]
static PARSED: std::sync::LazyLock<moka::sync::Cache<String, Formatting>> =
    std::sync::LazyLock::new(|| {
        moka::sync::Cache::builder()
            .max_capacity(PARSED_BYTES)
            .weigher(|body: &String, _| parsed_weight(body))
            .build()
    });

/// Read from a message row: its body, parsed.
#[cfg(feature = "ssr")]
impl From<String> for Formatting {
    fn from(body: String) -> Self {
        Self::of(&body)
    }
}

/// Plain text as blocks: one paragraph, a break for each line break (none for a blank body).
pub fn plain(body: &str) -> Vec<Block> {
    let body = body.trim();
    if body.is_empty() {
        return Vec::new();
    }
    let mut inlines = Vec::new();
    for (i, line) in body.split('\n').enumerate() {
        if i > 0 {
            inlines.push(Inline::Break);
        }
        if !line.is_empty() {
            inlines.push(Inline::Text(line.to_owned()));
        }
    }
    vec![Block::Paragraph(inlines)]
}

/// The text a reader sees in `blocks`, on one line: formatting marks gone, line breaks and
/// block ends as spaces (a reply's quote of its original).
pub fn text(blocks: &[Block]) -> String {
    fn inlines(out: &mut String, children: &[Inline]) {
        for inline in children {
            match inline {
                Inline::Text(text) | Inline::Code(text) => out.push_str(text),
                Inline::Strong(children)
                | Inline::Emphasis(children)
                | Inline::Strike(children)
                | Inline::Link { children, .. } => inlines(out, children),
                Inline::Break => out.push(' '),
            }
        }
    }
    fn blocks_into(out: &mut String, blocks: &[Block]) {
        for block in blocks {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            match block {
                Block::Paragraph(children) => inlines(out, children),
                Block::Code(code) => out.push_str(&code.replace('\n', " ")),
                Block::Quote(children) => blocks_into(out, children),
                Block::List { items, .. } => items.iter().for_each(|item| blocks_into(out, item)),
            }
        }
    }
    let mut out = String::new();
    blocks_into(&mut out, blocks);
    out
}

/// The blocks of a message body. A body whose Markdown would show nothing (a lone link
/// reference definition, say) is one paragraph of its text.
#[cfg(feature = "ssr")]
pub fn parse(body: &str) -> Vec<Block> {
    let events = Parser::new_ext(body, Options::ENABLE_STRIKETHROUGH).into_offset_iter();
    let blocks = Builder { source: body, events }.blocks(0);
    if blocks.is_empty() && !body.trim().is_empty() {
        return vec![Block::Paragraph(vec![Inline::Text(body.trim().to_owned())])];
    }
    blocks
}

/// A link target that may be followed: `http`, `https` or `mailto`, in any case.
pub fn safe_href(href: &str) -> bool {
    let lower = href.get(..8).unwrap_or(href).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

#[cfg(feature = "ssr")]
struct Builder<'a> {
    source: &'a str,
    events: OffsetIter<'a>,
}

#[cfg(feature = "ssr")]
impl<'a> Builder<'a> {
    /// Blocks up to the end of the enclosing container (or of the body).
    fn blocks(&mut self, depth: usize) -> Vec<Block> {
        let mut blocks = Vec::new();
        // Items of a tight list hold their text without a paragraph: gather it into one.
        let mut loose: Option<Vec<Inline>> = None;
        while let Some((event, range)) = self.events.next() {
            let block = match event {
                Event::End(_) => break,
                Event::Start(Tag::Paragraph) => paragraph(self.inlines(depth)),
                Event::Start(Tag::CodeBlock(_)) => Block::Code(self.code()),
                Event::Start(Tag::BlockQuote(_)) if depth < MAX_DEPTH => {
                    Block::Quote(self.blocks(depth + 1))
                }
                Event::Start(Tag::List(start)) if depth < MAX_DEPTH => {
                    Block::List { start, items: self.items(depth + 1) }
                }
                Event::Start(tag) if !is_inline(&tag) => self.as_typed_block(range),
                // Text, inline styles and breaks outside a paragraph.
                event => {
                    let inline = self.inline(event, range, depth);
                    loose.get_or_insert_with(Vec::new).extend(inline);
                    continue;
                }
            };
            if let Some(inlines) = loose.take() {
                blocks.push(paragraph(inlines));
            }
            blocks.push(block);
        }
        if let Some(inlines) = loose {
            blocks.push(paragraph(inlines));
        }
        blocks
    }

    /// The items of a list, up to its end.
    fn items(&mut self, depth: usize) -> Vec<Vec<Block>> {
        let mut items = Vec::new();
        while let Some((event, _)) = self.events.next() {
            match event {
                Event::Start(Tag::Item) => items.push(self.blocks(depth)),
                _ => break,
            }
        }
        items
    }

    /// Inline content up to the end of the enclosing paragraph or style, tidied.
    fn inlines(&mut self, depth: usize) -> Vec<Inline> {
        let mut inlines = Vec::new();
        while let Some((event, range)) = self.events.next() {
            if matches!(event, Event::End(_)) {
                break;
            }
            inlines.extend(self.inline(event, range, depth));
        }
        joined(inlines)
    }

    fn inline(&mut self, event: Event<'a>, range: Range<usize>, depth: usize) -> Option<Inline> {
        let deeper = depth + 1;
        Some(match event {
            Event::Text(text) | Event::Html(text) | Event::InlineHtml(text) => {
                Inline::Text(text.into_string())
            }
            Event::Code(code) => Inline::Code(code.into_string()),
            Event::SoftBreak | Event::HardBreak => Inline::Break,
            Event::Start(_) if depth >= MAX_DEPTH => self.as_typed(range),
            Event::Start(Tag::Strong) => Inline::Strong(self.inlines(deeper)),
            Event::Start(Tag::Emphasis) => Inline::Emphasis(self.inlines(deeper)),
            Event::Start(Tag::Strikethrough) => Inline::Strike(self.inlines(deeper)),
            Event::Start(Tag::Link { link_type, dest_url, .. }) => {
                let href = match link_type {
                    LinkType::Email => format!("mailto:{dest_url}"),
                    _ => dest_url.into_string(),
                };
                let children = self.inlines(deeper);
                if !safe_href(&href) {
                    // An unsafe target: its text, without the link.
                    return Some(flatten(children));
                }
                Inline::Link { href, children }
            }
            // Images and anything else: as typed.
            Event::Start(_) => self.as_typed(range),
            Event::End(_) => return None,
            // Rules, task markers, footnotes and math are not enabled or are blocks.
            _ => Inline::Text(self.source[range].to_owned()),
        })
    }

    /// The text of a code block, up to its end.
    fn code(&mut self) -> String {
        let mut code = String::new();
        for (event, _) in self.events.by_ref() {
            match event {
                Event::Text(text) => code.push_str(&text),
                _ => break,
            }
        }
        if code.ends_with('\n') {
            code.pop();
        }
        code
    }

    /// A block Parley does not format, as typed: its source, its events skipped.
    fn as_typed_block(&mut self, range: Range<usize>) -> Block {
        Block::Paragraph(vec![self.as_typed(range)])
    }

    /// The source of the element just started, its events skipped up to its end.
    fn as_typed(&mut self, range: Range<usize>) -> Inline {
        let mut open = 1;
        while open > 0 {
            match self.events.next() {
                Some((Event::Start(_), _)) => open += 1,
                Some((Event::End(_), _)) => open -= 1,
                Some(_) => {}
                None => break,
            }
        }
        Inline::Text(self.source[range].trim_end().to_owned())
    }
}

#[cfg(feature = "ssr")]
fn is_inline(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } | Tag::Image { .. }
    )
}

#[cfg(feature = "ssr")]
/// Inline content without its styles: an unsafe link's text.
fn flatten(children: Vec<Inline>) -> Inline {
    fn text(inline: &Inline, out: &mut String) {
        match inline {
            Inline::Text(t) | Inline::Code(t) => out.push_str(t),
            Inline::Break => out.push('\n'),
            Inline::Strong(c) | Inline::Emphasis(c) | Inline::Strike(c) => {
                c.iter().for_each(|i| text(i, out))
            }
            Inline::Link { children, .. } => children.iter().for_each(|i| text(i, out)),
        }
    }
    let mut out = String::new();
    children.iter().for_each(|i| text(i, &mut out));
    Inline::Text(out)
}

#[cfg(feature = "ssr")]
/// A paragraph of inline content, its bare web addresses made links.
fn paragraph(inlines: Vec<Inline>) -> Block {
    Block::Paragraph(with_links(joined(inlines)))
}

#[cfg(feature = "ssr")]
/// Adjacent text joined into one (the parser splits it at escapes and brackets).
fn joined(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut joined: Vec<Inline> = Vec::with_capacity(inlines.len());
    for inline in inlines {
        match (joined.last_mut(), inline) {
            (Some(Inline::Text(last)), Inline::Text(text)) => last.push_str(&text),
            (_, inline) => joined.push(inline),
        }
    }
    joined
}

#[cfg(feature = "ssr")]
/// Bare `http(s)://` addresses made links, except inside links and code.
fn with_links(inlines: Vec<Inline>) -> Vec<Inline> {
    inlines
        .into_iter()
        .flat_map(|inline| match inline {
            Inline::Text(text) => linked(text),
            Inline::Strong(c) => vec![Inline::Strong(with_links(c))],
            Inline::Emphasis(c) => vec![Inline::Emphasis(with_links(c))],
            Inline::Strike(c) => vec![Inline::Strike(with_links(c))],
            inline => vec![inline],
        })
        .collect()
}

#[cfg(feature = "ssr")]
/// Text split around the web addresses in it, each a link.
fn linked(text: String) -> Vec<Inline> {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    let mut parts = Vec::new();
    for span in finder.spans(&text) {
        let part = span.as_str();
        match span.kind() {
            Some(linkify::LinkKind::Url) if safe_href(part) => parts.push(Inline::Link {
                href: part.to_owned(),
                children: vec![Inline::Text(part.to_owned())],
            }),
            _ => match parts.last_mut() {
                Some(Inline::Text(last)) => last.push_str(part),
                _ => parts.push(Inline::Text(part.to_owned())),
            },
        }
    }
    parts
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::{
        parse, plain, Block,
        Block::{List, Paragraph, Quote},
        Formatting, Inline,
        Inline::*,
        MAX_DEPTH,
    };

    fn text(s: &str) -> super::Inline {
        Text(s.to_owned())
    }

    #[test]
    fn plain_text_is_one_paragraph_with_its_line_breaks() {
        assert_eq!(parse("hello\nworld"), [Paragraph(vec![text("hello"), Break, text("world")])]);
        assert_eq!(parse("a\n\nb"), [Paragraph(vec![text("a")]), Paragraph(vec![text("b")])]);
    }

    #[test]
    fn styles_code_and_links_are_recognised() {
        assert_eq!(
            parse("**b** _i_ ~~s~~ `c` [x](https://e.org)"),
            [Paragraph(vec![
                Strong(vec![text("b")]),
                text(" "),
                Emphasis(vec![text("i")]),
                text(" "),
                Strike(vec![text("s")]),
                text(" "),
                Inline::Code("c".into()),
                text(" "),
                Link { href: "https://e.org".into(), children: vec![text("x")] },
            ])]
        );
        assert_eq!(parse("```rust\nfn main() {}\n```"), [Block::Code("fn main() {}".into())]);
        assert_eq!(
            parse("> quoted\n\n- one\n- two\n\n3. three"),
            [
                Quote(vec![Paragraph(vec![text("quoted")])]),
                List {
                    start: None,
                    items: vec![
                        vec![Paragraph(vec![text("one")])],
                        vec![Paragraph(vec![text("two")])],
                    ]
                },
                List { start: Some(3), items: vec![vec![Paragraph(vec![text("three")])]] },
            ]
        );
    }

    #[test]
    fn bare_addresses_become_links_and_unsafe_targets_do_not() {
        assert_eq!(
            parse("see https://example.org/a?b=1."),
            [Paragraph(vec![
                text("see "),
                Link {
                    href: "https://example.org/a?b=1".into(),
                    children: vec![text("https://example.org/a?b=1")]
                },
                text("."),
            ])]
        );
        assert_eq!(parse("[x](javascript:alert(1))"), [Paragraph(vec![text("x")])]);
        assert_eq!(
            parse("[x](JavaScript:alert(1)) javascript:alert(1)"),
            [Paragraph(vec![text("x javascript:alert(1)")])]
        );
        assert_eq!(parse("<data:text/html,hi>"), [Paragraph(vec![text("data:text/html,hi")])]);
    }

    #[test]
    fn what_is_not_in_the_subset_is_shown_as_typed() {
        assert_eq!(parse("# Title"), [Paragraph(vec![text("# Title")])]);
        let image = "https://e.org/x.png";
        let link = Link { href: image.into(), children: vec![text(image)] };
        assert_eq!(
            parse("![alt](https://e.org/x.png)"),
            [Paragraph(vec![text("![alt]("), link, text(")")])]
        );
        assert_eq!(
            parse("<script>alert(1)</script>"),
            [Paragraph(vec![text("<script>alert(1)</script>")])]
        );
        assert_eq!(parse("a <b>bold</b>"), [Paragraph(vec![text("a <b>bold</b>")])]);
        assert_eq!(parse("---"), [Paragraph(vec![text("---")])]);
        assert_eq!(parse("[a]: https://e.org"), [Paragraph(vec![text("[a]: https://e.org")])]);
    }

    #[test]
    fn deep_nesting_stops_at_the_limit() {
        let deep = ">".repeat(3000) + " x";
        let blocks = parse(&deep);
        let mut depth = 0;
        let mut level = &blocks;
        while let [Quote(inner)] = level.as_slice() {
            depth += 1;
            level = inner;
        }
        assert_eq!(depth, MAX_DEPTH);
        assert!(matches!(level.as_slice(), [Paragraph(_)]));
        let stars = "*a ".repeat(2000) + &" b*".repeat(2000);
        assert!(!parse(&stars).is_empty());
    }

    #[test]
    fn plain_bodies_travel_without_a_tree() {
        for body in ["hello", "two\nlines", "a  b", "trailing line\n\nno: two paragraphs"] {
            let formatting = Formatting::of(body);
            assert_eq!(formatting.blocks(body), parse(body), "{body:?}");
        }
        assert!(Formatting::of("hello\nworld").is_plain());
        assert!(!Formatting::of("**hello**").is_plain());
        assert_eq!(plain(""), []);
    }

    #[test]
    fn kept_bodies_are_bounded_by_their_memory_not_their_length() {
        // Short bodies, the soak's kind: weighed by length alone, 4 MiB would keep 200,000.
        for n in 0..40_000 {
            Formatting::of(&format!("t{n:019}"));
        }
        super::PARSED.run_pending_tasks();
        let most = super::PARSED_BYTES / u64::from(super::PARSED_ENTRY_BYTES);
        assert!(super::PARSED.entry_count() <= most, "{} kept", super::PARSED.entry_count());
        assert!(super::PARSED.weighted_size() <= super::PARSED_BYTES);
    }
}

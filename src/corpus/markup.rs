//! Descriptions as Indico stores them — plain text, Markdown or HTML from its editor, with
//! `\r\n` and inline LaTeX — reduced to the readable text we index and show: no tags, no
//! Markdown markers, entities decoded, paragraphs kept.
//!
//! HTML goes through a small reducer rather than an HTML5 parser: we need the text and the
//! paragraph breaks of editor fragments, never layout, and a linear scan that cannot fail
//! is easy to fuzz; entity decoding uses `html-escape`'s full HTML5 table. Markdown is
//! parsed by `pulldown-cmark`, and only when the text shows Markdown markers, so plain
//! abstracts are never reinterpreted.

use std::sync::LazyLock;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use regex::Regex;

use super::readable_text;

static HTML_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)</?(p|br|div|span|b|i|u|em|strong|ul|ol|li|a|h[1-6]|table|tr|td|th|sup|sub|font|blockquote|pre|img|hr|code|small)\b[^>]*>")
        .expect("valid regex")
});
static MARKDOWN_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^ {0,3}(#{1,6} |[*+-] |\d{1,3}\. |> )|\*\*[^*\s]|__[^_\s]|\[[^\]\n]+\]\([^)\s]+\)|`[^`\n]+`")
        .expect("valid regex")
});

/// Tags whose content is not text.
const SKIPPED_CONTENT: &[&str] = &["script", "style", "head", "title"];
/// Tags that end a paragraph.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "tr",
    "blockquote",
    "pre",
    "hr",
    "section",
    "article",
    "header",
    "footer",
    "dd",
    "dt",
    "dl",
];

/// The readable text of a description in any of the forms Indico exports.
pub fn description_text(raw: &str) -> String {
    if HTML_TAG.is_match(raw) {
        return readable_text(&html_to_text(raw));
    }
    // Plain text may still carry entities (`&amp;`) from the editor.
    let raw = if raw.contains('&') {
        html_escape::decode_html_entities(raw)
    } else {
        raw.into()
    };
    if MARKDOWN_MARKER.is_match(&raw) {
        readable_text(&markdown_to_text(&raw))
    } else {
        readable_text(&raw)
    }
}

/// Strip tags (keeping their text), drop comments, scripts and styles, turn block ends and
/// `<br>` into line breaks, decode entities. Source line breaks are spaces, as in a browser.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        push_text(&mut out, &rest[..open]);
        let after = &rest[open + 1..];
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        if !starts_tag {
            // `x < 5`: a literal angle bracket.
            out.push('<');
            rest = after;
            continue;
        }
        let Some(length) = tag_length(after) else {
            // A tag cut off by the end of the text: nothing readable follows.
            rest = "";
            break;
        };
        let tag = &after[..length];
        rest = &after[length + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if !closing && SKIPPED_CONTENT.contains(&name.as_str()) {
            rest = skip_until_closing(rest, &name);
            continue;
        }
        if name == "br" {
            out.push('\n');
        } else if BLOCK_TAGS.contains(&name.as_str()) {
            out.push_str("\n\n");
        } else if matches!(name.as_str(), "td" | "th" | "img") {
            out.push(' ');
        }
    }
    push_text(&mut out, rest);
    html_escape::decode_html_entities(&out)
        .replace('\u{a0}', " ")
        .to_string()
}

/// Text between tags: source line breaks are spaces.
fn push_text(out: &mut String, text: &str) {
    for (index, line) in text.split(['\n', '\r']).enumerate() {
        if index > 0 {
            out.push(' ');
        }
        out.push_str(line);
    }
}

/// Length of the tag body after `<` up to (not including) its `>`, quotes respected.
fn tag_length(after_open: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (index, c) in after_open.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(index),
            _ => {}
        }
    }
    None
}

/// The text after `</name>` (case-insensitive), or nothing when it is never closed.
fn skip_until_closing<'a>(text: &'a str, name: &str) -> &'a str {
    let closing = format!("</{name}");
    let lower = text.to_ascii_lowercase();
    match lower.find(&closing) {
        Some(start) => {
            let after = &text[start..];
            after.find('>').map_or("", |end| &after[end + 1..])
        }
        None => "",
    }
}

/// The text of Markdown: markers dropped, link texts kept, blocks as paragraphs.
pub fn markdown_to_text(markdown: &str) -> String {
    let markdown = markdown.replace("\r\n", "\n");
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new(&markdown) {
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Html(html) | Event::InlineHtml(html) => out.push_str(&html_to_text(&html)),
            Event::Start(Tag::Item) => out.push_str("\n\n"),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::TableRow,
            ) => out.push_str("\n\n"),
            Event::End(TagEnd::TableCell) | Event::Rule => out.push(' '),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_paragraphs_entities_and_scripts() {
        let html = "<p>Deep&nbsp;learning for <b>jets</b> &amp; showers.</p>\r\n<p>Second<br>line &lt;5%</p><script>alert(1)</script><!-- note -->";
        assert_eq!(
            description_text(html),
            "Deep learning for jets & showers.\n\nSecond line <5%"
        );
    }

    #[test]
    fn broken_html_never_panics_and_keeps_text() {
        assert_eq!(html_to_text("a < b and <i>c</i"), "a < b and c");
        assert_eq!(html_to_text("<p title=\"x>y\">z</p>"), "\n\nz\n\n");
        assert_eq!(html_to_text("<style>p{}"), "");
        assert_eq!(html_to_text("é<"), "é<");
    }

    #[test]
    fn markdown_markers_do_not_leak() {
        let markdown = "## Goals\r\n\r\nWe use **graph networks** and [Geant4](https://geant4.web.cern.ch) for `fast` simulation.\r\n\r\n* first point\r\n* second point";
        assert_eq!(
            description_text(markdown),
            "Goals\n\nWe use graph networks and Geant4 for fast simulation.\n\nfirst point\n\nsecond point"
        );
    }

    #[test]
    fn plain_text_with_latex_stays_plain() {
        assert_eq!(
            description_text("A pitch of 625 $\\mu$ m,\r\nwith 2*3 pixels_wide"),
            "A pitch of 625 μm, with 2*3 pixels_wide"
        );
    }
}

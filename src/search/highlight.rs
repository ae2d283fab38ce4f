//! Highlighting: marks in the original text every span whose analyzed form matched the query,
//! under the same analyzers the index used, so the whole surface word is marked even when it
//! matched through its stem (`détecteur` → `<mark>détecteurs</mark>`), a phrase is marked only
//! where it occurs as a phrase, and acronyms keep their original case. Output is HTML-escaped
//! exactly once; `<mark>` is the only markup. Offsets are bytes of the Rust string and every
//! cut falls on a character boundary.

use std::collections::HashMap;

use tantivy::tokenizer::Token;

use super::query::{AnalyzerKind, Analyzers, Pattern};
use crate::analysis;
use crate::model::Language;

/// Target length of an abstract snippet, in characters.
pub const SNIPPET_CHARS: usize = 240;

/// Append `text` to `out`, HTML-escaped. Control characters a record may carry (form feeds
/// from PDF conversion, terminal escapes) are display noise: tabs and carriage returns become
/// spaces, line feeds stay, the others are dropped, so our HTML holds none.
pub fn escape_html_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push('\n'),
            '\t' | '\r' => out.push(' '),
            c if c.is_control() => {}
            _ => out.push(c),
        }
    }
}

/// `text` HTML-escaped.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    escape_html_into(text, &mut out);
    out
}

/// The highlighter for one query.
pub struct Highlighter<'a> {
    patterns: &'a [Pattern],
    analyzers: Analyzers,
}

impl<'a> Highlighter<'a> {
    /// Prepare for the patterns of a built query.
    pub fn new(patterns: &'a [Pattern], analyzers: Analyzers) -> Highlighter<'a> {
        Highlighter {
            patterns,
            analyzers,
        }
    }

    /// Byte spans of `text` to mark, sorted and merged. `language` is the record's language
    /// (`None`: indexed under both analyzers).
    pub fn spans(&mut self, text: &str, language: Option<Language>) -> Vec<(usize, usize)> {
        if self.patterns.is_empty() || text.is_empty() {
            return Vec::new();
        }
        let mut kinds = vec![AnalyzerKind::Plain];
        match language {
            Some(language) => kinds.push(AnalyzerKind::Language(language)),
            None => kinds.extend(Language::ALL.map(AnalyzerKind::Language)),
        }
        let mut spans = Vec::new();
        for kind in kinds {
            let patterns: Vec<&Pattern> = self
                .patterns
                .iter()
                .filter(|p| match p {
                    Pattern::Terms { analyzer, .. } => *analyzer == kind,
                    Pattern::Fuzzy { .. } | Pattern::Prefix { .. } => kind == AnalyzerKind::Plain,
                })
                .collect();
            if patterns.is_empty() {
                continue;
            }
            let tokens = analysis::analyze(self.analyzers.get(kind), text);
            collect_spans(&tokens, &patterns, &mut spans);
        }
        merge_spans(text, spans)
    }

    /// The whole `text` with matches marked.
    pub fn highlight_all(&mut self, text: &str, language: Option<Language>) -> String {
        let spans = self.spans(text, language);
        render(text, 0, text.len(), &spans)
    }

    /// A window of about [`SNIPPET_CHARS`] characters around the best cluster of matches,
    /// or the start of the text when nothing in it matched.
    pub fn snippet(&mut self, text: &str, language: Option<Language>) -> String {
        let spans = self.spans(text, language);
        let (start, end) = best_window(text, &spans, SNIPPET_CHARS);
        let mut html = String::new();
        if start > 0 {
            html.push_str("… ");
        }
        html.push_str(&render(text, start, end, &spans));
        if end < text.len() {
            html.push_str(" …");
        }
        html
    }
}

fn collect_spans(tokens: &[Token], patterns: &[&Pattern], spans: &mut Vec<(usize, usize)>) {
    let mut by_position: HashMap<usize, Vec<&Token>> = HashMap::new();
    for token in tokens {
        by_position.entry(token.position).or_default().push(token);
    }
    for pattern in patterns {
        match pattern {
            Pattern::Terms { terms, .. } if terms.len() == 1 => {
                let term = &terms[0].1;
                spans.extend(
                    tokens
                        .iter()
                        .filter(|t| &t.text == term)
                        .map(|t| (t.offset_from, t.offset_to)),
                );
            }
            Pattern::Terms { terms, .. } => {
                for token in tokens.iter().filter(|t| t.text == terms[0].1) {
                    let mut matched = vec![token];
                    for (offset, term) in &terms[1..] {
                        let at = token.position + offset;
                        match by_position
                            .get(&at)
                            .and_then(|ts| ts.iter().find(|t| &t.text == term))
                        {
                            Some(found) => matched.push(found),
                            None => break,
                        }
                    }
                    if matched.len() == terms.len() {
                        let from = matched.iter().map(|t| t.offset_from).min().unwrap_or(0);
                        let to = matched.iter().map(|t| t.offset_to).max().unwrap_or(0);
                        spans.push((from, to));
                    }
                }
            }
            Pattern::Fuzzy { word, distance } => spans.extend(
                tokens
                    .iter()
                    .filter(|t| {
                        t.text.chars().count().abs_diff(word.chars().count()) <= *distance as usize
                            && strsim::damerau_levenshtein(&t.text, word) <= *distance as usize
                    })
                    .map(|t| (t.offset_from, t.offset_to)),
            ),
            Pattern::Prefix { prefix } => spans.extend(
                tokens
                    .iter()
                    .filter(|t| t.text.starts_with(prefix.as_str()))
                    .map(|t| (t.offset_from, t.offset_to)),
            ),
        }
    }
}

/// Sort, merge overlapping spans, and join spans separated only by a hyphen or apostrophe
/// (`<mark>semi-supervised</mark>`, not two marks).
fn merge_spans(text: &str, mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        if let Some(last) = merged.last_mut() {
            let gap = text.get(last.1..start).unwrap_or(" ");
            let joinable = start <= last.1
                || (gap.chars().count() == 1
                    && gap
                        .chars()
                        .all(|c| matches!(c, '-' | '\u{2010}' | '\u{2011}')));
            if joinable {
                last.1 = last.1.max(end);
                continue;
            }
        }
        merged.push((start, end));
    }
    merged
}

/// Escape `text[start..end]` with the spans inside it marked.
fn render(text: &str, start: usize, end: usize, spans: &[(usize, usize)]) -> String {
    let mut html = String::with_capacity(end - start + 32);
    let mut cursor = start;
    for &(span_start, span_end) in spans {
        if span_end <= start || span_start >= end {
            continue;
        }
        let span_start = span_start.max(cursor);
        let span_end = span_end.min(end);
        escape_html_into(&flatten(&text[cursor..span_start]), &mut html);
        html.push_str("<mark>");
        // A phrase match can span a line break: flattened like the text around it.
        escape_html_into(&flatten(&text[span_start..span_end]), &mut html);
        html.push_str("</mark>");
        cursor = span_end;
    }
    escape_html_into(&flatten(&text[cursor..end]), &mut html);
    html
}

/// Paragraph breaks read as spaces inside a one-line snippet.
fn flatten(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\n') {
        std::borrow::Cow::Owned(text.replace("\n\n", " ").replace('\n', " "))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Choose the byte window of about `max_chars` characters holding the most distinct matched
/// words; cut on whitespace, never inside a character.
fn best_window(text: &str, spans: &[(usize, usize)], max_chars: usize) -> (usize, usize) {
    let char_count = text.chars().count();
    if char_count <= max_chars {
        return (0, text.len());
    }
    let max_bytes_guess = byte_offset_after_chars(text, 0, max_chars);
    let Some(_) = spans.first() else {
        return (0, cut_at_whitespace_before(text, max_bytes_guess));
    };
    // Score every window that starts a little before a span.
    let mut best = (0usize, 0usize, 0usize); // (score, start, end)
    for (index, &(span_start, _)) in spans.iter().enumerate() {
        let start = start_before(text, span_start, 40);
        let end = byte_offset_after_chars(text, start, max_chars);
        let mut distinct: Vec<String> = Vec::new();
        for &(s, e) in &spans[index..] {
            if e > end {
                break;
            }
            let word = text[s..e].to_lowercase();
            if !distinct.contains(&word) {
                distinct.push(word);
            }
        }
        let covered = spans[index..]
            .iter()
            .take_while(|&&(_, e)| e <= end)
            .count();
        let score = distinct.len() * 100 + covered;
        if score > best.0 {
            best = (score, start, end);
        }
    }
    let (_, start, end) = best;
    let end = if end >= text.len() {
        text.len()
    } else {
        cut_at_whitespace_before(text, end).max(spans[0].1.min(text.len()))
    };
    (start, end)
}

/// Byte offset `chars` characters after `from` (or the end).
fn byte_offset_after_chars(text: &str, from: usize, chars: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(offset, _)| from + offset)
}

/// Start of a window about `context` characters before `at`, moved forward to a word start.
fn start_before(text: &str, at: usize, context: usize) -> usize {
    let prefix = &text[..at];
    let candidate = prefix
        .char_indices()
        .rev()
        .nth(context)
        .map_or(0, |(offset, _)| offset);
    if candidate == 0 {
        return 0;
    }
    // Start after the next whitespace so no word is cut in half.
    match text[candidate..at].find(char::is_whitespace) {
        Some(space) => {
            let after = candidate + space;
            after + text[after..].chars().next().map_or(0, char::len_utf8)
        }
        None => at,
    }
}

/// The last whitespace at or before `at` (a character boundary), or `at` itself.
fn cut_at_whitespace_before(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    match text[..at].rfind(char::is_whitespace) {
        Some(space) if space > 0 => space,
        _ => at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_happens_once() {
        assert_eq!(
            escape_html("Mesure \"R&D\" < 1 nm"),
            "Mesure &quot;R&amp;D&quot; &lt; 1 nm"
        );
    }

    #[test]
    fn windows_cut_on_character_boundaries() {
        let text = "« énergie » — ≥ √s calorimètre “final” ".repeat(20);
        let spans = vec![(text.len() / 2, text.len() / 2 + 1)];
        let spans: Vec<(usize, usize)> = spans
            .into_iter()
            .filter(|&(s, e)| text.is_char_boundary(s) && text.is_char_boundary(e))
            .collect();
        let (start, end) = best_window(&text, &spans, 50);
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        let (start, end) = best_window(&text, &[], 50);
        assert_eq!(start, 0);
        assert!(text.is_char_boundary(end));
    }
}

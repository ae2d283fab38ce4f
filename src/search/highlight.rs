//! Highlighting: marks in the original text every span whose analyzed form matched the query,
//! under the same analyzers the index used, so the whole surface word is marked even when it
//! matched through its stem (`détecteur` → `<mark>détecteurs</mark>`), a phrase is marked only
//! where it occurs as a phrase, and acronyms keep their original case. Output is HTML-escaped
//! exactly once; `<mark>` is the only markup. Offsets are bytes of the Rust string and every
//! cut falls on a character boundary.

use rustc_hash::FxHashMap;
use tantivy::tokenizer::{TextAnalyzer, Token};

use super::query::{AnalyzerKind, Analyzers, Pattern};
use crate::analysis;
use crate::model::Language;

/// Target length of an abstract snippet, in characters.
pub const SNIPPET_CHARS: usize = 240;

/// Append `text` to `out`, HTML-escaped. Control characters a record may carry (form feeds
/// from PDF conversion, terminal escapes) are display noise: tabs and carriage returns become
/// spaces, line feeds stay, the others are dropped, so our HTML holds none.
///
/// Runs of ordinary characters are copied whole: only the bytes that need work stop the scan
/// (the five HTML specials, ASCII controls and DEL, and `0xC2` followed by `0x80..=0x9F`,
/// which is U+0080–U+009F, the other characters `char::is_control` is true of).
/// `escape_html_into_by_char` in the tests is the oracle.
pub fn escape_html_into(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    out.reserve(text.len());
    let mut run_start = 0;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let width = match byte {
            b'&' | b'<' | b'>' | b'"' | b'\'' | b'\t' | b'\r' => 1,
            b'\n' => 0,
            0x00..=0x1F | 0x7F => 1,
            0xC2 if bytes
                .get(index + 1)
                .is_some_and(|next| (0x80..=0x9F).contains(next)) =>
            {
                2
            }
            _ => 0,
        };
        if width == 0 {
            index += 1;
            continue;
        }
        out.push_str(&text[run_start..index]);
        match byte {
            b'&' => out.push_str("&amp;"),
            b'<' => out.push_str("&lt;"),
            b'>' => out.push_str("&gt;"),
            b'"' => out.push_str("&quot;"),
            b'\'' => out.push_str("&#39;"),
            b'\t' | b'\r' => out.push(' '),
            _ => {}
        }
        index += width;
        run_start = index;
    }
    out.push_str(&text[run_start..]);
}

/// `text` HTML-escaped.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    escape_html_into(text, &mut out);
    out
}

/// The first letters a token must start with to match some pattern (ASCII as a bit set).
#[derive(Debug, Default, Clone)]
struct FirstLetters {
    ascii: u128,
    other: Vec<char>,
    /// A fuzzy pattern may match a word starting with any letter.
    any: bool,
}

impl FirstLetters {
    fn add(&mut self, word: &str) {
        match word.chars().next() {
            Some(c) if c.is_ascii() => self.ascii |= 1 << (c as u32),
            Some(c) if !self.other.contains(&c) => self.other.push(c),
            _ => {}
        }
    }

    fn union(&self, other: &FirstLetters) -> FirstLetters {
        let mut union = self.clone();
        union.ascii |= other.ascii;
        for &c in &other.other {
            if !union.other.contains(&c) {
                union.other.push(c);
            }
        }
        union.any |= other.any;
        union
    }

    fn contains(&self, c: char) -> bool {
        self.any
            || if c.is_ascii() {
                self.ascii & (1 << (c as u32)) != 0
            } else {
                self.other.contains(&c)
            }
    }

    fn is_empty(&self) -> bool {
        !self.any && self.ascii == 0 && self.other.is_empty()
    }
}

/// The patterns of one analyzer and the first letters of their terms.
#[derive(Default)]
struct KindPatterns<'a> {
    patterns: Vec<&'a Pattern>,
    first_letters: FirstLetters,
}

impl<'a> KindPatterns<'a> {
    fn of(patterns: &'a [Pattern], kind: AnalyzerKind) -> KindPatterns<'a> {
        let mut selected = KindPatterns::default();
        for pattern in patterns {
            match pattern {
                Pattern::Terms { analyzer, terms } if *analyzer == kind => {
                    for (_, term) in terms {
                        selected.first_letters.add(term);
                    }
                }
                Pattern::Fuzzy { .. } if kind == AnalyzerKind::Plain => {
                    selected.first_letters.any = true;
                }
                Pattern::Prefix { prefix } if kind == AnalyzerKind::Plain => {
                    selected.first_letters.add(prefix);
                }
                _ => continue,
            }
            selected.patterns.push(pattern);
        }
        selected
    }
}

/// The highlighter for one query.
pub struct Highlighter<'a> {
    patterns: &'a [Pattern],
    analyzers: Analyzers,
    plain: KindPatterns<'a>,
    /// In `Language::ALL` order.
    languages: [KindPatterns<'a>; 2],
    /// Reused buffers: the word tokens of the current text, the plain tokens that may match
    /// (the first `candidate_count` of `candidates`; their strings are reused), their
    /// language forms (likewise, the first `language_token_count`), a form.
    words: analysis::WordTokens,
    candidates: Vec<Token>,
    candidate_count: usize,
    language_tokens: Vec<Token>,
    language_token_count: usize,
    form: String,
}

impl<'a> Highlighter<'a> {
    /// Prepare for the patterns of a built query.
    pub fn new(patterns: &'a [Pattern], analyzers: Analyzers) -> Highlighter<'a> {
        Highlighter {
            patterns,
            analyzers,
            plain: KindPatterns::of(patterns, AnalyzerKind::Plain),
            languages: Language::ALL
                .map(|language| KindPatterns::of(patterns, AnalyzerKind::Language(language))),
            words: Default::default(),
            candidates: Vec::new(),
            candidate_count: 0,
            language_tokens: Vec::new(),
            language_token_count: 0,
            form: String::new(),
        }
    }

    /// Byte spans of `text` to mark, sorted and merged. `language` is the record's language
    /// (`None`: indexed under both analyzers).
    ///
    /// The text is split into words once, without copying them; only the words whose
    /// first letter some pattern term starts with are given their plain form (lowercased,
    /// accent-folded), and of those only the ones starting with a language pattern's letter
    /// are re-analyzed with that language's analyzer. A language analyzer's token is the stem
    /// of the plain token (unless it is a stop word), at the same position and offsets, and
    /// stemmers rewrite suffixes only, never the first letter
    /// (`language_forms_keep_the_first_letter` checks this on the seed), so no match is lost;
    /// most of the work is (`spans_equal_full_analysis` compares with analyzing everything).
    pub fn spans(&mut self, text: &str, language: Option<Language>) -> Vec<(usize, usize)> {
        if self.patterns.is_empty() || text.is_empty() {
            return Vec::new();
        }
        let language_indexes: &[usize] = match language {
            Some(Language::En) => &[0],
            Some(Language::Fr) => &[1],
            None => &[0, 1],
        };
        let mut letters = self.plain.first_letters.clone();
        for &index in language_indexes {
            letters = letters.union(&self.languages[index].first_letters);
        }
        if letters.is_empty() {
            return Vec::new();
        }
        self.collect_candidates(text, &letters);
        let candidates = &self.candidates[..self.candidate_count];
        let mut spans = Vec::new();
        if !self.plain.patterns.is_empty() {
            collect_spans(text, candidates, &self.plain.patterns, &mut spans);
        }
        for &index in language_indexes {
            let kind_patterns = &self.languages[index];
            if kind_patterns.patterns.is_empty() {
                continue;
            }
            let analyzer = self
                .analyzers
                .get(AnalyzerKind::Language(Language::ALL[index]));
            self.language_token_count = 0;
            for token in candidates {
                if !token
                    .text
                    .chars()
                    .next()
                    .is_some_and(|c| kind_patterns.first_letters.contains(c))
                {
                    continue;
                }
                if self.language_token_count == self.language_tokens.len() {
                    self.language_tokens.push(Token::default());
                }
                let language_token = &mut self.language_tokens[self.language_token_count];
                if cached_language_form(index, analyzer, text, token, &mut language_token.text) {
                    language_token.offset_from = token.offset_from;
                    language_token.offset_to = token.offset_to;
                    language_token.position = token.position;
                    language_token.position_length = token.position_length;
                    self.language_token_count += 1;
                }
            }
            collect_spans(
                text,
                &self.language_tokens[..self.language_token_count],
                &kind_patterns.patterns,
                &mut spans,
            );
        }
        merge_spans(text, spans)
    }

    /// Fill `candidates` with the plain tokens of `text` starting with one of `letters`.
    fn collect_candidates(&mut self, text: &str, letters: &FirstLetters) {
        analysis::word_tokens(text, &mut self.words);
        self.candidate_count = 0;
        for word in &self.words.tokens {
            // Most words are ASCII: their plain form starts with the lowercased first byte,
            // so they are rejected before any work.
            let first_byte = text.as_bytes()[word.offset_from];
            if first_byte.is_ascii()
                && !letters.contains(char::from(first_byte.to_ascii_lowercase()))
            {
                continue;
            }
            let raw = analysis::word_token_text(text, word);
            if !analysis::plain_form(&raw, &mut self.analyzers.plain, &mut self.form) {
                continue;
            }
            if !self
                .form
                .chars()
                .next()
                .is_some_and(|c| letters.contains(c))
            {
                continue;
            }
            if self.candidate_count == self.candidates.len() {
                self.candidates.push(Token::default());
            }
            let candidate = &mut self.candidates[self.candidate_count];
            candidate.offset_from = word.offset_from;
            candidate.offset_to = word.offset_to;
            candidate.position = word.position;
            candidate.position_length = word.position_length;
            candidate.text.clear();
            candidate.text.push_str(&self.form);
            self.candidate_count += 1;
        }
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

/// Most words remembered per language and thread by [`cached_language_form`] (~64 bytes
/// each).
const MAX_CACHED_FORMS: usize = 50_000;

/// Word → its analyzed form under one language (`None`: a stop word). Fx hashing: the keys
/// are words of stored records, and SipHash was a tenth of highlighting.
type LanguageForms = FxHashMap<Box<str>, Option<Box<str>>>;

thread_local! {
    /// Per language (in `Language::ALL` order). A word's form depends on nothing but the word, so it is computed once per
    /// search thread rather than once per hit: stemming was a tenth of a search.
    static LANGUAGE_FORMS: std::cell::RefCell<[LanguageForms; 2]> = Default::default();
}

/// [`language_form`]'s text into `out` (false: a stop word, `out` unspecified), from the
/// thread's cache when the word was seen before.
fn cached_language_form(
    language_index: usize,
    analyzer: &mut TextAnalyzer,
    text: &str,
    plain: &Token,
    out: &mut String,
) -> bool {
    let word = &text[plain.offset_from..plain.offset_to];
    out.clear();
    LANGUAGE_FORMS.with_borrow_mut(|forms| {
        let forms = &mut forms[language_index];
        if let Some(form) = forms.get(word) {
            return match form {
                Some(form) => {
                    out.push_str(form);
                    true
                }
                None => false,
            };
        }
        let form = language_form(analyzer, text, plain).map(|token| token.text);
        if forms.len() < MAX_CACHED_FORMS {
            forms.insert(word.into(), form.as_deref().map(Box::from));
        }
        match form {
            Some(form) => {
                out.push_str(&form);
                true
            }
            None => false,
        }
    })
}

/// The token a language analyzer makes of the word `plain` was made from (`None` for a stop
/// word), with the plain token's position and offsets.
fn language_form(analyzer: &mut TextAnalyzer, text: &str, plain: &Token) -> Option<Token> {
    let word = &text[plain.offset_from..plain.offset_to];
    let mut stream = analyzer.token_stream(word);
    while stream.advance() {
        // A hyphenated compound re-analyzes to its parts and then the joined word.
        if stream.token().position_length == plain.position_length {
            let mut token = std::mem::take(stream.token_mut());
            token.offset_from = plain.offset_from;
            token.offset_to = plain.offset_to;
            token.position = plain.position;
            return Some(token);
        }
    }
    None
}

fn collect_spans(
    text: &str,
    tokens: &[Token],
    patterns: &[&Pattern],
    spans: &mut Vec<(usize, usize)>,
) {
    // (position, index) sorted, for phrase patterns only.
    let mut by_position: Option<Vec<(usize, usize)>> = None;
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
                let by_position = by_position.get_or_insert_with(|| {
                    let mut index: Vec<(usize, usize)> = tokens
                        .iter()
                        .enumerate()
                        .map(|(i, t)| (t.position, i))
                        .collect();
                    index.sort_unstable();
                    index
                });
                let at_position = |position: usize| {
                    let start = by_position.partition_point(|&(p, _)| p < position);
                    by_position[start..]
                        .iter()
                        .take_while(move |&&(p, _)| p == position)
                        .map(|&(_, i)| &tokens[i])
                };
                for token in tokens.iter().filter(|t| t.text == terms[0].1) {
                    let mut parts = vec![(token.offset_from, token.offset_to)];
                    let mut matched = true;
                    for (offset, term) in &terms[1..] {
                        match at_position(token.position + offset).find(|t| &t.text == term) {
                            Some(found) => parts.push((found.offset_from, found.offset_to)),
                            None => {
                                matched = false;
                                break;
                            }
                        }
                    }
                    if matched {
                        push_phrase_spans(text, parts, spans);
                    }
                }
            }
            Pattern::Fuzzy { word, distance } => {
                let word_chars = word.chars().count();
                spans.extend(
                    tokens
                        .iter()
                        .filter(|t| {
                            t.text.chars().count().abs_diff(word_chars) <= *distance as usize
                                && may_be_within(&t.text, word, *distance as usize)
                                && strsim::damerau_levenshtein(&t.text, word) <= *distance as usize
                        })
                        .map(|t| (t.offset_from, t.offset_to)),
                )
            }
            Pattern::Prefix { prefix } => spans.extend(
                tokens
                    .iter()
                    .filter(|t| t.text.starts_with(prefix.as_str()))
                    .map(|t| (t.offset_from, t.offset_to)),
            ),
        }
    }
}

/// A cheap necessary condition for `damerau_levenshtein(a, b) <= distance` on ASCII text:
/// an insertion or deletion changes the multiset of letters by one, a substitution by two, a
/// transposition not at all. Non-ASCII text always passes (the exact distance decides).
fn may_be_within(a: &str, b: &str, distance: usize) -> bool {
    if !a.is_ascii() || !b.is_ascii() {
        return true;
    }
    let mut counts = [0i32; 128];
    for byte in a.bytes() {
        counts[byte as usize] += 1;
    }
    for byte in b.bytes() {
        counts[byte as usize] -= 1;
    }
    let difference: u32 = counts.iter().map(|c| c.unsigned_abs()).sum();
    difference as usize <= 2 * distance
}

/// The spans of one phrase match (`parts`: its words' spans, in phrase order): one span
/// over the whole phrase, split where the text between two words holds a bracket, so a mark
/// never opens inside a parenthesis and closes outside it (`(<mark>Machine</mark>)
/// <mark>Learning</mark>`, `<mark>ttH</mark>(<mark>H-&gt;bb</mark>)`).
fn push_phrase_spans(text: &str, mut parts: Vec<(usize, usize)>, spans: &mut Vec<(usize, usize)>) {
    parts.sort_unstable();
    let mut current = parts[0];
    for &(from, to) in &parts[1..] {
        let gap = text.get(current.1.min(from)..from).unwrap_or("");
        if gap.contains(['(', ')', '[', ']', '{', '}']) {
            spans.push(current);
            current = (from, to);
        } else {
            current.1 = current.1.max(to);
        }
    }
    spans.push(current);
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
    let words: Vec<String> = spans
        .iter()
        .map(|&(s, e)| text[s..e].to_lowercase())
        .collect();
    let mut best = (0usize, 0usize, 0usize); // (score, start, end)
    let mut distinct: Vec<&str> = Vec::new();
    for (index, &(span_start, _)) in spans.iter().enumerate() {
        let start = start_before(text, span_start, 40);
        let end = byte_offset_after_chars(text, start, max_chars);
        distinct.clear();
        for (&(_, e), word) in spans[index..].iter().zip(&words[index..]) {
            if e > end {
                break;
            }
            if !distinct.contains(&word.as_str()) {
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

/// Byte offset `chars` characters after `from` (a character boundary), or the end: where
/// `text[from..].char_indices().nth(chars)` is. The best window asks this once per span, so
/// characters are counted on bytes (an ASCII stretch is one byte per character; otherwise
/// every byte that is not a UTF-8 continuation byte starts a character) rather than decoded.
fn byte_offset_after_chars(text: &str, from: usize, chars: usize) -> usize {
    let rest = &text.as_bytes()[from..];
    if rest[..chars.min(rest.len())].is_ascii() {
        return if chars < rest.len() {
            from + chars
        } else {
            text.len()
        };
    }
    let mut seen = 0;
    for (offset, &byte) in rest.iter().enumerate() {
        if byte & 0xC0 != 0x80 {
            if seen == chars {
                return from + offset;
            }
            seen += 1;
        }
    }
    text.len()
}

/// Start of a window about `context` characters before `at`, moved forward to a word start.
fn start_before(text: &str, at: usize, context: usize) -> usize {
    let prefix = &text[..at];
    // The start of the character `context + 1` characters before `at` (0 when there are
    // fewer): `prefix.char_indices().rev().nth(context)`, one byte per ASCII character.
    let tail = prefix.len().min(context + 1);
    let candidate = if prefix.as_bytes()[prefix.len() - tail..].is_ascii() {
        if prefix.len() > context {
            at - (context + 1)
        } else {
            0
        }
    } else {
        prefix
            .char_indices()
            .rev()
            .nth(context)
            .map_or(0, |(offset, _)| offset)
    };
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
    use crate::index::Fields;
    use crate::search::query::{build_query, parse_user_query};
    use crate::search::Synonyms;
    use crate::testing::seed_records;

    /// What `Highlighter::spans` computed before it re-analyzed only candidate tokens: every
    /// analyzer over the whole text. The oracle of `spans_equal_full_analysis`.
    fn spans_by_full_analysis(
        patterns: &[Pattern],
        analyzers: &mut Analyzers,
        text: &str,
        language: Option<Language>,
    ) -> Vec<(usize, usize)> {
        let mut kinds = vec![AnalyzerKind::Plain];
        match language {
            Some(language) => kinds.push(AnalyzerKind::Language(language)),
            None => kinds.extend(Language::ALL.map(AnalyzerKind::Language)),
        }
        let mut spans = Vec::new();
        for kind in kinds {
            let kind_patterns: Vec<&Pattern> = patterns
                .iter()
                .filter(|p| match p {
                    Pattern::Terms { analyzer, .. } => *analyzer == kind,
                    _ => kind == AnalyzerKind::Plain,
                })
                .collect();
            let tokens = analysis::analyze(analyzers.get(kind), text);
            collect_spans(text, &tokens, &kind_patterns, &mut spans);
        }
        merge_spans(text, spans)
    }

    #[test]
    fn spans_equal_full_analysis() {
        let records = seed_records();
        let index = crate::index::build_in_ram(&records).expect("seed indexes");
        let fields = Fields::from_schema(&index.schema()).expect("fields");
        let searcher = index.reader().expect("reader").searcher();
        let mut marked = 0;
        for q in [
            "calorimeters",
            "réseaux de neurones",
            "\"machine learning\"",
            "apprentissage automatique",
            "semi-supervised",
            "données",
            "deep neural networks",
            "détecteurs",
            "generative adversarial network",
            "state of the art",
            "anomalies",
            "simulations rapides",
            "calorimetr",
            "calorimter ",
        ] {
            let mut analyzers = Analyzers::default();
            let built = build_query(
                &parse_user_query(q),
                &fields,
                &mut analyzers,
                &searcher,
                &Synonyms::default(),
            );
            let mut highlighter = Highlighter::new(&built.highlight, Analyzers::default());
            let mut oracle = Analyzers::default();
            for record in &records {
                for text in [&record.title, &record.abstract_text] {
                    let spans = highlighter.spans(text, record.language);
                    let expected = spans_by_full_analysis(
                        &built.highlight,
                        &mut oracle,
                        text,
                        record.language,
                    );
                    assert_eq!(spans, expected, "query {q:?}, record {}", record.id);
                    marked += spans.len();
                }
            }
        }
        assert!(marked > 300, "the queries mark the seed ({marked} spans)");
    }

    #[test]
    fn letter_counts_never_reject_a_close_word() {
        let mut plain = analysis::plain_analyzer();
        let mut words: Vec<String> = seed_records()
            .iter()
            .flat_map(|r| analysis::analyze(&mut plain, &r.abstract_text))
            .map(|t| t.text)
            .filter(|w| w.len() >= 5)
            .collect();
        words.sort();
        words.dedup();
        words.truncate(250);
        let mut close = 0;
        for a in &words {
            for b in &words {
                for distance in [1, 2] {
                    if strsim::damerau_levenshtein(a, b) <= distance {
                        assert!(may_be_within(a, b, distance), "{a} ~ {b} within {distance}");
                        close += 1;
                    }
                }
            }
        }
        assert!(close > words.len() * 2, "{close} close pairs");
        assert!(!may_be_within("calorimeter", "simulation", 2));
    }

    #[test]
    fn language_forms_keep_the_first_letter() {
        let mut plain = analysis::plain_analyzer();
        let mut checked = 0;
        for record in seed_records() {
            let text = format!("{} {}", record.title, record.abstract_text);
            for language in Language::ALL {
                let mut analyzer = analysis::language_analyzer(language);
                for token in analysis::analyze(&mut plain, &text) {
                    if let Some(form) = language_form(&mut analyzer, &text, &token) {
                        assert_eq!(
                            form.text.chars().next(),
                            token.text.chars().next(),
                            "{language:?} form of {:?}",
                            token.text
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 5_000, "{checked} words checked");
    }

    #[test]
    fn escaping_happens_once() {
        assert_eq!(
            escape_html("Mesure \"R&D\" < 1 nm"),
            "Mesure &quot;R&amp;D&quot; &lt; 1 nm"
        );
    }

    /// What `escape_html_into` did before it copied runs: one character at a time.
    fn escape_html_into_by_char(text: &str, out: &mut String) {
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

    /// Texts mixing ASCII, accents, wide characters, every control character and the
    /// characters around the C1 range (U+007F–U+00A0 share the lead byte 0xC2).
    fn awkward_texts() -> Vec<String> {
        let mut texts: Vec<String> = seed_records()
            .iter()
            .flat_map(|r| [r.title.clone(), r.abstract_text.clone()])
            .collect();
        let controls: String = (0u32..=0xA0).filter_map(char::from_u32).collect();
        texts.push(controls.clone());
        texts.push(format!("a{controls}é\u{2028}b\u{FEFF}<\"x\">&'\u{1F600}'"));
        texts.push("« énergie » — ≥ √s calorimètre “final” \u{85}\u{9F}\u{A0}¢".repeat(9));
        texts.push(String::new());
        texts.push("\u{C2}\u{80}".to_string());
        texts
    }

    #[test]
    fn escaping_runs_equals_escaping_by_char() {
        let mut checked = 0;
        for text in awkward_texts() {
            // Every suffix as well, so each special character is met at a run's start and end.
            for (start, _) in text.char_indices().step_by(7).chain([(text.len(), ' ')]) {
                let slice = &text[start..];
                let mut expected = String::new();
                escape_html_into_by_char(slice, &mut expected);
                assert_eq!(escape_html(slice), expected, "{slice:?}");
                checked += 1;
            }
        }
        assert!(checked > 1_000, "{checked} texts checked");
        assert_eq!(escape_html("a\u{7}\u{85}b\tc\r\nd"), "ab c \nd");
    }

    #[test]
    fn character_offsets_equal_decoding() {
        let mut checked = 0;
        for text in awkward_texts() {
            let boundaries: Vec<usize> = text
                .char_indices()
                .map(|(offset, _)| offset)
                .chain([text.len()])
                .collect();
            for &from in boundaries.iter().step_by(11) {
                for chars in [0, 1, 2, 5, 40, 240, 241, 10_000] {
                    let expected = text[from..]
                        .char_indices()
                        .nth(chars)
                        .map_or(text.len(), |(offset, _)| from + offset);
                    assert_eq!(
                        byte_offset_after_chars(&text, from, chars),
                        expected,
                        "{chars} characters after {from} in {text:?}"
                    );
                    let before = text[..from]
                        .char_indices()
                        .rev()
                        .nth(chars)
                        .map_or(0, |(offset, _)| offset);
                    let window_start = start_before(&text, from, chars);
                    let expected_start = if before == 0 {
                        0
                    } else {
                        match text[before..from].find(char::is_whitespace) {
                            Some(space) => {
                                let after = before + space;
                                after + text[after..].chars().next().map_or(0, char::len_utf8)
                            }
                            None => from,
                        }
                    };
                    assert_eq!(window_start, expected_start, "{chars} before {from}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 10_000, "{checked} offsets checked");
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

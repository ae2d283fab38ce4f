//! Text analysis: the tokenizer, the named analyzers the schema refers to, and per-record
//! language detection.
//!
//! Every analyzer starts with [`WordTokenizer`], which knows what PDF-converted scientific
//! text looks like: French elision (`l'apprentissage`, `l’apprentissage`) is dropped, and a
//! hyphenated word (`semi-supervised`, `AT-LAS`, `Run-2`) yields its parts *and* the joined
//! word, so line-break hyphenation never hides a word and `semisupervised` meets
//! `semi-supervised`. Then, in this order (stop-word lists are accented, and folding before
//! stemming makes `données` and `donnees` meet): lowercase → stop words → ASCII folding →
//! stemming (rust-stemmers, through tantivy's `Stemmer`).

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language as StemLanguage, LowerCaser, RemoveLongFilter, Stemmer,
    StopWordFilter, TextAnalyzer, Token, TokenStream, Tokenizer, TokenizerManager,
};

use crate::model::{Contribution, Language};

/// English analyzer: stop words and Porter2 stemming.
pub const ENGLISH: &str = "abstract_en";
/// French analyzer: elision, stop words and Snowball French stemming.
pub const FRENCH: &str = "abstract_fr";
/// Language-neutral analyzer: lowercased and accent-folded surface words, nothing removed.
pub const PLAIN: &str = "abstract_plain";

/// Tokens longer than this (in bytes) are noise (base64, URLs glued together) and dropped.
pub const MAX_TOKEN_BYTES: usize = 60;

/// Elided French articles and conjunctions: `l'`, `d'`, `qu'`, `jusqu'`…
const ELIDED: &[&str] = &[
    "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
];

/// Splits on every non-alphanumeric character, drops French elided articles and also emits
/// the joined form of hyphenated words.
#[derive(Clone, Default)]
pub struct WordTokenizer {
    tokens: Vec<Token>,
    words: WordTokens,
}

/// The token stream of [`WordTokenizer`] (tokens are computed up front, then moved out one by
/// one: no copy per token).
pub struct WordTokenStream<'a> {
    tokens: std::slice::IterMut<'a, Token>,
    current: Token,
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02bc}')
}

/// Word spans of `text` as (start byte, end byte), into `spans` (cleared first). Runs of
/// ASCII bytes are classified without decoding (a highlighter splits every hit's abstract);
/// other characters by `char::is_alphanumeric`.
fn word_spans(text: &str, spans: &mut Vec<(usize, usize)>) {
    spans.clear();
    let bytes = text.as_bytes();
    // The character at `index` (not ASCII) and its width, when it is alphanumeric.
    let other_word_char = |index: usize| -> Option<usize> {
        let c = text[index..]
            .chars()
            .next()
            .expect("index is a char boundary");
        c.is_alphanumeric().then(|| c.len_utf8())
    };
    let mut index = 0;
    while index < bytes.len() {
        // Skip to the next word character.
        let byte = bytes[index];
        if byte.is_ascii() {
            if !byte.is_ascii_alphanumeric() {
                index += 1;
                continue;
            }
        } else if other_word_char(index).is_none() {
            index += text[index..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        let start = index;
        while index < bytes.len() {
            let byte = bytes[index];
            if byte.is_ascii_alphanumeric() {
                index += 1;
            } else if byte.is_ascii() {
                break;
            } else {
                match other_word_char(index) {
                    Some(width) => index += width,
                    None => break,
                }
            }
        }
        spans.push((start, index));
    }
}

/// A token of [`WordTokenizer`] without its text: `text[offset_from..offset_to]` is the
/// word, or for a hyphenated compound (`position_length` > 1) the parts with their hyphens,
/// whose joined form is that text without the hyphens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordToken {
    pub offset_from: usize,
    pub offset_to: usize,
    pub position: usize,
    pub position_length: usize,
}

/// Reusable buffers of [`word_tokens`].
#[derive(Debug, Clone, Default)]
pub struct WordTokens {
    spans: Vec<(usize, usize)>,
    /// The tokens of the last text tokenized.
    pub tokens: Vec<WordToken>,
}

/// Tokenize `text` into `buffers.tokens` without copying any text: the tokens
/// [`tokenize_words`] makes, in the same order.
pub fn word_tokens(text: &str, buffers: &mut WordTokens) {
    let WordTokens { spans, tokens } = buffers;
    tokens.clear();
    word_spans(text, spans);
    let mut position = 0usize;
    let mut index = 0usize;
    let bytes = text.as_bytes();
    while index < spans.len() {
        let (start, end) = spans[index];
        // Most words are followed by a space or punctuation that neither elides nor joins:
        // one byte tells (apostrophes and hyphens are `'`, `-` or start with a byte >= 0x80).
        let may_join = bytes
            .get(end)
            .is_some_and(|&b| b == b'\'' || b == b'-' || !b.is_ascii());
        if !may_join {
            tokens.push(WordToken {
                offset_from: start,
                offset_to: end,
                position,
                position_length: 1,
            });
            position += 1;
            index += 1;
            continue;
        }
        let word = &text[start..end];
        let next_char = text[end..].chars().next();
        // Elision: `l'apprentissage` → `apprentissage`.
        if next_char.is_some_and(is_apostrophe) {
            let after_apostrophe = end + next_char.map_or(0, char::len_utf8);
            let followed_by_word = spans
                .get(index + 1)
                .is_some_and(|&(s, _)| s == after_apostrophe);
            if followed_by_word && ELIDED.iter().any(|e| word.eq_ignore_ascii_case(e)) {
                index += 1;
                continue;
            }
        }
        // Hyphenated compound: parts joined by single hyphens.
        let mut last = index;
        while let Some(&(next_start, _)) = spans.get(last + 1) {
            let gap = &text[spans[last].1..next_start];
            let mut gap_chars = gap.chars();
            let single_hyphen =
                gap_chars.next().is_some_and(is_hyphen) && gap_chars.next().is_none();
            if !single_hyphen {
                break;
            }
            last += 1;
        }
        let compound_position = position;
        for &(part_start, part_end) in &spans[index..=last] {
            tokens.push(WordToken {
                offset_from: part_start,
                offset_to: part_end,
                position,
                position_length: 1,
            });
            position += 1;
        }
        if last > index {
            tokens.push(WordToken {
                offset_from: start,
                offset_to: spans[last].1,
                position: compound_position,
                position_length: last - index + 1,
            });
        }
        index = last + 1;
    }
}

/// The text of a [`WordToken`] of `text`, before any filter: the word, or a compound's parts
/// joined.
pub fn word_token_text<'t>(text: &'t str, token: &WordToken) -> std::borrow::Cow<'t, str> {
    let raw = &text[token.offset_from..token.offset_to];
    if token.position_length > 1 {
        std::borrow::Cow::Owned(raw.chars().filter(|&c| !is_hyphen(c)).collect())
    } else {
        std::borrow::Cow::Borrowed(raw)
    }
}

/// Tokenize `text` into `tokens` (cleared first). Public so the highlighter and the query
/// builder see exactly the words the index saw.
pub fn tokenize_words(text: &str, tokens: &mut Vec<Token>) {
    tokenize_words_with(text, tokens, &mut WordTokens::default());
}

fn tokenize_words_with(text: &str, tokens: &mut Vec<Token>, buffers: &mut WordTokens) {
    word_tokens(text, buffers);
    tokens.clear();
    tokens.extend(buffers.tokens.iter().map(|token| Token {
        offset_from: token.offset_from,
        offset_to: token.offset_to,
        position: token.position,
        text: word_token_text(text, token).into_owned(),
        position_length: token.position_length,
    }));
}

/// What the [`PLAIN`] analyzer makes of one token's text (`word`, alphanumeric: a
/// [`word_token_text`]), written into `out`; false when it drops the token (too long).
/// ASCII words are lowercased in place of running the analyzer, which does exactly that to
/// them; other words go through `plain` (a [`plain_analyzer`]).
pub fn plain_form(word: &str, plain: &mut TextAnalyzer, out: &mut String) -> bool {
    out.clear();
    if word.is_ascii() {
        if word.len() >= MAX_TOKEN_BYTES {
            return false;
        }
        out.push_str(word);
        out.make_ascii_lowercase();
        return true;
    }
    let mut stream = plain.token_stream(word);
    if stream.advance() {
        out.push_str(&stream.token().text);
        return true;
    }
    false
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        tokenize_words_with(text, &mut self.tokens, &mut self.words);
        WordTokenStream {
            tokens: self.tokens.iter_mut(),
            current: Token::default(),
        }
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(token) => {
                self.current = std::mem::take(token);
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

fn stem_language(language: Language) -> StemLanguage {
    match language {
        Language::En => StemLanguage::English,
        Language::Fr => StemLanguage::French,
    }
}

/// The stemming analyzer of one language.
pub fn language_analyzer(language: Language) -> TextAnalyzer {
    let stem = stem_language(language);
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(StopWordFilter::new(stem).expect("tantivy ships en and fr stop words"))
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(stem))
        .build()
}

/// The language-neutral analyzer ([`PLAIN`]).
pub fn plain_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Name under which a language's analyzer is registered.
pub fn analyzer_name(language: Language) -> &'static str {
    match language {
        Language::En => ENGLISH,
        Language::Fr => FRENCH,
    }
}

/// Register every analyzer the schema names. Call after every index create or open.
pub fn register_analyzers(manager: &TokenizerManager) {
    manager.register(ENGLISH, language_analyzer(Language::En));
    manager.register(FRENCH, language_analyzer(Language::Fr));
    manager.register(PLAIN, plain_analyzer());
}

/// True when `word` (any case, accents optional) is a stop word of `language`.
pub fn is_stop_word(word: &str, language: Language) -> bool {
    let mut analyzer = TextAnalyzer::builder(WordTokenizer::default())
        .filter(LowerCaser)
        .filter(StopWordFilter::new(stem_language(language)).expect("stop words"))
        .build();
    let mut stream = analyzer.token_stream(word);
    let mut any_token = false;
    while stream.advance() {
        any_token = true;
    }
    !any_token && !word.trim().is_empty()
}

/// How much of the abstract language detection reads: whatlang's answer no longer changes
/// after a few hundred characters, and bounding it keeps a bulk ingest cheap.
const DETECTION_ABSTRACT_BYTES: usize = 1_000;

/// Language of a record from its title and abstract: French or English when whatlang is
/// confident, `None` otherwise (the record is then indexed under both analyzers).
pub fn detect_language(title: &str, abstract_text: &str) -> Option<Language> {
    let mut end = abstract_text.len().min(DETECTION_ABSTRACT_BYTES);
    while !abstract_text.is_char_boundary(end) {
        end -= 1;
    }
    let text = format!("{title}\n{}", &abstract_text[..end]);
    let detector =
        whatlang::Detector::with_allowlist(vec![whatlang::Lang::Eng, whatlang::Lang::Fra]);
    let info = detector.detect(&text)?;
    // whatlang is unreliable on titles alone: demand some text and its own confidence.
    if !info.is_reliable() || text.split_whitespace().count() < 8 {
        return None;
    }
    match info.lang() {
        whatlang::Lang::Eng => Some(Language::En),
        whatlang::Lang::Fra => Some(Language::Fr),
        _ => None,
    }
}

/// Set `language` on every record that does not have one yet, on all cores.
pub fn annotate_languages(records: &mut [Contribution]) {
    use rayon::prelude::*;
    records
        .par_iter_mut()
        .filter(|record| record.language.is_none())
        .for_each(|record| {
            record.language = detect_language(&record.title, &record.abstract_text);
        });
}

/// Run an analyzer over `text` and collect its tokens.
pub fn analyze(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while stream.advance() {
        // Every filter rewrites the whole token on the next advance: moving it out is safe
        // and saves one allocation per token.
        tokens.push(std::mem::take(stream.token_mut()));
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        analyze(analyzer, text)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn elision_with_both_apostrophes() {
        let mut fr = language_analyzer(Language::Fr);
        let expected = terms(&mut fr, "apprentissage");
        assert_eq!(terms(&mut fr, "l'apprentissage"), expected);
        assert_eq!(terms(&mut fr, "l’apprentissage"), expected);
        assert_eq!(terms(&mut fr, "d'apprentissage"), expected);
    }

    #[test]
    fn folding_before_stemming_makes_donnees_meet() {
        let mut fr = language_analyzer(Language::Fr);
        assert_eq!(terms(&mut fr, "données"), terms(&mut fr, "donnees"));
        assert_eq!(terms(&mut fr, "Électrons"), terms(&mut fr, "electron"));
    }

    #[test]
    fn hyphenated_words_keep_parts_and_joined_form() {
        let mut plain = plain_analyzer();
        assert_eq!(terms(&mut plain, "AT-LAS"), ["at", "las", "atlas"]);
        assert_eq!(
            terms(&mut plain, "Geant4 Run-2"),
            ["geant4", "run", "2", "run2"]
        );
    }

    /// `word_tokens` with `plain_form` (what the highlighter runs) against the plain
    /// analyzer over the seed report and a line of edge cases.
    #[test]
    fn plain_forms_equal_the_plain_analyzer() {
        let seed = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/corpus/in2p3-irfu-ml-workshop-2020.md"
        ))
        .expect("the seed report is in corpus/");
        let edge_cases = format!(
            "l’Énergie jusqu'à Électro-Magnétique AT-LAS run-2- -x {} Straße ŒUVRE ﬁbre",
            "a".repeat(70)
        );
        let mut plain = plain_analyzer();
        let mut buffers = WordTokens::default();
        let mut form = String::new();
        let mut compared = 0;
        for text in [seed.as_str(), edge_cases.as_str()] {
            let expected: Vec<(usize, usize, usize, usize, String)> = analyze(&mut plain, text)
                .into_iter()
                .map(|t| {
                    (
                        t.offset_from,
                        t.offset_to,
                        t.position,
                        t.position_length,
                        t.text,
                    )
                })
                .collect();
            word_tokens(text, &mut buffers);
            let mut found = Vec::new();
            for token in &buffers.tokens {
                let raw = word_token_text(text, token);
                if plain_form(&raw, &mut plain, &mut form) {
                    found.push((
                        token.offset_from,
                        token.offset_to,
                        token.position,
                        token.position_length,
                        form.clone(),
                    ));
                }
            }
            assert_eq!(found, expected);
            compared += found.len();
        }
        assert!(compared > 5_000, "{compared} tokens compared");
        assert_eq!(
            terms(&mut plain, &edge_cases)[..5],
            ["energie", "a", "electro", "magnetique", "electromagnetique"]
        );
    }

    #[test]
    fn language_detection_needs_real_text() {
        assert_eq!(detect_language("Calorimeter", ""), None);
        assert_eq!(
            detect_language(
                "Détection de la matière noire",
                "Nous présentons une nouvelle méthode de détection de la matière noire fondée sur l'apprentissage automatique."
            ),
            Some(Language::Fr)
        );
    }
}

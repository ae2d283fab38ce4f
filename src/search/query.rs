//! Search-box text → tantivy query. We do not use tantivy's query parser: its syntax rejects
//! ordinary text (`(machine learning`, `ttH(H->bb)`, `theme:`), and a search box owes every
//! string an answer. The grammar is the one people know from web search: words, `"phrases"`,
//! `+required`, `-excluded`; everything else is literal text.
//!
//! Each word is analyzed with every analyzer (English, French, plain) and searched in the
//! fields of that analyzer, so a query is never stemmed with one guessed language. Words that
//! are stop words in either language are optional. Typo tolerance applies to words that do not
//! occur in the index at all, and the last word is also a prefix (search as you type).

use std::cell::RefCell;

use rustc_hash::FxHashMap;
use tantivy::query::{
    AllQuery, Bm25StatisticsProvider, BooleanQuery, BoostQuery, EmptyQuery, FuzzyTermQuery, Occur,
    Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use super::alternatives::AlternativesQuery;
use super::phrase::ForwardPhraseQuery;
use super::prefix::PrefixQuery;
use super::synonyms::{Synonyms, WordKey, WordKeyer};
use crate::analysis::{self, tokenize_words};
use crate::index::Fields;
use crate::model::Language;

/// Relative weight of a title match over an abstract match.
const TITLE_BOOST: f32 = 3.0;
/// Weight of names and affiliations.
const PEOPLE_BOOST: f32 = 1.5;
/// Weight of theme, session and keywords.
const EXTRA_BOOST: f32 = 1.5;
/// Weight of a typo-tolerant match relative to an exact one.
const FUZZY_WEIGHT: f32 = 0.3;
/// Weight of a prefix (search-as-you-type) match.
const PREFIX_WEIGHT: f32 = 0.4;
/// Weight of a synonym's match relative to the literal words.
const SYNONYM_WEIGHT: f32 = 0.5;
/// Weight of a joined or split spelling (`auto encoders` ↔ `autoencoders`).
const JOIN_WEIGHT: f32 = 0.8;
/// Shortest half of a split word.
const MIN_SPLIT_CHARS: usize = 3;
/// Shortest word that gets one typo; [`TWO_TYPOS_FROM`] gets two.
const ONE_TYPO_FROM: usize = 5;
const TWO_TYPOS_FROM: usize = 9;
/// Shortest last word that is also searched as a prefix.
const PREFIX_FROM: usize = 3;
/// Most words of a query that are analyzed (the rest is ignored, said in the response).
pub const MAX_QUERY_CLAUSES: usize = 32;
/// Longest word (in characters) that gets typo tolerance. The cost of a Levenshtein
/// automaton grows steeply with the word's length: 32 random 58-letter words took 600 ms
/// on a 30-record index, all of it building automata; longer words are matched exactly.
pub const MAX_TYPO_CHARS: usize = 20;
/// Most words of one query that get typo tolerance (the first ones not in the index): each
/// costs an automaton per field and per search pass, so this bounds the work of a request.
pub const MAX_TYPO_WORDS: usize = 8;

/// How a clause takes part in the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// Plain word: required when matching all words, optional in the fallback.
    Default,
    /// `+word`: always required.
    Required,
    /// `-word`: excluded.
    Excluded,
}

/// One word or quoted phrase of the user's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub text: String,
    pub phrase: bool,
    pub requirement: Requirement,
}

/// The user's text split into clauses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    pub clauses: Vec<Clause>,
    /// The last word was still being typed (no trailing space): also match it as a prefix.
    pub last_word_is_prefix: bool,
    /// Clauses beyond [`MAX_QUERY_CLAUSES`] were dropped.
    pub truncated: bool,
}

impl ParsedQuery {
    /// True when nothing searchable was typed (browse mode).
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }
}

/// Split search-box text into clauses. Never fails.
pub fn parse_user_query(text: &str) -> ParsedQuery {
    let mut parsed = ParsedQuery::default();
    let mut chars = text.char_indices().peekable();
    while let Some(&(_, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut requirement = Requirement::Default;
        if c == '+' || c == '-' {
            chars.next();
            match chars.peek() {
                Some(&(_, next)) if !next.is_whitespace() => {
                    requirement = if c == '+' {
                        Requirement::Required
                    } else {
                        Requirement::Excluded
                    };
                }
                _ => continue,
            }
        }
        let Some(&(start, first)) = chars.peek() else {
            break;
        };
        let (clause_text, phrase) = if first == '"' {
            chars.next();
            let mut phrase_text = String::new();
            for (_, c) in chars.by_ref() {
                if c == '"' {
                    break;
                }
                phrase_text.push(c);
            }
            (phrase_text, true)
        } else {
            let mut end = text.len();
            while let Some(&(index, c)) = chars.peek() {
                if c.is_whitespace() {
                    end = index;
                    break;
                }
                chars.next();
            }
            let word = &text[start..end];
            if requirement != Requirement::Excluded && word.contains(WORD_SEPARATORS) {
                // `theme:calorimeter`, `calorimeter/detector`, `a,b`: the words on both
                // sides, each as if typed alone, rather than one sequence no text holds.
                // An exclusion keeps the sequence: excluding each word would drop more.
                for piece in word.split(WORD_SEPARATORS) {
                    let piece = undotted_acronym(piece).unwrap_or_else(|| piece.to_string());
                    if !push_clause(&mut parsed, piece, false, requirement) {
                        break;
                    }
                }
                continue;
            }
            (
                undotted_acronym(word).unwrap_or_else(|| word.to_string()),
                false,
            )
        };
        if !push_clause(&mut parsed, clause_text, phrase, requirement) {
            break;
        }
    }
    parsed.last_word_is_prefix = parsed.clauses.last().is_some_and(|clause| {
        !clause.phrase
            && clause.requirement != Requirement::Excluded
            && !text.ends_with(char::is_whitespace)
            && !text.ends_with('"')
    });
    parsed
}

/// Characters that join two words in search-box text without making them one term
/// sequence: field-like `a:b`, alternatives `a/b`, `a=b`, lists. Not `<`, `>`: `H->bb` is
/// notation, a decay, best matched as written.
const WORD_SEPARATORS: &[char] = &[':', '/', '\\', '=', '|', ';', ','];

/// Add a clause unless it holds no word; `false` once [`MAX_QUERY_CLAUSES`] are taken.
fn push_clause(
    parsed: &mut ParsedQuery,
    text: String,
    phrase: bool,
    requirement: Requirement,
) -> bool {
    if !text.chars().any(char::is_alphanumeric) {
        return true;
    }
    if parsed.clauses.len() == MAX_QUERY_CLAUSES {
        parsed.truncated = true;
        return false;
    }
    parsed.clauses.push(Clause {
        text,
        phrase,
        requirement,
    });
    true
}

/// Which analyzer produced a highlight pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnalyzerKind {
    Language(Language),
    Plain,
}

/// What the highlighter marks in text: a term sequence (one term for a word) under one
/// analyzer, or an approximate word of the plain analyzer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// Consecutive terms at (relative position, term) under `analyzer`.
    Terms {
        analyzer: AnalyzerKind,
        terms: Vec<(usize, String)>,
    },
    /// A plain word within `distance` edits.
    Fuzzy { word: String, distance: u8 },
    /// A plain word starting with `prefix`.
    Prefix { prefix: String },
}

/// The analyzers a query is built with (cloned per request: analysis needs `&mut`).
#[derive(Clone)]
pub struct Analyzers {
    pub english: TextAnalyzer,
    pub french: TextAnalyzer,
    pub plain: TextAnalyzer,
}

impl Default for Analyzers {
    fn default() -> Self {
        Analyzers {
            english: analysis::language_analyzer(Language::En),
            french: analysis::language_analyzer(Language::Fr),
            plain: analysis::plain_analyzer(),
        }
    }
}

impl Analyzers {
    /// The analyzer of `kind`.
    pub fn get(&mut self, kind: AnalyzerKind) -> &mut TextAnalyzer {
        match kind {
            AnalyzerKind::Language(Language::En) => &mut self.english,
            AnalyzerKind::Language(Language::Fr) => &mut self.french,
            AnalyzerKind::Plain => &mut self.plain,
        }
    }
}

/// A query ready to run, with what to highlight.
pub struct BuiltQuery {
    /// Every default clause required.
    pub all_words: Box<dyn Query>,
    /// Default clauses optional (at least one must match): the fallback when `all_words`
    /// finds nothing. `None` when it would be the same query.
    pub any_word: Option<Box<dyn Query>>,
    pub highlight: Vec<Pattern>,
    /// Every clause was a stop word of some language. Those a language keeps are searched
    /// in its records only (`ai` is French for "have" and an English word); when even that
    /// finds nothing, or no language keeps any of them, the query is too generic to answer.
    pub only_stop_words: bool,
    /// No language keeps any word of the query (`a`, `on`): nothing to search at all.
    pub nothing_to_search: bool,
    /// Words that can match nothing because no word that long is indexed (as typed).
    pub overlong_words: Vec<String>,
    /// Clauses were typed but none yields a term under any analyzer (`±`, `ⅱ`): the text
    /// has nothing to search, which is not the same as browsing.
    pub no_searchable_word: bool,
    /// The document frequencies looked up while building (every term is checked before it
    /// is used), for [`SearchStatistics`].
    pub doc_freqs: FxHashMap<Term, u64>,
}

/// The BM25 statistics of one search: the searcher's own numbers, but each document
/// frequency the query builder already looked up is not looked up again in the term
/// dictionaries, and each field's token count is summed over the segments once (tantivy
/// asks for both once per term of the query).
pub struct SearchStatistics<'a> {
    searcher: &'a Searcher,
    doc_freqs: &'a FxHashMap<Term, u64>,
    total_tokens: RefCell<FxHashMap<Field, u64>>,
}

impl<'a> SearchStatistics<'a> {
    /// Statistics on `searcher` knowing `doc_freqs` (a [`BuiltQuery`]'s, built on it).
    pub fn new(searcher: &'a Searcher, doc_freqs: &'a FxHashMap<Term, u64>) -> Self {
        SearchStatistics {
            searcher,
            doc_freqs,
            total_tokens: RefCell::new(FxHashMap::default()),
        }
    }
}

impl Bm25StatisticsProvider for SearchStatistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        if let Some(&tokens) = self.total_tokens.borrow().get(&field) {
            return Ok(tokens);
        }
        let tokens = Bm25StatisticsProvider::total_num_tokens(self.searcher, field)?;
        self.total_tokens.borrow_mut().insert(field, tokens);
        Ok(tokens)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Bm25StatisticsProvider::total_num_docs(self.searcher)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        match self.doc_freqs.get(term) {
            Some(&frequency) => Ok(frequency),
            None => Bm25StatisticsProvider::doc_freq(self.searcher, term),
        }
    }
}

/// Weighted fields of each analyzer.
fn fields_of(kind: AnalyzerKind, fields: &Fields) -> Vec<(Field, f32)> {
    match kind {
        AnalyzerKind::Language(language) => vec![
            (fields.title_field(language), TITLE_BOOST),
            (fields.abstract_field(language), 1.0),
        ],
        AnalyzerKind::Plain => vec![
            (fields.title_plain, TITLE_BOOST),
            (fields.abstract_plain, 1.0),
            (fields.people, PEOPLE_BOOST),
            (fields.extra, EXTRA_BOOST),
        ],
    }
}

const KINDS: [AnalyzerKind; 3] = [
    AnalyzerKind::Language(Language::En),
    AnalyzerKind::Language(Language::Fr),
    AnalyzerKind::Plain,
];

/// One alternative of a clause before it becomes a query.
enum Alternative {
    /// A term, or a phrase of terms at relative positions, all of one field, weighted.
    Terms {
        terms: Vec<(usize, Term)>,
        boost: f32,
    },
    /// A typo-tolerant or prefix match, or nothing.
    Other(Box<dyn Query>),
}

impl Alternative {
    fn into_query(self) -> Box<dyn Query> {
        match self {
            Alternative::Terms { terms, boost } => term_sequence_query(terms, boost),
            Alternative::Other(query) => query,
        }
    }
}

/// One clause on its way to becoming a query: its alternatives and what to highlight.
struct ClauseParts {
    /// The alternatives that can match: a term or phrase some field of its analyzer lacks
    /// is left out, as it would add nothing.
    alternatives: Vec<Alternative>,
    /// Some analyzer made terms of the clause (even if no field has them).
    analyzed: bool,
    patterns: Vec<Pattern>,
    /// The clause's single plain word, for joins, splits and synonyms.
    plain_word: Option<String>,
    /// The languages whose analyzer drops the clause as a stop word.
    dropped_by: Vec<Language>,
    /// A word of the clause is too long to be indexed: the clause matches nothing.
    overlong: bool,
}

impl ClauseParts {
    /// Add `terms` (all of one field) weighted by `boost`. A sequence the clause already
    /// searches only has its weight raised: synonyms and analyzers reach the same terms
    /// (`energy` and its synonym `énergie` have one English stem, searched in two fields
    /// with three weights), and one posting list read with the summed weight scores the
    /// same, as BM25 is linear in the weight, for a third of the reading.
    fn add_terms(&mut self, terms: Vec<(usize, Term)>, boost: f32) {
        if merge_repeated_terms() {
            for alternative in &mut self.alternatives {
                if let Alternative::Terms {
                    terms: known,
                    boost: known_boost,
                } = alternative
                {
                    if *known == terms {
                        *known_boost += boost;
                        return;
                    }
                }
            }
        }
        self.alternatives.push(Alternative::Terms { terms, boost });
    }
}

/// Build the tantivy query for `parsed`. `searcher` answers whether a word exists at all
/// (typo tolerance, joins and splits are only tried against words the index knows).
pub fn build_query(
    parsed: &ParsedQuery,
    fields: &Fields,
    analyzers: &mut Analyzers,
    searcher: &Searcher,
    synonyms: &Synonyms,
) -> BuiltQuery {
    let last_index = parsed.clauses.len().saturating_sub(1);
    let mut typo_words_left = MAX_TYPO_WORDS;
    let mut frequencies = TermFrequencies::new(searcher);
    let mut parts: Vec<ClauseParts> = Vec::with_capacity(parsed.clauses.len());
    for (index, clause) in parsed.clauses.iter().enumerate() {
        let prefix = parsed.last_word_is_prefix && index == last_index;
        let mut clause_parts = ClauseParts {
            alternatives: Vec::new(),
            analyzed: false,
            patterns: Vec::new(),
            plain_word: None,
            dropped_by: Vec::new(),
            overlong: has_overlong_word(&clause.text),
        };
        if clause_parts.overlong {
            parts.push(clause_parts);
            continue;
        }
        for kind in KINDS {
            let sequences = analyze_clause(&clause.text, kind, analyzers);
            // A word some language drops as a stop word (`de`, `la`, `the`) only adds to the
            // score: requiring it would make `de la les` list every French record. An
            // acronym typed in capitals (`AI`, `IT`) is a name, whatever a language's list
            // says of the lowercase word.
            if let AnalyzerKind::Language(language) = kind {
                if sequences.is_empty() && !is_acronym(&clause.text) {
                    clause_parts.dropped_by.push(language);
                }
            }
            if kind == AnalyzerKind::Plain && !clause.phrase {
                clause_parts.plain_word = match sequences.first() {
                    Some(terms) if terms.len() == 1 => Some(terms[0].1.clone()),
                    _ => None,
                };
            }
            for terms in sequences {
                add_sequence(
                    &mut clause_parts,
                    kind,
                    terms,
                    1.0,
                    fields,
                    &mut frequencies,
                );
            }
        }
        if !clause.phrase && clause_parts.analyzed {
            add_approximate(
                clause,
                prefix,
                &mut typo_words_left,
                fields,
                analyzers,
                &mut frequencies,
                &mut clause_parts,
            );
        }
        parts.push(clause_parts);
    }
    add_span_alternatives(
        parsed,
        &mut parts,
        fields,
        analyzers,
        &mut frequencies,
        synonyms,
    );
    for part in &mut parts {
        // A word no field has still matches nothing (rather than being dropped).
        if part.analyzed && part.alternatives.is_empty() {
            part.alternatives
                .push(Alternative::Other(Box::new(EmptyQuery)));
        }
    }

    let mut required: Vec<Box<dyn Query>> = Vec::new(); // `+word`
    let mut content: Vec<Box<dyn Query>> = Vec::new(); // plain words
    let mut stop_words: Vec<Box<dyn Query>> = Vec::new(); // words a language drops
                                                          // The stop words again, each searched only in the records of the languages keeping it
                                                          // (`None`: no language keeps it).
    let mut stop_words_where_kept: Vec<Option<Box<dyn Query>>> = Vec::new();
    let mut excluded: Vec<Box<dyn Query>> = Vec::new(); // `-word`
    let mut highlight = Vec::new();
    let mut overlong_words = Vec::new();
    // Several clauses: each clause's union is advanced by the others (intersection,
    // exclusion), so it must score lazily (AlternativesQuery). A single clause is read
    // whole, which tantivy's buffered union of `Should` clauses does faster.
    let single_clause = parts.iter().filter(|p| p.analyzed).count() == 1;
    for (clause, clause_parts) in parsed.clauses.iter().zip(parts) {
        if clause_parts.overlong {
            overlong_words.push(clause.text.clone());
            // A word that matches nothing: required, it leaves nothing to find; excluded, it
            // excludes nothing.
            match clause.requirement {
                Requirement::Excluded => {}
                Requirement::Required => required.push(Box::new(EmptyQuery)),
                Requirement::Default => content.push(Box::new(EmptyQuery)),
            }
            continue;
        }
        if !clause_parts.analyzed {
            continue;
        }
        let is_stop_word = !clause_parts.dropped_by.is_empty() && !clause.phrase;
        if is_stop_word && clause.requirement == Requirement::Default {
            stop_words_where_kept.push(where_kept(
                &clause.text,
                &clause_parts.dropped_by,
                fields,
                analyzers,
            ));
        }
        let clause_query: Box<dyn Query> = if single_clause {
            Box::new(BooleanQuery::new(
                clause_parts
                    .alternatives
                    .into_iter()
                    .map(|alternative| (Occur::Should, alternative.into_query()))
                    .collect(),
            ))
        } else {
            Box::new(AlternativesQuery::new(
                clause_parts
                    .alternatives
                    .into_iter()
                    .map(Alternative::into_query)
                    .collect(),
            ))
        };
        match clause.requirement {
            Requirement::Excluded => {
                excluded.push(clause_query);
                continue;
            }
            Requirement::Required => required.push(clause_query),
            Requirement::Default if is_stop_word => stop_words.push(clause_query),
            Requirement::Default => content.push(clause_query),
        }
        highlight.extend(clause_parts.patterns);
    }

    let combine = |must: Vec<&Box<dyn Query>>, should: Vec<&Box<dyn Query>>| -> Box<dyn Query> {
        let mut subqueries: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if must.is_empty() && should.is_empty() {
            subqueries.push((Occur::Must, Box::new(AllQuery)));
        }
        subqueries.extend(must.into_iter().map(|q| (Occur::Must, q.box_clone())));
        subqueries.extend(should.into_iter().map(|q| (Occur::Should, q.box_clone())));
        subqueries.extend(excluded.iter().map(|q| (Occur::MustNot, q.box_clone())));
        Box::new(BooleanQuery::new(subqueries))
    };
    let only_stop_words = required.is_empty() && content.is_empty() && !stop_words.is_empty();
    if only_stop_words {
        // `ai`, `de la les`: every word where some language keeps it, the others scoring.
        let kept: Vec<&Box<dyn Query>> = stop_words_where_kept.iter().flatten().collect();
        let optional = stop_words_where_kept
            .iter()
            .zip(&stop_words)
            .filter(|(kept, _)| kept.is_none())
            .map(|(_, query)| query)
            .collect();
        return BuiltQuery {
            nothing_to_search: kept.is_empty(),
            all_words: combine(kept, optional),
            any_word: None,
            highlight,
            only_stop_words,
            overlong_words,
            no_searchable_word: false,
            doc_freqs: frequencies.known,
        };
    }
    let no_searchable_word = !parsed.is_empty()
        && required.is_empty()
        && content.is_empty()
        && excluded.is_empty()
        && overlong_words.is_empty();
    let all_words = combine(
        required.iter().chain(&content).collect(),
        stop_words.iter().collect(),
    );
    let any_word = (content.len() > 1).then(|| {
        combine(
            required.iter().collect(),
            content.iter().chain(&stop_words).collect(),
        )
    });
    BuiltQuery {
        all_words,
        any_word,
        highlight,
        only_stop_words,
        nothing_to_search: false,
        overlong_words,
        no_searchable_word,
        doc_freqs: frequencies.known,
    }
}

/// True when a word of `text` is too long for the analyzers, which drop it: the text can
/// then match nothing.
fn has_overlong_word(text: &str) -> bool {
    let mut tokens = Vec::new();
    tokenize_words(text, &mut tokens);
    tokens
        .iter()
        .any(|token| token.text.len() >= analysis::MAX_TOKEN_BYTES)
}

/// `A.I.`, `U.S.A`: capitals each followed by a dot (the last one optionally), written
/// without the dots, so the acronym is searched (`AI`) rather than its letters as words
/// (`a`, `i`, which matched the pronoun "I").
fn undotted_acronym(word: &str) -> Option<String> {
    let mut letters = String::new();
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_uppercase() {
            return None;
        }
        letters.push(c);
        match chars.next() {
            Some('.') => {}
            None => break,
            Some(_) => return None,
        }
    }
    (letters.chars().count() >= 2).then_some(letters)
}

/// An acronym as typed: two letters or more, all capitals, and nothing but letters and
/// digits (`AI`, `IT`, `LHCb` is not: it is a name of mixed case and no stop word anyway).
fn is_acronym(text: &str) -> bool {
    text.chars().all(char::is_alphanumeric)
        && text.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && text
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase)
}

/// `text` (a stop word of the `dropped_by` languages) searched in the fields of the other
/// languages, in records of those languages only: a record whose language is unknown is
/// indexed under every analyzer, and there the word may be the stop word. `None` when every
/// language drops it.
fn where_kept(
    text: &str,
    dropped_by: &[Language],
    fields: &Fields,
    analyzers: &mut Analyzers,
) -> Option<Box<dyn Query>> {
    let mut languages: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for language in Language::ALL {
        if dropped_by.contains(&language) {
            continue;
        }
        let kind = AnalyzerKind::Language(language);
        let alternatives: Vec<(Occur, Box<dyn Query>)> = analyze_clause(text, kind, analyzers)
            .iter()
            .flat_map(|terms| {
                fields_of(kind, fields)
                    .into_iter()
                    .map(move |(field, boost)| {
                        let field_terms = terms
                            .iter()
                            .map(|(offset, text)| (*offset, Term::from_field_text(field, text)))
                            .collect();
                        (Occur::Should, term_sequence_query(field_terms, boost))
                    })
            })
            .collect();
        if alternatives.is_empty() {
            continue;
        }
        let of_language =
            Term::from_facet(fields.language, &crate::index::facet_value(language.code()));
        languages.push((
            Occur::Should,
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(BooleanQuery::new(alternatives))),
                (
                    Occur::Must,
                    Box::new(TermQuery::new(of_language, IndexRecordOption::Basic)),
                ),
            ])),
        ));
    }
    (!languages.is_empty()).then(|| Box::new(BooleanQuery::new(languages)) as Box<dyn Query>)
}

/// Document frequencies of the terms a query is built from, each looked up once: half the
/// terms of a query are in no document of their field (a French stem in the French title
/// field of an English corpus, the split `mag net` of `magnet` in the people field), and an
/// alternative of such a term, or a phrase with one, costs a weight and a scorer for nothing.
struct TermFrequencies<'a> {
    searcher: &'a Searcher,
    /// Fx hashing: SipHash of the terms was a third of these lookups.
    known: FxHashMap<Term, u64>,
    /// Leave out alternatives with an absent term (false only in the test that checks
    /// pruning changes nothing).
    prune: bool,
}

impl<'a> TermFrequencies<'a> {
    fn new(searcher: &'a Searcher) -> TermFrequencies<'a> {
        TermFrequencies {
            searcher,
            known: FxHashMap::default(),
            prune: !keep_absent_terms(),
        }
    }

    /// False when no document of the term's field has `term`, so an alternative needing it
    /// can be left out.
    fn can_match(&mut self, term: &Term) -> bool {
        !self.prune || self.doc_freq(term) > 0
    }

    /// Number of documents with `term` (0 when the lookup fails: the term is left out;
    /// only frequencies read are remembered, so the search's statistics are the searcher's).
    fn doc_freq(&mut self, term: &Term) -> u64 {
        if let Some(&frequency) = self.known.get(term) {
            return frequency;
        }
        match self.searcher.doc_freq(term) {
            Ok(frequency) => {
                self.known.insert(term.clone(), frequency);
                frequency
            }
            Err(_) => 0,
        }
    }
}

/// Pruning is on, except in the test that checks it changes no result.
#[cfg(not(test))]
fn keep_absent_terms() -> bool {
    false
}
#[cfg(test)]
use tests::keep_absent_terms;

/// Repeated term sequences of a clause are merged, except in the test that checks merging
/// changes no result.
#[cfg(not(test))]
fn merge_repeated_terms() -> bool {
    true
}
#[cfg(test)]
use tests::merge_repeated_terms;

/// Search `terms` (one analyzer's output) in that analyzer's fields, weighted by `weight`;
/// fields lacking one of the terms are left out.
fn add_sequence(
    parts: &mut ClauseParts,
    kind: AnalyzerKind,
    terms: Vec<(usize, String)>,
    weight: f32,
    fields: &Fields,
    frequencies: &mut TermFrequencies,
) {
    parts.analyzed = true;
    for (field, boost) in fields_of(kind, fields) {
        let field_terms: Vec<(usize, Term)> = terms
            .iter()
            .map(|(offset, text)| (*offset, Term::from_field_text(field, text)))
            .collect();
        if field_terms
            .iter()
            .all(|(_, term)| frequencies.can_match(term))
        {
            parts.add_terms(field_terms, boost * weight);
        }
    }
    parts.patterns.push(Pattern::Terms {
        analyzer: kind,
        terms,
    });
}

/// True when `word` occurs in a title or abstract.
fn is_known_word(word: &str, fields: &Fields, frequencies: &mut TermFrequencies) -> bool {
    [fields.title_plain, fields.abstract_plain]
        .iter()
        .any(|&field| frequencies.doc_freq(&Term::from_field_text(field, word)) > 0)
}

/// Alternatives that cover several words or other spellings of one word:
/// - synonyms: `DNN` also searches `deep neural network` and the reverse;
/// - joins: `auto encoders` also searches `autoencoders`, `signal to noise` also
///   `signaltonoise` (what PDF hyphenation leaves), when the joined word is in the index;
/// - splits: `autoencoders` also searches the phrase `auto encoders` when both halves are.
fn add_span_alternatives(
    parsed: &ParsedQuery,
    parts: &mut [ClauseParts],
    fields: &Fields,
    analyzers: &mut Analyzers,
    frequencies: &mut TermFrequencies,
    synonyms: &Synonyms,
) {
    let words: Vec<Option<String>> = parsed
        .clauses
        .iter()
        .zip(parts.iter())
        .map(|(clause, part)| {
            (clause.requirement != Requirement::Excluded)
                .then(|| part.plain_word.clone())
                .flatten()
        })
        .collect();
    // The request's analyzers: building new ones builds their stop-word sets, every search.
    let mut keyer = WordKeyer::new(analyzers.english.clone(), analyzers.french.clone());
    let keys: Vec<Option<WordKey>> = words
        .iter()
        .map(|word| word.as_deref().map(|w| keyer.key(w)))
        .collect();
    for (start, end, others) in synonyms.expansions(&keys) {
        for text in others {
            for part in &mut parts[start..end] {
                for kind in KINDS {
                    for terms in analyze_clause(&text, kind, analyzers) {
                        add_sequence(part, kind, terms, SYNONYM_WEIGHT, fields, frequencies);
                    }
                }
            }
        }
    }
    // An excluded word or phrase excludes what it would match if searched: its synonyms
    // (`-GAN` also excludes `generative adversarial network`) and its split spelling. Only
    // a group form covering the whole clause counts; joins span clauses and do not apply.
    for (clause, part) in parsed.clauses.iter().zip(parts.iter_mut()) {
        if clause.requirement != Requirement::Excluded {
            continue;
        }
        let clause_keys: Vec<Option<WordKey>> =
            analysis::analyze(&mut analyzers.plain, &clause.text)
                .iter()
                .filter(|token| token.position_length <= 1)
                .map(|token| Some(keyer.key(&token.text)))
                .collect();
        for (start, end, others) in synonyms.expansions(&clause_keys) {
            if start != 0 || end != clause_keys.len() {
                continue;
            }
            for text in others {
                for kind in KINDS {
                    for terms in analyze_clause(&text, kind, analyzers) {
                        add_sequence(part, kind, terms, SYNONYM_WEIGHT, fields, frequencies);
                    }
                }
            }
        }
    }
    for width in 2..=3 {
        for start in 0..words.len().saturating_sub(width - 1) {
            let window = &words[start..start + width];
            let Some(joined) = window
                .iter()
                .map(|w| w.as_deref())
                .collect::<Option<Vec<&str>>>()
                .map(|ws| ws.concat())
            else {
                continue;
            };
            if !is_known_word(&joined, fields, frequencies) {
                continue;
            }
            for part in &mut parts[start..start + width] {
                add_sequence(
                    part,
                    AnalyzerKind::Plain,
                    vec![(0, joined.clone())],
                    JOIN_WEIGHT,
                    fields,
                    frequencies,
                );
            }
        }
    }
    // Splits apply to excluded words too (`-autoencoders` excludes `auto encoders`).
    let single_words: Vec<Option<String>> =
        parts.iter().map(|part| part.plain_word.clone()).collect();
    for (index, word) in single_words.iter().enumerate() {
        let Some(word) = word else { continue };
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        if chars.len() < 2 * MIN_SPLIT_CHARS || !word.chars().all(char::is_alphabetic) {
            continue;
        }
        let mut splits_added = 0;
        for &(split, _) in &chars[MIN_SPLIT_CHARS..=chars.len() - MIN_SPLIT_CHARS] {
            let (left, right) = word.split_at(split);
            if is_known_word(left, fields, frequencies) && is_known_word(right, fields, frequencies)
            {
                let terms = vec![(0, left.to_string()), (1, right.to_string())];
                add_sequence(
                    &mut parts[index],
                    AnalyzerKind::Plain,
                    terms,
                    JOIN_WEIGHT,
                    fields,
                    frequencies,
                );
                splits_added += 1;
                if splits_added == 2 {
                    break;
                }
            }
        }
    }
}

/// The term sequences a clause yields under one analyzer. A word whose parts are joined by
/// hyphens gives two alternatives: the parts as a phrase and the joined word.
fn analyze_clause(
    text: &str,
    kind: AnalyzerKind,
    analyzers: &mut Analyzers,
) -> Vec<Vec<(usize, String)>> {
    let analyzer = analyzers.get(kind);
    let tokens = analysis::analyze(analyzer, text);
    if tokens.is_empty() {
        return Vec::new();
    }
    let parts: Vec<(usize, String)> = tokens
        .iter()
        .filter(|t| t.position_length <= 1)
        .map(|t| (t.position, t.text.clone()))
        .collect();
    let mut sequences = Vec::new();
    if !parts.is_empty() {
        let first = parts[0].0;
        sequences.push(parts.into_iter().map(|(p, t)| (p - first, t)).collect());
    }
    // A joined compound covering every part is an alternative spelling of the whole word.
    for token in tokens.iter().filter(|t| t.position_length > 1) {
        sequences.push(vec![(0, token.text.clone())]);
    }
    sequences
}

/// Term, or phrase when several terms (at their relative positions).
fn term_sequence_query(mut terms: Vec<(usize, Term)>, boost: f32) -> Box<dyn Query> {
    let query: Box<dyn Query> = if terms.len() == 1 {
        let (_, term) = terms.pop().expect("one term");
        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
    } else {
        Box::new(ForwardPhraseQuery::new_with_offset(terms))
    };
    if (boost - 1.0).abs() < f32::EPSILON {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}

/// Typo tolerance and prefix matching on the plain fields, for single-word clauses.
/// `typo_words_left` is the query's remaining budget of typo-tolerant words.
fn add_approximate(
    clause: &Clause,
    prefix: bool,
    typo_words_left: &mut usize,
    fields: &Fields,
    analyzers: &mut Analyzers,
    frequencies: &mut TermFrequencies,
    parts: &mut ClauseParts,
) {
    let mut words = Vec::new();
    tokenize_words(&clause.text, &mut words);
    if words.len() != 1 {
        return;
    }
    let tokens = analysis::analyze(&mut analyzers.plain, &clause.text);
    let Some(word) = tokens.first().map(|t| t.text.clone()) else {
        return;
    };
    let length = word.chars().count();
    let text_fields = [
        (fields.title_plain, TITLE_BOOST),
        (fields.abstract_plain, 1.0),
    ];
    if (ONE_TYPO_FROM..=MAX_TYPO_CHARS).contains(&length)
        && *typo_words_left > 0
        && !word.chars().any(|c| c.is_ascii_digit())
        && !is_known_word(&word, fields, frequencies)
    {
        *typo_words_left -= 1;
        let distance = if length >= TWO_TYPOS_FROM { 2 } else { 1 };
        for (field, boost) in text_fields {
            let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, &word), distance, true);
            parts
                .alternatives
                .push(Alternative::Other(Box::new(BoostQuery::new(
                    Box::new(fuzzy),
                    FUZZY_WEIGHT * boost,
                ))));
        }
        parts.patterns.push(Pattern::Fuzzy {
            word: word.clone(),
            distance,
        });
    }
    if prefix && length >= PREFIX_FROM {
        for (field, boost) in text_fields {
            let prefix_query = PrefixQuery::new(&Term::from_field_text(field, &word));
            parts
                .alternatives
                .push(Alternative::Other(Box::new(BoostQuery::new(
                    Box::new(prefix_query),
                    PREFIX_WEIGHT * boost,
                ))));
        }
        parts.patterns.push(Pattern::Prefix { prefix: word });
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use tantivy::collector::TopDocs;

    use super::*;

    thread_local! {
        static KEEP_ABSENT_TERMS: Cell<bool> = const { Cell::new(false) };
    }

    pub(super) fn keep_absent_terms() -> bool {
        KEEP_ABSENT_TERMS.with(Cell::get)
    }

    thread_local! {
        static MERGE_REPEATED_TERMS: Cell<bool> = const { Cell::new(true) };
    }

    pub(super) fn merge_repeated_terms() -> bool {
        MERGE_REPEATED_TERMS.with(Cell::get)
    }

    fn texts(parsed: &ParsedQuery) -> Vec<(&str, bool, Requirement)> {
        parsed
            .clauses
            .iter()
            .map(|c| (c.text.as_str(), c.phrase, c.requirement))
            .collect()
    }

    #[test]
    fn search_box_text_never_fails() {
        for text in [
            "-",
            ":",
            "following:",
            "theme:",
            "\"",
            "(machine learning",
            "ttH(H->bb)",
            "sqrt(s)=13TeV",
            "a/b?c",
            "--help",
            "ERROR: This",
            "",
            "   ",
            "(^",
            "a:(^",
        ] {
            let _ = parse_user_query(text);
        }
        assert!(parse_user_query("-").is_empty());
        assert!(parse_user_query("\"").is_empty());
    }

    #[test]
    fn dotted_acronyms_are_one_word() {
        assert_eq!(
            texts(&parse_user_query("A.I. use")),
            [
                ("AI", false, Requirement::Default),
                ("use", false, Requirement::Default)
            ]
        );
        assert_eq!(undotted_acronym("U.S.A"), Some("USA".to_string()));
        for not_one in ["A.", "a.i.", "AI", "A.Io", "e.g.", "A..I"] {
            assert_eq!(undotted_acronym(not_one), None, "{not_one}");
        }
    }

    #[test]
    fn phrases_and_prefix_operators() {
        let parsed = parse_user_query("+higgs \"boson de Higgs\" -ATLAS calo");
        assert_eq!(
            texts(&parsed),
            [
                ("higgs", false, Requirement::Required),
                ("boson de Higgs", true, Requirement::Default),
                ("ATLAS", false, Requirement::Excluded),
                ("calo", false, Requirement::Default),
            ]
        );
        assert!(parsed.last_word_is_prefix);
        assert!(!parse_user_query("calo ").last_word_is_prefix);
    }

    fn seed_searcher() -> (Searcher, Fields, Synonyms) {
        let root = env!("CARGO_MANIFEST_DIR");
        let index =
            crate::index::build_in_ram(&crate::testing::seed_records()).expect("seed indexes");
        let fields = Fields::from_schema(&index.schema()).expect("fields");
        let synonyms = Synonyms::load(std::path::Path::new(&format!(
            "{root}/corpus/synonyms.toml"
        )))
        .expect("the bundled synonyms load");
        (index.reader().expect("reader").searcher(), fields, synonyms)
    }

    fn term_count(query: &dyn Query) -> usize {
        let mut count = 0;
        query.query_terms(&mut |_, _| count += 1);
        count
    }

    /// Leaving out the alternatives of absent terms changes no document, score or order:
    /// single words, several words, phrases, exclusions, synonyms (`DNN`), joins
    /// (`auto encoders`), splits, typos, prefixes, French stems and a word of no record.
    #[test]
    fn pruning_absent_terms_changes_no_result() {
        let (searcher, fields, synonyms) = seed_searcher();
        let mut terms_kept = 0;
        let mut terms_pruned = 0;
        let mut hits_compared = 0;
        for text in [
            "machine learning",
            "neural",
            "réseaux de neurones",
            "DNN",
            "deep neural network",
            "autoencoders",
            "auto encoders",
            "\"neural network\" calorimeter",
            "+simulation -GAN",
            "detector xyzzy",
            "learnign",
            "calo",
            "apprentissage automatique",
            "de la",
        ] {
            let parsed = parse_user_query(text);
            let build = |keep: bool| {
                KEEP_ABSENT_TERMS.with(|flag| flag.set(keep));
                let built = build_query(
                    &parsed,
                    &fields,
                    &mut Analyzers::default(),
                    &searcher,
                    &synonyms,
                );
                KEEP_ABSENT_TERMS.with(|flag| flag.set(false));
                built
            };
            let (kept, pruned) = (build(true), build(false));
            assert_eq!(kept.any_word.is_some(), pruned.any_word.is_some(), "{text}");
            assert_eq!(kept.highlight, pruned.highlight, "{text}");
            let pairs = [(&kept.all_words, &pruned.all_words)]
                .into_iter()
                .chain(kept.any_word.as_ref().zip(pruned.any_word.as_ref()));
            for (kept_query, pruned_query) in pairs {
                terms_kept += term_count(kept_query.as_ref());
                terms_pruned += term_count(pruned_query.as_ref());
                let ranked = |query: &dyn Query| -> Vec<(u32, tantivy::DocAddress)> {
                    searcher
                        .search(query, &TopDocs::with_limit(10_000).order_by_score())
                        .expect("search")
                        .into_iter()
                        .map(|(score, address)| (score.to_bits(), address))
                        .collect()
                };
                let expected = ranked(kept_query.as_ref());
                assert_eq!(ranked(pruned_query.as_ref()), expected, "{text}");
                hits_compared += expected.len();
            }
        }
        assert!(hits_compared > 100, "{hits_compared} hits compared");
        assert!(
            terms_pruned * 2 < terms_kept,
            "{terms_pruned} of {terms_kept} terms kept"
        );
    }

    /// Searching a repeated term sequence once with the summed weight finds the same
    /// documents in the same order (but for ties) with the same scores up to rounding:
    /// synonyms that stem like the word (`energy` ↔ `énergie`), several-word synonyms
    /// (`Monte Carlo` ↔ `MC`), phrases, exclusions, joins, splits, typos, prefixes,
    /// French words, stop words and a word of no record.
    /// Scores with the statistics the query builder looked up are bit for bit those of the
    /// searcher's own statistics.
    #[test]
    fn search_statistics_give_the_searchers_scores() {
        let (searcher, fields, synonyms) = seed_searcher();
        let mut compared = 0;
        for text in [
            "calorimeter",
            "machine learning",
            "réseaux de neurones",
            "\"neural network\" calorimeter",
            "DNN -GAN",
            "learnign",
            "calo",
            "de la",
            "simulation rapide détecteur",
        ] {
            let built = build_query(
                &parse_user_query(text),
                &fields,
                &mut Analyzers::default(),
                &searcher,
                &synonyms,
            );
            assert!(!built.doc_freqs.is_empty(), "{text}");
            let statistics = SearchStatistics::new(&searcher, &built.doc_freqs);
            let queries = [Some(&built.all_words), built.any_word.as_ref()];
            for query in queries.into_iter().flatten() {
                let collector = TopDocs::with_limit(1_000).order_by_score();
                let expected = searcher.search(query.as_ref(), &collector).unwrap();
                let found = searcher
                    .search_with_statistics_provider(query.as_ref(), &collector, &statistics)
                    .unwrap();
                let bits =
                    |hits: &[(f32, tantivy::DocAddress)]| -> Vec<(u32, tantivy::DocAddress)> {
                        hits.iter()
                            .map(|&(score, address)| (score.to_bits(), address))
                            .collect()
                    };
                assert_eq!(bits(&found), bits(&expected), "{text}");
                compared += found.len();
            }
        }
        assert!(compared > 60, "{compared} hits compared");
    }

    #[test]
    fn merging_repeated_terms_changes_no_result() {
        let (searcher, fields, synonyms) = seed_searcher();
        let mut terms_separate = 0;
        let mut terms_merged = 0;
        let mut hits_compared = 0;
        for text in [
            "energy",
            "énergie",
            "jet energy scale",
            "Monte Carlo",
            "MC simulation",
            "detector simulation",
            "détecteur",
            "beam dynamics",
            "machine learning",
            "apprentissage automatique",
            "réseaux de neurones",
            "DNN",
            "deep neural network",
            "auto encoders",
            "autoencoders",
            "\"neural network\" calorimeter",
            "\"machine learning\" -GAN",
            "+simulation -GAN",
            "detector xyzzy",
            "learnign",
            "calo",
            "de la",
        ] {
            let parsed = parse_user_query(text);
            let build = |merge: bool| {
                MERGE_REPEATED_TERMS.with(|flag| flag.set(merge));
                let built = build_query(
                    &parsed,
                    &fields,
                    &mut Analyzers::default(),
                    &searcher,
                    &synonyms,
                );
                MERGE_REPEATED_TERMS.with(|flag| flag.set(true));
                built
            };
            let (separate, merged) = (build(false), build(true));
            assert_eq!(
                separate.any_word.is_some(),
                merged.any_word.is_some(),
                "{text}"
            );
            assert_eq!(separate.highlight, merged.highlight, "{text}");
            let pairs = [(&separate.all_words, &merged.all_words)]
                .into_iter()
                .chain(separate.any_word.as_ref().zip(merged.any_word.as_ref()));
            for (separate_query, merged_query) in pairs {
                terms_separate += term_count(separate_query.as_ref());
                terms_merged += term_count(merged_query.as_ref());
                if text == "energy" {
                    // On the seed, the five searches of `energy` and its synonyms read two lists.
                    let counts = (
                        term_count(separate_query.as_ref()),
                        term_count(merged_query.as_ref()),
                    );
                    assert_eq!(counts, (5, 2), "energy: terms separate, merged");
                }
                let ranked = |query: &dyn Query| -> Vec<(f32, tantivy::DocAddress)> {
                    searcher
                        .search(query, &TopDocs::with_limit(10_000).order_by_score())
                        .expect("search")
                };
                let expected = ranked(separate_query.as_ref());
                let found = ranked(merged_query.as_ref());
                let close = |a: f32, b: f32| (a - b).abs() <= 1e-4 * a.abs().max(b.abs());
                let expected_scores: std::collections::HashMap<tantivy::DocAddress, f32> = expected
                    .iter()
                    .map(|&(score, address)| (address, score))
                    .collect();
                assert_eq!(found.len(), expected.len(), "{text}");
                for &(score, address) in &found {
                    let expected_score = expected_scores[&address];
                    assert!(
                        close(score, expected_score),
                        "{text}: {score} vs {expected_score}"
                    );
                }
                // In the merged order, the separate scores never rise but for ties.
                for pair in found.windows(2) {
                    let (before, after) =
                        (expected_scores[&pair[0].1], expected_scores[&pair[1].1]);
                    assert!(before >= after || close(before, after), "{text}: order");
                }
                hits_compared += found.len();
            }
        }
        assert!(hits_compared > 100, "{hits_compared} hits compared");
        assert!(
            terms_merged < terms_separate,
            "{terms_merged} of {terms_separate} terms kept"
        );
    }
}

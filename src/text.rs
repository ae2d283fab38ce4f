//! Small text normalizations shared by parsing (slugs, lab matching) and analysis (folding):
//! one definition of "accent folding" for the whole crate, borrowed from tantivy's filter so
//! that what the parser folds and what the index folds can never disagree.

use tantivy::tokenizer::{AsciiFoldingFilter, RawTokenizer, TextAnalyzer};

/// `Élément ÉTÉ` → `Element ETE`: accents and ligatures folded to ASCII, case kept.
pub fn fold_accents(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let mut analyzer = TextAnalyzer::builder(RawTokenizer::default())
        .filter(AsciiFoldingFilter)
        .build();
    let mut stream = analyzer.token_stream(text);
    let mut folded = String::with_capacity(text.len());
    while stream.advance() {
        folded.push_str(&stream.token().text);
    }
    folded
}

/// The event slug: accent-folded, lowercased, runs of other characters turned into `-`.
/// `IN2P3/IRFU Machine Learning workshop` → `in2p3-irfu-machine-learning-workshop`.
pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    for c in fold_accents(title).chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// Collapse every run of whitespace (including the four spaces Indico's CSV puts for a line
/// break) into one space and trim.
pub fn squash_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_of_seed_event_title() {
        assert_eq!(
            slugify("IN2P3/IRFU Machine Learning workshop"),
            "in2p3-irfu-machine-learning-workshop"
        );
        assert_eq!(slugify("  École d'été — 2021 "), "ecole-d-ete-2021");
    }

    #[test]
    fn folding_keeps_case_and_folds_ligatures() {
        assert_eq!(
            fold_accents("Électron Œuvre données"),
            "Electron OEuvre donnees"
        );
    }
}

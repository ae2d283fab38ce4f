//! Query expansion from the editable table `corpus/synonyms.toml`: domain acronyms
//! (`DNN` ↔ `deep neural network`) and French/English pairs (`apprentissage automatique` ↔
//! `machine learning`). A query that contains one form of a group also searches the other
//! forms, weighted below the literal words so exact matches rank first.

use std::path::Path;

use tantivy::tokenizer::TextAnalyzer;

use crate::analysis;
use crate::model::Language;

/// Error loading the table; names the file and the TOML position.
#[derive(Debug, thiserror::Error)]
pub enum SynonymsError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Syntax { path: String, message: String },
}

#[derive(serde::Deserialize)]
struct SynonymsFile {
    #[serde(default)]
    groups: Vec<Vec<String>>,
}

/// A word of a form or a query, in the forms it may match by: its folded surface form and
/// its English and French stems, so `ondes gravitationnelles` matches the form
/// `onde gravitationnelle`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordKey {
    pub plain: String,
    pub english: Option<String>,
    pub french: Option<String>,
}

impl WordKey {
    fn matches(&self, other: &WordKey) -> bool {
        self.plain == other.plain
            || (self.english.is_some() && self.english == other.english)
            || (self.french.is_some() && self.french == other.french)
    }
}

/// Turns words into [`WordKey`]s.
pub struct WordKeyer {
    english: TextAnalyzer,
    french: TextAnalyzer,
}

impl Default for WordKeyer {
    fn default() -> Self {
        WordKeyer {
            english: analysis::language_analyzer(Language::En),
            french: analysis::language_analyzer(Language::Fr),
        }
    }
}

impl WordKeyer {
    /// A keyer over these analyzers (from [`analysis::language_analyzer`]).
    pub fn new(english: TextAnalyzer, french: TextAnalyzer) -> WordKeyer {
        WordKeyer { english, french }
    }

    /// The key of one plain-analyzed word.
    pub fn key(&mut self, plain: &str) -> WordKey {
        let stem = |analyzer: &mut TextAnalyzer| {
            analysis::analyze(analyzer, plain)
                .into_iter()
                .next()
                .map(|token| token.text)
        };
        WordKey {
            english: stem(&mut self.english),
            french: stem(&mut self.french),
            plain: plain.to_string(),
        }
    }
}

/// Groups of equivalent forms, each form kept as its words' keys and its plain text.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    groups: Vec<Vec<(Vec<WordKey>, String)>>,
}

impl Synonyms {
    /// Parse the TOML text of a `synonyms.toml`: `groups = [["DNN", "deep neural network"], …]`.
    pub fn from_toml(text: &str, path: &str) -> Result<Synonyms, SynonymsError> {
        let file: SynonymsFile = toml::from_str(text).map_err(|error| SynonymsError::Syntax {
            path: path.to_string(),
            message: error.to_string().trim().to_string(),
        })?;
        let mut analyzer = analysis::plain_analyzer();
        let mut keyer = WordKeyer::default();
        let groups = file
            .groups
            .iter()
            .map(|group| {
                group
                    .iter()
                    .map(|form| {
                        let words = words_of(&mut analyzer, form);
                        let keys = words.iter().map(|w| keyer.key(w)).collect::<Vec<_>>();
                        (keys, words.join(" "))
                    })
                    .filter(|(keys, _)| !keys.is_empty())
                    .collect::<Vec<_>>()
            })
            .filter(|group| group.len() > 1)
            .collect();
        Ok(Synonyms { groups })
    }

    /// Load from disk; a missing file is an empty table.
    pub fn load(path: &Path) -> Result<Synonyms, SynonymsError> {
        let display = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Synonyms::from_toml(&text, &display),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Synonyms::default()),
            Err(source) => Err(SynonymsError::Io {
                path: display,
                source,
            }),
        }
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// True when the table is empty.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Every occurrence of a form in `words` (the query's words): the span `start..end` of
    /// `words` it covers and the text of the other forms of its group.
    pub fn expansions(&self, words: &[Option<WordKey>]) -> Vec<(usize, usize, Vec<String>)> {
        let mut found = Vec::new();
        for group in &self.groups {
            for (form_index, (form, _)) in group.iter().enumerate() {
                if form.len() > words.len() {
                    continue;
                }
                for start in 0..=words.len() - form.len() {
                    let matches = form
                        .iter()
                        .zip(&words[start..start + form.len()])
                        .all(|(expected, word)| word.as_ref().is_some_and(|w| w.matches(expected)));
                    if matches {
                        let others = group
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| *i != form_index)
                            .map(|(_, (_, text))| text.clone())
                            .collect();
                        found.push((start, start + form.len(), others));
                    }
                }
            }
        }
        found.sort_by_key(|&(start, end, _)| (start, end));
        found.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1 && a.2 == b.2);
        found
    }
}

/// The plain-analyzed words of a form (hyphen joins skipped: the parts are the form).
fn words_of(analyzer: &mut TextAnalyzer, form: &str) -> Vec<String> {
    analysis::analyze(analyzer, form)
        .into_iter()
        .filter(|token| token.position_length <= 1)
        .map(|token| token.text)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiword_forms_match_consecutive_words() {
        let synonyms = Synonyms::from_toml(
            "groups = [[\"ML\", \"machine learning\", \"apprentissage automatique\"]]",
            "synonyms.toml",
        )
        .unwrap();
        let mut keyer = WordKeyer::default();
        let words: Vec<Option<WordKey>> = ["deep", "machine", "learning"]
            .iter()
            .map(|w| Some(keyer.key(w)))
            .collect();
        assert_eq!(
            synonyms.expansions(&words),
            [(
                1,
                3,
                vec!["ml".to_string(), "apprentissage automatique".to_string()]
            )]
        );
    }

    #[test]
    fn forms_match_through_stems() {
        let synonyms = Synonyms::from_toml(
            "groups = [[\"GW\", \"onde gravitationnelle\"]]",
            "synonyms.toml",
        )
        .unwrap();
        let mut keyer = WordKeyer::default();
        let words: Vec<Option<WordKey>> = ["ondes", "gravitationnelles"]
            .iter()
            .map(|w| Some(keyer.key(w)))
            .collect();
        assert_eq!(
            synonyms.expansions(&words),
            [(0, 2, vec!["gw".to_string()])]
        );
    }

    #[test]
    fn syntax_errors_name_the_file() {
        let error = Synonyms::from_toml("groups = [[\"a\"", "corpus/synonyms.toml").unwrap_err();
        assert!(error.to_string().starts_with("corpus/synonyms.toml: "));
    }
}

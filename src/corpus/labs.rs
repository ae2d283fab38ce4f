//! Canonical lab names from free-text affiliations, driven by the editable alias table
//! `corpus/labs.toml`. An alias matches as a whole word sequence of the accent-folded,
//! upper-cased affiliation, so `LAL` also finds `LAL-Orsay` and `LAL/LRI, Université Paris
//! Saclay`, but not `IJCLab`. Where aliases overlap, the longest wins (`LPC Caen` over `LPC`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::model::Person;
use crate::text::fold_accents;

/// Error loading the alias table; names the file and the TOML position.
#[derive(Debug, thiserror::Error)]
pub enum LabTableError {
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
struct LabFile {
    #[serde(default)]
    labs: BTreeMap<String, Vec<String>>,
}

/// Alias → canonical lab table.
#[derive(Debug, Clone, Default)]
pub struct LabTable {
    /// (folded upper-case alias, canonical name), longest alias first.
    aliases: Vec<(String, String)>,
}

impl LabTable {
    /// Parse the TOML text of a `labs.toml`: `[labs]` then `CANONICAL = ["alias", …]`.
    /// The canonical name is always an alias of itself.
    pub fn from_toml(text: &str, path: &str) -> Result<LabTable, LabTableError> {
        let file: LabFile = toml::from_str(text).map_err(|error| LabTableError::Syntax {
            path: path.to_string(),
            message: error.to_string().trim().to_string(),
        })?;
        let mut aliases = Vec::new();
        for (canonical, variants) in file.labs {
            aliases.push((normalize(&canonical), canonical.clone()));
            for variant in variants {
                let variant = normalize(&variant);
                if !variant.is_empty() {
                    aliases.push((variant, canonical.clone()));
                }
            }
        }
        aliases.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        aliases.dedup();
        Ok(LabTable { aliases })
    }

    /// Load a table from disk; a missing file is an empty table (no lab facet values).
    pub fn load(path: &Path) -> Result<LabTable, LabTableError> {
        let display = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => LabTable::from_toml(&text, &display),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(LabTable::default()),
            Err(source) => Err(LabTableError::Io {
                path: display,
                source,
            }),
        }
    }

    /// Canonical labs named in one affiliation, in order of appearance.
    pub fn labs_in(&self, affiliation: &str) -> Vec<String> {
        let haystack = normalize(affiliation);
        let mut taken: Vec<(usize, usize, &str)> = Vec::new();
        for (alias, canonical) in &self.aliases {
            for (start, _) in haystack.match_indices(alias.as_str()) {
                let end = start + alias.len();
                if !is_word_boundary(&haystack, start, end) {
                    continue;
                }
                if taken.iter().any(|&(s, e, _)| start < e && s < end) {
                    continue;
                }
                taken.push((start, end, canonical));
            }
        }
        taken.sort_by_key(|&(start, _, _)| start);
        let mut labs: Vec<String> = Vec::new();
        for (_, _, canonical) in taken {
            if !labs.iter().any(|lab| lab == canonical) {
                labs.push(canonical.to_string());
            }
        }
        labs
    }

    /// The sorted, de-duplicated canonical labs of every person's affiliation.
    pub fn labs_of<'a>(&self, persons: impl Iterator<Item = &'a Person>) -> Vec<String> {
        let mut labs = BTreeSet::new();
        for person in persons {
            if let Some(affiliation) = &person.affiliation {
                labs.extend(self.labs_in(affiliation));
            }
        }
        labs.into_iter().collect()
    }
}

fn normalize(text: &str) -> String {
    crate::text::squash_whitespace(&fold_accents(text)).to_uppercase()
}

fn is_word_boundary(haystack: &str, start: usize, end: usize) -> bool {
    let before = haystack[..start].chars().next_back();
    let after = haystack[end..].chars().next();
    !before.is_some_and(|c| c.is_alphanumeric()) && !after.is_some_and(|c| c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> LabTable {
        LabTable::from_toml(
            "[labs]\nLAL = [\"LAL-Orsay\"]\nLPC = [\"LPC Clermont\"]\n\"LPC Caen\" = []\nAPC = [\"Astroparticule et Cosmologie\"]\n",
            "labs.toml",
        )
        .unwrap()
    }

    #[test]
    fn aliases_match_whole_words_only() {
        let table = table();
        assert_eq!(table.labs_in("LAL/LRI, Université Paris Saclay"), ["LAL"]);
        assert_eq!(table.labs_in("LAL-Orsay"), ["LAL"]);
        assert!(table.labs_in("IJCLab").is_empty());
        assert_eq!(table.labs_in("UBP/LPC/IN2P3"), ["LPC"]);
        assert_eq!(table.labs_in("LPC Caen, ENSICAEN"), ["LPC Caen"]);
        assert_eq!(table.labs_in("CNRS AstroParticule et Cosmologie"), ["APC"]);
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let error = LabTable::from_toml("[labs]\nLAL = [\"x\"\n", "corpus/labs.toml").unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("corpus/labs.toml: "), "{message}");
        assert!(message.contains("line 2"), "{message}");
    }
}

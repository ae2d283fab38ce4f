//! Person lists as exports print them: `LASTNAME, First (Affiliation); Dr OTHER, Name`.
//! A `;` or `,` inside parentheses belongs to the affiliation, never splits persons. An entry
//! that holds no name (`,`, `()`, `(LAL` cut off by a page) is not a person: the readers
//! report it and leave it out.

use crate::model::Person;

const HONORIFICS: &[&str] = &[
    "Dr.",
    "Dr",
    "Prof.",
    "Prof",
    "Professor",
    "Pr.",
    "Pr",
    "Mr.",
    "Mr",
    "Mrs.",
    "Mrs",
    "Ms.",
    "Ms",
    "Mme",
    "M.",
    "Mlle",
];

/// A person list read: the persons, and the entries that hold no name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonList {
    pub persons: Vec<Person>,
    /// Entries that are not names (`,`, `()`, `(LAL`), as written.
    pub rejected: Vec<String>,
}

impl PersonList {
    /// The warning text for the rejected entries of a `role` list (`speaker`), if any.
    pub fn rejected_message(&self, role: &str) -> Option<String> {
        if self.rejected.is_empty() {
            return None;
        }
        let entries: Vec<String> = self
            .rejected
            .iter()
            .map(|entry| format!("`{entry}`"))
            .collect();
        let (count, noun) = match self.rejected.len() {
            1 => ("1".to_string(), "entry is not a name"),
            n => (n.to_string(), "entries are not names"),
        };
        Some(format!(
            "{count} {role} {noun}, ignored: {}",
            entries.join(", ")
        ))
    }
}

/// Split a person list on `;` outside parentheses and parse each person; empty items (a
/// doubled `;`) are dropped, entries holding no name are kept aside in `rejected`.
pub fn parse_person_list(text: &str) -> PersonList {
    let mut list = PersonList::default();
    for item in split_outside_parentheses(text, ';') {
        match parse_person(&item) {
            Some(person) => list.persons.push(person),
            None => list.rejected.push(item),
        }
    }
    list
}

/// Split on `separator` where it is not inside `(…)`.
pub fn split_outside_parentheses(text: &str, separator: char) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if c == separator && depth == 0 {
            items.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    items.push(current);
    items
        .into_iter()
        .map(|item| item.trim().to_string())
        .filter(|item| !item.is_empty())
        .collect()
}

/// `Dr VUILLAUME, Thomas (LAPP, CNRS)` → title `Dr`, last `VUILLAUME`, first `Thomas`,
/// affiliation `LAPP, CNRS`. Without a comma the name is `First Last` (CSV exports).
/// `None` when the text holds no name: no letter outside the affiliation, or a parenthesis
/// left open or closed in the name (`(LAL`).
pub fn parse_person(text: &str) -> Option<Person> {
    let text = text.trim().trim_end_matches(['.', ',']).trim();
    if text.is_empty() {
        return None;
    }
    let (name, affiliation) = split_affiliation(text);
    if !name.chars().any(char::is_alphabetic) || name.contains(['(', ')']) {
        return None;
    }
    let (title, name) = split_honorific(name);
    let (last_name, first_name) = match name.split_once(',') {
        Some((last, first)) => (last.trim().to_string(), first.trim().to_string()),
        None => match name.rsplit_once(' ') {
            Some((first, last)) => (last.trim().to_string(), first.trim().to_string()),
            None => (name.trim().to_string(), String::new()),
        },
    };
    if last_name.is_empty() && first_name.is_empty() {
        return None;
    }
    Some(Person {
        first_name,
        last_name,
        title,
        affiliation,
    })
}

/// The trailing balanced `(…)` group is the affiliation.
fn split_affiliation(text: &str) -> (&str, Option<String>) {
    if !text.ends_with(')') {
        return (text, None);
    }
    let mut depth = 0usize;
    for (index, c) in text.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    let affiliation = text[index + 1..text.len() - 1].trim();
                    let affiliation = (!affiliation.is_empty()).then(|| affiliation.to_string());
                    return (text[..index].trim(), affiliation);
                }
            }
            _ => {}
        }
    }
    (text, None)
}

fn split_honorific(name: &str) -> (Option<String>, &str) {
    let name = name.trim();
    for honorific in HONORIFICS {
        if let Some(rest) = name.strip_prefix(honorific) {
            if rest.starts_with(' ') && rest.trim().len() > 1 {
                return (Some(honorific.to_string()), rest.trim());
            }
        }
    }
    (None, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolon_inside_affiliation_is_one_person() {
        let persons =
            parse_person_list("CRÉPÉ-RENAUDIN, Sabine (LPSC Grenoble; IN2P3-CNRS)").persons;
        assert_eq!(persons.len(), 1);
        assert_eq!(persons[0].last_name, "CRÉPÉ-RENAUDIN");
        assert_eq!(persons[0].first_name, "Sabine");
        assert_eq!(
            persons[0].affiliation.as_deref(),
            Some("LPSC Grenoble; IN2P3-CNRS")
        );
    }

    #[test]
    fn honorifics_and_missing_affiliation() {
        let persons = parse_person_list(
            "JACQUEMONT, Mikaël; Dr VUILLAUME, Thomas (LAPP, CNRS); Prof. LAMBERT, Patrick (LISTIC)",
        )
        .persons;
        assert_eq!(persons.len(), 3);
        assert_eq!(persons[0].affiliation, None);
        assert_eq!(persons[1].title.as_deref(), Some("Dr"));
        assert_eq!(persons[1].last_name, "VUILLAUME");
        assert_eq!(persons[1].affiliation.as_deref(), Some("LAPP, CNRS"));
        assert_eq!(persons[2].title.as_deref(), Some("Prof."));
    }

    #[test]
    fn entries_without_a_name_are_rejected_not_persons() {
        let list = parse_person_list("; , () ;; (LAL");
        assert_eq!(list.persons, []);
        // Persons are split on `;` only: `, ()` is one entry.
        assert_eq!(list.rejected, [", ()", "(LAL"]);
        assert_eq!(
            list.rejected_message("speaker").as_deref(),
            Some("2 speaker entries are not names, ignored: `, ()`, `(LAL`")
        );
        let list = parse_person_list("GHOSH, Aishik (LAL); 42 (LAL)");
        assert_eq!(list.persons.len(), 1);
        assert_eq!(list.rejected, ["42 (LAL)"]);
    }

    #[test]
    fn first_last_without_comma() {
        let person = parse_person("Marie Curie (ESPCI)").unwrap();
        assert_eq!(person.first_name, "Marie");
        assert_eq!(person.last_name, "Curie");
    }
}

//! Person lists as exports print them: `LASTNAME, First (Affiliation); Dr OTHER, Name`.
//! A `;` or `,` inside parentheses belongs to the affiliation, never splits persons.

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

/// Split a person list on `;` outside parentheses and parse each person; empty items dropped.
pub fn parse_person_list(text: &str) -> Vec<Person> {
    split_outside_parentheses(text, ';')
        .into_iter()
        .filter_map(|item| parse_person(&item))
        .collect()
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
pub fn parse_person(text: &str) -> Option<Person> {
    let text = text.trim().trim_end_matches(['.', ',']).trim();
    if text.is_empty() {
        return None;
    }
    let (name, affiliation) = split_affiliation(text);
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
        let persons = parse_person_list("CRÉPÉ-RENAUDIN, Sabine (LPSC Grenoble; IN2P3-CNRS)");
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
        );
        assert_eq!(persons.len(), 3);
        assert_eq!(persons[0].affiliation, None);
        assert_eq!(persons[1].title.as_deref(), Some("Dr"));
        assert_eq!(persons[1].last_name, "VUILLAUME");
        assert_eq!(persons[1].affiliation.as_deref(), Some("LAPP, CNRS"));
        assert_eq!(persons[2].title.as_deref(), Some("Prof."));
    }

    #[test]
    fn first_last_without_comma() {
        let person = parse_person("Marie Curie (ESPCI)").unwrap();
        assert_eq!(person.first_name, "Marie");
        assert_eq!(person.last_name, "Curie");
    }
}

//! Search results as an iCalendar feed: one VEVENT per scheduled contribution, so a user can
//! subscribe to "all talks on anomaly detection". Times are the programme's local times
//! (floating, as the exports give no time zone).

use icalendar::{Calendar, Component, EventLike};

use crate::search::Hit;

/// Render hits as an iCalendar document; unscheduled hits are left out. Every value goes
/// through [`line_value`] or [`text_value`]: icalendar escapes `\n` in some properties and
/// nothing in others (`NAME`), so a line break in a query or a record could otherwise start
/// properties or events of its own.
pub fn calendar_of(hits: &[Hit], name: &str, base_url: &str) -> String {
    let mut calendar = Calendar::new();
    calendar.name(&line_value(name));
    for hit in hits {
        let Some(start) = hit.start else { continue };
        let minutes = i64::from(hit.duration_minutes.unwrap_or(0));
        let end = start + chrono::Duration::minutes(minutes);
        let speakers: Vec<String> = hit.speakers.iter().map(|p| p.display_name()).collect();
        let mut description = String::new();
        if !speakers.is_empty() {
            description.push_str(&format!("Speakers: {}\n", speakers.join("; ")));
        }
        if let Some(theme) = &hit.theme {
            description.push_str(&format!("Theme: {theme}\n"));
        }
        description.push_str(&format!("{}\n", hit.event_title));
        let event = icalendar::Event::new()
            .uid(&line_value(&format!(
                "{}-{}@abstract-search",
                hit.event, hit.id
            )))
            .summary(&line_value(&hit.title))
            .description(&text_value(&description))
            .url(&line_value(&format!(
                "{base_url}/api/contributions/{}/{}",
                hit.event, hit.id
            )))
            .starts(start)
            .ends(end)
            .done();
        calendar.push(event);
    }
    calendar.done().to_string()
}

/// A one-line value: no control character at all (line breaks become spaces).
fn line_value(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// A multi-line value: line feeds kept (icalendar escapes them in TEXT properties), every
/// other control character removed.
fn text_value(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect()
}

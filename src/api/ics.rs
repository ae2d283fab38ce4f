//! Search results as an iCalendar feed: one VEVENT per scheduled contribution, so a user can
//! subscribe to "all talks on anomaly detection". Times are the programme's local times
//! (floating, as the exports give no time zone).

use icalendar::{Calendar, Component, EventLike};

use crate::search::Hit;

/// Render hits as an iCalendar document; unscheduled hits are left out.
pub fn calendar_of(hits: &[Hit], name: &str, base_url: &str) -> String {
    let mut calendar = Calendar::new();
    calendar.name(name);
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
            .uid(&format!("{}-{}@abstract-search", hit.event, hit.id))
            .summary(&inert(&hit.title))
            .description(&inert(&description))
            .url(&format!(
                "{base_url}/api/contributions/{}/{}",
                hit.event, hit.id
            ))
            .starts(start)
            .ends(end)
            .done();
        calendar.push(event);
    }
    calendar.done().to_string()
}

/// Control characters (other than line breaks) never reach a calendar client.
fn inert(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect()
}

//! Search results as an iCalendar feed: one VEVENT per scheduled contribution, so a user can
//! subscribe to "all talks on anomaly detection". The exports print local programme times
//! without a zone; floating times would show a Paris talk at 11:55 in every reader's own
//! zone, so times are converted from the programme's zone ([`CalendarSettings`]) to UTC.
//! Each event links to the record on the search page of the configured public URL, never
//! to an address built from the request's `Host` header (the answer is cached publicly).

use chrono::{NaiveDateTime, TimeZone, Utc};
use icalendar::{Calendar, Component, EventLike};

use crate::search::Hit;

/// Product identifier of the feed (RFC 5545 §3.7.3).
pub const PRODUCT_ID: &str = "-//abstract-search//abstract-search//EN";

/// What the feed needs to know that the records do not say.
#[derive(Debug, Clone)]
pub struct CalendarSettings {
    /// Address of the search page as users reach it (`https://search.example.org`), no
    /// trailing slash: event URLs are `{public_url}/?record={event}/{id}`.
    pub public_url: String,
    /// Zone of the programme's local times.
    pub time_zone: chrono_tz::Tz,
}

impl Default for CalendarSettings {
    fn default() -> Self {
        CalendarSettings {
            public_url: "http://127.0.0.1:3000".to_string(),
            // Where the bundled workshops took place.
            time_zone: chrono_tz::Europe::Paris,
        }
    }
}

/// `local` (a programme time in `zone`) in UTC. A time in a daylight-saving gap does not
/// exist locally: it is read one hour later, as clocks did; an ambiguous one is the first.
fn to_utc(local: NaiveDateTime, zone: chrono_tz::Tz) -> chrono::DateTime<Utc> {
    zone.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(local + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|time| time.with_timezone(&Utc))
        .unwrap_or_else(|| local.and_utc())
}

/// Render hits as an iCalendar document; unscheduled hits are left out. Every value goes
/// through [`line_value`] or [`text_value`]: icalendar escapes `\n` in some properties and
/// nothing in others (`NAME`), so a line break in a query or a record could otherwise start
/// properties or events of its own.
pub fn calendar_of(hits: &[Hit], name: &str, settings: &CalendarSettings) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", PRODUCT_ID))
        .append_property(("CALSCALE", "GREGORIAN"));
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
                "{}/?record={}/{}",
                settings.public_url, hit.event, hit.id
            )))
            .starts(to_utc(start, settings.time_zone))
            .ends(to_utc(end, settings.time_zone))
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

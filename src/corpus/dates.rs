//! Dates, times and durations as Indico prints them, in French or English:
//! `mercredi 22 janvier 2020 11:55 (30 minutes)`, `Wednesday, 22 January 2020 11:55`,
//! `Wednesday, January 22, 2020 11:55 AM`, durations `30 minutes`, `1 heure`, `1h 30m`.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;

/// A parsed schedule line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub start: NaiveDateTime,
    pub duration_minutes: Option<u32>,
}

const WEEKDAYS: &str = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|friday|saturday|sunday";

static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^(?:(?:{WEEKDAYS}),?\s+)?(\d{{1,2}})(?:er)?\s+(\p{{L}}+)\.?\s+(\d{{4}})[\s,]+(?:à\s+|at\s+)?(\d{{1,2}})[:h](\d{{2}})\s*(am|pm)?\s*(?:\((.*)\))?$"
    ))
    .expect("valid regex")
});

static MONTH_DAY_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^(?:(?:{WEEKDAYS}),?\s+)?(\p{{L}}+)\.?\s+(\d{{1,2}}),?\s+(\d{{4}})[\s,]+(?:at\s+)?(\d{{1,2}}):(\d{{2}})\s*(am|pm)?\s*(?:\((.*)\))?$"
    ))
    .expect("valid regex")
});

static DURATION_PART: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(\d+)\s*(heures?|hours?|hrs?|h|minutes?|mins?|m)\b").expect("valid regex")
});

/// Month number from a French or English month name (accents optional).
pub fn month_number(name: &str) -> Option<u32> {
    let name = crate::text::fold_accents(name).to_lowercase();
    let months: [&[&str]; 12] = [
        &["janvier", "january", "jan"],
        &["fevrier", "february", "feb", "fev"],
        &["mars", "march", "mar"],
        &["avril", "april", "apr", "avr"],
        &["mai", "may"],
        &["juin", "june", "jun"],
        &["juillet", "july", "jul", "juil"],
        &["aout", "august", "aug"],
        &["septembre", "september", "sep", "sept"],
        &["octobre", "october", "oct"],
        &["novembre", "november", "nov"],
        &["decembre", "december", "dec"],
    ];
    months
        .iter()
        .position(|names| names.contains(&name.as_str()))
        .map(|index| index as u32 + 1)
}

/// Longest duration believed: a contribution is scheduled within one day. A longer one
/// (`99999 minutes`) is a typo or an export bug, reported and left out.
pub const MAX_DURATION_MINUTES: u32 = 24 * 60;

/// `minutes` when it is a believable duration, else why not.
pub fn checked_duration(minutes: u32) -> Result<u32, String> {
    if minutes > MAX_DURATION_MINUTES {
        return Err(format!(
            "a duration of {minutes} minutes is longer than 24 hours"
        ));
    }
    Ok(minutes)
}

/// A duration cell of a CSV export: a bare number is minutes, as in Indico's own duration
/// fields, else `30 minutes`, `1h 30m`…; the minutes, or why the cell is not believed.
pub fn duration_cell(text: &str) -> Result<u32, String> {
    let minutes = text
        .trim()
        .parse::<u32>()
        .ok()
        .or_else(|| parse_duration(text))
        .ok_or_else(|| "not a duration".to_string())?;
    checked_duration(minutes)
}

/// What a line shaped like a schedule line (`mercredi 22 janvier 2020 11:55 (30 minutes)`)
/// says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleLine {
    /// A real date and time. `duration_problem` says why a printed duration was left out.
    Valid {
        schedule: Schedule,
        duration_problem: Option<String>,
    },
    /// Shaped like a schedule line, but not a real date and time (`mercredi 32 janvier 2020
    /// 25:99`): why.
    Invalid { reason: String },
}

static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b\d{4}\b").expect("valid regex"));

/// True when `word` is a French or English weekday name.
fn is_weekday(word: &str) -> bool {
    let word = word.to_lowercase();
    WEEKDAYS.split('|').any(|weekday| weekday == word)
}

/// True for a line that starts like a date (`mercredi 32 …`, `Wednesday, January 22`,
/// `22 janvier …`) and holds a year, even when the rest does not parse.
fn looks_like_date(line: &str) -> bool {
    if !YEAR.is_match(line) {
        return false;
    }
    let words: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .take(3)
        .collect();
    let is_month = |word: &str| month_number(word.trim_end_matches('.')).is_some();
    let is_day = |word: &str| {
        let digits = word.strip_suffix("er").unwrap_or(word);
        (1..=2).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    };
    match words.as_slice() {
        [weekday, day, ..] if is_weekday(weekday) && is_day(day) => true,
        [weekday, month, day, ..] if is_weekday(weekday) && is_month(month) && is_day(day) => true,
        [day, month, ..] if is_day(day) && is_month(month) => true,
        [month, day, ..] => is_month(month) && is_day(day),
        _ => false,
    }
}

/// Parse a schedule line (decoration such as `*…*` already removed). `None` when the line is
/// not a date line at all; [`ScheduleLine::Invalid`] when it looks like one but names no
/// real date or time.
pub fn read_schedule_line(line: &str) -> Option<ScheduleLine> {
    let line = line.trim();
    let fields = if let Some(caps) = DAY_MONTH_YEAR.captures(line) {
        Some((
            caps.get(1)?.as_str(),
            caps.get(2)?.as_str(),
            caps.get(3)?,
            caps.get(4)?,
            caps.get(5)?,
            caps.get(6),
            caps.get(7),
        ))
    } else if let Some(caps) = MONTH_DAY_YEAR.captures(line) {
        Some((
            caps.get(2)?.as_str(),
            caps.get(1)?.as_str(),
            caps.get(3)?,
            caps.get(4)?,
            caps.get(5)?,
            caps.get(6),
            caps.get(7),
        ))
    } else {
        None
    };
    let Some((day, month_name, year, hour, minute, meridiem, duration)) = fields else {
        return looks_like_date(line).then(|| ScheduleLine::Invalid {
            reason: "not a date and time as Indico prints them".to_string(),
        });
    };
    let invalid = |reason: String| Some(ScheduleLine::Invalid { reason });
    let Some(month) = month_number(month_name) else {
        // `Run 2, 2018 12:00` has the shape too: only a weekday makes it a date line.
        let starts_with_weekday = line
            .split(|c: char| c.is_whitespace() || c == ',')
            .next()
            .is_some_and(is_weekday);
        return starts_with_weekday.then(|| ScheduleLine::Invalid {
            reason: format!("`{month_name}` is not a month"),
        });
    };
    let (Ok(day), Ok(year)) = (day.parse::<u32>(), year.as_str().parse::<i32>()) else {
        return invalid("not a date".to_string());
    };
    let (Ok(mut hour), Ok(minute)) = (hour.as_str().parse::<u32>(), minute.as_str().parse::<u32>())
    else {
        return invalid("not a time".to_string());
    };
    if let Some(meridiem) = meridiem {
        if !(1..=12).contains(&hour) {
            return invalid(format!("{hour} is not an hour of a 12-hour clock"));
        }
        let pm = meridiem.as_str().eq_ignore_ascii_case("pm");
        hour = match (hour, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
    }
    let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
        return invalid(format!("there is no day {day} in {month_name} {year}"));
    };
    let Some(time) = NaiveTime::from_hms_opt(hour, minute, 0) else {
        return invalid(format!("{hour}:{minute:02} is not a time of day"));
    };
    let (duration_minutes, duration_problem) = match duration.map(|d| d.as_str()) {
        None => (None, None),
        Some(text) => match parse_duration(text).map(checked_duration) {
            Some(Ok(minutes)) => (Some(minutes), None),
            Some(Err(problem)) => (None, Some(problem)),
            None => (None, Some(format!("`{text}` is not a duration"))),
        },
    };
    Some(ScheduleLine::Valid {
        schedule: Schedule {
            start: NaiveDateTime::new(date, time),
            duration_minutes,
        },
        duration_problem,
    })
}

/// The schedule of a line when it is a real date and time (a duration left out when not
/// believable); `None` otherwise.
pub fn parse_schedule(line: &str) -> Option<Schedule> {
    match read_schedule_line(line)? {
        ScheduleLine::Valid { schedule, .. } => Some(schedule),
        ScheduleLine::Invalid { .. } => None,
    }
}

/// `30 minutes` → 30, `1 heure` → 60, `1h 30m` → 90, `2 hours` → 120. `None` if no amount.
pub fn parse_duration(text: &str) -> Option<u32> {
    let mut total: Option<u32> = None;
    for caps in DURATION_PART.captures_iter(text) {
        let amount: u32 = caps[1].parse().ok()?;
        let unit = caps[2].to_ascii_lowercase();
        let minutes = if unit.starts_with('h') {
            amount.checked_mul(60)?
        } else {
            amount
        };
        total = Some(total.unwrap_or(0).checked_add(minutes)?);
    }
    total
}

/// `2020-01-22T11:55:00`, `2020-01-22 11:55`, or RFC 3339 with an offset (local time kept).
pub fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(datetime) = NaiveDateTime::parse_from_str(text, format) {
            return Some(datetime);
        }
    }
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%:z"))
        .ok()
        .map(|datetime| datetime.naive_local())
}

/// `2020-01-22`, or the date of a date and time.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .or_else(|| parse_datetime(text).map(|datetime| datetime.date()))
}

static FOOTER_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^(?:page\s+\d+\s+)?(?:(?:{WEEKDAYS}),?\s+)?(?:(\d{{1,2}})(?:er)?\s+(\p{{L}}+)\.?|(\p{{L}}+)\.?\s+(\d{{1,2}}),?)\s+(\d{{4}})(?:\s+page\s+\d+(?:\s*(?:/|of|sur)\s*\d+)?)?$"
    ))
    .expect("valid regex")
});

/// True for a page footer holding a date without time (`January 20, 2020`, `20 janvier
/// 2020`), optionally with `Page N` before or after it, as PDF exports print them.
pub fn is_date_footer(line: &str) -> bool {
    let Some(caps) = FOOTER_DATE.captures(line.trim()) else {
        return false;
    };
    let month = caps.get(2).or_else(|| caps.get(3)).map(|m| m.as_str());
    month.and_then(month_number).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    #[test]
    fn french_report_line() {
        let schedule = parse_schedule("mercredi 22 janvier 2020 11:55 (30 minutes)").unwrap();
        assert_eq!(schedule.start, at(2020, 1, 22, 11, 55));
        assert_eq!(schedule.duration_minutes, Some(30));
        let schedule = parse_schedule("jeudi 1er février 2024 09:05 (1 heure)").unwrap();
        assert_eq!(schedule.start, at(2024, 2, 1, 9, 5));
        assert_eq!(schedule.duration_minutes, Some(60));
    }

    #[test]
    fn english_report_lines() {
        let schedule = parse_schedule("Wednesday, 22 January 2020 11:55 (1h 30m)").unwrap();
        assert_eq!(schedule.start, at(2020, 1, 22, 11, 55));
        assert_eq!(schedule.duration_minutes, Some(90));
        let schedule = parse_schedule("Wednesday, January 22, 2020 1:05 PM (2 hours)").unwrap();
        assert_eq!(schedule.start, at(2020, 1, 22, 13, 5));
        assert_eq!(schedule.duration_minutes, Some(120));
    }

    #[test]
    fn footer_dates_with_and_without_page_numbers() {
        assert!(is_date_footer("January 20, 2020"));
        assert!(is_date_footer(
            "January 20, 2020                                        Page 3"
        ));
        assert!(is_date_footer("Page 3  20 janvier 2020"));
        assert!(is_date_footer("lundi 20 janvier 2020"));
        assert!(!is_date_footer("Run 2, 2018"));
        assert!(!is_date_footer(
            "Wednesday, 22 January 2020 11:55 (30 minutes)"
        ));
    }

    #[test]
    fn impossible_date_lines_say_why() {
        let reason = |line| match read_schedule_line(line) {
            Some(ScheduleLine::Invalid { reason }) => reason,
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(
            reason("mercredi 32 janvier 2020 25:99"),
            "there is no day 32 in janvier 2020"
        );
        assert_eq!(
            reason("mercredi 22 janvier 2020 25:99"),
            "25:99 is not a time of day"
        );
        assert_eq!(
            reason("mercredi 22 janvember 2020 14:25"),
            "`janvember` is not a month"
        );
        assert_eq!(
            reason("mercredi 22 janvier 2020 à midi"),
            "not a date and time as Indico prints them"
        );
    }

    #[test]
    fn durations_beyond_a_day_are_left_out_with_a_reason() {
        assert_eq!(
            read_schedule_line("mercredi 22 janvier 2020 14:25 (99999 minutes)"),
            Some(ScheduleLine::Valid {
                schedule: Schedule {
                    start: at(2020, 1, 22, 14, 25),
                    duration_minutes: None
                },
                duration_problem: Some(
                    "a duration of 99999 minutes is longer than 24 hours".to_string()
                ),
            })
        );
        assert_eq!(checked_duration(24 * 60), Ok(1440));
    }

    #[test]
    fn prose_is_not_a_date() {
        assert_eq!(read_schedule_line("The 2020 edition of the School"), None);
        assert_eq!(read_schedule_line("Run 2, 2018 data"), None);
        assert_eq!(
            read_schedule_line("Lundi matin, nous présenterons les résultats de 2019"),
            None
        );
        assert_eq!(parse_schedule("The 2020 edition of the School"), None);
        assert_eq!(parse_schedule("mercredi 31 février 2020 11:55"), None);
        assert_eq!(parse_duration("soon"), None);
    }
}

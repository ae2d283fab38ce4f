//! A search request validated in one step from raw `(name, value)` parameters, so every layer
//! above (HTTP, CLI, tests) gets the same rules and the same error messages naming the
//! parameter. Nothing here reaches tantivy unvalidated.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::SearchError;
use crate::model::Language;

/// Most hits on one page.
pub const MAX_PER_PAGE: usize = 100;
/// Deepest result reachable by paging: `page × per_page` may not exceed this.
pub const MAX_RESULT_WINDOW: usize = 10_000;
/// Longest accepted `q`, in bytes.
pub const MAX_QUERY_BYTES: usize = 2_000;
/// Longest accepted facet value, in characters.
pub const MAX_FACET_VALUE_CHARS: usize = 300;
/// Most values for one facet parameter.
pub const MAX_VALUES_PER_FACET: usize = 50;
/// Default page size.
pub const DEFAULT_PER_PAGE: usize = 10;

/// The facets of the index, in response order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FacetName {
    Theme,
    Lab,
    Day,
    Language,
    Event,
    Type,
}

impl FacetName {
    /// Every facet.
    pub const ALL: [FacetName; 6] = [
        FacetName::Theme,
        FacetName::Lab,
        FacetName::Day,
        FacetName::Language,
        FacetName::Event,
        FacetName::Type,
    ];

    /// Name in responses and the schema.
    pub fn as_str(self) -> &'static str {
        match self {
            FacetName::Theme => "theme",
            FacetName::Lab => "lab",
            FacetName::Day => "day",
            FacetName::Language => "language",
            FacetName::Event => "event",
            FacetName::Type => "type",
        }
    }

    /// Name of the filter parameter (`lang` for the language facet).
    pub fn parameter(self) -> &'static str {
        match self {
            FacetName::Language => "lang",
            other => other.as_str(),
        }
    }

    /// The facet a query parameter filters (`lang` or `language` for the language facet).
    pub fn from_parameter(name: &str) -> Option<FacetName> {
        match name {
            "language" => Some(FacetName::Language),
            _ => FacetName::ALL.into_iter().find(|f| f.parameter() == name),
        }
    }
}

/// Active facet filters: OR within one facet, AND across facets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    values: [Vec<String>; 6],
}

impl Filters {
    /// The values ticked for `facet` (empty: no filter).
    pub fn get(&self, facet: FacetName) -> &[String] {
        &self.values[facet as usize]
    }

    /// Add a value (validated by the caller).
    pub fn push(&mut self, facet: FacetName, value: impl Into<String>) {
        let value = value.into();
        let values = &mut self.values[facet as usize];
        if !values.contains(&value) {
            values.push(value);
        }
    }

    /// The facets that have a filter.
    pub fn active(&self) -> impl Iterator<Item = FacetName> + '_ {
        FacetName::ALL
            .into_iter()
            .filter(|f| !self.get(*f).is_empty())
    }
}

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Best match first (default).
    #[default]
    Relevance,
    /// Programme order: day then time; unscheduled last.
    Start,
    /// Reverse programme order; unscheduled last.
    StartDescending,
}

/// A validated search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    /// What the user typed; empty lists everything that matches the filters.
    pub q: String,
    pub filters: Filters,
    /// 1-based page.
    pub page: usize,
    pub per_page: usize,
    pub sort: Sort,
    /// Only contributions starting at or after this time.
    pub from: Option<NaiveDateTime>,
    /// Only contributions starting at or before this time.
    pub to: Option<NaiveDateTime>,
    /// Only contributions with a speaker of this name (any of the values).
    pub speakers: Vec<String>,
    /// At most this many values per facet in the response (all when `None`).
    pub facet_limit: Option<usize>,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            q: String::new(),
            filters: Filters::default(),
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            sort: Sort::Relevance,
            from: None,
            to: None,
            speakers: Vec::new(),
            facet_limit: None,
        }
    }
}

/// The parameter names `/api/search` accepts.
pub const KNOWN_PARAMETERS: &str =
    "q, theme, lab, day, lang, event, type, speaker, from, to, page, per_page, sort, facet_limit";

impl SearchRequest {
    /// A request for `q` with defaults.
    pub fn query(q: impl Into<String>) -> SearchRequest {
        SearchRequest {
            q: q.into(),
            ..SearchRequest::default()
        }
    }

    /// Add a filter value, validated like a query parameter.
    pub fn with_filter(mut self, facet: FacetName, value: &str) -> Result<Self, SearchError> {
        let value = validate_facet_value(facet, value)?;
        self.filters.push(facet, value);
        Ok(self)
    }

    /// Validate raw query-string pairs. Facet parameters may repeat; `q`, `page`, `per_page`
    /// and `sort` may not. Unknown parameters are rejected so typos do not pass silently.
    pub fn from_params<'a, I>(pairs: I) -> Result<SearchRequest, SearchError>
    where
        I: IntoIterator<Item = (Cow<'a, str>, Cow<'a, str>)>,
    {
        let mut request = SearchRequest::default();
        let mut seen_single: Vec<&'static str> = Vec::new();
        let mut once = |name: &'static str| -> Result<(), SearchError> {
            if seen_single.contains(&name) {
                return Err(SearchError::invalid(name, "given more than once"));
            }
            seen_single.push(name);
            Ok(())
        };
        for (name, value) in pairs {
            match name.as_ref() {
                "q" => {
                    once("q")?;
                    if value.len() > MAX_QUERY_BYTES {
                        return Err(SearchError::invalid(
                            "q",
                            format!(
                                "the query is {} bytes long, the maximum is {MAX_QUERY_BYTES}",
                                value.len()
                            ),
                        ));
                    }
                    request.q = value.into_owned();
                }
                "page" => {
                    once("page")?;
                    request.page = parse_positive("page", &value, usize::MAX)?;
                }
                "per_page" => {
                    once("per_page")?;
                    request.per_page = parse_positive("per_page", &value, MAX_PER_PAGE)?;
                }
                "sort" => {
                    once("sort")?;
                    request.sort = match value.as_ref() {
                        "relevance" => Sort::Relevance,
                        "start" => Sort::Start,
                        "-start" => Sort::StartDescending,
                        "" => return Err(SearchError::invalid("sort", "empty value")),
                        other => {
                            return Err(SearchError::invalid(
                                "sort",
                                format!(
                                    "`{}` is not one of relevance, start, -start",
                                    escape_for_message(other)
                                ),
                            ))
                        }
                    };
                }
                "from" => {
                    once("from")?;
                    request.from = Some(parse_time("from", &value, NaiveTime::MIN)?);
                }
                "to" => {
                    once("to")?;
                    let end_of_day = NaiveTime::from_hms_opt(23, 59, 59).expect("valid time");
                    request.to = Some(parse_time("to", &value, end_of_day)?);
                }
                "speaker" => {
                    let value = validate_text_value("speaker", &value)?;
                    if request.speakers.len() >= MAX_VALUES_PER_FACET {
                        return Err(SearchError::invalid(
                            "speaker",
                            format!("at most {MAX_VALUES_PER_FACET} values"),
                        ));
                    }
                    request.speakers.push(value.to_string());
                }
                "facet_limit" => {
                    once("facet_limit")?;
                    request.facet_limit = Some(parse_positive("facet_limit", &value, 1_000)?);
                }
                other => match FacetName::from_parameter(other) {
                    // Errors name the parameter as sent (`language` or `lang`).
                    Some(facet) => {
                        let value = validate_facet_value_of(facet, other, &value)?;
                        if request.filters.get(facet).len() >= MAX_VALUES_PER_FACET {
                            return Err(SearchError::invalid(
                                other,
                                format!("at most {MAX_VALUES_PER_FACET} values"),
                            ));
                        }
                        request.filters.push(facet, value);
                    }
                    None => {
                        return Err(SearchError::UnknownParameter {
                            parameter: escape_for_message(other),
                            known: KNOWN_PARAMETERS.to_string(),
                        })
                    }
                },
            }
        }
        request.validate_window()?;
        if let (Some(from), Some(to)) = (request.from, request.to) {
            if from > to {
                return Err(SearchError::invalid("from", "is after `to`"));
            }
        }
        Ok(request)
    }

    /// `page × per_page` within [`MAX_RESULT_WINDOW`].
    pub fn validate_window(&self) -> Result<(), SearchError> {
        if self.page == 0 {
            return Err(SearchError::invalid("page", "pages start at 1"));
        }
        if self.per_page == 0 || self.per_page > MAX_PER_PAGE {
            return Err(SearchError::invalid(
                "per_page",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        if self.page.saturating_mul(self.per_page) > MAX_RESULT_WINDOW {
            return Err(SearchError::invalid(
                "page",
                format!(
                    "page × per_page may not exceed {MAX_RESULT_WINDOW}: narrow the search instead of paging this deep"
                ),
            ));
        }
        Ok(())
    }

    /// Offset of the first hit of the page.
    pub fn offset(&self) -> usize {
        (self.page - 1) * self.per_page
    }
}

/// A whole number in 1..=max.
pub(crate) fn parse_positive(
    parameter: &str,
    value: &str,
    max: usize,
) -> Result<usize, SearchError> {
    let number: usize = value.trim().parse().map_err(|_| {
        SearchError::invalid(
            parameter,
            format!(
                "`{}` is not a positive whole number",
                escape_for_message(value)
            ),
        )
    })?;
    if number == 0 || number > max {
        return Err(SearchError::invalid(
            parameter,
            if max == usize::MAX {
                "must be at least 1".to_string()
            } else {
                format!("must be between 1 and {max}")
            },
        ));
    }
    Ok(number)
}

/// `2020-01-22` (at `time_of_day`) or `2020-01-22T11:55[:00]`.
fn parse_time(
    parameter: &str,
    value: &str,
    time_of_day: NaiveTime,
) -> Result<NaiveDateTime, SearchError> {
    let value = value.trim();
    if let Some(date) = exact_date(value) {
        return Ok(date.and_time(time_of_day));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Some(time) = exact_date_time(value, format) {
            return Ok(time);
        }
    }
    Err(SearchError::invalid(
        parameter,
        format!(
            "`{}` is not a date (YYYY-MM-DD) or date and time (YYYY-MM-DDTHH:MM)",
            escape_for_message(value)
        ),
    ))
}

/// A date written exactly `YYYY-MM-DD`, zero-padded: chrono also reads `2020-1-22` and
/// `+2020-01-22`, which as a `day` filter would match nothing (days are stored zero-padded)
/// and as a bound would be taken silently.
fn exact_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|date| date.format("%Y-%m-%d").to_string() == value)
}

/// A date and time written exactly in `format`, zero-padded (not `T9:00`), as [`exact_date`];
/// not a leap second (`:60`, which chrono reads and a programme never has).
fn exact_date_time(value: &str, format: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(value, format)
        .ok()
        .filter(|time| time.nanosecond() < 1_000_000_000)
        .filter(|time| time.format(format).to_string() == value)
}

/// Check the value of a filter parameter (facet or speaker): not empty once trimmed, at most
/// [`MAX_FACET_VALUE_CHARS`], no control characters. Every filter goes through here so no
/// parameter skips a rule. Returns the trimmed value.
fn validate_text_value(parameter: &str, value: &str) -> Result<String, SearchError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(SearchError::invalid(parameter, "empty value"));
    }
    if value.chars().count() > MAX_FACET_VALUE_CHARS {
        return Err(SearchError::invalid(
            parameter,
            format!("longer than {MAX_FACET_VALUE_CHARS} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(SearchError::invalid(
            parameter,
            "control characters are not allowed",
        ));
    }
    Ok(value.to_string())
}

/// Check a facet value; returns it normalized (trimmed).
pub fn validate_facet_value(facet: FacetName, value: &str) -> Result<String, SearchError> {
    validate_facet_value_of(facet, facet.parameter(), value)
}

/// [`validate_facet_value`], errors naming `parameter`.
fn validate_facet_value_of(
    facet: FacetName,
    parameter: &str,
    value: &str,
) -> Result<String, SearchError> {
    let value = validate_text_value(parameter, value)?;
    let value = value.as_str();
    match facet {
        FacetName::Day if exact_date(value).is_none() => {
            return Err(SearchError::invalid(
                parameter,
                format!("`{}` is not a date YYYY-MM-DD", escape_for_message(value)),
            ));
        }
        FacetName::Language if Language::from_code(value).is_none() => {
            return Err(SearchError::invalid(
                parameter,
                format!("`{}` is not one of en, fr", escape_for_message(value)),
            ));
        }
        _ => {}
    }
    Ok(value.to_string())
}

/// Echo user input in an error message safely: bounded and without control characters.
pub(crate) fn escape_for_message(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .take(80)
        .collect();
    if text.chars().count() > 80 {
        format!("{cleaned}…")
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &[(&'static str, &'static str)]) -> Result<SearchRequest, SearchError> {
        SearchRequest::from_params(query.iter().map(|&(k, v)| (Cow::from(k), Cow::from(v))))
    }

    #[test]
    fn repeated_facets_accumulate() {
        let request = params(&[("theme", "A"), ("theme", "B"), ("lab", "LAL")]).unwrap();
        assert_eq!(request.filters.get(FacetName::Theme), ["A", "B"]);
        assert_eq!(request.filters.get(FacetName::Lab), ["LAL"]);
    }

    #[test]
    fn bad_values_name_their_parameter() {
        for (query, parameter) in [
            (vec![("per_page", "0")], "per_page"),
            (vec![("per_page", "1000")], "per_page"),
            (vec![("page", "0")], "page"),
            (vec![("page", "-1")], "page"),
            (vec![("day", "22/01/2020")], "day"),
            (vec![("lang", "de")], "lang"),
            (vec![("page", "1000"), ("per_page", "100")], "page"),
        ] {
            match params(&query) {
                Err(SearchError::InvalidParameter { parameter: p, .. }) => assert_eq!(p, parameter),
                other => panic!("{query:?} gave {other:?}"),
            }
        }
        assert!(matches!(
            params(&[("per_pgae", "5")]),
            Err(SearchError::UnknownParameter { .. })
        ));
    }
}

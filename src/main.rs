//! The `abstract-search` command line: `parse`, `ingest`, `serve`, `search`.
//! Raw flags become settings in one step; `main` prints the error chain once and returns a
//! non-zero exit code.

use std::borrow::Cow;
use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use abstract_search::api::{self, ApiOptions, Metrics, SharedEngine};
use abstract_search::corpus::{LabTable, ReadOptions};
use abstract_search::eval;
use abstract_search::index::IndexStore;
use abstract_search::ingest::{self, IngestProgress, IngestReport, LABS_FILE, SYNONYMS_FILE};
use abstract_search::search::{SearchRequest, Synonyms};
use abstract_search::Engine;

/// mimalloc instead of the system allocator: a search allocates thousands of small,
/// short-lived objects (tantivy scorers, tokens, strings), and glibc malloc/free was a sixth
/// of the instructions of the query mix under callgrind.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e` of mimalloc v3's
/// mimalloc.h, which libmimalloc-sys builds; the Rust binding has no name for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Give freed memory back to the system at once instead of after mimalloc's default 1 s
/// delay: serving the 50k corpus under load, resident memory was 150 MB with the delay and
/// 92 MB without, for the same throughput.
fn return_freed_memory_at_once() {
    // SAFETY: setting an option is a store into mimalloc's option table, valid at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

#[derive(Parser)]
#[command(
    name = "abstract-search",
    version,
    about = "Full-text search over conference contributions (Indico exports)"
)]
struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "ABSTRACT_SEARCH_LOG_FORMAT")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Parse input files and print the records as a JSON array (warnings on stderr).
    Parse {
        /// Files to parse (format detected from content).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Lab alias table.
        #[arg(long, default_value = "corpus/labs.toml")]
        labs: PathBuf,
        /// Print one record per line (JSON Lines, which `ingest` reads back) instead of an array.
        #[arg(long)]
        jsonl: bool,
        /// Event title for the files' records (default: the title in the file, else its name).
        #[arg(long)]
        event: Option<String>,
        /// CSV mapping file (default: `NAME.mapping.toml` beside `NAME.csv`).
        #[arg(long)]
        mapping: Option<PathBuf>,
    },
    /// Rebuild the index from the corpus folder, or with FILES update it: each file replaces
    /// the events it held and nothing else. Prints a report; exit status 2 when anything was
    /// skipped.
    Ingest {
        /// Files to add or replace in the current index (none: rebuild from the corpus folder).
        files: Vec<PathBuf>,
        #[arg(long, default_value = "corpus", env = "ABSTRACT_SEARCH_CORPUS")]
        corpus: PathBuf,
        #[arg(long, default_value = "index", env = "ABSTRACT_SEARCH_INDEX")]
        index: PathBuf,
        /// Event title for the given files' records (default: the title in the file, else its
        /// name).
        #[arg(long, requires = "files")]
        event: Option<String>,
        /// CSV mapping file for the given files (default: `NAME.mapping.toml` beside
        /// `NAME.csv`).
        #[arg(long, requires = "files")]
        mapping: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the JSON API (building the index first when missing or stale).
    Serve {
        #[arg(long, default_value = "127.0.0.1:3000", env = "ABSTRACT_SEARCH_ADDR")]
        addr: SocketAddr,
        #[arg(long, default_value = "corpus", env = "ABSTRACT_SEARCH_CORPUS")]
        corpus: PathBuf,
        #[arg(long, default_value = "index", env = "ABSTRACT_SEARCH_INDEX")]
        index: PathBuf,
        /// Origin allowed to call the API from a browser (repeatable), as a browser sends it:
        /// `https://example.org` or `http://localhost:8080`; default: any origin.
        #[arg(
            long = "cors-origin",
            env = "ABSTRACT_SEARCH_CORS_ORIGINS",
            value_delimiter = ',',
            value_parser = parse_origin
        )]
        cors_origins: Vec<String>,
        /// Longest a request may take, in seconds (then 503); at least 1.
        #[arg(
            long,
            default_value_t = 10,
            env = "ABSTRACT_SEARCH_REQUEST_TIMEOUT",
            value_parser = at_least_one::<u64>
        )]
        request_timeout: u64,
        /// Most requests in flight; more are answered 503 at once; at least 1.
        #[arg(
            long,
            default_value_t = 512,
            env = "ABSTRACT_SEARCH_MAX_IN_FLIGHT",
            value_parser = at_least_one::<usize>
        )]
        max_in_flight: usize,
        /// Longest wait for a request head, in seconds, counted from when a connection is
        /// idle (new, or between keep-alive requests); then the connection is closed; at
        /// least 1.
        #[arg(
            long,
            default_value_t = api::server::DEFAULT_HEADER_TIMEOUT.as_secs(),
            env = "ABSTRACT_SEARCH_HEADER_TIMEOUT",
            value_parser = at_least_one::<u64>
        )]
        header_timeout: u64,
        /// Address users reach the search page at (`https://search.example.org`), for the
        /// links of the iCalendar feed; default: http:// and the address the server binds.
        #[arg(long, env = "ABSTRACT_SEARCH_PUBLIC_URL", value_parser = parse_public_url)]
        public_url: Option<String>,
        /// Time zone of the programme times in the corpus (IANA name), for the iCalendar
        /// feed's UTC times: the exports print local times without a zone.
        #[arg(
            long,
            default_value = "Europe/Paris",
            env = "ABSTRACT_SEARCH_TIME_ZONE"
        )]
        time_zone: chrono_tz::Tz,
    },
    /// Search the index and print the top hits. Filters are checked like the API's
    /// parameters of the same names; repeat one to accept any of its values.
    Search {
        /// What to search for, as typed in the search box (`""` lists everything).
        query: String,
        /// Index folder.
        #[arg(long, default_value = "index", env = "ABSTRACT_SEARCH_INDEX")]
        index: PathBuf,
        /// Only contributions of this theme (track), as the `theme` facet lists it.
        #[arg(long)]
        theme: Vec<String>,
        /// Only contributions with a person of this lab (`IJCLab`, `LAL`, `CEA`…).
        #[arg(long)]
        lab: Vec<String>,
        /// Only contributions on this day (`2020-01-22`).
        #[arg(long)]
        day: Vec<String>,
        /// Only contributions in this language (`en`, `fr`).
        #[arg(long)]
        lang: Vec<String>,
        /// Only contributions of this event (its slug).
        #[arg(long)]
        event: Vec<String>,
        /// Only contributions of this type (`Non spécifié`, `Poster`…).
        #[arg(long = "type", value_name = "TYPE")]
        kind: Vec<String>,
        /// Only contributions with a speaker of this name (`Rousseau`, `David Rousseau`).
        #[arg(long)]
        speaker: Vec<String>,
        /// Only contributions starting at or after this day or time (`2020-01-23T14:00`).
        #[arg(long)]
        from: Option<String>,
        /// Only contributions starting at or before this day or time (`2020-01-22`).
        #[arg(long)]
        to: Option<String>,
        /// Order: `relevance`, `start` (programme order) or `-start`.
        #[arg(long, default_value = "relevance", allow_hyphen_values = true)]
        sort: String,
        /// Number of hits (1 to 100, as `per_page` of the API).
        #[arg(
            long,
            default_value_t = 10,
            value_parser = clap::value_parser!(u64).range(1..=abstract_search::search::request::MAX_PER_PAGE as u64)
        )]
        limit: u64,
        /// Print the JSON response instead of a table.
        #[arg(long)]
        json: bool,
        /// Corpus folder whose synonyms.toml expands the query (default: `corpus` when it
        /// exists; a folder given that does not exist is an error).
        #[arg(long, env = "ABSTRACT_SEARCH_CORPUS")]
        corpus: Option<PathBuf>,
    },
    /// Measure relevance (nDCG@10, MRR@10, recall@10) over judged queries, ours beside
    /// plain tantivy defaults.
    Eval {
        /// TSV of `query<TAB>relevant ids` (comma-separated).
        queries: PathBuf,
        #[arg(long, default_value = "corpus", env = "ABSTRACT_SEARCH_CORPUS")]
        corpus: PathBuf,
        /// Print the rows as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A whole number of at least 1 (a zero timeout or limit would refuse every request).
fn at_least_one<T: std::str::FromStr + PartialOrd + From<u8>>(text: &str) -> Result<T, String> {
    match text.trim().parse::<T>() {
        Ok(number) if number >= T::from(1) => Ok(number),
        Ok(_) => Err("must be at least 1".to_string()),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

/// A CORS origin as browsers send it in `Origin`: `http` or `https`, a host, an optional
/// port, nothing else (no path, no trailing slash).
fn parse_origin(text: &str) -> Result<String, String> {
    let expected = "expected an origin such as `https://example.org` or `http://localhost:8080`";
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(format!("`{text}` is not an origin: {expected}"));
    };
    if scheme != "http" && scheme != "https" {
        return Err(format!("`{text}`: the scheme must be http or https"));
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => (host, Some(port)),
        _ => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    let port_ok = port.is_none_or(|port| port.parse::<u16>().is_ok());
    if !host_ok || !port_ok {
        return Err(format!("`{text}` is not an origin: {expected}"));
    }
    Ok(text.to_string())
}

/// The synonyms table of a corpus folder.
fn load_synonyms(corpus: &Path) -> anyhow::Result<Synonyms> {
    Ok(Synonyms::load(&corpus.join(SYNONYMS_FILE))?)
}

/// The engine over the current generation of `store`, with the corpus synonyms.
fn open_engine(store: &IndexStore, synonyms: Synonyms) -> anyhow::Result<Engine> {
    let (index, generation) = store.open_current()?;
    Ok(Engine::new(index, Some(generation))?.with_synonyms(synonyms))
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tantivy=warn"));
    // Colour codes only for a person at a terminal, never in a file or a pipe.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn main() -> ExitCode {
    return_freed_memory_at_once();
    let cli = Cli::parse();
    init_logs(cli.log_format);
    match run(cli.command) {
        Ok(code) => code,
        // A reader that stopped early (`search … | head`) is not an error.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("abstract-search: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// True when `error` comes from writing to a closed pipe.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        let kind = cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                cause
                    .downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            });
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Parse {
            files,
            labs,
            jsonl,
            event,
            mapping,
        } => {
            let options = ReadOptions {
                event_title: event,
                mapping,
            };
            parse(&files, &labs, &options, jsonl)
        }
        Command::Ingest {
            files,
            corpus,
            index,
            event,
            mapping,
            json,
        } => {
            let store = IndexStore::new(index);
            let progress = TerminalProgress::new();
            let report = if files.is_empty() {
                ingest::rebuild(&corpus, &store, &progress)?
            } else {
                let options = ReadOptions {
                    event_title: event,
                    mapping,
                };
                ingest::ingest_files(&files, &options, &corpus, &store, &progress)?
            };
            print_report(&report, json)?;
            Ok(if report.is_clean() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Serve {
            addr,
            corpus,
            index,
            cors_origins,
            request_timeout,
            max_in_flight,
            header_timeout,
            public_url,
            time_zone,
        } => {
            let mut options = ApiOptions {
                request_timeout: Duration::from_secs(request_timeout),
                max_in_flight,
                ..ApiOptions::default()
            };
            options.calendar.time_zone = time_zone;
            for origin in cors_origins {
                options.cors_origins.push(origin.parse().with_context(|| {
                    format!("--cors-origin `{origin}` is not a valid header value")
                })?);
            }
            serve(
                addr,
                &corpus,
                &index,
                options,
                Duration::from_secs(header_timeout),
                public_url,
            )
        }
        Command::Search {
            query,
            index,
            theme,
            lab,
            day,
            lang,
            event,
            kind,
            speaker,
            from,
            to,
            sort,
            limit,
            json,
            corpus,
        } => {
            // The API's own validation, so the CLI and `/api/search` refuse the same values.
            let mut pairs: Vec<(&str, String)> = vec![
                ("q", query),
                ("per_page", limit.to_string()),
                ("sort", sort),
            ];
            for (name, values) in [
                ("theme", theme),
                ("lab", lab),
                ("day", day),
                ("lang", lang),
                ("event", event),
                ("type", kind),
                ("speaker", speaker),
            ] {
                pairs.extend(values.into_iter().map(|value| (name, value)));
            }
            pairs.extend(from.map(|value| ("from", value)));
            pairs.extend(to.map(|value| ("to", value)));
            let request = SearchRequest::from_params(
                pairs
                    .into_iter()
                    .map(|(name, value)| (Cow::Borrowed(name), Cow::Owned(value))),
            )?;
            let synonyms = match corpus {
                Some(corpus) if !corpus.is_dir() => {
                    anyhow::bail!("corpus folder {} does not exist", corpus.display())
                }
                Some(corpus) => load_synonyms(&corpus)?,
                None if Path::new("corpus").is_dir() => load_synonyms(Path::new("corpus"))?,
                None => Synonyms::default(),
            };
            let engine = open_engine(&IndexStore::new(index), synonyms)?;
            let response = engine.search(&request)?;
            let mut out = std::io::stdout().lock();
            if json {
                // Parsed, people are laid out like the rest of the pretty output (the API
                // copies them as stored: see search::People).
                for hit in &response.hits {
                    for people in [&hit.speakers, &hit.authors, &hit.coauthors] {
                        people.persons();
                    }
                }
                serde_json::to_writer_pretty(&mut out, &response)?;
                writeln!(out)?;
                return Ok(ExitCode::SUCCESS);
            }
            writeln!(out, "{} results ({} ms)", response.total, response.took_ms)?;
            for hit in &response.hits {
                let speakers: Vec<String> = hit.speakers.iter().map(|p| p.display_name()).collect();
                let when = hit
                    .start
                    .map(|s| s.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default();
                writeln!(out, "\n{:>4}  {}", hit.id, printable(&hit.title))?;
                writeln!(
                    out,
                    "      {}  {}  {}",
                    when,
                    printable(&speakers.join("; ")),
                    printable(&hit.labs.join(", "))
                )?;
                // Bold marks for a terminal; plain text into a file or a pipe.
                let (bold, plain) = if std::io::stdout().is_terminal() {
                    ("\x1b[1m", "\x1b[0m")
                } else {
                    ("", "")
                };
                let snippet = printable(&decode_entities(&hit.snippet_html))
                    .replace("<mark>", bold)
                    .replace("</mark>", plain);
                if !snippet.is_empty() {
                    writeln!(out, "      {snippet}")?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval {
            queries,
            corpus,
            json,
        } => run_eval(&queries, &corpus, json),
    }
}

fn run_eval(queries: &Path, corpus: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let judgements = eval::read_judgements(queries)?;
    let (records, _) = ingest::load_corpus(corpus)?;
    // A judged id the corpus does not hold can never be found: it silently scored 0.
    let known: std::collections::HashSet<u64> = records.iter().map(|record| record.id).collect();
    for judgement in &judgements {
        for id in judgement.relevant.iter().filter(|id| !known.contains(id)) {
            eprintln!(
                "{}:{}: judged id {id} is not a contribution of {}",
                queries.display(),
                judgement.line,
                corpus.display()
            );
        }
    }
    let engine = Engine::from_records(&records)?.with_synonyms(load_synonyms(corpus)?);
    let baseline = eval::Baseline::new(&records)?;
    let rows = eval::evaluate(&engine, &baseline, &judgements);
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{:<32} {:>8} {:>8} {:>8}   {:>8} {:>8} {:>8}",
        "query", "nDCG@10", "MRR@10", "R@10", "nDCG", "MRR", "R"
    )?;
    writeln!(
        out,
        "{:<32} {:^26}   {:^26}",
        "", "abstract-search", "tantivy defaults"
    )?;
    for row in &rows {
        if row.query == "MEAN" {
            writeln!(out, "{}", "-".repeat(92))?;
        }
        writeln!(
            out,
            "{:<32} {:>8.3} {:>8.3} {:>8.3}   {:>8.3} {:>8.3} {:>8.3}",
            row.query.chars().take(32).collect::<String>(),
            row.ours.ndcg.abs(),
            row.ours.mrr,
            row.ours.recall,
            row.baseline.ndcg.abs(),
            row.baseline.mrr,
            row.baseline.recall
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Record text for a terminal: control characters (escape sequences a record could carry)
/// become U+FFFD, so the only escapes printed are our own.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// Undo our own HTML escaping for terminal output.
fn decode_entities(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn parse(
    files: &[PathBuf],
    labs_path: &Path,
    options: &ReadOptions,
    jsonl: bool,
) -> anyhow::Result<ExitCode> {
    let labs = LabTable::load(labs_path)?;
    let (records, reports) = ingest::load_files_with(files, options, &labs)?;
    let mut failed = false;
    for report in &reports {
        for warning in &report.warnings {
            eprintln!("{warning}");
        }
        if let Some(error) = &report.error {
            eprintln!("{error}");
            failed = true;
        }
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if jsonl {
        for record in &records {
            serde_json::to_writer(&mut out, record)?;
            writeln!(out)?;
        }
    } else {
        serde_json::to_writer_pretty(&mut out, &records)?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_report(report: &IngestReport, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, report)?;
        writeln!(out)?;
        return Ok(());
    }
    for file in &report.files {
        match (&file.format, &file.error) {
            (Some(format), _) => writeln!(
                out,
                "{}: {format}, {} records indexed, {} skipped, {} warnings, events: {}",
                file.path,
                file.records,
                file.skipped,
                file.warning_count,
                file.events.join(", ")
            )?,
            (None, Some(error)) => writeln!(out, "skipped file {error}")?,
            (None, None) => {}
        }
        for warning in &file.warnings {
            writeln!(out, "  {warning}")?;
        }
        let unlisted = file.warning_count - file.warnings.len();
        if unlisted > 0 {
            writeln!(out, "  … and {unlisted} more warnings")?;
        }
    }
    writeln!(
        out,
        "{} files, {} records indexed, {} skipped, {} warnings, {} files skipped; \
         {} documents in the index; {:.2} s ({:.0} records/s, {:.1} MB/s)",
        report.files.len(),
        report.records,
        report.skipped,
        report.warnings,
        report.failed_files,
        report.documents,
        report.seconds,
        report.records_per_second,
        report.megabytes_per_second
    )?;
    Ok(())
}

/// Each warning of an ingest as a log line naming `file:line`, as `ingest` prints them: a
/// rebuild at `serve` startup has no other place to show them.
fn log_warnings(report: &IngestReport) {
    for file in &report.files {
        // Skipped files were logged when read.
        for warning in &file.warnings {
            tracing::warn!(
                file = %warning.file,
                line = warning.line,
                record_skipped = warning.skipped,
                "{warning}"
            );
        }
        let unlisted = file.warning_count - file.warnings.len();
        if unlisted > 0 {
            tracing::warn!(file = %file.path, unlisted, "… and {unlisted} more warnings");
        }
    }
}

/// A progress bar on stderr, shown once an ingest has run for a second and only when stderr
/// is a terminal (indicatif hides it otherwise), so logs and pipes stay clean.
struct TerminalProgress {
    bar: ProgressBar,
    started: Instant,
    shown: Cell<bool>,
}

impl TerminalProgress {
    fn new() -> TerminalProgress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {bytes}/{total_bytes} ({bytes_per_sec}, {eta}) {wide_msg}",
            )
            .expect("valid progress template"),
        );
        TerminalProgress {
            bar,
            started: Instant::now(),
            shown: Cell::new(false),
        }
    }
}

impl IngestProgress for TerminalProgress {
    fn begin(&self, total_bytes: u64) {
        self.bar.set_length(total_bytes);
    }

    fn file(&self, path: &Path) {
        self.bar.set_message(path.display().to_string());
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
        if !self.shown.get() && self.started.elapsed() >= Duration::from_secs(1) {
            self.shown.set(true);
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn end(&self) {
        self.bar.finish_and_clear();
    }
}

fn serve(
    addr: SocketAddr,
    corpus: &Path,
    index: &Path,
    mut options: ApiOptions,
    header_timeout: Duration,
    public_url: Option<String>,
) -> anyhow::Result<ExitCode> {
    let store = IndexStore::new(index);
    if !corpus.join(LABS_FILE).exists() && !corpus.is_dir() {
        anyhow::bail!("corpus folder {} does not exist", corpus.display());
    }
    match ingest::ensure_index(corpus, &store)? {
        Some(report) => {
            log_warnings(&report);
            tracing::info!(
                records = report.records,
                skipped = report.skipped,
                warnings = report.warnings,
                seconds = report.seconds,
                "index built"
            )
        }
        None => tracing::info!(index = %index.display(), "index is up to date"),
    }
    let synonyms = load_synonyms(corpus)?;
    let engine = open_engine(&store, synonyms.clone())?;
    let documents = engine.document_count();
    let search_slots = api::default_search_slots();
    let shared = SharedEngine::with_search_slots(engine, search_slots);
    // Searches hold one of `search_slots`; two more threads for index reloads. Without a
    // cap the blocking pool kept adding threads under load (each keeping its allocator
    // heap), and RSS climbed with them.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(search_slots + 2)
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        // The bound address, not the requested one: `--addr 127.0.0.1:0` picks a free port.
        let addr = listener
            .local_addr()
            .context("listening socket has no address")?;
        tracing::info!(%addr, documents, "serving on http://{addr}/");
        options.calendar.public_url = public_url.unwrap_or_else(|| format!("http://{addr}"));
        let metrics = std::sync::Arc::new(Metrics::default());
        metrics.generation.set(1);
        tokio::spawn(watch_generations(
            store,
            synonyms,
            shared.clone(),
            metrics.clone(),
        ));
        let app = api::app_with_metrics(shared, &options, metrics);
        api::server::serve(listener, app, header_timeout, shutdown_signal()).await;
        tracing::info!("server stopped");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `--public-url`: an absolute http(s) URL without query or fragment; no trailing slash.
fn parse_public_url(text: &str) -> Result<String, String> {
    let uri: axum::http::Uri = text
        .parse()
        .map_err(|error| format!("not a URL: {error}"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.authority().is_none() {
        return Err("expected an absolute http:// or https:// URL".to_string());
    }
    if uri.query().is_some() || text.contains('#') {
        return Err("expected no query or fragment".to_string());
    }
    Ok(text.trim_end_matches('/').to_string())
}

/// Swap in a generation written by a concurrent `ingest`, without a restart.
async fn watch_generations(
    store: IndexStore,
    synonyms: Synonyms,
    shared: SharedEngine,
    metrics: std::sync::Arc<Metrics>,
) {
    let mut interval = tokio::time::interval(Duration::from_secs(2));
    loop {
        interval.tick().await;
        let current = store.current_generation();
        if current.is_none() || current.as_ref() == shared.current().generation() {
            continue;
        }
        let store = store.clone();
        let synonyms = synonyms.clone();
        let opened = tokio::task::spawn_blocking(move || open_engine(&store, synonyms)).await;
        match opened {
            Ok(Ok(engine)) => {
                tracing::info!(generation = ?engine.generation(), documents = engine.document_count(), "serving new index generation");
                metrics.documents.set(engine.document_count() as i64);
                metrics.generation.inc();
                shared.replace(engine);
            }
            Ok(Err(error)) => {
                tracing::warn!(error = %format!("{error:#}"), "new index generation could not be opened; still serving the previous one")
            }
            Err(error) => tracing::warn!(error = %error, "index reload task failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_delay_option_is_the_one_we_set() {
        // mimalloc v3's options.c gives purge_delay a default of 1000 (ms) and
        // use_numa_nodes, the next option, 0: a shifted enum would show here.
        let get = |option| unsafe { libmimalloc_sys::mi_option_get(option) };
        assert_eq!(get(MI_OPTION_PURGE_DELAY), 1000);
        assert_eq!(get(MI_OPTION_PURGE_DELAY + 1), 0);
        return_freed_memory_at_once();
        assert_eq!(get(MI_OPTION_PURGE_DELAY), 0);
    }
}

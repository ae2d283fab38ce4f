//! The search page (`/`) and the embeddable widget (`/embed.js`) driven in a real headless
//! Chromium through chromedriver (WebDriver, with fantoccini).
//!
//! The app runs in-process on an ephemeral port over the seed report plus
//! `tests/fixtures/browser-xss-report.md`, whose two extra records mention `calorimeter`, share
//! the theme `Calorimetry`, and carry hostile markup in the title, affiliation and event title.
//! A second server on another port, reached as `localhost` (so another origin by host and
//! port), serves host pages that embed the widget with the two-line snippet of the README.
//!
//! Screenshots land in `target/browser-artifacts/`. Without Chromium and chromedriver the tests
//! print what is missing and stop; under CI (`CI` set) that is a failure, since `.ci/run`
//! installs both.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener as StdTcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use abstract_search::api::{app, ApiOptions, SharedEngine};
use abstract_search::Engine;
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::support::{parse_files, repo, seed_path};

/// The seed (30 records) plus the two fixture records.
const ALL_RECORDS: u64 = 32;
/// Event slug of the fixture (its title is `Calorimetry <b>ML</b> day`).
const FIXTURE_EVENT: &str = "calorimetry-b-ml-b-day";
/// The seed's event slug.
const SEED_EVENT: &str = "in2p3-irfu-machine-learning-workshop";
/// The seed's theme of contribution 3, the only seed `calorimeter` hit with a theme.
const SIMULATION_THEME: &str = "ML for simulation and surrogate model";

/// One browser at a time: the machine has two cores and each Chromium wants both.
static BROWSER_LOCK: Mutex<()> = Mutex::new(());

// ------------------------------------------------------------------ tools and servers

/// The browser and its driver, found on `PATH` or named by environment variables.
struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

fn find_program(variable: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let search_path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&search_path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The tools, or `None` after saying loudly which one is missing (a failure under CI).
fn tools(test: &str) -> Option<Tools> {
    let chromium = find_program(
        "ABSTRACT_SEARCH_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let chromedriver = find_program("ABSTRACT_SEARCH_CHROMEDRIVER", &["chromedriver"]);
    if let (Some(chromium), Some(chromedriver)) = (&chromium, &chromedriver) {
        return Some(Tools {
            chromium: chromium.clone(),
            chromedriver: chromedriver.clone(),
        });
    }
    let mut missing = Vec::new();
    if chromium.is_none() {
        missing.push("chromium (Debian package `chromium`, or set ABSTRACT_SEARCH_CHROMIUM)");
    }
    if chromedriver.is_none() {
        missing.push(
            "chromedriver (Debian package `chromium-driver`, or set ABSTRACT_SEARCH_CHROMEDRIVER)",
        );
    }
    let message = format!(
        "browser test {test} NOT RUN: missing {}; `apt-get install chromium chromium-driver` (.ci/run does)",
        missing.join(" and ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}");
    }
    // Written to the real stderr, not through the test harness capture, so it shows.
    let _ = writeln!(std::io::stderr(), "{message}");
    None
}

/// Where screenshots go: `target/browser-artifacts/`.
fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target"));
    let dir = target.join("browser-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts folder can be created");
    dir
}

/// Serve `router` on an ephemeral port of 127.0.0.1.
async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("ephemeral port");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("server runs") });
    addr
}

/// The app over the seed and the XSS fixture; returns its origin (`http://127.0.0.1:PORT`).
async fn start_app() -> String {
    let fixture = repo().join("tests/fixtures/browser-xss-report.md");
    let records = parse_files(&[seed_path(), fixture]);
    assert_eq!(records.len() as u64, ALL_RECORDS);
    let engine = Engine::from_records(&records).expect("records index");
    let addr = serve(app(SharedEngine::new(engine), &ApiOptions::default())).await;
    format!("http://127.0.0.1:{}", addr.port())
}

/// CSS of the host page, hostile on purpose: it must not reach inside the widget.
const HOSTILE_CSS: &str = "* { color: rgb(255, 0, 0) !important; font-family: serif !important; }
mark { background: rgb(0, 255, 0) !important; }
input, ol, li { display: inline !important; }
input { visibility: hidden !important; }
body { font-size: 30px; }";

/// Host pages on another origin that embed the widget from `app_origin`.
async fn start_host(app_origin: &str) -> String {
    let snippet = format!(
        r##"<div id="talks"></div><script src="{app_origin}/embed.js" data-target="#talks"></script>"##
    );
    let plain = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>Host page</title>\
         <style>{HOSTILE_CSS}</style></head><body><h1>Our workshop</h1>\
         <p>Host text with <mark id=\"host-mark\">its own mark</mark>.</p>\
         <p class=\"as-title\" id=\"host-as-title\">A host paragraph using the widget's class name.</p>\
         {snippet}</body></html>"
    );
    let options = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>Host page with options</title>\
         </head><body><div id=\"talks\"></div><script src=\"{app_origin}/embed.js\" data-target=\"#talks\" \
         data-theme=\"Calorimetry\" data-per-page=\"1\" data-placeholder=\"Chercher un exposé\" \
         data-lang=\"fr\"></script></body></html>"
    );
    // A host with a strict CSP that allows only the widget's script and API.
    let strict = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Strict host page</title>\
         </head><body>{snippet}</body></html>"
    );
    let strict_csp = format!(
        "default-src 'none'; script-src {app_origin}; connect-src {app_origin}; img-src data:"
    );
    let router = Router::new()
        .route("/", get(move || async move { Html(plain) }))
        .route("/options", get(move || async move { Html(options) }))
        .route(
            "/strict",
            get(move || async move {
                (
                    [(axum::http::header::CONTENT_SECURITY_POLICY, strict_csp)],
                    Html(strict),
                )
            }),
        );
    let addr = serve(router).await;
    format!("http://localhost:{}", addr.port())
}

/// A chromedriver process, killed on drop.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    StdTcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port()
}

fn start_driver(tools: &Tools) -> Driver {
    let port = free_port();
    let log = std::fs::File::create(artifacts_dir().join("chromedriver.log"))
        .expect("chromedriver log file");
    let child = Command::new(&tools.chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", tools.chromedriver.display()));
    let driver = Driver { child, port };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    driver
}

/// A headless Chromium session with its own profile.
struct Browser {
    client: Client,
    name: &'static str,
    session: String,
    closed: bool,
    driver: Driver,
    _profile: tempfile::TempDir,
}

/// Ends the session, which quits Chromium, even when a failed assertion unwinds past the
/// runtime that would have run fantoccini's own close; killing chromedriver alone would
/// leave the browser running.
impl Drop for Browser {
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.driver.port)) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let _ = write!(
            stream,
            "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.session, self.driver.port
        );
        // chromedriver answers once the browser has quit; one read of the answer is enough.
        let mut answer = [0u8; 1024];
        let _ = stream.read(&mut answer);
    }
}

impl Browser {
    /// Start Chromium with `language` as the browser's language (`en-US`, `fr-FR`).
    async fn start(tools: &Tools, name: &'static str, language: &str) -> Browser {
        let driver = start_driver(tools);
        let profile = tempfile::tempdir().expect("profile folder");
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-quic".to_string(),
            "--no-first-run".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            "--disable-dev-shm-usage".to_string(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--lang={language}"),
            "--window-size=1280,900".to_string(),
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": tools.chromium,
                "args": args,
                "prefs": { "intl.accept_languages": language },
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start a Chromium session ({}); see {}",
                    e,
                    artifacts_dir().join("chromedriver.log").display()
                )
            });
        let session = client
            .session_id()
            .await
            .expect("session id")
            .expect("a WebDriver session");
        Browser {
            client,
            name,
            session,
            closed: false,
            driver,
            _profile: profile,
        }
    }

    /// Run `script` (a function body: it must `return` its value).
    async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Run `script`, which calls `arguments[arguments.length - 1]` with its value.
    async fn js_async(&self, script: &str) -> Value {
        self.client
            .execute_async(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("async script failed: {e}\n{script}"))
    }

    /// Save a screenshot of the viewport as `target/browser-artifacts/NAME.png`.
    async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let path = artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("screenshot written");
        path
    }

    /// Poll `script` until it returns something other than `null`/`false`, and return that.
    async fn wait_for(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let value = self.js(script).await;
            if !(value.is_null() || value == Value::Bool(false)) {
                return value;
            }
            if Instant::now() > deadline {
                let shot = self.screenshot(&format!("{}-timeout", self.name)).await;
                let url = self.client.current_url().await.map(|u| u.to_string());
                panic!(
                    "timed out waiting for {what} (url {url:?}; screenshot {})",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// End the session (dropping without closing does it synchronously).
    async fn close(mut self) {
        if self.client.clone().close().await.is_ok() {
            self.closed = true;
        }
    }
}

/// Run the browser test `test` with the tools, one at a time; nothing when tools are missing.
fn with_tools<F>(test: &str, body: impl FnOnce(Tools) -> F)
where
    F: std::future::Future<Output = ()>,
{
    let _one_at_a_time = BROWSER_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let Some(tools) = tools(test) else { return };
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(body(tools));
}

// ------------------------------------------------------------------ page state

/// The search page as the tests see it: URL query, result count, hits, theme facet.
const PAGE_STATE: &str = r#"
const count = document.getElementById('result-count');
const results = document.getElementById('results');
const facet = (param) => Object.fromEntries(
  [...document.querySelectorAll('#facet-' + param + ' input.facet__checkbox')].map((box) => [box.value, {
    checked: box.checked,
    count: +box.parentNode.querySelector('.facet__count').textContent.replace(/\D/g, ''),
  }]));
return {
  search: decodeURIComponent(location.search.replace(/\+/g, ' ')),
  settled: !!count && !results.hasAttribute('aria-busy'),
  total: count ? +count.dataset.total : null,
  hits: [...results.querySelectorAll(':scope > li')].map((li) => li.dataset.event + '/' + li.dataset.id),
  theme: facet('theme'),
  lab: facet('lab'),
  input: document.getElementById('q').value,
  status: document.getElementById('status').textContent,
  detail: !document.getElementById('detail').hidden,
};
"#;

/// Wait until the page shows a settled answer for `search` (the decoded `location.search`).
async fn page_settled(browser: &Browser, search: &str) -> Value {
    let condition = format!(
        "const s = (() => {{ {PAGE_STATE} }})(); return s.settled && s.search === {} && !s.detail ? s : null;",
        json!(search)
    );
    browser
        .wait_for(&format!("results for {search:?}"), &condition)
        .await
}

fn hits(state: &Value) -> Vec<String> {
    let mut hits: Vec<String> = state["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h.as_str().expect("hit key").to_string())
        .collect();
    hits.sort();
    hits
}

fn keys(pairs: &[(&str, u64)]) -> Vec<String> {
    let mut keys: Vec<String> = pairs
        .iter()
        .map(|(event, id)| format!("{event}/{id}"))
        .collect();
    keys.sort();
    keys
}

/// The `calorimeter` hits: seed 3, 5, 31 and fixture 101, 102.
fn calorimeter_hits() -> Vec<String> {
    keys(&[
        (SEED_EVENT, 3),
        (SEED_EVENT, 5),
        (SEED_EVENT, 31),
        (FIXTURE_EVENT, 101),
        (FIXTURE_EVENT, 102),
    ])
}

/// Records every CSP violation from now on in `window.__cspViolations`.
const WATCH_CSP: &str = "window.__cspViolations = []; \
document.addEventListener('securitypolicyviolation', (e) => \
window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI)); return true;";

async fn assert_no_script_ran(browser: &Browser, where_: &str) {
    let probe = browser
        .js(
            "return { xss: window.__xss === undefined ? null : String(window.__xss), \
             handlers: document.querySelectorAll('[onerror],[onmouseover]').length, \
             images: document.querySelectorAll('img').length };",
        )
        .await;
    assert_eq!(
        probe,
        json!({"xss": null, "handlers": 0, "images": 0}),
        "{where_}"
    );
}

// ------------------------------------------------------------------ the page

/// Search as you type, `<mark>`, disjunctive theme facet with multi-select, back button, the
/// XSS record shown as text, the full record view, paging, keyboard, labels, CSP, phone.
#[test]
fn search_page_in_headless_chromium() {
    with_tools("search_page_in_headless_chromium", |tools| async move {
        let origin = start_app().await;
        let browser = Browser::start(&tools, "page", "en-US").await;
        browser.goto(&format!("{origin}/")).await;

        // An empty query lists the whole programme, paged by 10.
        let state = page_settled(&browser, "").await;
        assert_eq!(state["total"], ALL_RECORDS);
        assert_eq!(state["hits"].as_array().unwrap().len(), 10);
        assert_eq!(
            browser
                .js("return document.querySelector('#pager [aria-current=page]').textContent")
                .await,
            "1"
        );
        assert_eq!(
            browser.js("return document.documentElement.lang").await,
            "en"
        );
        // Without a query the server lists in programme order, and the sort menu says so;
        // days are listed in calendar order although Thursday has more contributions.
        assert_eq!(
            browser
                .js("return document.getElementById('sort').value")
                .await,
            "start"
        );
        assert_eq!(
            browser
                .js("return [...document.querySelectorAll('#facet-day .facet__label')].map((l) => l.textContent)")
                .await,
            json!(["Wed, 22 Jan 2020 (15)", "Thu, 23 Jan 2020 (16)"])
        );
        browser.js(WATCH_CSP).await;
        let history_before = browser.js("return history.length").await;

        // Type: one debounced search, one history entry.
        let input = browser.client.find(Locator::Id("q")).await.expect("#q");
        input.send_keys("calorimeter").await.expect("typing");
        let state = page_settled(&browser, "?q=calorimeter").await;
        assert_eq!(state["total"], 5);
        assert_eq!(hits(&state), calorimeter_hits());
        assert_eq!(
            browser
                .js("return document.getElementById('sort').value")
                .await,
            "relevance"
        );
        assert_eq!(
            state["status"].as_str().unwrap().split(" · ").next(),
            Some("5 results for “calorimeter”")
        );
        let marks = browser
            .js("return [...document.querySelectorAll('#results .result__title mark')].map((m) => m.textContent.toLowerCase())")
            .await;
        assert!(
            marks.as_array().unwrap().len() >= 2,
            "highlighted titles: {marks}"
        );
        assert!(marks
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m.as_str().unwrap().starts_with("calorimet")));
        let snippet_marks = browser
            .js("return document.querySelectorAll('#results .result__snippet mark').length")
            .await;
        assert!(snippet_marks.as_u64().unwrap() >= 5, "{snippet_marks}");
        assert_eq!(
            browser.js("return history.length").await.as_u64().unwrap(),
            history_before.as_u64().unwrap() + 1,
            "search as you type adds one history entry"
        );
        assert_eq!(
            state["theme"],
            json!({"Calorimetry": {"checked": false, "count": 2},
                   SIMULATION_THEME: {"checked": false, "count": 1}})
        );
        assert_eq!(
            state["lab"],
            json!({"CEA": {"checked": false, "count": 2},
                   "IJCLab": {"checked": false, "count": 2},
                   "LAL": {"checked": false, "count": 1}})
        );

        // Each hit shows speakers, labs, day and time, theme and a link to the full record.
        let card = browser
            .js(&format!(
                "const li = document.querySelector('#results li[data-event=\"{SEED_EVENT}\"][data-id=\"3\"]'); \
                 return {{ speakers: li.querySelector('.result__speakers').textContent, \
                 labs: [...li.querySelectorAll('.result__labs li')].map((l) => l.textContent), \
                 when: li.querySelector('time').textContent, \
                 datetime: li.querySelector('time').getAttribute('datetime'), \
                 theme: li.querySelector('.result__theme').textContent, \
                 href: li.querySelector('a.result__link').getAttribute('href') }};"
            ))
            .await;
        assert_eq!(
            card,
            json!({
                "speakers": "Speaker: Aishik GHOSH (LAL)",
                "labs": ["LAL"],
                "when": "Wed, 22 Jan 2020, 11:55",
                "datetime": "2020-01-22T11:55:00",
                "theme": SIMULATION_THEME,
                "href": format!("/?q=calorimeter&record={SEED_EVENT}%2F3"),
            })
        );

        // Tick a theme: results and the other facets change, the theme facet keeps its
        // other value (disjunctive counts).
        browser
            .client
            .find(Locator::Css(
                "#facet-theme input.facet__checkbox[value='Calorimetry']",
            ))
            .await
            .expect("Calorimetry checkbox")
            .click()
            .await
            .expect("tick Calorimetry");
        let state = page_settled(&browser, "?q=calorimeter&theme=Calorimetry").await;
        assert_eq!(state["total"], 2);
        assert_eq!(
            hits(&state),
            keys(&[(FIXTURE_EVENT, 101), (FIXTURE_EVENT, 102)])
        );
        assert_eq!(
            state["theme"],
            json!({"Calorimetry": {"checked": true, "count": 2},
                   SIMULATION_THEME: {"checked": false, "count": 1}})
        );
        assert_eq!(
            state["lab"],
            json!({"CEA": {"checked": false, "count": 1},
                   "IJCLab": {"checked": false, "count": 1}})
        );
        assert_eq!(
            browser
                .js("return [...document.querySelectorAll('#active-filters .chip')].map((c) => c.getAttribute('aria-label'))")
                .await,
            json!(["Remove filter Theme: Calorimetry"])
        );
        browser.screenshot("search-page").await;

        // A second value of the same facet widens (OR within a facet).
        browser
            .client
            .find(Locator::Css(&format!(
                "#facet-theme input.facet__checkbox[value='{SIMULATION_THEME}']"
            )))
            .await
            .expect("simulation checkbox")
            .click()
            .await
            .expect("tick simulation theme");
        let state = page_settled(
            &browser,
            &format!("?q=calorimeter&theme=Calorimetry&theme={SIMULATION_THEME}"),
        )
        .await;
        assert_eq!(state["total"], 3);
        assert_eq!(
            hits(&state),
            keys(&[(SEED_EVENT, 3), (FIXTURE_EVENT, 101), (FIXTURE_EVENT, 102)])
        );

        // Back, back: the earlier states come back, controls included.
        browser.client.back().await.expect("back");
        let state = page_settled(&browser, "?q=calorimeter&theme=Calorimetry").await;
        assert_eq!(state["total"], 2);
        assert_eq!(state["theme"]["Calorimetry"]["checked"], true);
        assert_eq!(state["theme"][SIMULATION_THEME]["checked"], false);
        browser.client.back().await.expect("back");
        let state = page_settled(&browser, "?q=calorimeter").await;
        assert_eq!(state["total"], 5);
        assert_eq!(state["input"], "calorimeter");
        assert_eq!(state["theme"]["Calorimetry"]["checked"], false);
        browser.screenshot("search-page-after-back").await;

        // The hostile record: its characters shown as text, nothing executed or injected.
        let xss = browser
            .js(&format!(
                "const li = document.querySelector('#results li[data-event=\"{FIXTURE_EVENT}\"][data-id=\"101\"]'); \
                 const link = li.querySelector('a.result__link'); \
                 return {{ title: link.textContent, marks: link.querySelectorAll('mark').length, \
                 elements: [...link.querySelectorAll('*')].map((e) => e.localName), \
                 speakers: li.querySelector('.result__speakers').textContent, \
                 event: li.querySelector('.result__event').textContent, \
                 bold: document.querySelectorAll('#results b, #facets b').length }};"
            ))
            .await;
        assert_eq!(
            xss,
            json!({
                "title": "Calorimeter energy regression <img src=x onerror=\"window.__xss='title'\"> with boosted trees \" onmouseover=\"window.__xss='title-attribute'",
                "marks": 1,
                "elements": ["mark"],
                "speakers": "Speaker: Alice MARTIN (IJCLab <img src=x onerror=\"window.__xss='affiliation'\"> \" onmouseover=\"window.__xss='affiliation-attribute')",
                "event": "Calorimetry <b>ML</b> day",
                "bold": 0,
            })
        );
        let title = browser
            .client
            .find(Locator::Css(&format!(
                "#results li[data-id='101'][data-event='{FIXTURE_EVENT}'] a.result__link"
            )))
            .await
            .expect("hostile title link");
        // Hover it: an injected onmouseover would run now.
        browser
            .client
            .execute(
                "arguments[0].dispatchEvent(new MouseEvent('mouseover', {bubbles: true})); return true;",
                vec![serde_json::to_value(&title).expect("element reference")],
            )
            .await
            .expect("hover");
        assert_no_script_ran(&browser, "hostile record in the results").await;

        // The full record, then back to the same results.
        title.click().await.expect("open the record");
        let detail = browser
            .wait_for(
                "the full record",
                "const d = document.getElementById('detail'); const h = document.getElementById('detail-title'); \
                 return !d.hidden && h && document.getElementById('detail-body').getAttribute('aria-busy') === null ? \
                 { search: decodeURIComponent(location.search), title: h.textContent, focused: document.activeElement === h, \
                   people: document.querySelector('.people--speakers').textContent, \
                   abstract: document.querySelector('.detail__abstract p').textContent.slice(0, 40), \
                   theme: document.querySelector('.field--theme dd').textContent } : null;",
            )
            .await;
        assert_eq!(
            detail,
            json!({
                "search": format!("?q=calorimeter&record={FIXTURE_EVENT}/101"),
                "title": "Calorimeter energy regression <img src=x onerror=\"window.__xss='title'\"> with boosted trees \" onmouseover=\"window.__xss='title-attribute'",
                "focused": true,
                "people": "Alice MARTINIJCLab <img src=x onerror=\"window.__xss='affiliation'\"> \" onmouseover=\"window.__xss='affiliation-attribute'",
                "abstract": "We train gradient boosted trees to regre",
                "theme": "CalorimetryReconstruction and calibration of calorimeter signals",
            })
        );
        assert_no_script_ran(&browser, "hostile record in the full view").await;
        browser.screenshot("search-page-record").await;
        browser.client.back().await.expect("back");
        let state = page_settled(&browser, "?q=calorimeter").await;
        assert_eq!(hits(&state), calorimeter_hits());
        assert_eq!(
            browser
                .js("return document.activeElement.closest('li') ? document.activeElement.closest('li').dataset.id : null")
                .await,
            "101",
            "focus returns to the result that was opened"
        );

        // Typing, ticking, going back and opening a record needed nothing the CSP forbids;
        // the style sheet applies.
        assert_eq!(browser.js("return window.__cspViolations").await, json!([]));
        assert_eq!(
            browser
                .js("return getComputedStyle(document.querySelector('.result__card')).borderTopLeftRadius")
                .await,
            "8px"
        );

        // Paging: 2 per page, next page, back.
        browser
            .goto(&format!("{origin}/?q=calorimeter&per_page=2"))
            .await;
        let first = page_settled(&browser, "?q=calorimeter&per_page=2").await;
        assert_eq!(first["hits"].as_array().unwrap().len(), 2);
        browser
            .client
            .find(Locator::Css("#pager a[rel=next]"))
            .await
            .expect("next page link")
            .click()
            .await
            .expect("next page");
        let second = page_settled(&browser, "?q=calorimeter&page=2&per_page=2").await;
        assert_eq!(second["total"], 5);
        let (first_hits, second_hits) = (hits(&first), hits(&second));
        assert_eq!(second_hits.len(), 2);
        assert!(first_hits.iter().all(|h| !second_hits.contains(h)));
        assert_eq!(
            browser
                .js("return document.querySelector('#pager [aria-current=page]').textContent")
                .await,
            "2"
        );
        browser.client.back().await.expect("back");
        let again = page_settled(&browser, "?q=calorimeter&per_page=2").await;
        assert_eq!(hits(&again), first_hits);

        // Sort by programme order.
        browser.goto(&format!("{origin}/?q=calorimeter")).await;
        page_settled(&browser, "?q=calorimeter").await;
        browser
            .client
            .find(Locator::Id("sort"))
            .await
            .expect("sort select")
            .select_by_value("start")
            .await
            .expect("sort by start");
        let sorted = page_settled(&browser, "?q=calorimeter&sort=start").await;
        assert_eq!(
            sorted["hits"],
            json!([
                format!("{FIXTURE_EVENT}/101"),
                format!("{SEED_EVENT}/3"),
                format!("{SEED_EVENT}/31"),
                format!("{FIXTURE_EVENT}/102"),
                format!("{SEED_EVENT}/5"),
            ])
        );

        // Keyboard alone: Tab from the search box to the theme checkbox, Space ticks it.
        browser.goto(&format!("{origin}/?q=calorimeter")).await;
        page_settled(&browser, "?q=calorimeter").await;
        browser.js(WATCH_CSP).await;
        let input = browser.client.find(Locator::Id("q")).await.expect("#q");
        input.click().await.expect("focus the search box");
        let mut reached = false;
        for _ in 0..40 {
            browser
                .client
                .active_element()
                .await
                .expect("focused element")
                .send_keys(&fantoccini::key::Key::Tab)
                .await
                .expect("tab");
            let focused = browser
                .js("const e = document.activeElement; return e.name === 'theme' && e.value === 'Calorimetry';")
                .await;
            if focused == Value::Bool(true) {
                reached = true;
                break;
            }
        }
        assert!(reached, "Tab reaches the Calorimetry checkbox");
        browser
            .client
            .active_element()
            .await
            .expect("focused checkbox")
            .send_keys(" ")
            .await
            .expect("space");
        let state = page_settled(&browser, "?q=calorimeter&theme=Calorimetry").await;
        assert_eq!(state["total"], 2);
        assert_eq!(
            browser
                .js("return document.activeElement.name + '=' + document.activeElement.value")
                .await,
            "theme=Calorimetry",
            "focus stays on the checkbox after the facets are redrawn"
        );

        // Every control has an accessible name; the result count is announced.
        let unnamed = browser
            .js(
                "return [...document.querySelectorAll('input, select, button, a[href]')]\
                 .filter((e) => e.offsetParent !== null || e.type === 'checkbox')\
                 .filter((e) => !((e.getAttribute('aria-label') || '').trim() || \
                   (e.labels && [...e.labels].some((l) => l.textContent.trim())) || \
                   (e.textContent || '').trim()))\
                 .map((e) => e.outerHTML.slice(0, 80));",
            )
            .await;
        assert_eq!(unnamed, json!([]));
        assert_eq!(
            browser
                .js("const s = document.getElementById('status'); return s.getAttribute('role') + ' ' + s.getAttribute('aria-live');")
                .await,
            "status polite"
        );

        // The CSP: the page needed nothing it forbids, and it forbids inline scripts and
        // requests to other origins.
        let csp = browser
            .js_async(
                "const done = arguments[arguments.length - 1]; \
                       fetch('/').then((r) => done(r.headers.get('content-security-policy')));",
            )
            .await;
        assert_eq!(
            csp,
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
        assert_eq!(browser.js("return window.__cspViolations").await, json!([]));
        let blocked = browser
            .js_async(
                "const done = arguments[arguments.length - 1]; \
                 const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; \
                 document.body.appendChild(s); \
                 fetch('http://localhost:1/').then(() => done('fetched'), () => \
                   done({ inline: window.__inline === undefined ? 'blocked' : 'ran' }));",
            )
            .await;
        assert_eq!(blocked["inline"], "blocked");
        // Violation events are queued tasks: wait for both reports.
        let violations = browser
            .wait_for(
                "two CSP violation reports",
                "const v = window.__cspViolations; return v.length >= 2 ? v.slice().sort() : null;",
            )
            .await;
        assert_eq!(
            violations,
            json!(["connect-src http://localhost:1/", "script-src-elem inline"])
        );

        // A phone: no sideways scrolling, filters folded behind their summary.
        browser
            .client
            .set_window_size(390, 844)
            .await
            .expect("phone size");
        browser.goto(&format!("{origin}/?q=calorimeter")).await;
        page_settled(&browser, "?q=calorimeter").await;
        let phone = browser
            .js("return { overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth, \
                 filtersOpen: document.getElementById('filters').open };")
            .await;
        assert_eq!(phone, json!({"overflow": 0, "filtersOpen": false}));
        browser.screenshot("search-page-phone").await;
        browser
            .client
            .find(Locator::Css("#filters > summary"))
            .await
            .expect("filters summary")
            .click()
            .await
            .expect("open the filters");
        assert_eq!(
            browser
                .js("return document.getElementById('filters').open")
                .await,
            true
        );
        // Let the chevron's turn finish before the picture.
        tokio::time::sleep(Duration::from_millis(300)).await;
        browser.screenshot("search-page-phone-filters").await;

        browser.close().await;
    });
}

/// A French browser gets French labels, dates and counts.
#[test]
fn search_page_follows_a_french_browser() {
    with_tools("search_page_follows_a_french_browser", |tools| async move {
        let origin = start_app().await;
        let browser = Browser::start(&tools, "page-fr", "fr-FR").await;
        browser.goto(&format!("{origin}/?q=calorimeter")).await;
        let state = page_settled(&browser, "?q=calorimeter").await;
        assert_eq!(state["total"], 5);
        let labels = browser
            .js("return { lang: document.documentElement.lang, \
                 placeholder: document.getElementById('q').placeholder, \
                 label: document.querySelector('label[for=q]').textContent, \
                 count: document.getElementById('result-count').textContent, \
                 legends: [...document.querySelectorAll('#facets legend')].map((l) => l.textContent), \
                 days: [...document.querySelectorAll('#facet-day .facet__value')].map((l) => l.textContent) };")
            .await;
        assert_eq!(
            labels,
            json!({
                "lang": "fr",
                "placeholder": "Titres, résumés, orateurs, laboratoires…",
                "label": "Rechercher dans les contributions",
                "count": "5 résultats",
                "legends": ["Thématique", "Laboratoire", "Jour", "Langue", "Événement"],
                "days": ["mer. 22 janv. 2020", "jeu. 23 janv. 2020"],
            })
        );

        // A bookmarked record opens directly, in French.
        browser
            .goto(&format!("{origin}/?record={SEED_EVENT}/3"))
            .await;
        let detail = browser
            .wait_for(
                "the bookmarked record",
                "const h = document.getElementById('detail-title'); \
                 return h && !document.getElementById('detail').hidden && \
                   document.getElementById('detail-body').getAttribute('aria-busy') === null ? \
                 { title: h.textContent, back: document.getElementById('detail-back').textContent, \
                   fields: [...document.querySelectorAll('.detail__fields dt')].map((d) => d.textContent), \
                   date: document.querySelector('.field--date dd').textContent, \
                   speakers: document.querySelector('.detail__speakers h3').textContent } : null;",
            )
            .await;
        assert_eq!(
            detail,
            json!({
                "title": "Generative Adversarial Networks for Fast Simulation in ATLAS",
                "back": "← Retour aux résultats",
                "fields": ["Date", "Durée", "Type", "Thématique", "Langue", "Laboratoires"],
                "date": "mercredi 22 janvier 2020, 11:55",
                "speakers": "Orateur",
            })
        );
        browser.close().await;
    });
}

/// Fresh-user findings on the page: past the last page the count showed over an empty list
/// with no hint; with no hits the Event facet showed the slug; an API error was shown raw,
/// backticks included.
#[test]
fn search_page_explains_past_the_end_and_names_events_without_hits() {
    with_tools(
        "search_page_explains_past_the_end_and_names_events_without_hits",
        |tools| async move {
            let origin = start_app().await;
            let browser = Browser::start(&tools, "page-edges", "en-US").await;
            browser
                .goto(&format!("{origin}/?q=calorimeter&page=5"))
                .await;
            let state = page_settled(&browser, "?q=calorimeter&page=5").await;
            assert_eq!(state["total"], 5);
            assert_eq!(hits(&state), Vec::<String>::new());
            let hint = browser
                .wait_for(
                    "the past-the-end hint",
                    "const h = document.getElementById('past-end'); \
                     return h ? { text: h.textContent, \
                       page: h.querySelector('a').dataset.page } : null;",
                )
                .await;
            assert_eq!(
                hint,
                json!({"text": " — page 5 is past the last page: go to page 1", "page": "1"})
            );

            // No hit, one event ticked: its facet entry is the event's title.
            browser
                .goto(&format!("{origin}/?q=zzzyyyxxx&event={SEED_EVENT}"))
                .await;
            let label = browser
                .wait_for(
                    "the event title in the facet",
                    "const v = document.querySelector('#facet-event .facet__value'); \
                     return v && v.textContent !== 'in2p3-irfu-machine-learning-workshop' ? \
                       v.textContent : null;",
                )
                .await;
            assert_eq!(label, json!("IN2P3/IRFU Machine Learning workshop"));

            // An API error, with typographic quotes rather than backticks.
            browser.goto(&format!("{origin}/?q=calo&page=2000")).await;
            let error = browser
                .wait_for(
                    "the error message",
                    "const e = document.getElementById('status-error'); \
                     return e ? e.textContent : null;",
                )
                .await;
            let error = error.as_str().unwrap();
            assert!(!error.contains('`') && error.contains("“page”"), "{error}");
            browser.close().await;
        },
    );
}

// ------------------------------------------------------------------ the widget

/// What the widget on the host page shows, read through its open shadow root.
const WIDGET_STATE: &str = r#"
const root = document.getElementById('talks').shadowRoot;
if (!root) return null;
const status = root.querySelector('.as-status');
const list = root.querySelector('.as-results');
return {
  state: status ? status.dataset.state : null,
  busy: root.querySelector('.as-root').classList.contains('as-busy'),
  status: status ? status.textContent : null,
  hits: [...list.querySelectorAll(':scope > li')].map((li) => li.dataset.event + '/' + li.dataset.id),
  themes: [...root.querySelectorAll('.as-facet button')].map((b) => b.dataset.value + ' ' + b.getAttribute('aria-pressed') + ' ' + b.querySelector('.as-count').textContent),
};
"#;

async fn widget_settled(browser: &Browser, status: &str) -> Value {
    let condition = format!(
        "const s = (() => {{ {WIDGET_STATE} }})(); return s && !s.busy && s.status === {} ? s : null;",
        json!(status)
    );
    browser
        .wait_for(&format!("widget status {status:?}"), &condition)
        .await
}

/// The two-line snippet on a page of another origin with hostile CSS: the widget calls the
/// API cross-origin, highlights, filters by theme, shows hostile text as text, and neither
/// CSS crosses the shadow boundary.
#[test]
fn embedded_widget_in_headless_chromium() {
    with_tools("embedded_widget_in_headless_chromium", |tools| async move {
        let origin = start_app().await;
        let host = start_host(&origin).await;
        let browser = Browser::start(&tools, "widget", "en-US").await;
        browser
            .client
            .set_window_size(900, 900)
            .await
            .expect("size");
        browser.goto(&format!("{host}/")).await;

        let state = widget_settled(&browser, "32 contributions — Showing 5 of 32").await;
        assert_eq!(state["hits"].as_array().unwrap().len(), 5);

        let shadow = browser
            .client
            .find(Locator::Id("talks"))
            .await
            .expect("#talks")
            .shadow_root()
            .await
            .expect("open shadow root");
        let input = shadow
            .find(Locator::Css("input.as-input"))
            .await
            .expect("widget search box");
        input.send_keys("calorimeter").await.expect("typing");
        let state = widget_settled(&browser, "5 results for “calorimeter”").await;
        assert_eq!(hits(&state), calorimeter_hits());
        assert_eq!(
            state["themes"],
            json!(["Calorimetry false 2", format!("{SIMULATION_THEME} false 1")])
        );
        let marks = browser
            .js("return [...document.getElementById('talks').shadowRoot.querySelectorAll('.as-title mark')].map((m) => m.textContent.toLowerCase())")
            .await;
        assert!(marks.as_array().unwrap().len() >= 2, "{marks}");

        // Every request went to the app's origin, from this page's origin.
        let requests = browser
            .js("return performance.getEntriesByType('resource').map((e) => new URL(e.name).origin + new URL(e.name).pathname);")
            .await;
        let requests: Vec<&str> = requests
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert!(requests.contains(&format!("{origin}/embed.js").as_str()));
        assert!(requests.contains(&format!("{origin}/api/search").as_str()));
        assert!(
            requests.iter().all(|r| r.starts_with(&origin)),
            "only the app origin is asked (an injected <img src=x> would load from the host): {requests:?}"
        );
        assert_ne!(
            browser.js("return location.origin").await.as_str(),
            Some(origin.as_str())
        );

        // Tick a theme in the widget.
        shadow
            .find(Locator::Css(".as-facet button[data-value='Calorimetry']"))
            .await
            .expect("Calorimetry toggle")
            .click()
            .await
            .expect("tick Calorimetry");
        let state = widget_settled(&browser, "2 results for “calorimeter”").await;
        assert_eq!(
            hits(&state),
            keys(&[(FIXTURE_EVENT, 101), (FIXTURE_EVENT, 102)])
        );
        assert_eq!(
            state["themes"],
            json!(["Calorimetry true 2", format!("{SIMULATION_THEME} false 1")])
        );

        // The hostile record: text, not markup; the host page has no CSP, so an injected
        // handler would really run.
        let xss = browser
            .js(&format!(
                "const li = document.getElementById('talks').shadowRoot.querySelector('li[data-event=\"{FIXTURE_EVENT}\"][data-id=\"101\"]'); \
                 const link = li.querySelector('.as-title a'); \
                 link.dispatchEvent(new MouseEvent('mouseover', {{bubbles: true}})); \
                 return {{ title: link.textContent, elements: [...link.querySelectorAll('*')].map((e) => e.localName), \
                 speakers: li.querySelector('.as-speakers').textContent, href: link.href, \
                 injected: li.querySelectorAll('img, [onerror], [onmouseover]').length, \
                 xss: window.__xss === undefined ? null : String(window.__xss) }};"
            ))
            .await;
        assert_eq!(
            xss,
            json!({
                "title": "Calorimeter energy regression <img src=x onerror=\"window.__xss='title'\"> with boosted trees \" onmouseover=\"window.__xss='title-attribute'",
                "elements": ["mark"],
                "speakers": "Alice MARTIN (IJCLab <img src=x onerror=\"window.__xss='affiliation'\"> \" onmouseover=\"window.__xss='affiliation-attribute')",
                "href": format!("{origin}/?q=calorimeter&record={FIXTURE_EVENT}%2F101"),
                "injected": 0,
                "xss": null,
            })
        );

        // Neither page's CSS crosses the shadow boundary.
        let styles = browser
            .js("const root = document.getElementById('talks').shadowRoot; \
                 const css = (e, p) => getComputedStyle(e)[p]; \
                 return { widgetMark: css(root.querySelector('.as-title mark'), 'backgroundColor'), \
                 widgetText: css(root.querySelector('.as-snippet'), 'color'), \
                 widgetInput: css(root.querySelector('.as-input'), 'visibility'), \
                 widgetList: css(root.querySelector('.as-results'), 'display'), \
                 hostMark: css(document.getElementById('host-mark'), 'backgroundColor'), \
                 hostClassWeight: css(document.getElementById('host-as-title'), 'fontWeight') };")
            .await;
        assert_eq!(
            styles,
            json!({
                "widgetMark": "rgb(255, 229, 138)",
                "widgetText": "rgb(28, 35, 48)",
                "widgetInput": "visible",
                "widgetList": "block",
                "hostMark": "rgb(0, 255, 0)",
                "hostClassWeight": "400",
            })
        );
        browser.screenshot("embed-widget").await;

        // data- options: a fixed theme, one result per page, a placeholder, French.
        browser.goto(&format!("{host}/options")).await;
        let state = widget_settled(&browser, "2 contributions — 1 sur 2").await;
        assert_eq!(state["hits"], json!([format!("{FIXTURE_EVENT}/101")]));
        assert_eq!(
            state["themes"],
            json!([]),
            "a fixed theme hides the theme facet"
        );
        let options = browser
            .js("const root = document.getElementById('talks').shadowRoot; \
                 return { placeholder: root.querySelector('.as-input').placeholder, \
                 lang: root.querySelector('.as-root').lang, \
                 label: root.querySelector('label').textContent, \
                 more: root.querySelector('.as-more').textContent };")
            .await;
        assert_eq!(
            options,
            json!({"placeholder": "Chercher un exposé", "lang": "fr",
                   "label": "Rechercher dans les contributions", "more": "Plus de résultats"})
        );
        shadow_more(&browser).await;
        let state = widget_settled(&browser, "2 contributions").await;
        assert_eq!(
            hits(&state),
            keys(&[(FIXTURE_EVENT, 101), (FIXTURE_EVENT, 102)])
        );

        // A host whose CSP allows the widget's origin for scripts and requests, and no
        // inline style: the widget still works and is still styled.
        browser.goto(&format!("{host}/strict")).await;
        widget_settled(&browser, "32 contributions — Showing 5 of 32").await;
        assert_eq!(
            browser
                .js("const root = document.getElementById('talks').shadowRoot; \
                     return getComputedStyle(root.querySelector('.as-input')).borderTopLeftRadius;")
                .await,
            "8px"
        );

        browser.close().await;
    });
}

/// Click the widget's "more results" button.
async fn shadow_more(browser: &Browser) {
    browser
        .client
        .find(Locator::Id("talks"))
        .await
        .expect("#talks")
        .shadow_root()
        .await
        .expect("open shadow root")
        .find(Locator::Css("button.as-more"))
        .await
        .expect("more button")
        .click()
        .await
        .expect("more results");
}

//! A real browser for journey tests: headless Chromium driven through
//! chromedriver with fantoccini.
//!
//! ```ignore
//! let app = TestApp::spawn().await;                  // own database and server
//! let Some(browser) = Browser::launch(&app).await else { return }; // None = skipped
//! browser.open("/login").await;
//! browser.login_through_form("alice", helpers::PASSWORD).await;
//! assert_eq!(browser.current_path().await, "/review");
//! assert_eq!(browser.text("main h1").await, "评审");
//! ```
//!
//! Each `Browser` starts its own chromedriver on a free port (in its own
//! process group, killed with Chromium when the `Browser` is dropped, even
//! when the test panics) with a fresh Chromium profile in a temporary
//! directory (removed on drop).
//!
//! **Skipping.** When chromium or chromedriver is missing or no session can
//! be started, [`Browser::launch`] panics if `XIAOZHEN_REQUIRE_BROWSER=1` or
//! `CI` is set (CI sets both), and otherwise prints
//! `BROWSER TESTS SKIPPED: …` to stderr and returns `None`, so the test
//! returns early. Override the programs with `XIAOZHEN_CHROMIUM` and
//! `XIAOZHEN_CHROMEDRIVER` (default `/usr/bin/chromium`,
//! `/usr/bin/chromedriver`).
//!
//! **Waiting.** Every helper waits at most [`WAIT`] and then fails with the
//! current URL and the start of the page's text. Helpers that load a new page
//! (`open`, `submit`, `follow_link`, `login_through_form`, `logout`) return
//! only once the new document has replaced the old one and finished loading,
//! so the next assertion reads the new page. Helpers that read (`text`,
//! `wait_for`) wait for the element to appear; `has`/`texts` do not wait.
//!
//! For anything not covered here, [`Browser::client`] is the fantoccini
//! client.

#![allow(dead_code)]

use std::future::Future;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::TestApp;

/// The longest any helper waits for something to appear or load.
pub const WAIT: Duration = Duration::from_secs(15);
/// How long chromedriver may take to answer, and Chromium to start.
const STARTUP: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(50);

pub struct Browser {
    client: Client,
    base: String,
    driver: Driver,
}

/// The chromedriver process (leader of its own process group, so Chromium
/// goes with it) and the profile directory.
struct Driver {
    child: Child,
    profile: PathBuf,
    log: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let pgid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Whether a missing browser must fail the test rather than skip it.
pub fn browser_required() -> bool {
    let set = |name: &str| {
        std::env::var(name)
            .map(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
            .unwrap_or(false)
    };
    set("XIAOZHEN_REQUIRE_BROWSER") || set("CI")
}

fn unavailable(reason: &str) -> Option<Browser> {
    if browser_required() {
        panic!("no browser for the browser tests (XIAOZHEN_REQUIRE_BROWSER or CI is set): {reason}");
    }
    // Straight to the process's stderr: `eprintln!` would be captured by
    // the test runner and shown only for failing tests.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\n********************************************************************\n\
         BROWSER TESTS SKIPPED: {reason}\n\
         Install Debian's chromium and chromium-driver; set XIAOZHEN_REQUIRE_BROWSER=1 to fail instead.\n\
         ********************************************************************\n"
    );
    None
}

fn program(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.len().saturating_sub(2000);
    let start = (start..text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    text[start..].to_owned()
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium pointed at `app`.
    /// `None` means the browser tests are skipped (see the module comment).
    pub async fn launch(app: &TestApp) -> Option<Browser> {
        let chromium = program("XIAOZHEN_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = program("XIAOZHEN_CHROMEDRIVER", "/usr/bin/chromedriver");
        for p in [&chromium, &chromedriver] {
            if !p.is_file() {
                return unavailable(&format!("{} not found", p.display()));
            }
        }
        let dir = std::env::temp_dir().join(format!("xiaozhen-browser-{}", uuid::Uuid::new_v4().simple()));
        let profile = dir.join("profile");
        if let Err(e) = std::fs::create_dir_all(&profile) {
            return unavailable(&format!("cannot create {}: {e}", profile.display()));
        }
        let log = dir.join("chromedriver.log");
        let port = match free_port() {
            Ok(p) => p,
            Err(e) => return unavailable(&format!("no free port: {e}")),
        };
        let child = {
            use std::os::unix::process::CommandExt;
            Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
        };
        let child = match child {
            Ok(c) => c,
            Err(e) => return unavailable(&format!("cannot start {}: {e}", chromedriver.display())),
        };
        let mut driver = Driver {
            child,
            profile: dir,
            log,
        };
        let webdriver = format!("http://127.0.0.1:{port}");
        if let Err(reason) = wait_until_ready(&mut driver, &webdriver).await {
            return unavailable(&reason);
        }

        let mut caps = Capabilities::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    format!("--user-data-dir={}", profile.display()),
                    "--window-size=1280,900",
                ],
            }),
        );
        // fantoccini's `rustls()` builds a rustls config with the process-wide
        // CryptoProvider; with both `ring` (sqlx, reqwest) and `aws-lc-rs`
        // (fantoccini's hyper-rustls) compiled in, rustls cannot pick one and
        // panics unless one was installed first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = match std::panic::catch_unwind(ClientBuilder::rustls) {
            Ok(Ok(builder)) => builder,
            Ok(Err(e)) => return unavailable(&format!("fantoccini's rustls connector: {e}")),
            Err(_) => {
                return unavailable(
                    "fantoccini's rustls connector panicked: no process-level rustls CryptoProvider \
                     (add `rustls = { version = \"0.23\", default-features = false, features = [\"ring\", \"std\"] }` \
                     to [dev-dependencies] and install it in tests/browser/harness.rs)",
                );
            }
        };
        let connect = async {
            builder
                .capabilities(caps)
                .connect(&webdriver)
                .await
                .map_err(|e| e.to_string())
        };
        let client = match tokio::time::timeout(STARTUP, connect).await {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => {
                return unavailable(&format!(
                    "no browser session: {e}\nchromedriver log:\n{}",
                    log_tail(&driver.log)
                ));
            }
            Err(_) => return unavailable(&format!("no browser session within {STARTUP:?}")),
        };
        Some(Browser {
            client,
            base: app.url(""),
            driver,
        })
    }

    /// The fantoccini client, for anything the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The absolute URL of a path of the application under test.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Types `path` into the address bar: loads it and waits until loaded.
    pub async fn open(&self, path: &str) {
        let url = self.url(path);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("opening {url}: {e}"));
        self.wait_for_load(&format!("opening {path}")).await;
    }

    /// Fills the login form of the current page and submits it; returns once
    /// the next page has loaded (wherever the server sent the browser).
    pub async fn login_through_form(&self, username: &str, password: &str) {
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.submit(r#"form[action="/login"] button[type="submit"]"#).await;
    }

    /// Clicks the logout button in the header; returns once the next page has
    /// loaded.
    pub async fn logout(&self) {
        self.submit(r#"header form[action="/logout"] button"#).await;
    }

    /// The path of the current page, without the query (`/review`).
    pub async fn current_path(&self) -> String {
        self.current_url().await.path().to_owned()
    }

    /// Path and query of the current page (`/login?next=%2Freview`).
    pub async fn current_path_and_query(&self) -> String {
        let url = self.current_url().await;
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub async fn current_url(&self) -> url::Url {
        self.client.current_url().await.expect("current URL")
    }

    /// Waits for the first element matching `css` and returns it.
    pub async fn wait_for(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .every(POLL)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("no element `{css}` within {WAIT:?} ({e}); {}", self.describe().await),
        }
    }

    /// Rendered text of the first element matching `css` (waiting for it),
    /// trimmed: what the user sees, e.g. without `display: none` parts.
    pub async fn text(&self, css: &str) -> String {
        let element = self.wait_for(css).await;
        element
            .text()
            .await
            .unwrap_or_else(|e| panic!("text of `{css}`: {e}"))
            .trim()
            .to_owned()
    }

    /// Rendered texts of every element matching `css` now (no waiting).
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let elements = self.client.find_all(Locator::Css(css)).await.expect("find_all");
        let mut out = Vec::with_capacity(elements.len());
        for e in elements {
            out.push(e.text().await.expect("text").trim().to_owned());
        }
        out
    }

    /// Whether the current page has an element matching `css` (no waiting).
    pub async fn has(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("find_all")
            .is_empty()
    }

    /// An attribute of the first element matching `css` (waiting for it).
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.wait_for(css).await.attr(name).await.expect("attribute")
    }

    /// Clears the field matching `css` and types `value` into it.
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.wait_for(css).await;
        field.clear().await.unwrap_or_else(|e| panic!("clearing `{css}`: {e}"));
        field
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("typing into `{css}`: {e}"));
    }

    /// Clicks the element matching `css` where no new page is expected
    /// (a checkbox, a disclosure); use [`Browser::submit`] for buttons and
    /// links that load a page.
    pub async fn click(&self, css: &str) {
        self.wait_for(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking `{css}`: {e}"));
    }

    /// Clicks the element matching `css` (a submit button, a link) and waits
    /// until the page it leads to has loaded.
    pub async fn submit(&self, css: &str) {
        let element = self.wait_for(css).await;
        self.navigating(&format!("clicking `{css}`"), element.click()).await;
    }

    /// Clicks the link whose visible text is exactly `text` and waits until
    /// the page it leads to has loaded.
    pub async fn follow_link(&self, text: &str) {
        let link = match self
            .client
            .wait()
            .at_most(WAIT)
            .every(POLL)
            .for_element(Locator::LinkText(text))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("no link \"{text}\" within {WAIT:?} ({e}); {}", self.describe().await),
        };
        self.navigating(&format!("following the link \"{text}\""), link.click())
            .await;
    }

    /// Saves a PNG of the viewport as `<target>/browser-screenshots/<name>.png`
    /// and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        let png = self.client.screenshot().await.expect("screenshot");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// Closes the browser session politely (optional: dropping the
    /// `Browser` kills chromedriver and Chromium anyway).
    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
    }

    /// Runs `action`, which makes the browser load a new page, and waits
    /// until the new document has replaced the current one and is loaded.
    async fn navigating<F, T>(&self, what: &str, action: F)
    where
        F: Future<Output = Result<T, fantoccini::error::CmdError>>,
    {
        self.client
            .execute("window.__xzOldPage = true;", vec![])
            .await
            .expect("marking the current page");
        if let Err(e) = action.await {
            panic!("{what}: {e}; {}", self.describe().await);
        }
        self.wait_for_load(what).await;
    }

    /// Waits until the document is a new one (not marked by `navigating`)
    /// and has finished loading. Errors while the page is being replaced
    /// count as "not yet".
    async fn wait_for_load(&self, what: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let ready = self
                .client
                .execute(
                    "return window.__xzOldPage !== true && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            if let Ok(serde_json::Value::Bool(true)) = ready {
                return;
            }
            if Instant::now() >= deadline {
                panic!(
                    "{what}: no new page loaded within {WAIT:?} (last check: {ready:?}); {}",
                    self.describe().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Where the browser is and what it shows, for failure messages.
    pub async fn describe(&self) -> String {
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("<unknown URL: {e}>"));
        let text = match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let text: String = text.chars().take(600).collect();
        format!("the browser is at {url}, showing:\n{text}")
    }
}

async fn wait_until_ready(driver: &mut Driver, webdriver: &str) -> Result<(), String> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + STARTUP;
    loop {
        if let Ok(Some(status)) = driver.child.try_wait() {
            return Err(format!(
                "chromedriver exited ({status}) before answering; log:\n{}",
                log_tail(&driver.log)
            ));
        }
        if let Ok(response) = http.get(format!("{webdriver}/status")).send().await
            && let Ok(body) = response.json::<serde_json::Value>().await
            && body["value"]["ready"] == serde_json::Value::Bool(true)
        {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "chromedriver did not answer at {webdriver} within {STARTUP:?}; log:\n{}",
                log_tail(&driver.log)
            ));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// `<cargo target dir>/browser-screenshots`.
pub fn screenshot_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("browser-screenshots")
}

/// More helpers: several fields at once, visibility, full-page screenshots,
/// waiting on a condition in the page.
impl Browser {
    /// Clears the elements matching `css`, in document order, and types
    /// `values[i]` into the i-th one (waiting for the first to appear).
    pub async fn fill_each(&self, css: &str, values: &[&str]) {
        self.wait_for(css).await;
        let fields = self.client.find_all(Locator::Css(css)).await.expect("find_all");
        assert!(
            fields.len() >= values.len(),
            "{} values for {} fields `{css}`; {}",
            values.len(),
            fields.len(),
            self.describe().await
        );
        for (i, (field, value)) in fields.iter().zip(values).enumerate() {
            field
                .clear()
                .await
                .unwrap_or_else(|e| panic!("clearing `{css}` #{i}: {e}"));
            field
                .send_keys(value)
                .await
                .unwrap_or_else(|e| panic!("typing into `{css}` #{i}: {e}"));
        }
    }

    /// Scrolls the element matching `css` to the middle of the window, then
    /// clicks it, as a person would (WebDriver scrolls it only to the bottom
    /// edge, where a sticky bar may cover it). No new page is expected.
    pub async fn click_in_view(&self, css: &str) {
        let element = self.wait_for(css).await;
        let arg = serde_json::to_value(&element).expect("element as a script argument");
        self.client
            .execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
            .await
            .unwrap_or_else(|e| panic!("scrolling to `{css}`: {e}"));
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking `{css}`: {e}"));
    }

    /// Whether each element matching `css` is shown to the user (not
    /// `hidden`, not `display: none`), in document order (no waiting).
    pub async fn displayed(&self, css: &str) -> Vec<bool> {
        let elements = self.client.find_all(Locator::Css(css)).await.expect("find_all");
        let mut out = Vec::with_capacity(elements.len());
        for e in elements {
            out.push(e.is_displayed().await.expect("is_displayed"));
        }
        out
    }

    /// Waits until the JavaScript expression `condition` is true in the
    /// page (at most [`WAIT`]); `what` names it in the failure message.
    pub async fn wait_until(&self, what: &str, condition: &str) {
        let script = format!("return Boolean({condition});");
        let deadline = Instant::now() + WAIT;
        loop {
            let result = self.client.execute(&script, vec![]).await;
            if let Ok(serde_json::Value::Bool(true)) = result {
                return;
            }
            if Instant::now() >= deadline {
                panic!(
                    "not {what} within {WAIT:?} (last check: {result:?}); {}",
                    self.describe().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Like [`Browser::screenshot`], but of the whole page: the window is
    /// made as tall as the document for the shot, then restored.
    pub async fn screenshot_full_page(&self, name: &str) -> PathBuf {
        let (width, height) = self.client.get_window_size().await.expect("window size");
        let page_height = self
            .client
            .execute(
                "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight);",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(height);
        // The window's frame adds to the viewport; a margin keeps the bottom in.
        let tall = (page_height + 200).clamp(height, 12_000) as u32;
        self.client
            .set_window_size(width as u32, tall)
            .await
            .expect("resizing the window");
        let path = self.screenshot(name).await;
        self.client
            .set_window_size(width as u32, height as u32)
            .await
            .expect("restoring the window");
        path
    }
}

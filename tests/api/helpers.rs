//! The test harness. `TestApp::spawn()` creates a database named
//! `xz_test_<random>` on the server [`server_url`] finds, migrates it, serves
//! `build_app` on 127.0.0.1:0 and drops the database when the test ends.
//! Logs are quiet unless `TEST_LOG` is set.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::str::FromStr;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};
use scraper::{Html, Selector};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use xiaozhen::config::Config;
use xiaozhen::db::users::NewUser;
use xiaozhen::domain::Role;
use xiaozhen::domain::proposal::ProposalInput;

pub const PASSWORD: &str = "correct-horse-battery";

/// The server the tests' databases are made on: `DATABASE_URL`; else the
/// PostgreSQL answering on 127.0.0.1:5432; else, on a machine with only
/// PostgreSQL's programs installed, a private cluster under the target
/// directory — `serve`'s own ([`xiaozhen::db::embedded`]) — started once
/// for this test binary and stopped when it ends.
pub fn server_url() -> String {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            return url;
        }
        let local = SocketAddr::from(([127, 0, 0, 1], 5432));
        if std::net::TcpStream::connect_timeout(&local, std::time::Duration::from_secs(1)).is_ok() {
            return LOCAL_SERVER.to_owned();
        }
        let cluster = private_cluster();
        let url = cluster.database_url().to_owned();
        *RUNNING.lock().unwrap_or_else(|e| e.into_inner()) = Some(cluster);
        // SAFETY: registers a plain function; it runs once, at exit.
        unsafe { atexit(stop_private_cluster) };
        url
    })
    .clone()
}

const LOCAL_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The private cluster this binary started, stopped at exit.
static RUNNING: std::sync::Mutex<Option<xiaozhen::db::embedded::Cluster>> = std::sync::Mutex::new(None);

unsafe extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
}

extern "C" fn stop_private_cluster() {
    // Dropping the cluster stops the server it started (and waits for it).
    drop(RUNNING.lock().unwrap_or_else(|e| e.into_inner()).take());
}

/// Opens (creating on first use) the tests' private cluster in the target
/// directory, reusing it when another test binary runs it already. Each
/// test has its own runtime, so the cluster is opened on one of its own.
pub fn private_cluster() -> xiaozhen::db::embedded::Cluster {
    use xiaozhen::db::embedded::{Cluster, Reuse};
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("postgres");
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(Cluster::open(&dir, None, Reuse::Allow))
    })
    .join()
    .expect("the cluster thread ends")
    .unwrap_or_else(|e| panic!("no DATABASE_URL, nothing on 127.0.0.1:5432, and no private cluster: {e}"))
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: PgPool,
    db_name: String,
    /// The PostgreSQL server the database was made on.
    server_url: String,
    server: tokio::task::JoinHandle<()>,
}

/// A browser-like client: its own cookie jar, redirects not followed so
/// that tests see each 303.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    pub fn location(&self) -> Option<String> {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Text of every element matching `selector`, trimmed.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let sel = Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&sel)
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .collect()
    }

    pub fn text(&self, selector: &str) -> String {
        self.texts(selector)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no element {selector} in:\n{}", self.body))
    }

    pub fn has(&self, selector: &str) -> bool {
        !self.texts(selector).is_empty()
    }

    pub fn attr(&self, selector: &str, attr: &str) -> Option<String> {
        let sel = Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&sel)
            .next()
            .and_then(|e| e.value().attr(attr))
            .map(str::to_owned)
    }

    pub fn csrf(&self) -> String {
        self.attr("input[name=csrf_token]", "value")
            .expect("page has a CSRF token")
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Config::default()).await
    }

    /// A server configured as `config` says (trusted proxies, public origin).
    pub async fn spawn_with(config: Config) -> TestApp {
        Self::spawn_at(&server_url(), config).await
    }

    /// A server whose database is made on the PostgreSQL server at `server`.
    pub async fn spawn_at(server: &str, config: Config) -> TestApp {
        if std::env::var("TEST_LOG").is_ok() {
            xiaozhen::telemetry::init();
        }
        let db_name = format!("xz_test_{}", uuid::Uuid::new_v4().simple());
        let server_opts = PgConnectOptions::from_str(server).expect("DATABASE_URL parses");
        let mut admin = PgConnection::connect_with(&server_opts).await.expect(
            "a PostgreSQL server must answer at DATABASE_URL (else on 127.0.0.1:5432, else the private cluster)",
        );
        sqlx::query(&format!("CREATE DATABASE {db_name}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
        admin.close().await.ok();
        let opts = server_opts.database(&db_name);
        let db = xiaozhen::db::pool(opts.clone())
            .await
            .expect("connect to test database");
        xiaozhen::db::migrate(&db).await.expect("migrations apply");
        let mut tx = db.begin().await.expect("begin");
        xiaozhen::db::standards::sync_builtin(&mut tx)
            .await
            .expect("built-in standards load");
        tx.commit().await.expect("commit");
        // The server has a pool of its own with one connection (the test's
        // fixtures keep theirs): a request that waits for a second
        // connection while it holds one fails its test with a 503 instead
        // of passing on a roomy pool, so the servers' pools can be small
        // (db::default_pool_size). XIAOZHEN_TEST_SERVER_POOL=n gives it n.
        let size = std::env::var("XIAOZHEN_TEST_SERVER_POOL")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let served = xiaozhen::db::pool_of(opts, size).await.expect("the server's pool");
        Self::serve(db, served, db_name, server.to_owned(), config).await
    }

    async fn serve(db: PgPool, served: PgPool, db_name: String, server_url: String, config: Config) -> TestApp {
        let (addr, server) = start_server(served, config).await;
        TestApp {
            addr,
            db,
            db_name,
            server_url,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn client(&self) -> Client {
        self.client_with_session(None)
    }

    /// A second server on the same database whose pool holds at most
    /// `connections`: with one, a request that waits for a second
    /// connection while it holds the first never gets it (503 after the
    /// acquire timeout).
    pub async fn sibling(&self, connections: u32) -> Sibling {
        let opts = PgConnectOptions::from_str(&self.server_url)
            .expect("DATABASE_URL parses")
            .database(&self.db_name);
        let db = xiaozhen::db::pool_of(opts, connections).await.expect("sibling's pool");
        let (addr, server) = start_server(db, Config::default()).await;
        Sibling { addr, server }
    }

    /// A client connecting from its own loopback address (127.0.0.2 and
    /// up, by `n`): what counts per address (login throttling) starts at
    /// zero for it.
    pub fn client_from(&self, n: u32) -> Client {
        let [_, a, b, c] = (n + 2).to_be_bytes();
        let local = std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, a, b, c));
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .local_address(local)
            .build()
            .expect("client");
        Client {
            http,
            base: format!("http://{}", self.addr),
            jar,
        }
    }

    /// A client that presents the given session cookie value, e.g. one kept
    /// from before a logout.
    pub fn client_with_session(&self, session: Option<&str>) -> Client {
        self.client_with(session, HeaderMap::new())
    }

    /// A client whose every request says `X-Forwarded-For: address`, as a
    /// reverse proxy in front of the server would (or a client pretending).
    pub fn client_forwarded_for(&self, address: &str) -> Client {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", address.parse().expect("a header value"));
        self.client_with(None, headers)
    }

    fn client_with(&self, session: Option<&str>, headers: HeaderMap) -> Client {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let base = format!("http://{}", self.addr);
        if let Some(value) = session {
            let url = reqwest::Url::parse(&base).expect("base url");
            jar.add_cookie_str(&format!("xiaozhen_session={value}; Path=/"), &url);
        }
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Client { http, base, jar }
    }

    pub async fn create_user(&self, username: &str, role: Role, region: Option<&str>) -> i64 {
        self.create_user_with(username, role, region, PASSWORD, false).await
    }

    pub async fn create_user_with(
        &self,
        username: &str,
        role: Role,
        region: Option<&str>,
        password: &str,
        must_change: bool,
    ) -> i64 {
        let hash = xiaozhen::auth::password::hash(password.to_owned()).await.expect("hash");
        let mut conn = self.db.acquire().await.expect("conn");
        let region_id = match region {
            Some(r) => Some(xiaozhen::db::regions::ensure(&mut conn, r).await.expect("region").id),
            None => None,
        };
        xiaozhen::db::users::insert(
            &mut conn,
            NewUser {
                username,
                display_name: &format!("{username} display"),
                role,
                region_id,
                password_hash: &hash,
                must_change_password: must_change,
            },
        )
        .await
        .expect("insert user")
    }

    /// A signed-in client for a new user of that role (officials in 诸城市).
    pub async fn login_as(&self, role: Role) -> Client {
        let username = format!("{}1", role.as_str());
        let region = (role == Role::Official).then_some("诸城市");
        self.create_user(&username, role, region).await;
        let client = self.client();
        let page = client.login(&username, PASSWORD).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "login of {username} failed: {}",
            page.body
        );
        client
    }
}

/// Fixtures: records made through the same use cases the pages call.
impl TestApp {
    pub async fn user(&self, id: i64) -> xiaozhen::auth::User {
        xiaozhen::auth::load_user(&self.db, id)
            .await
            .expect("load user")
            .expect("active user")
    }

    /// An official of `region` (created when missing), as a `User`.
    pub async fn official_of(&self, username: &str, region: &str) -> xiaozhen::auth::User {
        let id = self.create_user(username, Role::Official, Some(region)).await;
        self.user(id).await
    }

    /// A draft of `official`'s region with `input`; returns its id.
    pub async fn draft(&self, official: &xiaozhen::auth::User, input: &ProposalInput) -> i64 {
        let region = official.region_id.expect("an official");
        xiaozhen::services::proposals::create_draft(&self.db, official, region, input, Vec::new())
            .await
            .expect("draft saved")
    }

    /// A submitted proposal (evaluated under the active standard); returns its id.
    /// A proposal of `official` taken through submission, approval by
    /// `reviewer` and a published list batch of `admin`: a listed town.
    pub async fn listed(
        &self,
        official: &xiaozhen::auth::User,
        reviewer: i64,
        admin: i64,
        input: &ProposalInput,
    ) -> i64 {
        use xiaozhen::services::reviews::{Decision, DecisionInput};
        let name = input.name.clone().unwrap_or_default();
        let id = self.submitted(official, input).await;
        let reviewer = self.user(reviewer).await;
        let approve = DecisionInput::new(Decision::Approve, "同意", 2);
        xiaozhen::services::reviews::decide(&self.db, &reviewer, id, &approve)
            .await
            .unwrap();
        let batch =
            xiaozhen::services::batches::create_list_batch_without_notice(&self.db, admin, &format!("{name}名单"), "")
                .await
                .unwrap();
        xiaozhen::services::batches::add_entry(&self.db, admin, batch, id, "")
            .await
            .unwrap();
        // Published in March 2022: the town's creation period is 2022–2024
        // (2022–2026 for an accelerated county), every report deadline
        // past, so its years can be reported, graded and published.
        let listed_at = chrono::DateTime::parse_from_rfc3339("2022-03-01T10:00:00+08:00")
            .unwrap()
            .to_utc();
        xiaozhen::services::batches::publish_as_of(&self.db, admin, batch, listed_at)
            .await
            .unwrap();
        id
    }

    /// Proposals of `official` named `names`, each submitted and approved
    /// by `reviewer` through the review service; their ids.
    pub async fn approved(
        &self,
        official: &xiaozhen::auth::User,
        reviewer: &xiaozhen::auth::User,
        names: &[&str],
    ) -> Vec<i64> {
        use xiaozhen::services::reviews::{Decision, DecisionInput};
        let mut ids = Vec::with_capacity(names.len());
        for name in names {
            let id = self.submitted(official, &sample_input(name)).await;
            let approve = DecisionInput::new(Decision::Approve, "同意", 2);
            xiaozhen::services::reviews::decide(&self.db, reviewer, id, &approve)
                .await
                .expect("approved");
            ids.push(id);
        }
        ids
    }

    /// Activates version `version` of standard `code` (unless it is the
    /// active one): proposals submitted from then on are evaluated, and
    /// their towns graded, under its rules.
    pub async fn activate(&self, code: &str, version: i32) {
        let (id, status): (i64, String) =
            sqlx::query_as("SELECT id, status FROM standards WHERE code = $1 AND version = $2")
                .bind(code)
                .bind(version)
                .fetch_one(&self.db)
                .await
                .expect("the version exists");
        if status == "active" {
            return;
        }
        let admin = self
            .create_user(&format!("activator-{code}-{version}"), Role::Admin, None)
            .await;
        let admin = self.user(admin).await;
        let today = chrono::Utc::now().date_naive();
        xiaozhen::services::standards::activate(&self.db, &admin, id, today)
            .await
            .expect("activated");
    }

    /// A proposal's current `version` (what its forms send back).
    pub async fn proposal_version(&self, id: i64) -> i32 {
        sqlx::query_scalar("SELECT version FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_one(&self.db)
            .await
            .expect("the proposal's version")
    }

    /// Submitted with the five application materials (small PDFs) and a
    /// boundary of its planned area overlapping no other, as the active
    /// version asks.
    pub async fn submitted(&self, official: &xiaozhen::auth::User, input: &ProposalInput) -> i64 {
        self.submitted_into(official, input, None).await
    }

    /// [`TestApp::submitted`] into `round` (needed when several are open).
    pub async fn submitted_into(
        &self,
        official: &xiaozhen::auth::User,
        input: &ProposalInput,
        round: Option<i64>,
    ) -> i64 {
        let id = self.draft(official, input).await;
        xiaozhen::services::materials::store_samples(&self.db, official, id)
            .await
            .expect("materials stored");
        xiaozhen::services::boundaries::store_sample(&self.db, official, id)
            .await
            .expect("boundary stored");
        xiaozhen::services::proposals::submit_into(&self.db, official, id, 1, round)
            .await
            .expect("submitted");
        id
    }
}

/// The sample proposal of the engine (a passing 健康美食小镇), renamed.
pub fn sample_input(name: &str) -> ProposalInput {
    let mut input = xiaozhen::domain::proposal::sample_proposal().to_input();
    input.name = Some(name.to_owned());
    input
}

/// The application on `db`, served on a free loopback port.
async fn start_server(db: PgPool, config: Config) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = xiaozhen::build_app(xiaozhen::AppState::new(db, config));
    let server = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .await
            .expect("server runs");
    });
    (addr, server)
}

/// A second server of a [`TestApp`]'s database ([`TestApp::sibling`]); the
/// database stays the `TestApp`'s.
pub struct Sibling {
    pub addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Sibling {
    /// `client`, sent to this server instead.
    pub fn reach(&self, mut client: Client) -> Client {
        client.base = format!("http://{}", self.addr);
        client
    }
}

impl Drop for Sibling {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        let name = self.db_name.clone();
        let url = self.server_url.clone();
        // Drop runs outside async context: a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(opts) = PgConnectOptions::from_str(&url)
                    && let Ok(mut conn) = PgConnection::connect_with(&opts).await
                {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

impl Client {
    pub async fn page(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        Page { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(self.http.get(format!("{}{path}", self.base)).send().await.expect("GET")).await
    }

    /// POSTs a form as a browser would, without adding anything.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(fields).expect("encode");
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST");
        Self::page(response).await
    }

    /// Uploads `bytes` as a file form does: multipart field `file`, the
    /// CSRF token in the query (the form's body is not read for it).
    pub async fn upload_file(&self, path: &str, token: &str, filename: &str, bytes: Vec<u8>) -> Page {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let response = self
            .http
            .post(format!("{}{path}?csrf_token={token}", self.base))
            .multipart(form)
            .send()
            .await
            .expect("upload");
        Self::page(response).await
    }

    /// The CSRF token a page of this session carries (the login page for
    /// anonymous visitors, any page once signed in).
    pub async fn csrf(&self) -> String {
        let page = self.get("/login").await;
        if page.status == StatusCode::OK {
            return page.csrf();
        }
        self.get("/account/password").await.csrf()
    }

    /// POSTs a form with this session's CSRF token, as the page's form would.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Page {
        self.login_next(username, password, "").await
    }

    pub async fn login_next(&self, username: &str, password: &str, next: &str) -> Page {
        self.post(
            "/login",
            &[("username", username), ("password", password), ("next", next)],
        )
        .await
    }

    pub async fn logout(&self) -> Page {
        self.post("/logout", &[]).await
    }

    /// The value of the session cookie, if any.
    pub fn session_cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = reqwest::Url::parse(&self.base).expect("base url");
        let header = self.jar.cookies(&url)?;
        let header = header.to_str().ok()?.to_owned();
        header
            .split("; ")
            .find_map(|c| c.strip_prefix("xiaozhen_session="))
            .map(str::to_owned)
    }
}

/// The database's refusal of `sql` (with `$1` bound to `id`): its SQLSTATE
/// and message, so that a test can tell the trigger's refusal from a
/// foreign key's or any other error. Panics if the statement succeeds.
pub async fn refusal(db: &PgPool, sql: &str, id: i64) -> (String, String) {
    let err = sqlx::query(sql)
        .bind(id)
        .execute(db)
        .await
        .expect_err(&format!("{sql} must be refused"));
    let db_err = err
        .as_database_error()
        .unwrap_or_else(|| panic!("{sql}: not a database error: {err}"));
    (
        db_err.code().map(|c| c.into_owned()).unwrap_or_default(),
        db_err.message().to_owned(),
    )
}

/// The real binary serving `database_url` on port 0 (with `env` added), and
/// the base URL it printed once listening: the port is the server's own
/// from the start (no port chosen, released and hoped free), and it serves
/// from that line on. `Err` holds what it wrote to stderr if it exited
/// instead. The child is killed when the value is dropped.
pub struct Binary(pub std::process::Child);

impl Binary {
    pub fn serve(database_url: &str, env: &[(&str, &str)]) -> Result<(Binary, String), String> {
        use std::io::{BufRead, BufReader, Read};
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_xiaozhen"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("BIND", "127.0.0.1:0")
            .env("RUST_LOG", "error")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server");
        let stdout = child.stdout.take().expect("stdout piped");
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads to the end, so that the server never writes into a full or
        // closed pipe; the channel closes when the server exits.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(base) = line.split("listening on ").nth(1) {
                    let _ = tx.send(base.trim().to_owned());
                }
            }
        });
        match rx.recv() {
            Ok(base) => Ok((Binary(child), base)),
            Err(_) => {
                let mut stderr = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut stderr);
                }
                let status = child.wait().expect("reaped");
                Err(format!("{status}: {stderr}"))
            }
        }
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

impl TestApp {
    /// The URL of this test's own database.
    pub async fn database_url(&self) -> String {
        let name: String = sqlx::query_scalar("SELECT current_database()")
            .fetch_one(&self.db)
            .await
            .expect("database name");
        let mut url = url::Url::parse(&self.server_url).expect("DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        url.to_string()
    }
}

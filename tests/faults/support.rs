//! What the fault tests share beyond the API harness: a browser-like client
//! for servers the harness did not start, fresh databases on the shared
//! server, and the form of the sample proposal.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use xiaozhen::config::Config;

use crate::helpers::{PASSWORD, server_url};

/// The sample proposal as the form sends it.
pub fn form_of(name: &str) -> Vec<(String, String)> {
    crate::helpers::sample_input(name)
        .to_form_pairs()
        .into_iter()
        .filter(|(k, _)| k != "region")
        .collect()
}

/// Serves `build_app` on `pool` at a free port of 127.0.0.1.
pub async fn serve(pool: PgPool) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = xiaozhen::build_app(xiaozhen::AppState::new(pool, Config::default()));
    let server = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .await
            .expect("server runs");
    });
    (addr, server)
}

/// A database of its own on the shared server, dropped with this value.
pub struct FreshDb {
    pub name: String,
    pub url: String,
}

impl FreshDb {
    pub async fn create(prefix: &str) -> FreshDb {
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let opts = PgConnectOptions::from_str(&server_url()).expect("DATABASE_URL parses");
        let mut admin = PgConnection::connect_with(&opts)
            .await
            .expect("shared PostgreSQL answers");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create database");
        admin.close().await.ok();
        let mut url = url::Url::parse(&server_url()).expect("DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        FreshDb {
            name,
            url: url.to_string(),
        }
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(opts) = PgConnectOptions::from_str(&server_url())
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

/// Migrates `pool` and loads the built-in standards, as `serve` does.
pub async fn prepare(pool: &PgPool) {
    xiaozhen::db::migrate(pool).await.expect("migrations apply");
    let mut tx = pool.begin().await.expect("begin");
    xiaozhen::db::standards::sync_builtin(&mut tx).await.expect("standards");
    tx.commit().await.expect("commit");
}

/// A user with the harness's password; officials need a region.
pub async fn add_user(pool: &PgPool, username: &str, role: xiaozhen::domain::Role, region: Option<&str>) -> i64 {
    let hash = xiaozhen::auth::password::hash(PASSWORD.to_owned()).await.expect("hash");
    let mut conn = pool.acquire().await.expect("conn");
    let region_id = match region {
        Some(r) => Some(xiaozhen::db::regions::ensure(&mut conn, r).await.expect("region").id),
        None => None,
    };
    xiaozhen::db::users::insert(
        &mut conn,
        xiaozhen::db::users::NewUser {
            username,
            display_name: username,
            role,
            region_id,
            password_hash: &hash,
            must_change_password: false,
        },
    )
    .await
    .expect("insert user")
}

/// A browser for any base URL: its own cookies, redirects not followed,
/// a bounded time per request.
#[derive(Clone)]
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
}

pub struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        Browser {
            http,
            base: base.to_owned(),
        }
    }

    async fn answer(response: reqwest::Response) -> Answer {
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.unwrap_or_default();
        Answer { status, location, body }
    }

    pub async fn get(&self, path: &str) -> reqwest::Result<Answer> {
        let response = self.http.get(format!("{}{path}", self.base)).send().await?;
        Ok(Self::answer(response).await)
    }

    /// The CSRF token of this session (from the login page, or any signed-in page).
    pub async fn csrf(&self) -> reqwest::Result<String> {
        let mut page = self.get("/login").await?;
        if page.status != StatusCode::OK {
            page = self.get("/account/password").await?;
        }
        Ok(token_in(&page.body).unwrap_or_default())
    }

    pub async fn post(&self, path: &str, token: &str, fields: &[(String, String)]) -> reqwest::Result<Answer> {
        let mut all = vec![("csrf_token".to_owned(), token.to_owned())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).expect("encode");
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await?;
        Ok(Self::answer(response).await)
    }

    pub async fn login(&self, username: &str) -> reqwest::Result<Answer> {
        let token = self.csrf().await?;
        self.post(
            "/login",
            &token,
            &[
                ("username".into(), username.into()),
                ("password".into(), PASSWORD.into()),
            ],
        )
        .await
    }
}

pub fn token_in(body: &str) -> Option<String> {
    let html = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse("input[name=csrf_token]").expect("selector");
    html.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .map(str::to_owned)
}

/// `fields` as `(&str, &str)` pairs for the harness's client.
pub fn refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

pub async fn count(pool: &PgPool, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(pool).await.expect("count")
}

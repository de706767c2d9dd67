//! One `Config`, read from the command line and the environment.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// 特色小镇申报评审系统 — characteristic-town proposals, review and creation list.
#[derive(Debug, Parser)]
#[command(name = "xiaozhen", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// PostgreSQL server to use; without one, a private cluster under
    /// `XIAOZHEN_DATA_DIR` (default ./var) is started.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Where the private cluster lives.
    #[arg(long, env = "XIAOZHEN_DATA_DIR", global = true, default_value = "./var")]
    pub data_dir: PathBuf,
    /// Folder holding initdb, pg_ctl and postgres, when not on PATH.
    #[arg(long, env = "XIAOZHEN_PG_BIN", global = true)]
    pub pg_bin: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application (the default).
    Serve(ServeArgs),
    /// Apply the database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Load demonstration data into a database that has no proposals yet.
    Demo(DemoArgs),
    /// Write the whole database (materials included) to FILE, in
    /// pg_dump's custom format.
    Backup {
        /// The file to write.
        file: PathBuf,
    },
    /// Replace the database's content with a backup made by `backup`.
    Restore {
        /// The backup to read.
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
}

impl Default for ServeArgs {
    fn default() -> Self {
        // Mirrors the clap defaults so that `xiaozhen` alone means `xiaozhen serve`.
        let bind = std::env::var("BIND")
            .ok()
            .and_then(|b| b.parse().ok())
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
        Self { bind }
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input (one line).
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The official's region (created when unknown).
        #[arg(long)]
        region: Option<String>,
        /// Name shown in the interface (defaults to the user name).
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Official,
    Reviewer,
    Admin,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Add this many generated, varied proposals (for load tests) instead of
    /// the demonstration set.
    #[arg(long)]
    pub proposals: Option<u32>,
}

/// What the running web application needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    /// Cookies get the `Secure` attribute (behind HTTPS).
    pub secure_cookies: bool,
    /// Memory for rendered pages (`crate::page_cache`); 0 keeps none.
    pub page_cache_bytes: u64,
    /// Reverse proxies whose `X-Forwarded-For` is believed
    /// (`XIAOZHEN_TRUSTED_PROXIES`); from anyone else the header is ignored,
    /// or a client could pick the address its failed logins count against.
    pub trusted_proxies: Vec<IpAddr>,
    /// The origin browsers see (`XIAOZHEN_PUBLIC_ORIGIN`, e.g.
    /// `https://xz.example.gov.cn`) when a reverse proxy rewrites `Host`:
    /// forms posted from it pass the CSRF origin check.
    pub public_origin: Option<url::Origin>,
}

/// The page cache's size unless `XIAOZHEN_PAGE_CACHE_MB` says otherwise.
const PAGE_CACHE_MB: u64 = 64;

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: false,
            page_cache_bytes: PAGE_CACHE_MB << 20,
            trusted_proxies: Vec::new(),
            public_origin: None,
        }
    }
}

impl Config {
    /// Reads the environment; a proxy list or public origin that does not
    /// parse stops the start (a silently ignored one would leave logins
    /// throttled by the proxy's address, or every form refused).
    pub fn from_env() -> anyhow::Result<Self> {
        let page_cache_mb = std::env::var("XIAOZHEN_PAGE_CACHE_MB")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(PAGE_CACHE_MB);
        let trusted_proxies = match std::env::var("XIAOZHEN_TRUSTED_PROXIES") {
            Ok(list) => parse_proxies(&list)?,
            Err(_) => Vec::new(),
        };
        let public_origin = match std::env::var("XIAOZHEN_PUBLIC_ORIGIN") {
            Ok(text) if !text.trim().is_empty() => Some(parse_origin(&text)?),
            _ => None,
        };
        Ok(Self {
            secure_cookies: std::env::var("XIAOZHEN_SECURE_COOKIES").is_ok_and(|v| v == "1" || v == "true"),
            page_cache_bytes: page_cache_mb << 20,
            trusted_proxies,
            public_origin,
        })
    }
}

/// `10.0.0.5, 10.0.0.6`: addresses separated by commas or spaces.
pub fn parse_proxies(list: &str) -> anyhow::Result<Vec<IpAddr>> {
    list.split([',', ' '])
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            p.trim().parse::<IpAddr>().with_context(|| {
                format!("XIAOZHEN_TRUSTED_PROXIES: {p:?} is not an IP address (list addresses, e.g. 10.0.0.5,10.0.0.6)")
            })
        })
        .collect()
}

/// `https://xz.example.gov.cn` (scheme, host and any port; no path).
pub fn parse_origin(text: &str) -> anyhow::Result<url::Origin> {
    let url = url::Url::parse(text.trim())
        .with_context(|| format!("XIAOZHEN_PUBLIC_ORIGIN: {text:?} is not a URL such as https://xz.example.gov.cn"))?;
    let origin = url.origin();
    anyhow::ensure!(
        origin.is_tuple() && matches!(url.scheme(), "http" | "https"),
        "XIAOZHEN_PUBLIC_ORIGIN: {text:?} is not an http(s) origin such as https://xz.example.gov.cn"
    );
    Ok(origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_and_origins_parse_or_stop_the_start() {
        let proxies = parse_proxies("10.0.0.5, ::1").unwrap();
        assert_eq!(proxies, ["10.0.0.5".parse::<IpAddr>().unwrap(), "::1".parse().unwrap()]);
        assert!(parse_proxies("").unwrap().is_empty());
        assert!(parse_proxies("10.0.0.0/8").is_err());
        let origin = parse_origin("https://xz.example.gov.cn/").unwrap();
        assert_eq!(origin.ascii_serialization(), "https://xz.example.gov.cn");
        assert!(parse_origin("xz.example.gov.cn").is_err());
        assert!(parse_origin("file:///tmp").is_err());
    }
}

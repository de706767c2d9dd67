//! The private PostgreSQL cluster used when no `DATABASE_URL` is given.
//!
//! The cluster lives in `<data_dir>/pgdata` and only listens on a Unix socket
//! in a short folder under `/tmp`, so nothing outside this machine (and, as
//! the folder is mode 0700, no other local user) can reach it. `serve` starts
//! it and stops it on shutdown; the other commands connect to a running one
//! or start it for their own duration.

use std::ffi::{CString, OsStr};
use std::fmt;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill};
use nix::unistd::{Gid, Pid, Uid, User, geteuid, getgrouplist};
use sha2::{Digest, Sha256};
use sqlx::Connection;
use sqlx::postgres::PgConnectOptions;
use tokio::process::Command;

/// The programs the cluster needs; they must come from one installation.
const PROGRAMS: [&str; 3] = ["initdb", "pg_ctl", "postgres"];
/// Debian and Ubuntu keep each major version's programs here, off `PATH`.
const DEBIAN_PG_ROOT: &str = "/usr/lib/postgresql";
const DATABASE: &str = "xiaozhen";
/// Fixed by `initdb -U`, so the URL does not depend on which OS user ran it.
const SUPERUSER: &str = "postgres";
/// Only names the socket file: the server listens on no TCP port.
const PORT: u16 = 5432;
/// Linux's `sun_path` holds 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH: usize = 107;
const INITDB_TIMEOUT: Duration = Duration::from_secs(120);
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// After a fast shutdown did not finish, how long an immediate one may take.
const KILL_TIMEOUT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(100);
const LOG_TAIL_LINES: usize = 15;

/// What to do when a server already runs on the data folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    /// `serve`: refuse when another server already runs the cluster
    Refuse,
    /// `migrate`, `user add`, `demo`: connect to a running cluster if any
    Allow,
}

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "PostgreSQL's programs (initdb, pg_ctl, postgres) were found neither in XIAOZHEN_PG_BIN, \
         on PATH nor in /usr/lib/postgresql/*/bin; install the Debian package `postgresql` \
         (apt-get install postgresql) or set XIAOZHEN_PG_BIN to the folder that holds them"
    )]
    ProgramsNotFound,
    #[error(
        "XIAOZHEN_PG_BIN is {dir} but {missing} is not there; set XIAOZHEN_PG_BIN to the folder \
         that holds initdb, pg_ctl and postgres (such as /usr/lib/postgresql/15/bin) or install \
         the Debian package `postgresql`"
    )]
    ProgramsIncomplete { dir: Shown, missing: String },
    #[error(
        "the database in {pgdata} was created by PostgreSQL {data_version} but the programs in \
         {bin} are PostgreSQL {bin_version}; set XIAOZHEN_PG_BIN to PostgreSQL {data_version}'s \
         programs (such as /usr/lib/postgresql/{data_version}/bin)"
    )]
    VersionMismatch {
        pgdata: Shown,
        bin: Shown,
        data_version: String,
        bin_version: String,
    },
    #[error(
        "PostgreSQL refuses to run as root and neither a `postgres` nor a `nobody` user exists to \
         run it; create a `postgres` user or run xiaozhen as an ordinary user"
    )]
    NoUnprivilegedUser,
    #[error(
        "PostgreSQL runs as the user `{user}`, who may not enter {blocked} on the way to \
         {data_dir}; set XIAOZHEN_DATA_DIR to a place that user can reach, such as \
         /var/lib/xiaozhen"
    )]
    Unreachable {
        user: String,
        blocked: Shown,
        data_dir: Shown,
    },
    #[error("the socket folder {path} is not a folder owned by this user; remove it and start again")]
    SocketDirUnusable { path: Shown },
    #[error(
        "another xiaozhen serve is already using the database in {pgdata} (pid {pid}); stop it \
         first or set DATABASE_URL"
    )]
    AlreadyRunning { pgdata: Shown, pid: i32 },
    #[error("could not {action} {path}: {error}; check that this user may write there")]
    Io {
        action: &'static str,
        path: Shown,
        error: io::Error,
    },
    #[error("could not run {program}: {error}; check that it is PostgreSQL's program")]
    Spawn { program: Shown, error: io::Error },
    #[error("initdb could not create the database cluster in {pgdata} ({status}); it said: {output}")]
    Initdb {
        pgdata: Shown,
        status: String,
        output: String,
    },
    #[error(
        "{program} did not finish within {secs} s while working on {pgdata}; the end of the log \
         {log} says:\n{tail}"
    )]
    Timeout {
        program: &'static str,
        secs: u64,
        pgdata: Shown,
        log: Shown,
        tail: String,
    },
    #[error(
        "PostgreSQL could not start in {pgdata} (pg_ctl said: {output}); the end of its log {log} \
         says:\n{tail}"
    )]
    StartFailed {
        pgdata: Shown,
        output: String,
        log: Shown,
        tail: String,
    },
    #[error(
        "the PostgreSQL server in {pgdata} (pid {pid}) did not become ready within {secs} s; \
         stop it or wait, then run the command again"
    )]
    NotReady { pgdata: Shown, pid: i32, secs: u64 },
    #[error(
        "the PostgreSQL server in {pgdata} stopped while xiaozhen was connecting to it; run the \
         command again"
    )]
    Vanished { pgdata: Shown },
    #[error(
        "could not connect to the private PostgreSQL server through {socket}: {error}; the end of \
         its log {log} says:\n{tail}"
    )]
    Connect {
        socket: Shown,
        error: sqlx::Error,
        log: Shown,
        tail: String,
    },
    #[error("could not create the database `xiaozhen` in the private cluster: {error}; see the log {log}")]
    CreateDatabase { error: sqlx::Error, log: Shown },
    #[error(
        "the PostgreSQL server in {pgdata} (pid {pid}) did not stop within {secs} s; stop it with \
         `kill -QUIT {pid}`"
    )]
    StopTimeout { pgdata: Shown, pid: i32, secs: u64 },
}

/// A path as the operator wrote it, for messages.
#[derive(Debug)]
pub struct Shown(PathBuf);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.display(), f)
    }
}

fn shown(path: &Path) -> Shown {
    Shown(path.to_path_buf())
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> EmbeddedError {
    let path = shown(path);
    move |error| EmbeddedError::Io { action, path, error }
}

/// A running private cluster, or a connection to one another process runs.
#[derive(Debug)]
pub struct Cluster {
    /// As the operator named it, for messages.
    pgdata_shown: PathBuf,
    /// Absolute, for the checks that must not depend on the working folder.
    pgdata: PathBuf,
    socket_dir: PathBuf,
    url: String,
    /// The postmaster's pid while this process owns the server and has not
    /// stopped it yet; `None` for a server someone else started.
    owned: Option<i32>,
}

impl Cluster {
    /// Finds PostgreSQL's programs, creates the cluster in `<data_dir>/pgdata` on first use
    /// (initdb, UTF8, locale C, trust auth for local socket connections only, listen_addresses=''),
    /// starts it (socket-only) and waits until it accepts connections, or connects to the running one (Reuse::Allow).
    pub async fn open(data_dir: &Path, pg_bin: Option<&Path>, reuse: Reuse) -> Result<Cluster, EmbeddedError> {
        fs::create_dir_all(data_dir).map_err(io_error("create the folder", data_dir))?;
        // Absolute and symlink-free, so `./var` and `/srv/app/var` share one
        // socket folder and one cluster.
        let data_abs = fs::canonicalize(data_dir).map_err(io_error("find the folder", data_dir))?;
        let paths = Paths {
            pgdata_shown: data_dir.join("pgdata"),
            pgdata: data_abs.join("pgdata"),
            log_shown: data_dir.join("postgresql.log"),
            log: data_abs.join("postgresql.log"),
            socket_dir: socket_dir_for(&data_abs),
        };

        if let Some(running) = running_server(&paths)? {
            return paths.reuse_running(running, reuse).await;
        }

        let bin = find_programs(pg_bin, std::env::var_os("PATH").as_deref(), Path::new(DEBIAN_PG_ROOT))?;
        let run_as = RunAs::choose()?;
        if let Some(user) = &run_as {
            check_reachable(&data_abs, user, data_dir)?;
        }
        check_version(&paths, &bin, run_as.as_ref()).await?;
        paths.prepare(run_as.as_ref())?;

        if !paths.pgdata.join("PG_VERSION").exists() {
            initdb(&paths, &bin, run_as.as_ref()).await?;
        }
        let pid = match start(&paths, &bin, run_as.as_ref()).await? {
            Started::Ours(pid) => pid,
            // Another process started the same cluster at the same moment.
            Started::Theirs(running) => return paths.reuse_running(running, reuse).await,
        };
        let cluster = Cluster {
            url: database_url(&paths.socket_dir, PORT),
            pgdata_shown: paths.pgdata_shown.clone(),
            pgdata: paths.pgdata.clone(),
            socket_dir: paths.socket_dir.clone(),
            owned: Some(pid),
        };
        // On an error from here on, dropping `cluster` stops the server.
        paths.ensure_database(PORT).await?;
        tracing::info!(
            socket = %paths.socket_dir.display(),
            pid,
            "private PostgreSQL cluster started in {}",
            paths.pgdata_shown.display()
        );
        Ok(cluster)
    }

    /// A sqlx/libpq URL for the database `xiaozhen` in this cluster (created if missing), over the Unix socket,
    /// e.g. `postgres://postgres@localhost/xiaozhen?host=/short/socket/dir` (check sqlx 0.8's PgConnectOptions accepts it).
    pub fn database_url(&self) -> &str {
        &self.url
    }

    /// Stops the cluster if this process started it (pg_ctl stop -m fast), waits for it to be gone.
    pub async fn stop(mut self) -> Result<(), EmbeddedError> {
        let Some(pid) = self.owned.take() else {
            return Ok(());
        };
        // SIGINT is what `pg_ctl stop -m fast` sends; signalling directly
        // needs no child process and works the same from `Drop`.
        let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
        let deadline = Instant::now() + STOP_TIMEOUT;
        while server_runs(&self.pgdata, pid) {
            if Instant::now() >= deadline {
                return self.stop_immediately(pid).await;
            }
            tokio::time::sleep(POLL).await;
        }
        self.forget_socket_dir();
        tracing::info!("private PostgreSQL cluster in {} stopped", self.pgdata_shown.display());
        Ok(())
    }

    /// The last resort after a fast shutdown hung: like `pg_ctl stop -m immediate`.
    async fn stop_immediately(&self, pid: i32) -> Result<(), EmbeddedError> {
        tracing::warn!(pid, "PostgreSQL did not stop in time; sending SIGQUIT");
        let _ = kill(Pid::from_raw(pid), Signal::SIGQUIT);
        let deadline = Instant::now() + KILL_TIMEOUT;
        while server_runs(&self.pgdata, pid) {
            if Instant::now() >= deadline {
                return Err(EmbeddedError::StopTimeout {
                    pgdata: shown(&self.pgdata_shown),
                    pid,
                    secs: (STOP_TIMEOUT + KILL_TIMEOUT).as_secs(),
                });
            }
            tokio::time::sleep(POLL).await;
        }
        Ok(())
    }

    /// The server removes its socket on shutdown; the empty folder would
    /// otherwise stay in /tmp.
    fn forget_socket_dir(&self) {
        let _ = fs::remove_dir(&self.socket_dir);
    }
}

impl Drop for Cluster {
    /// A panic or an early return must not leave a server running, so this
    /// does what `stop` does, blocking, and can only log what goes wrong.
    fn drop(&mut self) {
        let Some(pid) = self.owned.take() else {
            return;
        };
        tracing::info!(pid, "stopping the private PostgreSQL cluster");
        let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
        let deadline = Instant::now() + STOP_TIMEOUT;
        while server_runs(&self.pgdata, pid) {
            if Instant::now() >= deadline {
                tracing::warn!(pid, "PostgreSQL did not stop in time; sending SIGQUIT");
                let _ = kill(Pid::from_raw(pid), Signal::SIGQUIT);
                return;
            }
            std::thread::sleep(POLL);
        }
        self.forget_socket_dir();
    }
}

/// Where everything of one cluster lives.
struct Paths {
    pgdata_shown: PathBuf,
    pgdata: PathBuf,
    log_shown: PathBuf,
    log: PathBuf,
    socket_dir: PathBuf,
}

impl Paths {
    async fn reuse_running(&self, running: PidFile, reuse: Reuse) -> Result<Cluster, EmbeddedError> {
        if reuse == Reuse::Refuse {
            return Err(EmbeddedError::AlreadyRunning {
                pgdata: shown(&self.pgdata_shown),
                pid: running.pid,
            });
        }
        let ready = self.wait_until_ready(running).await?;
        let socket_dir = ready.socket_dir.unwrap_or_else(|| self.socket_dir.clone());
        let port = ready.port.unwrap_or(PORT);
        let attached = Paths {
            socket_dir: socket_dir.clone(),
            pgdata_shown: self.pgdata_shown.clone(),
            pgdata: self.pgdata.clone(),
            log_shown: self.log_shown.clone(),
            log: self.log.clone(),
        };
        attached.ensure_database(port).await?;
        tracing::info!(
            pid = ready.pid,
            "using the private PostgreSQL cluster already running in {}",
            self.pgdata_shown.display()
        );
        Ok(Cluster {
            pgdata_shown: self.pgdata_shown.clone(),
            pgdata: self.pgdata.clone(),
            url: database_url(&socket_dir, port),
            socket_dir,
            owned: None,
        })
    }

    /// A server found running may still be starting (another command just
    /// launched it); its pid file says when it accepts connections.
    async fn wait_until_ready(&self, mut running: PidFile) -> Result<PidFile, EmbeddedError> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if running.status.as_deref() == Some("ready") && running.socket_dir.is_some() {
                return Ok(running);
            }
            if Instant::now() >= deadline {
                return Err(EmbeddedError::NotReady {
                    pgdata: shown(&self.pgdata_shown),
                    pid: running.pid,
                    secs: START_TIMEOUT.as_secs(),
                });
            }
            tokio::time::sleep(POLL).await;
            running = match read_pid_file(&self.pgdata) {
                Ok(Some(file)) if serves_cluster(file.pid, &self.pgdata) => file,
                _ => {
                    return Err(EmbeddedError::Vanished {
                        pgdata: shown(&self.pgdata_shown),
                    });
                }
            };
        }
    }

    /// Creates what the server's user must own before initdb or pg_ctl runs.
    fn prepare(&self, run_as: Option<&RunAs>) -> Result<(), EmbeddedError> {
        let fresh = match fs::DirBuilder::new().mode(0o700).create(&self.pgdata) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => false,
            Err(e) => return Err(io_error("create the folder", &self.pgdata_shown)(e)),
        };
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o640)
            .open(&self.log)
            .map_err(io_error("create the log file", &self.log_shown))?;
        if let Some(user) = run_as {
            let owner = fs::symlink_metadata(&self.pgdata)
                .map_err(io_error("read", &self.pgdata_shown))?
                .uid();
            // A cluster made by another user (e.g. before running as root)
            // would be refused by postgres ("wrong ownership").
            if owner != user.uid.as_raw() {
                if !fresh {
                    tracing::info!(
                        "giving {} to the user {}, who runs PostgreSQL",
                        self.pgdata_shown.display(),
                        user.name
                    );
                }
                chown_tree(&self.pgdata, user).map_err(io_error("change the owner of", &self.pgdata_shown))?;
            }
            chown(&self.log, user).map_err(io_error("change the owner of", &self.log_shown))?;
        }
        prepare_socket_dir(&self.socket_dir, run_as)
    }

    /// Connects as the superuser and creates `xiaozhen` when missing.
    async fn ensure_database(&self, port: u16) -> Result<(), EmbeddedError> {
        let options = PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(port)
            .username(SUPERUSER)
            .database("postgres");
        // Ready in the pid file means accepting connections, but a just
        // started server can still refuse the very first one briefly.
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut conn = loop {
            match sqlx::PgConnection::connect_with(&options).await {
                Ok(conn) => break conn,
                Err(error) if Instant::now() >= deadline => {
                    return Err(EmbeddedError::Connect {
                        socket: shown(&self.socket_dir),
                        error,
                        log: shown(&self.log_shown),
                        tail: log_tail(&self.log),
                    });
                }
                Err(_) => tokio::time::sleep(POLL).await,
            }
        };
        let create_db = |error| EmbeddedError::CreateDatabase {
            error,
            log: shown(&self.log_shown),
        };
        let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
            .bind(DATABASE)
            .fetch_optional(&mut conn)
            .await
            .map_err(create_db)?;
        if exists.is_none() {
            // The name is a constant: nothing to quote or bind.
            match sqlx::raw_sql("CREATE DATABASE xiaozhen").execute(&mut conn).await {
                Ok(_) => tracing::info!("created the database xiaozhen in the private cluster"),
                // Another command created it in the meantime.
                Err(sqlx::Error::Database(e)) if matches!(e.code().as_deref(), Some("42P04" | "23505")) => {}
                Err(e) => return Err(create_db(e)),
            }
        }
        let _ = conn.close().await;
        Ok(())
    }
}

fn database_url(socket_dir: &Path, port: u16) -> String {
    let dir = socket_dir.to_string_lossy();
    let safe = dir.bytes().all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b));
    let host = if safe {
        dir.into_owned()
    } else {
        url::form_urlencoded::byte_serialize(dir.as_bytes()).collect()
    };
    format!("postgres://{SUPERUSER}@localhost:{port}/{DATABASE}?host={host}")
}

/// A short folder for the socket: the data folder's own path can be long
/// enough to overflow `sun_path`. Hashing the data folder keeps clusters of
/// different checkouts apart and lets every command find the same folder.
fn socket_dir_for(data_abs: &Path) -> PathBuf {
    let digest = Sha256::digest(data_abs.as_os_str().as_encoded_bytes());
    PathBuf::from(format!("/tmp/xiaozhen-{}", hex::encode(&digest[..4])))
}

fn socket_path(socket_dir: &Path, port: u16) -> PathBuf {
    socket_dir.join(format!(".s.PGSQL.{port}"))
}

/// The socket folder is in world-writable /tmp, so it must be ours alone:
/// a folder someone else made there could capture the connections.
fn prepare_socket_dir(dir: &Path, run_as: Option<&RunAs>) -> Result<(), EmbeddedError> {
    let owner = run_as.map_or_else(geteuid, |u| u.uid);
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_error("create the socket folder", dir)(e)),
    }
    let meta = fs::symlink_metadata(dir).map_err(io_error("read", dir))?;
    if !meta.file_type().is_dir() {
        return Err(EmbeddedError::SocketDirUnusable { path: shown(dir) });
    }
    if meta.uid() != owner.as_raw() {
        match run_as {
            Some(user) if meta.uid() == 0 || geteuid().is_root() => {
                chown(dir, user).map_err(io_error("change the owner of", dir))?;
            }
            _ => return Err(EmbeddedError::SocketDirUnusable { path: shown(dir) }),
        }
    }
    if meta.mode() & 0o777 != 0o700 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io_error("restrict", dir))?;
    }
    // No server of this cluster runs (the caller checked), so socket lock
    // files left by a crash only hold a pid that may now be someone else's.
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(".s.PGSQL.") {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Finding the programs

/// `pg_bin`, then `PATH`, then the newest Debian installation.
/// The folder of PostgreSQL's programs (pg_dump and pg_restore beside
/// initdb), searched as for the private cluster.
pub fn programs_dir(pg_bin: Option<&Path>) -> Result<PathBuf, EmbeddedError> {
    find_programs(pg_bin, std::env::var_os("PATH").as_deref(), Path::new(DEBIAN_PG_ROOT))
}

fn find_programs(
    pg_bin: Option<&Path>,
    path_var: Option<&OsStr>,
    debian_root: &Path,
) -> Result<PathBuf, EmbeddedError> {
    if let Some(dir) = pg_bin {
        // The operator chose this folder: falling back elsewhere would hide
        // the mistake.
        return match missing_programs(dir) {
            None => Ok(dir.to_path_buf()),
            Some(missing) => Err(EmbeddedError::ProgramsIncomplete {
                dir: shown(dir),
                missing: missing.to_owned(),
            }),
        };
    }
    if let Some(path_var) = path_var {
        for entry in std::env::split_paths(path_var) {
            for program in PROGRAMS {
                let candidate = entry.join(program);
                if !is_executable(&candidate) {
                    continue;
                }
                // /usr/local/bin/pg_ctl may be a lone symlink into the real
                // folder, which is where initdb and postgres are.
                let Some(real_dir) = fs::canonicalize(&candidate)
                    .ok()
                    .and_then(|real| real.parent().map(Path::to_path_buf))
                else {
                    continue;
                };
                if missing_programs(&real_dir).is_none() {
                    return Ok(real_dir);
                }
            }
        }
    }
    newest_installation(debian_root).ok_or(EmbeddedError::ProgramsNotFound)
}

fn missing_programs(dir: &Path) -> Option<&'static str> {
    PROGRAMS.into_iter().find(|program| !is_executable(&dir.join(program)))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0)
}

/// `/usr/lib/postgresql/<version>/bin` with the highest complete version.
fn newest_installation(root: &Path) -> Option<PathBuf> {
    fs::read_dir(root)
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = parse_version(entry.file_name().to_str()?)?;
            let bin = entry.path().join("bin");
            missing_programs(&bin).is_none().then_some((version, bin))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, bin)| bin)
}

/// `9.6` → [9, 6]; compared numerically so that 10 is newer than 9.6.
fn parse_version(text: &str) -> Option<Vec<u64>> {
    text.split('.').map(|part| part.parse().ok()).collect()
}

/// PG_VERSION holds the major version (`15`, or `9.6` before 10).
fn same_major(data_version: &str, program_version: &str) -> bool {
    program_version == data_version
        || program_version
            .strip_prefix(data_version)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// `postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)` → `15.14`.
fn parse_program_version(output: &str) -> Option<&str> {
    let rest = output.split_once("(PostgreSQL)")?.1;
    rest.split_whitespace().next()
}

/// Postgres refuses a data folder of another major version with a terse
/// log line; saying which programs to use instead is more helpful.
async fn check_version(paths: &Paths, bin: &Path, run_as: Option<&RunAs>) -> Result<(), EmbeddedError> {
    let Ok(data_version) = fs::read_to_string(paths.pgdata.join("PG_VERSION")) else {
        return Ok(());
    };
    let data_version = data_version.trim();
    let postgres = bin.join("postgres");
    let output = run(
        command(&postgres, run_as, &paths.pgdata).arg("--version"),
        START_TIMEOUT,
    )
    .await;
    let Ok(Some(output)) = output else {
        // Starting the server will report a broken program better.
        return Ok(());
    };
    let text = String::from_utf8_lossy(&output.stdout);
    match parse_program_version(&text) {
        Some(program_version) if !same_major(data_version, program_version) => Err(EmbeddedError::VersionMismatch {
            pgdata: shown(&paths.pgdata_shown),
            bin: shown(bin),
            data_version: data_version.to_owned(),
            bin_version: program_version.to_owned(),
        }),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Running as an unprivileged user

/// The user that runs PostgreSQL's programs when this process is root.
#[derive(Debug, Clone)]
struct RunAs {
    name: String,
    uid: Uid,
    gid: Gid,
    groups: Vec<Gid>,
}

impl RunAs {
    /// `None` when not root: the programs then run as the current user.
    fn choose() -> Result<Option<RunAs>, EmbeddedError> {
        if !geteuid().is_root() {
            return Ok(None);
        }
        for name in ["postgres", "nobody"] {
            if let Ok(Some(user)) = User::from_name(name) {
                let groups = CString::new(name)
                    .ok()
                    .and_then(|c| getgrouplist(&c, user.gid).ok())
                    .unwrap_or_else(|| vec![user.gid]);
                tracing::debug!(user = name, "running PostgreSQL as an unprivileged user");
                return Ok(Some(RunAs {
                    name: user.name,
                    uid: user.uid,
                    gid: user.gid,
                    groups,
                }));
            }
        }
        Err(EmbeddedError::NoUnprivilegedUser)
    }
}

/// Every folder from `/` down to the data folder must let the user in,
/// else initdb fails later with a message that does not say why.
fn check_reachable(data_abs: &Path, user: &RunAs, shown_as: &Path) -> Result<(), EmbeddedError> {
    let groups: Vec<u32> = user.groups.iter().map(|g| g.as_raw()).collect();
    let mut ancestors: Vec<&Path> = data_abs.ancestors().collect();
    ancestors.reverse();
    for dir in ancestors {
        let meta = fs::metadata(dir).map_err(io_error("read", dir))?;
        if !may_enter(meta.mode(), meta.uid(), meta.gid(), user.uid.as_raw(), &groups) {
            return Err(EmbeddedError::Unreachable {
                user: user.name.clone(),
                blocked: shown(dir),
                data_dir: shown(shown_as),
            });
        }
    }
    Ok(())
}

/// The kernel's rule for searching a folder: the first matching class
/// (owner, group, others) decides.
fn may_enter(mode: u32, owner: u32, group: u32, uid: u32, gids: &[u32]) -> bool {
    if owner == uid {
        mode & 0o100 != 0
    } else if gids.contains(&group) {
        mode & 0o010 != 0
    } else {
        mode & 0o001 != 0
    }
}

fn chown(path: &Path, user: &RunAs) -> io::Result<()> {
    std::os::unix::fs::lchown(path, Some(user.uid.as_raw()), Some(user.gid.as_raw()))
}

fn chown_tree(path: &Path, user: &RunAs) -> io::Result<()> {
    chown(path, user)?;
    if fs::symlink_metadata(path)?.is_dir() {
        for entry in fs::read_dir(path)? {
            chown_tree(&entry?.path(), user)?;
        }
    }
    Ok(())
}

/// A PostgreSQL program as the right user, with messages in English so that
/// the log tails we show read the same everywhere.
fn command(program: &Path, run_as: Option<&RunAs>, cwd: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("LC_ALL", "C")
        .current_dir(cwd.parent().unwrap_or(Path::new("/")))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(user) = run_as {
        // std drops root's supplementary groups before setuid.
        cmd.uid(user.uid.as_raw()).gid(user.gid.as_raw());
    }
    cmd
}

/// Runs to completion within `limit`; `Ok(None)` when it took too long (the
/// child is killed).
async fn run(cmd: &mut Command, limit: Duration) -> Result<Option<Output>, EmbeddedError> {
    let program = PathBuf::from(cmd.as_std().get_program());
    let child = cmd.spawn().map_err(|error| EmbeddedError::Spawn {
        program: Shown(program),
        error,
    })?;
    Ok(tokio::time::timeout(limit, child.wait_with_output())
        .await
        .ok()
        .and_then(Result::ok))
}

fn combined_output(output: &Output) -> String {
    let mut text = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if text.is_empty() {
        text = stdout.trim().to_owned();
    }
    if text.is_empty() {
        text = "nothing".to_owned();
    }
    text
}

// ---------------------------------------------------------------------------
// initdb, start

async fn initdb(paths: &Paths, bin: &Path, run_as: Option<&RunAs>) -> Result<(), EmbeddedError> {
    tracing::info!(
        "creating the private PostgreSQL cluster in {} (first start; this takes a few seconds)",
        paths.pgdata_shown.display()
    );
    let mut cmd = command(&bin.join("initdb"), run_as, &paths.pgdata);
    cmd.arg("-D")
        .arg(&paths.pgdata)
        .args(["-U", SUPERUSER, "-E", "UTF8", "--locale=C"])
        // Only the socket is ever used; its folder's mode 0700 is the access control.
        .args(["--auth-local=trust", "--auth-host=reject"]);
    let Some(output) = run(&mut cmd, INITDB_TIMEOUT).await? else {
        return Err(EmbeddedError::Timeout {
            program: "initdb",
            secs: INITDB_TIMEOUT.as_secs(),
            pgdata: shown(&paths.pgdata_shown),
            log: shown(&paths.log_shown),
            tail: log_tail(&paths.log),
        });
    };
    if !output.status.success() {
        return Err(EmbeddedError::Initdb {
            pgdata: shown(&paths.pgdata_shown),
            status: output.status.to_string(),
            output: combined_output(&output),
        });
    }
    Ok(())
}

enum Started {
    Ours(i32),
    Theirs(PidFile),
}

async fn start(paths: &Paths, bin: &Path, run_as: Option<&RunAs>) -> Result<Started, EmbeddedError> {
    debug_assert!(socket_path(&paths.socket_dir, PORT).as_os_str().len() <= MAX_SOCKET_PATH);
    let options = format!(
        "-c listen_addresses='' -c unix_socket_directories='{}' -p {PORT}",
        paths.socket_dir.display()
    );
    let mut cmd = command(&bin.join("pg_ctl"), run_as, &paths.pgdata);
    // pg_ctl detaches the server (setsid) and sends its output to the log,
    // so a Ctrl-C meant for xiaozhen does not reach it and our pipes close
    // when pg_ctl exits.
    cmd.arg("start")
        .arg("-D")
        .arg(&paths.pgdata)
        .arg("-l")
        .arg(&paths.log)
        .args(["-w", "-t"])
        .arg(START_TIMEOUT.as_secs().to_string())
        .arg("-o")
        .arg(options);
    let limit = START_TIMEOUT + Duration::from_secs(15);
    let output = run(&mut cmd, limit).await?;
    let failed_output = match output {
        Some(output) if output.status.success() => {
            return match read_pid_file(&paths.pgdata) {
                Ok(Some(file)) => Ok(Started::Ours(file.pid)),
                _ => Err(EmbeddedError::StartFailed {
                    pgdata: shown(&paths.pgdata_shown),
                    output: "the server exited right after starting".to_owned(),
                    log: shown(&paths.log_shown),
                    tail: log_tail(&paths.log),
                }),
            };
        }
        Some(output) => Some(combined_output(&output)),
        None => None,
    };
    let ours_too_slow = failed_output
        .as_deref()
        .is_none_or(|text| text.contains("did not start in time"));
    if let Ok(Some(file)) = read_pid_file(&paths.pgdata)
        && serves_cluster(file.pid, &paths.pgdata)
    {
        if !ours_too_slow {
            return Ok(Started::Theirs(file));
        }
        // Our server may still come up after we gave up on it.
        let _ = kill(Pid::from_raw(file.pid), Signal::SIGQUIT);
    }
    match failed_output {
        Some(output) if !ours_too_slow => Err(EmbeddedError::StartFailed {
            pgdata: shown(&paths.pgdata_shown),
            output,
            log: shown(&paths.log_shown),
            tail: log_tail(&paths.log),
        }),
        _ => Err(EmbeddedError::Timeout {
            program: "PostgreSQL's start",
            secs: START_TIMEOUT.as_secs(),
            pgdata: shown(&paths.pgdata_shown),
            log: shown(&paths.log_shown),
            tail: log_tail(&paths.log),
        }),
    }
}

// ---------------------------------------------------------------------------
// postmaster.pid

/// What the server writes to `postmaster.pid`, one item per line: pid, data
/// folder, start time, port, socket folder, listen address, shared memory
/// key, status. A starting server may not have written them all yet.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PidFile {
    pid: i32,
    port: Option<u16>,
    socket_dir: Option<PathBuf>,
    status: Option<String>,
}

fn parse_pid_file(text: &str) -> Option<PidFile> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    // A negative pid marks a single-user-mode backend; the process is the same.
    let pid = lines.first()?.parse::<i32>().ok()?.checked_abs()?;
    if pid <= 1 {
        return None;
    }
    let field = |i: usize| lines.get(i).copied().filter(|s| !s.is_empty());
    Some(PidFile {
        pid,
        port: field(3).and_then(|p| p.parse().ok()),
        socket_dir: field(4).map(PathBuf::from),
        status: field(7).map(str::to_owned),
    })
}

fn read_pid_file(pgdata: &Path) -> io::Result<Option<PidFile>> {
    match fs::read_to_string(pgdata.join("postmaster.pid")) {
        Ok(text) => Ok(Some(parse_pid_file(&text).unwrap_or(PidFile {
            pid: 0,
            port: None,
            socket_dir: None,
            status: None,
        }))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The server that runs the cluster, if any. A pid file whose process is
/// gone (a crash, a reboot, a killed container) is removed: postgres would
/// otherwise refuse to start if that pid now belongs to another program.
fn running_server(paths: &Paths) -> Result<Option<PidFile>, EmbeddedError> {
    let pid_path = paths.pgdata.join("postmaster.pid");
    let file = read_pid_file(&paths.pgdata).map_err(io_error("read", &paths.pgdata_shown.join("postmaster.pid")))?;
    let Some(file) = file else {
        return Ok(None);
    };
    if serves_cluster(file.pid, &paths.pgdata) {
        return Ok(Some(file));
    }
    tracing::warn!(
        pid = file.pid,
        "removing the stale {} left by a PostgreSQL server that no longer runs",
        paths.pgdata_shown.join("postmaster.pid").display()
    );
    match fs::remove_file(&pid_path) {
        Ok(()) => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(
            "remove the stale pid file",
            &paths.pgdata_shown.join("postmaster.pid"),
        )(e)),
    }
}

/// Whether `pid` is a live PostgreSQL server of the cluster in `pgdata`.
/// After a reboot the pid in a stale file often belongs to an unrelated
/// program, or to another cluster's postgres, hence the name and folder checks.
fn serves_cluster(pid: i32, pgdata: &Path) -> bool {
    if pid <= 1 {
        return false;
    }
    match kill(Pid::from_raw(pid), None) {
        Ok(()) | Err(Errno::EPERM) => {}
        Err(_) => return false,
    }
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    match fs::read_to_string(proc_dir.join("stat")) {
        Ok(stat) => {
            if let Some((comm, state)) = parse_stat(&stat)
                && (state == 'Z' || !(comm.starts_with("postgres") || comm.starts_with("postmaster")))
            {
                return false;
            }
        }
        // Gone in between, or no /proc: trust the signal check above.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return !Path::new("/proc/self/stat").exists(),
        Err(_) => return true,
    }
    // Every PostgreSQL process works in its data folder. Another user's
    // process does not show its folder to a non-root caller: assume it is ours.
    match fs::read_link(proc_dir.join("cwd")) {
        Ok(cwd) => cwd == fs::canonicalize(pgdata).unwrap_or_else(|_| pgdata.to_path_buf()),
        Err(_) => true,
    }
}

/// `/proc/<pid>/stat`: `pid (comm) state …`; comm may contain spaces and
/// parentheses, so it ends at the last `)`.
fn parse_stat(stat: &str) -> Option<(&str, char)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?;
    let state = stat.get(close + 1..)?.trim_start().chars().next()?;
    Some((comm, state))
}

/// Whether the server we started is still there: it removes its pid file
/// as the very last step of shutting down.
fn server_runs(pgdata: &Path, pid: i32) -> bool {
    let file_there = matches!(read_pid_file(pgdata), Ok(Some(file)) if file.pid == pid);
    file_there && serves_cluster(pid, pgdata)
}

/// The end of the server log, for error messages.
fn log_tail(log: &Path) -> String {
    let read = || -> io::Result<String> {
        let mut file = fs::File::open(log)?;
        let len = file.metadata()?.len();
        file.seek(SeekFrom::Start(len.saturating_sub(8 * 1024)))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    match read() {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n");
            if tail.trim().is_empty() {
                "(the log is empty)".to_owned()
            } else {
                tail
            }
        }
        Err(e) => format!("(the log could not be read: {e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert!(parse_version("10") > parse_version("9.6"));
        assert!(parse_version("16") > parse_version("15"));
        assert!(parse_version("9.6") > parse_version("9.5"));
        assert_eq!(parse_version("main"), None);
        assert_eq!(parse_version("15.x"), None);
    }

    #[test]
    fn majors_match_by_prefix_component() {
        assert!(same_major("15", "15.14"));
        assert!(same_major("9.6", "9.6.24"));
        assert!(!same_major("1", "15.14"));
        assert!(!same_major("15", "16.2"));
        assert_eq!(
            parse_program_version("postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)\n"),
            Some("15.14")
        );
        assert_eq!(parse_program_version("something else"), None);
    }

    #[test]
    fn socket_path_stays_short_for_any_data_dir() {
        let long = PathBuf::from("/").join("very-long-folder-name".repeat(20));
        let dir = socket_dir_for(&long);
        let socket = socket_path(&dir, PORT);
        assert!(socket.as_os_str().len() <= MAX_SOCKET_PATH, "{socket:?}");
        assert_ne!(dir, socket_dir_for(Path::new("/srv/other")));
        assert_eq!(dir, socket_dir_for(&long));
    }

    #[test]
    fn url_names_the_socket_folder() {
        let url = database_url(Path::new("/tmp/xiaozhen-0a1b2c3d"), 5432);
        assert_eq!(
            url,
            "postgres://postgres@localhost:5432/xiaozhen?host=/tmp/xiaozhen-0a1b2c3d"
        );
        let options: PgConnectOptions = url.parse().expect("sqlx accepts the URL");
        assert_eq!(options.get_socket(), Some(&PathBuf::from("/tmp/xiaozhen-0a1b2c3d")));
        assert_eq!(options.get_database(), Some("xiaozhen"));
        assert_eq!(options.get_port(), 5432);
        assert_eq!(options.get_username(), "postgres");

        let odd = database_url(Path::new("/tmp/a b&c"), 5432);
        let options: PgConnectOptions = odd.parse().expect("sqlx accepts the URL");
        assert_eq!(options.get_socket(), Some(&PathBuf::from("/tmp/a b&c")));
    }

    #[test]
    fn pid_file_fields() {
        let text = "4242\n/var/pgdata\n1700000000\n5432\n/tmp/xiaozhen-0a1b2c3d\n\n  123 456\nready   \n";
        assert_eq!(
            parse_pid_file(text),
            Some(PidFile {
                pid: 4242,
                port: Some(5432),
                socket_dir: Some(PathBuf::from("/tmp/xiaozhen-0a1b2c3d")),
                status: Some("ready".to_owned()),
            })
        );
        let starting = parse_pid_file("4242\n/var/pgdata\n").expect("pid only");
        assert_eq!(starting.status, None);
        assert_eq!(parse_pid_file(""), None);
        assert_eq!(parse_pid_file("garbage\n"), None);
    }

    #[test]
    fn stale_pids_are_not_servers() {
        // A process that has exited, and one that runs but is not postgres.
        let mut done = std::process::Command::new("true").spawn().expect("spawn true");
        let dead = done.id() as i32;
        done.wait().expect("wait true");
        assert!(!serves_cluster(dead, Path::new("/")));

        let mut other = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("spawn sleep");
        assert!(!serves_cluster(other.id() as i32, Path::new("/")));
        let _ = other.kill();
        let _ = other.wait();

        assert!(!serves_cluster(0, Path::new("/")));
        assert!(!serves_cluster(-5, Path::new("/")));
    }

    #[test]
    fn a_live_postgres_counts_only_for_its_own_folder() {
        // A stand-in named `postgres`, working in its "data folder" as the real one does.
        let dir = scratch_dir("impostor");
        let program = dir.join("postgres");
        fs::copy("/bin/sleep", &program).expect("copy sleep");
        let mut child = std::process::Command::new(&program)
            .arg("30")
            .current_dir(&dir)
            .spawn()
            .expect("spawn the stand-in");
        let pid = child.id() as i32;
        let seen = serves_cluster(pid, &dir);
        let elsewhere = serves_cluster(pid, Path::new("/var/lib/postgresql/15/main"));
        let _ = child.kill();
        let _ = child.wait();
        let _ = fs::remove_dir_all(&dir);
        assert!(seen);
        assert!(!elsewhere);
    }

    #[test]
    fn stale_pid_file_is_removed() {
        let dir = scratch_dir("stale");
        let paths = Paths {
            pgdata_shown: dir.clone(),
            pgdata: dir.clone(),
            log_shown: dir.join("log"),
            log: dir.join("log"),
            socket_dir: dir.join("sock"),
        };
        let mut done = std::process::Command::new("true").spawn().expect("spawn true");
        let dead = done.id();
        done.wait().expect("wait true");
        fs::write(dir.join("postmaster.pid"), format!("{dead}\n{}\n", dir.display())).expect("write pid file");
        assert_eq!(running_server(&paths).expect("check"), None);
        assert!(!dir.join("postmaster.pid").exists());
        assert_eq!(running_server(&paths).expect("check again"), None);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn proc_stat_with_odd_names() {
        assert_eq!(parse_stat("12 (postgres) S 1 2"), Some(("postgres", 'S')));
        assert_eq!(parse_stat("12 (a) b) Z 1"), Some(("a) b", 'Z')));
        assert_eq!(parse_stat("nonsense"), None);
    }

    #[test]
    fn folder_search_permission() {
        // /root is usually 0700 root:root.
        assert!(!may_enter(0o40700, 0, 0, 101, &[104]));
        assert!(may_enter(0o40755, 0, 0, 101, &[104]));
        assert!(may_enter(0o40710, 0, 104, 101, &[104]));
        // The owner class decides even when others may enter.
        assert!(!may_enter(0o40071, 101, 0, 101, &[104]));
    }

    #[test]
    fn programs_found_in_order() {
        let root = scratch_dir("programs");
        let fake = |dir: &Path| {
            fs::create_dir_all(dir).expect("mkdir");
            for program in PROGRAMS {
                let path = dir.join(program);
                fs::write(&path, "#!/bin/sh\n").expect("write");
                fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
            }
        };
        let debian = root.join("lib");
        fake(&debian.join("9.6/bin"));
        fake(&debian.join("10/bin"));
        fs::create_dir_all(debian.join("17/bin")).expect("incomplete");
        assert_eq!(
            find_programs(None, None, &debian).expect("debian"),
            debian.join("10/bin")
        );

        // A lone symlink on PATH leads to its real folder.
        let on_path = root.join("local-bin");
        fs::create_dir_all(&on_path).expect("mkdir");
        let real = root.join("real/bin");
        fake(&real);
        std::os::unix::fs::symlink(real.join("pg_ctl"), on_path.join("pg_ctl")).expect("link");
        let path_var = std::env::join_paths([root.join("empty"), on_path]).expect("PATH");
        assert_eq!(
            find_programs(None, Some(&path_var), &debian).expect("PATH"),
            fs::canonicalize(&real).expect("canonical")
        );

        let chosen = root.join("chosen");
        fake(&chosen);
        assert_eq!(
            find_programs(Some(&chosen), Some(&path_var), &debian).expect("pg_bin"),
            chosen
        );
        fs::remove_file(chosen.join("postgres")).expect("rm");
        let err = find_programs(Some(&chosen), Some(&path_var), &debian).expect_err("incomplete");
        assert!(err.to_string().contains("postgres is not there"), "{err}");

        let err = find_programs(None, None, &root.join("nowhere")).expect_err("none");
        assert!(err.to_string().contains("`postgresql`"), "{err}");
        assert!(err.to_string().contains("XIAOZHEN_PG_BIN"), "{err}");
        let _ = fs::remove_dir_all(&root);
    }

    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "xiaozhen-embedded-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }
}

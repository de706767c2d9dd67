//! The private PostgreSQL cluster, end to end through the real binary: no
//! `DATABASE_URL`, so `serve` must create, start, reuse and stop its own
//! cluster. These tests fail (they never skip) when PostgreSQL's programs
//! are missing: the cluster is how the application runs out of the box.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

#[path = "api/helpers.rs"]
mod helpers;

/// Not a speed requirement: only so that a start that hangs fails the run
/// instead of hanging it (the first start runs initdb and the migrations).
const START_LIMIT: Duration = Duration::from_secs(600);
const ADMIN_LINE: &str = "initial admin: admin";

#[test]
fn serve_creates_reuses_and_stops_the_private_cluster() {
    let data = DataDir::new("lifecycle");

    let mut first = Serve::start(&data);
    first.wait_until_healthy();
    let output = first.output();
    let password = admin_password(&output)
        .unwrap_or_else(|| panic!("the first start printed no initial admin; output:\n{output}"));
    assert!(password.chars().count() >= 16, "short password {password:?}");
    first.terminate_successfully();
    data.assert_no_server_left();

    // A crash (or a killed container) leaves a pid file whose process is gone.
    fs::write(
        data.pgdata().join("postmaster.pid"),
        format!("{}\n{}\n", dead_pid(), data.pgdata().display()),
    )
    .expect("write a stale postmaster.pid");

    let mut second = Serve::start(&data);
    second.wait_until_healthy();
    let output = second.output();
    assert!(
        !output.contains(ADMIN_LINE),
        "the restart printed a new admin, so the data did not survive:\n{output}"
    );
    second.terminate_successfully();
    data.assert_no_server_left();
}

/// On a machine where nothing answers on 127.0.0.1:5432 and no
/// `DATABASE_URL` is set, the test harness makes its databases on `serve`'s
/// private cluster under the target directory: it starts, a test's
/// application runs on it, and it stops again.
#[test]
fn the_test_harness_runs_on_a_private_cluster_and_stops_it() {
    let cluster = helpers::private_cluster();
    let data_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("postgres");
    assert!(
        !postgres_processes_for(&data_dir).is_empty(),
        "the private cluster runs in {}",
        data_dir.display()
    );
    let url = cluster.database_url().to_owned();
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        let app = helpers::TestApp::spawn_at(&url, xiaozhen::config::Config::default()).await;
        let page = app.client().get("/login").await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("csrf_token"),
            "the login form is served from the cluster's database"
        );
    });
    rt.block_on(cluster.stop()).expect("the cluster stops");
    assert!(
        postgres_processes_for(&data_dir).is_empty(),
        "no server is left in {}",
        data_dir.display()
    );
}

#[test]
fn a_second_serve_on_the_same_cluster_is_refused() {
    let data = DataDir::new("refused");

    let mut first = Serve::start(&data);
    first.wait_until_healthy();
    let pid = fs::read_to_string(data.pgdata().join("postmaster.pid"))
        .expect("the running cluster has a pid file")
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();

    let mut other = Serve::start(&data);
    let status = other.wait_for_exit();
    let output = other.output();
    assert!(!status.success(), "the second serve ran:\n{output}");
    let expected = format!(
        "another xiaozhen serve is already using the database in {} (pid {pid}); stop it first or set DATABASE_URL",
        data.pgdata().display()
    );
    assert!(
        output.contains(&expected),
        "expected {expected:?} in the second serve's output:\n{output}"
    );

    // Being refused must not have disturbed the first one's database.
    first.wait_until_healthy();
    first.terminate_successfully();
    data.assert_no_server_left();
}

/// A data folder under /tmp that the unprivileged user running PostgreSQL
/// (when the tests run as root) can reach; any server left by a failed test
/// is stopped when it goes away.
struct DataDir(PathBuf);

impl DataDir {
    fn new(name: &str) -> DataDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let dir = PathBuf::from(format!("/tmp/xiaozhen-test-{name}-{}-{nanos:08x}", std::process::id()));
        fs::create_dir_all(&dir).expect("create the data folder");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod 0755");
        DataDir(dir)
    }

    fn pgdata(&self) -> PathBuf {
        self.0.join("pgdata")
    }

    fn assert_no_server_left(&self) {
        assert!(
            !self.pgdata().join("postmaster.pid").exists(),
            "postmaster.pid is still in {}",
            self.pgdata().display()
        );
        let left = postgres_processes_for(&self.0);
        assert!(left.is_empty(), "PostgreSQL processes left running: {left:?}");
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        for pid in postgres_processes_for(&self.0) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGQUIT);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while !postgres_processes_for(&self.0).is_empty() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(100));
        }
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Postmasters whose command line names this data folder (their children
/// rename themselves and go when the postmaster goes).
fn postgres_processes_for(data_dir: &Path) -> Vec<i32> {
    let needle = data_dir.to_string_lossy().into_owned();
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<String> = cmdline
                .split(|b| *b == 0)
                .map(|arg| String::from_utf8_lossy(arg).into_owned())
                .collect();
            let is_postgres = args.first().is_some_and(|a| a.ends_with("postgres"));
            (is_postgres && args.iter().any(|a| a.contains(&needle))).then_some(pid)
        })
        .collect()
}

/// A pid that certainly ran and has certainly exited.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().expect("run true");
    let pid = child.id();
    child.wait().expect("wait for true");
    pid
}

fn admin_password(output: &str) -> Option<String> {
    let line = output.lines().find(|line| line.contains(ADMIN_LINE))?;
    let password = line.split("password:").nth(1)?.trim();
    (!password.is_empty()).then(|| password.to_owned())
}

/// `xiaozhen serve` on a data folder, on port 0, with what it prints
/// collected line by line as it comes.
struct Serve {
    child: Child,
    /// Lines of stdout and stderr; `None` when one of the two ends.
    lines: Receiver<Option<String>>,
    ended: usize,
    output: String,
    /// Where it listens, once it has said so.
    addr: Option<String>,
}

impl Serve {
    fn start(data: &DataDir) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xiaozhen"))
            .arg("serve")
            .env_remove("DATABASE_URL")
            .env("XIAOZHEN_DATA_DIR", &data.0)
            .env("BIND", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the xiaozhen binary");
        let (tx, lines) = channel();
        let streams: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().expect("stdout is piped")),
            Box::new(child.stderr.take().expect("stderr is piped")),
        ];
        for stream in streams {
            let tx = tx.clone();
            thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send(Some(line));
                }
                let _ = tx.send(None);
            });
        }
        Serve {
            child,
            lines,
            ended: 0,
            output: String::new(),
            addr: None,
        }
    }

    /// Takes one line (or end of stream) as it comes; `false` once both
    /// streams have ended.
    fn take(&mut self, line: Option<String>) -> bool {
        match line {
            Some(line) => {
                if let Some(addr) = line.split("listening on http://").nth(1) {
                    self.addr = Some(addr.trim().to_owned());
                }
                self.output.push_str(&line);
                self.output.push('\n');
            }
            None => self.ended += 1,
        }
        self.ended < 2
    }

    fn output(&mut self) -> String {
        while let Ok(line) = self.lines.try_recv() {
            self.take(line);
        }
        self.output.clone()
    }

    /// Waits until the server says where it listens (it serves from then
    /// on) and checks that it is healthy there. The limit only keeps a hung
    /// start from hanging the test run.
    fn wait_until_healthy(&mut self) {
        while self.addr.is_none() {
            match self.lines.recv_timeout(START_LIMIT) {
                Ok(line) => {
                    if !self.take(line) {
                        let status = self.child.wait().expect("reaped");
                        panic!(
                            "xiaozhen serve exited ({status}) before listening; output:\n{}",
                            self.output
                        );
                    }
                }
                Err(_) => panic!("xiaozhen serve did not start; output:\n{}", self.output()),
            }
        }
        let addr = self.addr.clone().unwrap_or_default();
        let output = self.output();
        assert_eq!(
            healthz_status(&addr),
            Some(200),
            "GET /healthz at {addr}; output:\n{output}"
        );
    }

    /// Waits for the process to end and for everything it printed.
    fn wait_for_exit(&mut self) -> ExitStatus {
        while let Ok(line) = self.lines.recv() {
            if !self.take(line) {
                break;
            }
        }
        self.child.wait().expect("wait for xiaozhen")
    }

    fn terminate_successfully(mut self) {
        kill(Pid::from_raw(self.child.id() as i32), Signal::SIGTERM).expect("send SIGTERM");
        let status = self.wait_for_exit();
        assert!(
            status.success(),
            "xiaozhen exited with {status} after SIGTERM; output:\n{}",
            self.output
        );
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        // Only a failed test gets here with the process still running; the
        // data folder's guard then stops the cluster it leaves behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The status of `GET /healthz`, or `None` while nothing answers.
fn healthz_status(addr: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

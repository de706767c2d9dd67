//! The command line against a real PostgreSQL server: `migrate` creates a
//! missing database, `user add` reads the password from standard input,
//! `demo` refuses to run twice.

use std::io::Write;
use std::process::{Command, Output, Stdio};

#[path = "api/helpers.rs"]
mod helpers;

fn server() -> String {
    helpers::server_url()
}

/// A URL for a database that does not exist yet, and a guard that drops it.
struct FreshDb {
    url: String,
    name: String,
}

impl FreshDb {
    fn new() -> FreshDb {
        let name = format!("xz_cli_{}", uuid::Uuid::new_v4().simple());
        let mut url = url::Url::parse(&server()).expect("DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        FreshDb {
            url: url.to_string(),
            name,
        }
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xiaozhen"))
            .args(args)
            .env("DATABASE_URL", &self.url)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("the binary exits")
    }

    fn query(&self, sql: &str) -> String {
        let out = Command::new("psql")
            .args([self.url.as_str(), "-Atc", sql])
            .output()
            .expect("psql runs");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                server().as_str(),
                "-qc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn migrate_creates_a_missing_database() {
    let db = FreshDb::new();
    let out = db.run(&["migrate"], "");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        db.query("SELECT count(*) FROM standards WHERE status = 'active'"),
        "0",
        "migrate only migrates"
    );
    assert_eq!(db.query("SELECT count(*) FROM users"), "0");
}

#[test]
fn user_add_reads_the_password_from_standard_input() {
    let db = FreshDb::new();
    let out = db.run(
        &["user", "add", "zhang.san", "--role", "official", "--region", "安丘市"],
        "a-long-password\n",
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        db.query("SELECT role || ' ' || r.name FROM users u JOIN regions r ON r.id = u.region_id"),
        "official 安丘市"
    );
    let hash = db.query("SELECT password_hash FROM users WHERE username = 'zhang.san'");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(password_auth::verify_password("a-long-password", &hash).is_ok());

    let dup = db.run(
        &["user", "add", "zhang.san", "--role", "reviewer"],
        "another-password\n",
    );
    assert!(!dup.status.success());
    assert!(text(&dup).contains("already exists"), "{}", text(&dup));
}

#[test]
fn user_add_refuses_bad_input_in_one_sentence() {
    let db = FreshDb::new();
    let no_region = db.run(&["user", "add", "li", "--role", "official"], "a-long-password\n");
    assert!(!no_region.status.success());
    assert!(text(&no_region).contains("needs a region"), "{}", text(&no_region));
    let short = db.run(&["user", "add", "wang", "--role", "reviewer"], "short\n");
    assert!(!short.status.success());
    assert!(text(&short).contains("at least 10 characters"), "{}", text(&short));
    let bad_name = db.run(&["user", "add", "张三", "--role", "reviewer"], "a-long-password\n");
    assert!(!bad_name.status.success());
    assert!(text(&bad_name).contains("letters, digits"), "{}", text(&bad_name));
}

#[test]
fn demo_loads_once_and_refuses_a_second_time() {
    let db = FreshDb::new();
    let out = db.run(&["demo"], "");
    assert!(out.status.success(), "{}", text(&out));
    let accounts = db.query("SELECT string_agg(username, ',' ORDER BY username) FROM users WHERE username IN ('admin','reviewer','official','official2')");
    assert_eq!(accounts, "admin,official,official2,reviewer");
    assert_eq!(
        db.query("SELECT r.name FROM users u JOIN regions r ON r.id = u.region_id WHERE username = 'official'"),
        "诸城市"
    );
    // The region tree: 潍坊市 ← 诸城市, every demo county under its city, and
    // the city's own account.
    assert_eq!(
        db.query("SELECT c.name FROM regions r JOIN regions c ON c.id = r.parent_id WHERE r.name = '诸城市'"),
        "潍坊市"
    );
    assert_eq!(
        db.query("SELECT count(*) FROM regions WHERE kind = 'county' AND parent_id IS NULL"),
        "0"
    );
    assert_eq!(
        db.query(
            "SELECT u.role || ' ' || r.name FROM users u JOIN regions r ON r.id = u.region_id WHERE username = 'city'"
        ),
        "city 潍坊市"
    );
    // Every status of the workflow and all three verdicts, as the issue asks.
    let statuses = db.query("SELECT string_agg(DISTINCT status, ',' ORDER BY status) FROM proposals");
    assert_eq!(
        statuses,
        "approved,demoted,draft,listed,named,rejected,removed,returned,submitted,withdrawn"
    );
    // Listed in 2022, the towns have whole periods of reports and published
    // grades: one named (and reporting its first rebate year, 2025), two
    // demoted to cultivation towns (two 警告; a year not reported, then
    // 降格), one removed (降格, then 淘汰, with its 追惩制 deduction).
    assert_eq!(db.query("SELECT count(*) > 0 FROM annual_reports"), "t");
    assert_eq!(db.query("SELECT count(*) FROM proposals WHERE status = 'named'"), "1");
    assert_eq!(db.query("SELECT count(*) FROM proposals WHERE status = 'demoted'"), "2");
    assert_eq!(db.query("SELECT count(*) FROM proposals WHERE status = 'removed'"), "1");
    assert_eq!(
        db.query("SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE action IN ('proposal.demoted', 'proposal.eliminated')"),
        "proposal.demoted,proposal.demoted,proposal.eliminated,proposal.demoted"
    );
    assert_eq!(
        db.query("SELECT string_agg(DISTINCT year::text, ',') FROM creation_lists"),
        "2022,2023,2024"
    );
    assert_eq!(db.query("SELECT count(*) FROM assessments WHERE missing_report"), "1");
    assert_eq!(
        db.query("SELECT count(*) FROM acceptances WHERE cause = 'eliminated' AND land_quota_mu < 0"),
        "1"
    );
    assert_eq!(
        db.query("SELECT count(*) FROM annual_reports WHERE year = 2025 AND tax_rebate_wan > 0"),
        "1"
    );
    let verdicts = db.query(
        "SELECT string_agg(DISTINCT e.overall, ',' ORDER BY e.overall) FROM proposals p
         JOIN LATERAL (SELECT overall FROM evaluations WHERE proposal_id = p.id ORDER BY id DESC LIMIT 1) e ON true",
    );
    assert_eq!(verdicts, "fail,pass,pass_with_warnings");
    for town in [
        "德清地理信息小镇",
        "吴兴美妆小镇",
        "嘉善巧克力甜蜜小镇",
        "海宁皮革时尚小镇",
        "江北动力小镇",
        "越城黄酒小镇",
        "上城玉皇山南基金小镇",
        "余杭梦想小镇",
        "桐庐健康小镇",
        "健康美食小镇",
        "智能体验小镇",
        "恐龙小镇",
        "茶叶小镇",
        "汽车动力小镇",
    ] {
        assert_eq!(
            db.query(&format!("SELECT count(*) FROM proposals WHERE name = '{town}'")),
            "1",
            "{town}"
        );
    }
    assert_eq!(
        db.query("SELECT title FROM batches WHERE status = 'published'"),
        "第一批省级特色小镇创建名单"
    );
    // A second batch on public notice, with one objection upheld and one open.
    assert_eq!(
        db.query("SELECT title || ' ' || document_number FROM batches WHERE status = 'notice'"),
        "第二批省级特色小镇创建名单 浙特镇办〔2027〕3号"
    );
    assert_eq!(
        db.query("SELECT string_agg(status, ',' ORDER BY id) FROM objections"),
        "upheld,open"
    );
    assert_eq!(db.query("SELECT count(*) > 0 FROM batch_entries"), "t");
    // Boundaries near the towns' real places, submitted with them; three
    // small control-line layers in force.
    assert_eq!(
        db.query("SELECT count(*) FROM proposals p WHERE status <> 'draft' AND NOT EXISTS (SELECT 1 FROM boundaries b WHERE b.proposal_id = p.id)"),
        "0"
    );
    assert_eq!(
        db.query("SELECT count(*) FROM control_layers WHERE retired_at IS NULL"),
        "3"
    );
    let finding = |town: &str, criterion: &str| {
        db.query(&format!(
            "SELECT f->>'verdict' FROM proposals p
             JOIN LATERAL (SELECT findings FROM evaluations WHERE proposal_id = p.id ORDER BY id DESC LIMIT 1) e ON true,
             jsonb_array_elements(e.findings::jsonb) f WHERE p.name = '{town}' AND f->>'criterion' = '{criterion}'"
        ))
    };
    // One overlapping another, one touching the sample red line, one partly
    // outside the urban development boundary; the others clear.
    assert_eq!(finding("柯桥蓝印时尚小镇", "boundary.overlap"), "warn");
    assert_eq!(finding("恐龙小镇", "boundary.control_lines"), "fail");
    assert_eq!(finding("茶叶小镇", "boundary.control_lines"), "info");
    assert_eq!(finding("健康美食小镇", "boundary.control_lines"), "pass");
    assert_eq!(finding("健康美食小镇", "boundary.area"), "pass");
    // Expert review: ten experts, a finished round with a panel of seven,
    // the expert of 诸城市 recused from its town and a planner drawn in
    // their place, one divergent total let stand, the joint decision in
    // score order.
    assert_eq!(db.query("SELECT count(*) FROM experts"), "10");
    assert_eq!(db.query("SELECT count(*) FROM panel_seats WHERE kind = 'drawn'"), "7");
    assert_eq!(
        db.query(
            "SELECT p.name || ':' || a.recusal FROM expert_assignments a JOIN proposals p ON p.id = a.proposal_id
             WHERE a.recusal IS NOT NULL"
        ),
        "诸城龙城智造小镇:home_region"
    );
    assert_eq!(
        db.query("SELECT field || ':' || kind FROM panel_seats WHERE kind <> 'drawn'"),
        "planning:conflict_replacement"
    );
    assert_eq!(
        db.query("SELECT count(*) FROM score_sheets WHERE submitted_at IS NOT NULL AND sha256 IS NOT NULL"),
        "21"
    );
    // The round's city (潍坊市) recommended its three towns in its order.
    assert_eq!(
        db.query(
            "SELECT string_agg(c.name || ':' || p.name || ':' || cr.rank, ',' ORDER BY cr.rank)
             FROM city_recommendations cr JOIN proposals p ON p.id = cr.proposal_id JOIN regions c ON c.id = cr.city_id"
        ),
        "潍坊市:诸城龙城智造小镇:1,潍坊市:青州古城文旅小镇:2,潍坊市:青州花卉创意小镇:3"
    );
    assert_eq!(
        db.query("SELECT p.name || ':' || n.outcome FROM chair_notes n JOIN proposals p ON p.id = n.proposal_id"),
        "青州古城文旅小镇:stands"
    );
    assert_eq!(
        db.query(
            "SELECT string_agg(p.name || ':' || p.status, ',' ORDER BY r.total DESC) FROM panel_results r
             JOIN proposals p ON p.id = r.proposal_id"
        ),
        "诸城龙城智造小镇:approved,青州古城文旅小镇:approved,青州花卉创意小镇:rejected"
    );
    let again = db.run(&["demo"], "");
    assert!(!again.status.success());
    assert!(text(&again).contains("already has proposals"), "{}", text(&again));
}

#[test]
fn a_backup_restores_into_a_fresh_database_with_every_material_byte_for_byte() {
    let source = FreshDb::new();
    assert!(source.run(&["migrate"], "").status.success());
    // A material's content: every byte value, in two chunks.
    let sha = "ab".repeat(32);
    source.query(&format!(
        "INSERT INTO material_files (sha256, size, kind) VALUES ('{sha}', 512, 'pdf');
         INSERT INTO material_chunks (sha256, seq, data)
         SELECT '{sha}', s, decode(string_agg(lpad(to_hex(b), 2, '0'), '' ORDER BY b), 'hex')
         FROM generate_series(0, 1) s, generate_series(0, 255) b GROUP BY s;"
    ));
    let content = "SELECT md5(string_agg(encode(data, 'hex'), '' ORDER BY seq)) || ':' || sum(length(data))
                   FROM material_chunks";
    let original = source.query(content);
    assert!(original.ends_with(":512"), "{original}");
    let file = std::env::temp_dir().join(format!("xz-backup-{}.dump", uuid::Uuid::new_v4().simple()));
    let out = source.run(&["backup", file.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(std::fs::metadata(&file).unwrap().len() > 0);

    let target = FreshDb::new();
    let out = target.run(&["restore", file.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(target.query(content), original, "the same bytes after the round trip");
    // The restored database is a working one: migrations see nothing to do.
    let out = target.run(&["migrate"], "");
    assert!(out.status.success(), "{}", text(&out));
    // A missing backup is said in one sentence.
    let out = target.run(&["restore", "/nonexistent/backup.dump"], "");
    assert!(!out.status.success());
    assert!(text(&out).contains("is not a file"), "{}", text(&out));
    let _ = std::fs::remove_file(file);
}

//! The real binary killed with SIGKILL in the middle of a burst of writes
//! (drafts created and submitted by officials, decisions by reviewers,
//! batches published by an admin): after a restart on the same database no
//! proposal, review or batch is half-written.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use reqwest::StatusCode;
use sqlx::PgPool;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use xiaozhen::domain::Role;

use crate::helpers::{Binary, sample_input};
use crate::support::{self, Answer, Browser, FreshDb, form_of};

const OFFICIALS: usize = 6;
const REVIEWERS: usize = 3;
const TO_DECIDE: usize = 60;
const BATCHES: usize = 8;
/// Successful writes before the kill (each kind at least once): well
/// inside the burst.
const KILL_AFTER: usize = 40;

/// Kills the server with SIGKILL and reaps it.
fn sigkill(server: &mut Binary) {
    kill(Pid::from_raw(server.0.id() as i32), Signal::SIGKILL).expect("kill -9");
    server.0.wait().expect("reaped");
}

/// What the writers did before the kill: successes of each kind, and any
/// answer that was neither the expected redirect nor cut by the kill.
#[derive(Default)]
struct Progress {
    created: AtomicUsize,
    submitted: AtomicUsize,
    decided: AtomicUsize,
    published: AtomicUsize,
    unexpected: Mutex<Vec<String>>,
    changed: Notify,
}

impl Progress {
    fn counts(&self) -> [usize; 4] {
        [&self.created, &self.submitted, &self.decided, &self.published].map(|c| c.load(Ordering::SeqCst))
    }

    /// Counts `answer` as a success of `kind` when it is the 303 a form
    /// answers; anything else but a cut connection is recorded. Returns
    /// whether the writer should go on.
    fn record(&self, kind: &AtomicUsize, what: &str, answer: &reqwest::Result<Answer>) -> bool {
        let ok = match answer {
            Ok(a) if a.status == StatusCode::SEE_OTHER => {
                kind.fetch_add(1, Ordering::SeqCst);
                true
            }
            Ok(a) => {
                let mut unexpected = self.unexpected.lock().unwrap_or_else(|e| e.into_inner());
                unexpected.push(format!(
                    "{what}: {} {}",
                    a.status,
                    a.body.chars().take(300).collect::<String>()
                ));
                false
            }
            // The connection cut by the kill.
            Err(_) => false,
        };
        self.changed.notify_one();
        ok
    }
}

async fn signed_in(base: &str, username: &str) -> (Browser, String) {
    let browser = Browser::new(base);
    let page = browser.login(username).await.expect("login");
    assert_eq!(page.status, StatusCode::SEE_OTHER, "login {username}: {}", page.body);
    let token = browser.csrf().await.expect("token");
    (browser, token)
}

/// Submitted proposals to decide, and approved ones in draft batches.
async fn fixtures(pool: &PgPool) -> (Vec<i64>, Vec<i64>) {
    let official_id = support::add_user(pool, "zc", Role::Official, Some("诸城市")).await;
    for n in 0..OFFICIALS {
        support::add_user(pool, &format!("zc{n}"), Role::Official, Some("诸城市")).await;
    }
    let reviewer_id = support::add_user(pool, "reviewer", Role::Reviewer, None).await;
    for n in 0..REVIEWERS {
        support::add_user(pool, &format!("reviewer{n}"), Role::Reviewer, None).await;
    }
    let admin_id = support::add_user(pool, "admin1", Role::Admin, None).await;
    let official = xiaozhen::auth::load_user(pool, official_id).await.unwrap().unwrap();
    let reviewer = xiaozhen::auth::load_user(pool, reviewer_id).await.unwrap().unwrap();
    let region = official.region_id.unwrap();
    let submit = |name: String| {
        let official = official.clone();
        async move {
            let id =
                xiaozhen::services::proposals::create_draft(pool, &official, region, &sample_input(&name), Vec::new())
                    .await
                    .expect("draft");
            xiaozhen::services::materials::store_samples(pool, &official, id)
                .await
                .expect("materials");
            xiaozhen::services::boundaries::store_sample(pool, &official, id)
                .await
                .expect("boundary");
            xiaozhen::services::proposals::submit(pool, &official, id, 1)
                .await
                .expect("submitted");
            id
        }
    };
    let mut to_decide = Vec::new();
    for n in 0..TO_DECIDE {
        to_decide.push(submit(format!("待评审小镇{n}")).await);
    }
    let mut batches = Vec::new();
    for b in 0..BATCHES {
        let batch =
            xiaozhen::services::batches::create_list_batch_without_notice(pool, admin_id, &format!("第{b}批"), "")
                .await
                .expect("batch");
        for n in 0..2 {
            let id = submit(format!("入选小镇{b}-{n}")).await;
            let version: i32 = sqlx::query_scalar("SELECT version FROM proposals WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await
                .unwrap();
            let input = xiaozhen::services::reviews::DecisionInput::new(
                xiaozhen::services::reviews::Decision::Approve,
                "",
                version,
            );
            xiaozhen::services::reviews::decide(pool, &reviewer, id, &input)
                .await
                .expect("approved");
            xiaozhen::services::batches::add_entry(pool, admin_id, batch, id, "")
                .await
                .expect("entry");
        }
        batches.push(batch);
    }
    (to_decide, batches)
}

async fn violations(pool: &PgPool, what: &str, sql: &str) -> Vec<i64> {
    let ids: Vec<i64> = sqlx::query_scalar(sql).fetch_all(pool).await.expect(what);
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_load_leaves_nothing_half_written() {
    let db = FreshDb::create("xz_sigkill").await;
    let pool = xiaozhen::db::connect(&db.url).await.expect("connect");
    support::prepare(&pool).await;
    let (to_decide, batches) = fixtures(&pool).await;

    let (mut server, base) = Binary::serve(&db.url, &[]).expect("the server starts");

    let progress = Arc::new(Progress::default());
    let mut set = JoinSet::new();
    for n in 0..OFFICIALS {
        let (browser, token) = signed_in(&base, &format!("zc{n}")).await;
        let progress = progress.clone();
        set.spawn(async move {
            for i in 0.. {
                let created = browser
                    .post("/proposals", &token, &form_of(&format!("突发小镇{n}-{i}")))
                    .await;
                if !progress.record(&progress.created, "create", &created) {
                    return;
                }
                let location = created.ok().and_then(|c| c.location).unwrap_or_default();
                let submitted = browser
                    .post(&format!("{location}/submit"), &token, &[("version".into(), "1".into())])
                    .await;
                if !progress.record(&progress.submitted, "submit", &submitted) {
                    return;
                }
            }
        });
    }
    for n in 0..REVIEWERS {
        let (browser, token) = signed_in(&base, &format!("reviewer{n}")).await;
        let mine: Vec<i64> = to_decide.iter().copied().skip(n).step_by(REVIEWERS).collect();
        let progress = progress.clone();
        set.spawn(async move {
            for id in mine {
                let fields = [
                    ("decision".to_owned(), "approve".to_owned()),
                    ("comment".to_owned(), "同意".to_owned()),
                    ("version".to_owned(), "2".to_owned()),
                ];
                let decided = browser
                    .post(&format!("/proposals/{id}/decision"), &token, &fields)
                    .await;
                if !progress.record(&progress.decided, "decide", &decided) {
                    return;
                }
            }
        });
    }
    {
        let (browser, token) = signed_in(&base, "admin1").await;
        let progress = progress.clone();
        set.spawn(async move {
            for id in batches {
                let published = browser.post(&format!("/admin/batches/{id}/publish"), &token, &[]).await;
                if !progress.record(&progress.published, "publish", &published) {
                    return;
                }
            }
        });
    }

    // Killed once every kind of write has succeeded and enough have; woken
    // by each answer (a permit is kept if none is awaited), so no polling.
    loop {
        let counts = progress.counts();
        let unexpected = progress.unexpected.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert!(unexpected.is_empty(), "answers before the kill: {unexpected:#?}");
        if counts.iter().all(|c| *c > 0) && counts.iter().sum::<usize>() >= KILL_AFTER {
            break;
        }
        assert!(
            counts.iter().sum::<usize>() < 50 * KILL_AFTER,
            "a kind of write never succeeded (created, submitted, decided, published): {counts:?}"
        );
        progress.changed.notified().await;
    }
    sigkill(&mut server);
    let at_kill = progress.counts();
    set.join_all().await;
    let unexpected = progress.unexpected.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(
        unexpected.is_empty(),
        "every answer the server gave was the form's redirect: {unexpected:#?}"
    );

    // A restart on the same database serves again.
    let (_server, base) = Binary::serve(&db.url, &[]).expect("the server starts again");
    let (reviewer, _) = signed_in(&base, "reviewer0").await;
    assert_eq!(reviewer.get("/review").await.unwrap().status, StatusCode::OK);

    let created: i64 = sqlx::query_scalar("SELECT count(*) FROM proposals WHERE name LIKE '突发小镇%'")
        .fetch_one(&pool)
        .await
        .unwrap();
    // Every write answered before the kill is stored.
    let submitted: i64 =
        sqlx::query_scalar("SELECT count(*) FROM proposals WHERE name LIKE '突发小镇%' AND status = 'submitted'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let decided: i64 = sqlx::query_scalar("SELECT count(*) FROM proposals WHERE id = ANY($1) AND status = 'approved'")
        .bind(&to_decide)
        .fetch_one(&pool)
        .await
        .unwrap();
    let published: i64 = sqlx::query_scalar("SELECT count(*) FROM batches WHERE status = 'published'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let stored = [created, submitted, decided, published];
    for (what, (stored, answered)) in ["created", "submitted", "decided", "published"]
        .iter()
        .zip(stored.iter().zip(at_kill))
    {
        assert!(
            *stored >= answered as i64,
            "{what}: {stored} stored, {answered} answered before the kill"
        );
    }

    let checks = [
        (
            "proposals without their 'proposal.created' audit row",
            "SELECT p.id FROM proposals p WHERE NOT EXISTS (
                 SELECT 1 FROM audit_log a WHERE a.action = 'proposal.created' AND a.entity_id = p.id)",
        ),
        (
            "submitted or decided proposals without an evaluation of their revision",
            "SELECT p.id FROM proposals p
              WHERE p.status IN ('submitted', 'approved', 'rejected', 'returned', 'listed')
                AND NOT EXISTS (SELECT 1 FROM evaluations e
                                 WHERE e.proposal_id = p.id AND e.proposal_revision = p.revision)",
        ),
        (
            "submitted proposals without their 'proposal.submitted' audit row",
            "SELECT p.id FROM proposals p
              WHERE p.status <> 'draft' AND NOT EXISTS (
                 SELECT 1 FROM audit_log a WHERE a.action = 'proposal.submitted' AND a.entity_id = p.id)",
        ),
        (
            "decided proposals without their review row",
            "SELECT p.id FROM proposals p
              WHERE p.status IN ('approved', 'rejected', 'returned', 'listed')
                AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.proposal_id = p.id)",
        ),
        (
            "reviews without their audit row",
            "SELECT r.proposal_id FROM reviews r WHERE NOT EXISTS (
                 SELECT 1 FROM audit_log a WHERE a.entity_id = r.proposal_id
                    AND a.action IN ('proposal.approved', 'proposal.rejected', 'proposal.returned'))",
        ),
        (
            "proposals reviewed but still submitted",
            "SELECT p.id FROM proposals p WHERE p.status = 'submitted'
                AND EXISTS (SELECT 1 FROM reviews r WHERE r.proposal_id = p.id)",
        ),
        (
            "published batches without entries, hash or audit row",
            "SELECT b.id FROM batches b WHERE b.status = 'published' AND (
                 b.content_hash IS NULL OR b.published_at IS NULL
                 OR NOT EXISTS (SELECT 1 FROM batch_entries e WHERE e.batch_id = b.id)
                 OR EXISTS (SELECT 1 FROM batch_entries e WHERE e.batch_id = b.id AND e.final_findings IS NULL)
                 OR NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'batch.published' AND a.entity_id = b.id))",
        ),
        (
            "towns of a published batch not listed",
            "SELECT e.proposal_id FROM batch_entries e JOIN batches b ON b.id = e.batch_id
              JOIN proposals p ON p.id = e.proposal_id
              WHERE b.status = 'published' AND b.kind = 'list' AND p.status <> 'listed'",
        ),
        (
            "towns listed without a published batch",
            "SELECT p.id FROM proposals p WHERE p.status = 'listed' AND NOT EXISTS (
                 SELECT 1 FROM batch_entries e JOIN batches b ON b.id = e.batch_id
                  WHERE e.proposal_id = p.id AND b.status = 'published')",
        ),
    ];
    let mut found = Vec::new();
    for (what, sql) in checks {
        let ids = violations(&pool, what, sql).await;
        if !ids.is_empty() {
            found.push(format!("{what}: {ids:?}"));
        }
    }
    assert!(
        found.is_empty(),
        "half-written records after SIGKILL:\n{}",
        found.join("\n")
    );

    // Every published batch's public page opens.
    let published: Vec<i64> = sqlx::query_scalar("SELECT id FROM batches WHERE status = 'published'")
        .fetch_all(&pool)
        .await
        .unwrap();
    let public = Browser::new(&base);
    for id in published {
        assert_eq!(
            public.get(&format!("/batches/{id}")).await.unwrap().status,
            StatusCode::OK
        );
    }
    pool.close().await;
}

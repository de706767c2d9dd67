//! The reviewers' queue, overrides and decisions (issue 6).

use reqwest::StatusCode;
use rust_decimal_macros::dec;
use xiaozhen::domain::Role;
use xiaozhen::domain::proposal::FIELDS;
use xiaozhen::services::ServiceError;
use xiaozhen::services::reviews::{self, Decision, DecisionInput, ReviewError};

use crate::helpers::{TestApp, sample_input};

/// A proposal that fails the hard WiFi criterion and warns on the soft
/// planned area (3.7 km² against "about 3").
fn failing_input(name: &str) -> xiaozhen::domain::proposal::ProposalInput {
    let mut input = sample_input(name);
    input.functions.wifi_coverage_pct = Some(dec!(80));
    input.planned_area_km2 = Some(dec!(3.7));
    input
}

/// Only the soft planned-area warning.
fn warning_input(name: &str) -> xiaozhen::domain::proposal::ProposalInput {
    let mut input = sample_input(name);
    input.planned_area_km2 = Some(dec!(3.7));
    input
}

async fn status(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(&app.db).await.unwrap()
}

/// 120 more submitted proposals copied in SQL from two real ones: every
/// third from the failing one. Names 批量小镇001…120, older as the number grows.
async fn bulk(app: &TestApp, pass_id: i64, fail_id: i64) {
    sqlx::query(
        "INSERT INTO proposals (region_id, name, developer, industry, location, planned_area_km2, built_area_km2,
             investment_total_yi, investment_residential_yi, investment_commercial_complex_yi, investment_characteristic_yi,
             status, revision, created_by, updated_by, submitted_at)
         SELECT region_id, '批量小镇' || lpad(g::text, 3, '0'), developer, industry, location, planned_area_km2, built_area_km2,
             investment_total_yi + g, investment_residential_yi, investment_commercial_complex_yi, investment_characteristic_yi,
             'submitted', 1, created_by, updated_by, now() - g * interval '1 hour'
         FROM proposals p, generate_series(1, 120) g WHERE p.id = $1",
    )
    .bind(pass_id)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO evaluations (proposal_id, proposal_revision, standard_id, standard_code, standard_version,
             snapshot, findings, rendered, overall, created_by)
         SELECT np.id, 1, e.standard_id, e.standard_code, e.standard_version, e.snapshot, e.findings, e.rendered,
             e.overall, e.created_by
         FROM proposals np JOIN evaluations e
           ON e.proposal_id = CASE WHEN right(np.name, 3)::int % 3 = 0 THEN $2 ELSE $1 END
         WHERE np.name LIKE '批量小镇%'",
    )
    .bind(pass_id)
    .bind(fail_id)
    .execute(&app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn queue_filters_searches_sorts_and_pages_with_counters() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    let other = app.official_of("qz", "青州市").await;
    let pass_id = app.submitted(&official, &sample_input("健康美食小镇")).await;
    let fail_id = app.submitted(&official, &failing_input("不合格小镇")).await;
    bulk(&app, pass_id, fail_id).await;
    let mut fashion = sample_input("青州时尚小镇");
    fashion.industry = Some(xiaozhen::domain::proposal::Industry::Fashion);
    app.submitted(&other, &fashion).await;
    let reviewer = app.login_as(Role::Reviewer).await;

    let page = reviewer.get("/review").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("[data-count=submitted]"), "123");
    assert_eq!(page.text("[data-count=approved]"), "0");
    assert_eq!(page.text("#total"), "123");
    assert_eq!(page.texts("#queue tbody tr").len(), 50);
    assert_eq!(page.text(".pager .position"), "1 / 3");
    // 41 of 123 fail the WiFi criterion (the original and every third copy).
    assert_eq!(
        page.text("#failing-criteria tr[data-criterion=\"function.wifi\"] .failing"),
        "41"
    );
    assert_eq!(
        page.text("#failing-criteria tr[data-criterion=\"function.wifi\"] .share"),
        "33.33%"
    );

    // Paging, oldest first: the three pages together are every proposal once, in order.
    let mut names = Vec::new();
    for n in 1..=3 {
        let p = reviewer.get(&format!("/review?page={n}")).await;
        names.extend(p.texts("#queue tbody td.name"));
    }
    assert_eq!(names.len(), 123);
    assert_eq!(names[0], "批量小镇120");
    assert_eq!(names[119], "批量小镇001");
    let mut distinct = names.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 123);

    // Failing ones only; every link keeps the filter.
    let fail = reviewer.get("/review?verdict=fail").await;
    assert_eq!(fail.text("#total"), "41");
    assert!(fail.texts("#queue tbody td.overall").iter().all(|v| v == "不合格"));
    assert!(fail.attr("#verdict option[value=fail]", "selected").is_some());
    let tab = fail.attr(".tab.approved a", "href").unwrap();
    assert!(tab.contains("verdict=fail") && tab.contains("status=approved"), "{tab}");

    // A Chinese substring; with paging links carrying it.
    let search = reviewer.get("/review?q=%E5%B0%8F%E9%95%8700").await; // 小镇00
    assert_eq!(search.text("#total"), "9");
    let search = reviewer.get("/review?q=%E9%87%8F%E5%B0%8F&sort=name&dir=desc").await; // 量小
    assert_eq!(search.text("#total"), "120");
    assert_eq!(search.texts("#queue tbody td.name")[0], "批量小镇120");
    let next = search.attr("a[rel=next]", "href").unwrap();
    assert!(next.contains("q=") && next.contains("sort=name") && next.contains("dir=desc") && next.contains("page=2"));
    let last = reviewer.get(&search.attr("a[rel=last]", "href").unwrap()).await;
    assert_eq!(last.texts("#queue tbody td.name").last().unwrap(), "批量小镇001");
    // A searched page past the end shows the last one, with the same total.
    let past = reviewer
        .get("/review?q=%E9%87%8F%E5%B0%8F&sort=name&dir=desc&page=9")
        .await;
    assert_eq!(past.text("#total"), "120");
    assert_eq!(past.texts("#queue tbody td.name"), last.texts("#queue tbody td.name"));
    assert_eq!(past.texts("#queue tbody td.name").len(), 20);
    let second = reviewer
        .get("/review?q=%E9%87%8F%E5%B0%8F&sort=name&dir=desc&page=2")
        .await;
    assert_eq!(second.text("#total"), "120");
    assert_eq!(second.texts("#queue tbody td.name")[0], "批量小镇070");
    // A search nothing matches: the queue says there is nothing.
    let none = reviewer.get("/review?q=%E4%B8%8D%E5%AD%98%E5%9C%A8").await; // 不存在
    assert!(none.has("#queue-empty") && !none.has("#queue"), "{}", none.body);

    // Eligible investment ascending: the sample (62 − exclusions) first.
    let eligible = reviewer.get("/review?sort=eligible").await;
    let first = eligible.texts("#queue tbody td.name");
    assert!(
        first[0] == "健康美食小镇" || first[0] == "不合格小镇" || first[0] == "青州时尚小镇",
        "{first:?}"
    );
    // Verdict sort: failing first.
    let by_verdict = reviewer.get("/review?sort=verdict").await;
    assert_eq!(by_verdict.texts("#queue tbody td.overall")[0], "不合格");

    // Region, industry and standard.
    let region_id: i64 = sqlx::query_scalar("SELECT id FROM regions WHERE name = '青州市'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let by_region = reviewer.get(&format!("/review?region={region_id}")).await;
    assert_eq!(by_region.texts("#queue tbody td.name"), vec!["青州时尚小镇"]);
    let by_industry = reviewer.get("/review?industry=fashion").await;
    assert_eq!(by_industry.text("#total"), "1");
    let by_standard = reviewer.get("/review?standard=ZJ-2015").await;
    assert_eq!(by_standard.text("#total"), "123");
    let none = reviewer.get("/review?standard=NONE&region=abc&sort=bogus").await;
    assert_eq!(none.status, StatusCode::OK);
    assert!(none.has("#queue-empty"));

    // A decision moves the counters.
    let reviewer_user = app
        .user(
            sqlx::query_scalar("SELECT id FROM users WHERE username = 'reviewer1'")
                .fetch_one(&app.db)
                .await
                .unwrap(),
        )
        .await;
    reviews::decide(
        &app.db,
        &reviewer_user,
        pass_id,
        &DecisionInput::new(Decision::Approve, "", app.proposal_version(pass_id).await),
    )
    .await
    .unwrap();
    let after = reviewer.get("/review?status=approved").await;
    assert_eq!(after.text("[data-count=submitted]"), "122");
    assert_eq!(after.text("[data-count=approved]"), "1");
    assert_eq!(after.texts("#queue tbody td.name"), vec!["健康美食小镇"]);
    // A tab's count by verdict is a counter kept by triggers: it must agree
    // with the rows themselves after the decision, in every tab.
    for status in ["submitted", "approved"] {
        for verdict in ["fail", "pass_with_warnings", "pass"] {
            let page = reviewer
                .get(&format!("/review?status={status}&verdict={verdict}"))
                .await;
            let total = if page.has("#queue-empty") {
                "0".to_owned()
            } else {
                page.text("#total")
            };
            let rows: i64 =
                sqlx::query_scalar("SELECT count(*) FROM proposals WHERE status = $1 AND latest_overall = $2")
                    .bind(status)
                    .bind(verdict)
                    .fetch_one(&app.db)
                    .await
                    .unwrap();
            assert_eq!(total, rows.to_string(), "{status} / {verdict}");
        }
    }
    let approved_pass = reviewer.get("/review?status=approved&verdict=pass").await;
    assert_eq!(approved_pass.texts("#queue tbody td.name"), vec!["健康美食小镇"]);
}

#[tokio::test]
async fn overriding_a_finding_needs_a_reason_keeps_the_computed_verdict_and_recomputes_the_overall() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    let id = app.submitted(&official, &warning_input("面积预警小镇")).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let report = reviewer.get(&format!("/proposals/{id}/report")).await;
    assert_eq!(report.text("#overall"), "基本合格（有预警）");
    let evaluation = report.attr("#override-form input[name=evaluation]", "value").unwrap();
    let path = format!("/proposals/{id}/overrides");

    // No reason: 422, the form again with the message and the choice kept.
    let refused = reviewer
        .post(
            &path,
            &[
                ("evaluation", &evaluation),
                ("criterion", "space.planned_area"),
                ("final_verdict", "pass"),
                ("reason", "  "),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.text("#override-form .field-error"), "请填写调整理由。");
    assert!(
        refused
            .attr("#override-verdict option[value=pass]", "selected")
            .is_some()
    );
    // The same verdict as computed: nothing to override.
    let same = reviewer
        .post(
            &path,
            &[
                ("evaluation", &evaluation),
                ("criterion", "space.planned_area"),
                ("final_verdict", "warn"),
                ("reason", "理由"),
            ],
        )
        .await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        same.text("#override-form .field-error"),
        "认定结论与当前结论相同，无需调整。"
    );
    assert_eq!(same.text("#override-reason"), "理由");

    let ok = reviewer
        .post(
            &path,
            &[
                ("evaluation", &evaluation),
                ("criterion", "space.planned_area"),
                ("final_verdict", "pass"),
                ("reason", "规划面积3.7平方公里，属“3平方公里左右”"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let report = reviewer.get(&format!("/proposals/{id}/report")).await;
    let row = "#findings tr[data-criterion=\"space.planned_area\"]";
    assert_eq!(
        report.text(&format!("{row} .verdict")),
        "预警",
        "the computed verdict stays"
    );
    assert_eq!(report.text(&format!("{row} .final .badge")), "符合");
    assert!(
        report
            .text(&format!("{row} .final .override-by"))
            .contains("reviewer1 display")
    );
    assert_eq!(
        report.text(&format!("{row} .final .override-reason")),
        "规划面积3.7平方公里，属“3平方公里左右”"
    );
    assert_eq!(report.text("#overall"), "基本合格（有预警）");
    assert_eq!(report.text("#final-overall"), "合格");
    // The stored evaluation is unchanged; one audit row.
    let overall: String = sqlx::query_scalar("SELECT overall FROM evaluations WHERE proposal_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(overall, "pass_with_warnings");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'proposal.finding_overridden'",
            id
        )
        .await,
        1
    );
    // The official sees the override on the report too, but no forms.
    let official_client = app.client();
    official_client.login("zc", crate::helpers::PASSWORD).await;
    let theirs = official_client.get(&format!("/proposals/{id}/report")).await;
    assert_eq!(theirs.text("#final-overall"), "合格");
    assert!(!theirs.has("#override-form") && !theirs.has("#decision-form"));

    // Approving records the override and the final overall in the review.
    let v = app.proposal_version(id).await.to_string();
    let done = reviewer
        .post(
            &format!("/proposals/{id}/decision"),
            &[
                ("decision", "approve"),
                ("comment", ""),
                ("version", &v),
                ("evaluation", &evaluation),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let (final_overall, overrides): (String, serde_json::Value) =
        sqlx::query_as("SELECT final_overall, overrides FROM reviews WHERE proposal_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(final_overall, "pass");
    assert_eq!(overrides[0]["criterion"], "space.planned_area");
    assert_eq!(overrides[0]["computed"], "warn");
    assert_eq!(overrides[0]["final"], "pass");
    // No override once decided.
    let late = reviewer
        .post(
            &path,
            &[
                ("evaluation", &evaluation),
                ("criterion", "space.planned_area"),
                ("final_verdict", "warn"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn every_decision_path_and_refusal() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let a = app.submitted(&official, &sample_input("通过小镇")).await;
    let r = app.submitted(&official, &sample_input("不通过小镇")).await;
    let t = app.submitted(&official, &sample_input("退回小镇")).await;
    let f = app.submitted(&official, &failing_input("不合格小镇")).await;
    let decide = |id: i64, fields: Vec<(&'static str, String)>| {
        let reviewer = &reviewer;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            reviewer.post(&format!("/proposals/{id}/decision"), &fields).await
        }
    };

    // Approve: 303, approved, one review and one audit row.
    let v = app.proposal_version(a).await.to_string();
    let page = decide(
        a,
        vec![
            ("decision", "approve".into()),
            ("comment", "符合要求".into()),
            ("version", v.clone()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location().unwrap(), format!("/proposals/{a}"));
    assert_eq!(status(&app, a).await, "approved");
    assert_eq!(
        count(&app, "SELECT count(*) FROM reviews WHERE proposal_id = $1", a).await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'proposal.approved'",
            a
        )
        .await,
        1
    );
    // Twice: 409, nothing applied.
    let again = decide(
        a,
        vec![("decision", "reject".into()), ("comment", "x".into()), ("version", v)],
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text("main").contains("不在待评审状态"));
    assert_eq!(
        count(&app, "SELECT count(*) FROM reviews WHERE proposal_id = $1", a).await,
        1
    );

    // Reject without a comment: 422 with the message; typed choice kept.
    let v = app.proposal_version(r).await.to_string();
    let page = decide(
        r,
        vec![
            ("decision", "reject".into()),
            ("comment", " ".into()),
            ("version", v.clone()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.text("#decision-form .field-error"),
        "不予通过或退回修改时必须填写评审意见。"
    );
    assert!(page.attr("#decision-reject", "checked").is_some());
    assert_eq!(status(&app, r).await, "submitted");
    // A stale version: 409.
    let stale = decide(
        r,
        vec![
            ("decision", "reject".into()),
            ("comment", "不符合".into()),
            ("version", "999".into()),
        ],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let page = decide(
        r,
        vec![
            ("decision", "reject".into()),
            ("comment", "投资不足".into()),
            ("version", v),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(status(&app, r).await, "rejected");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'proposal.rejected'",
            r
        )
        .await,
        1
    );

    // Return with a comment: the official sees it on the proposal page.
    let v = app.proposal_version(t).await.to_string();
    let missing = decide(t, vec![("decision", "return".into()), ("version", v.clone())]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = decide(
        t,
        vec![
            ("decision", "return".into()),
            ("comment", "请补充WiFi覆盖材料".into()),
            ("version", v),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(status(&app, t).await, "returned");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'proposal.returned'",
            t
        )
        .await,
        1
    );
    let official_client = app.client();
    official_client.login("zc", crate::helpers::PASSWORD).await;
    let show = official_client.get(&format!("/proposals/{t}")).await;
    assert!(
        show.body.contains("请补充WiFi覆盖材料"),
        "the official sees the comment"
    );

    // Approving a failing proposal needs the confirmation and a reason.
    let v = app.proposal_version(f).await.to_string();
    let page = decide(f, vec![("decision", "approve".into()), ("version", v.clone())]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.texts("#confirm-fail .field-error").len(), 2);
    let page = decide(
        f,
        vec![
            ("decision", "approve".into()),
            ("version", v.clone()),
            ("confirm_fail", "true".into()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.attr("#confirm-fail-box", "checked").is_some());
    let page = decide(
        f,
        vec![
            ("decision", "approve".into()),
            ("version", v),
            ("confirm_fail", "true".into()),
            ("confirm_reason", "WiFi工程已招标，年内完成".into()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let comment: String = sqlx::query_scalar("SELECT comment FROM reviews WHERE proposal_id = $1")
        .bind(f)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(comment.contains("WiFi工程已招标"));

    // An unknown decision: 422; a withdrawn proposal: 409.
    let w = app.submitted(&official, &sample_input("撤回小镇")).await;
    let v = app.proposal_version(w).await.to_string();
    let bad = decide(w, vec![("decision", "maybe".into()), ("version", v.clone())]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    xiaozhen::services::proposals::withdraw(&app.db, &official, w, app.proposal_version(w).await)
        .await
        .unwrap();
    let gone = decide(
        w,
        vec![
            ("decision", "approve".into()),
            ("version", app.proposal_version(w).await.to_string()),
        ],
    )
    .await;
    assert_eq!(gone.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn other_roles_cannot_decide_and_reviewers_cannot_edit_publish_or_administer() {
    let app = TestApp::spawn().await;
    let official_user = app.official_of("zc", "诸城市").await;
    let id = app.submitted(&official_user, &sample_input("角色小镇")).await;
    let official = app.client();
    official.login("zc", crate::helpers::PASSWORD).await;
    let admin = app.login_as(Role::Admin).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let v = app.proposal_version(id).await.to_string();
    let fields = [("decision", "approve"), ("comment", "x"), ("version", v.as_str())];
    for client in [&official, &admin] {
        assert_eq!(
            client.post(&format!("/proposals/{id}/decision"), &fields).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(client.get("/review").await.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(status(&app, id).await, "submitted");
    // Reviewers: no editing, submitting, withdrawing, admin pages or publishing.
    assert_eq!(
        reviewer.get(&format!("/proposals/{id}/edit")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        reviewer
            .post(&format!("/proposals/{id}"), &[("name", "改名"), ("version", &v)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        reviewer
            .post(&format!("/proposals/{id}/withdraw"), &[("version", &v)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    for path in [
        "/admin",
        "/admin/users",
        "/admin/batches",
        "/admin/standards",
        "/admin/audit",
    ] {
        assert_eq!(reviewer.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        reviewer.post("/admin/batches/1/publish", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    // The report: reviewers see the panel; officials do not.
    assert!(
        reviewer
            .get(&format!("/proposals/{id}/report"))
            .await
            .has("#decision-form")
    );
    assert!(
        !official
            .get(&format!("/proposals/{id}/report"))
            .await
            .has("#review-panel")
    );
}

#[tokio::test]
async fn twenty_concurrent_decisions_apply_exactly_once() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    let id = app.submitted(&official, &sample_input("并发小镇")).await;
    let reviewer_id = app.create_user("rv", Role::Reviewer, None).await;
    let reviewer = app.user(reviewer_id).await;
    let v = app.proposal_version(id).await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..20 {
        let db = app.db.clone();
        let reviewer = reviewer.clone();
        let decision = [Decision::Approve, Decision::Reject, Decision::Return][i % 3];
        set.spawn(async move { reviews::decide(&db, &reviewer, id, &DecisionInput::new(decision, "并发", v)).await });
    }
    let (mut ok, mut refused) = (0, 0);
    while let Some(result) = set.join_next().await {
        match result.unwrap() {
            Ok(_) => ok += 1,
            Err(ReviewError::Refused(ServiceError::WrongState | ServiceError::Stale)) => refused += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!((ok, refused), (1, 19));
    assert_eq!(
        count(&app, "SELECT count(*) FROM reviews WHERE proposal_id = $1", id).await,
        1
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action IN ('proposal.approved', 'proposal.rejected', 'proposal.returned')", id).await,
        1
    );
}

#[tokio::test]
async fn a_returned_proposal_that_comes_back_shows_what_changed() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    let id = app.submitted(&official, &warning_input("修改小镇")).await;
    let reviewer_id = app.create_user("rv", Role::Reviewer, None).await;
    let reviewer_user = app.user(reviewer_id).await;
    reviews::decide(
        &app.db,
        &reviewer_user,
        id,
        &DecisionInput::new(Decision::Return, "规划面积偏大", app.proposal_version(id).await),
    )
    .await
    .unwrap();
    let mut input = sample_input("修改小镇");
    input.planned_area_km2 = Some(dec!(3.2));
    let v = xiaozhen::services::proposals::save(
        &app.db,
        &official,
        id,
        app.proposal_version(id).await,
        &input,
        Vec::new(),
    )
    .await
    .unwrap();
    xiaozhen::services::proposals::submit(&app.db, &official, id, v)
        .await
        .unwrap();

    let reviewer = app.client();
    reviewer.login("rv", crate::helpers::PASSWORD).await;
    let report = reviewer.get(&format!("/proposals/{id}/report")).await;
    assert_eq!(report.status, StatusCode::OK);
    let label = FIELDS
        .iter()
        .find(|f| f.name == "planned_area_km2")
        .unwrap()
        .label(xiaozhen::domain::Lang::Zh);
    assert_eq!(report.texts("#changed-fields th.field"), vec![label.to_owned()]);
    assert!(report.text("#changed-fields td.old").starts_with("3.7"));
    assert!(report.text("#changed-fields td.new").starts_with("3.2"));
    let finding = "#changed-findings tr[data-criterion=\"space.planned_area\"]";
    assert_eq!(report.text(&format!("{finding} .old")), "预警");
    assert_eq!(report.text(&format!("{finding} .new")), "符合");
    assert_eq!(report.texts("#evaluations tbody tr").len(), 2);
    assert!(report.text("#decisions").contains("规划面积偏大"));
    // The first evaluation has no previous one.
    let first = report.attr("#evaluations tbody tr:last-child a", "href").unwrap();
    assert!(!reviewer.get(&first).await.has("#changes"));
}

/// Reviewers see what reached them — submitted, decided, listed — and
/// nothing of an official's drafts or withdrawn proposals, on any page a
/// reviewer can open: the proposal page, the report, the queue.
#[tokio::test]
async fn reviewers_never_see_drafts_or_withdrawn_proposals() {
    let app = TestApp::spawn().await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let admin = app.login_as(Role::Admin).await;
    let official = app.official_of("off2", "青州市").await;
    let draft = app.draft(&official, &sample_input("Secret Draft")).await;
    let withdrawn = app.submitted(&official, &sample_input("Taken Back")).await;
    let version = app.proposal_version(withdrawn).await;
    xiaozhen::services::proposals::withdraw(&app.db, &official, withdrawn, version)
        .await
        .unwrap();
    let submitted = app.submitted(&official, &sample_input("In Review")).await;

    for id in [draft, withdrawn] {
        for path in [format!("/proposals/{id}"), format!("/proposals/{id}/report")] {
            let page = reviewer.get(&path).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
            assert!(!page.body.contains("Secret Draft") && !page.body.contains("Taken Back"));
            assert_eq!(admin.get(&path).await.status, StatusCode::OK, "admins see all: {path}");
        }
        let refused = reviewer.post(&format!("/proposals/{id}/reevaluate"), &[]).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
    }
    for path in [
        format!("/proposals/{submitted}"),
        format!("/proposals/{submitted}/report"),
    ] {
        assert_eq!(reviewer.get(&path).await.status, StatusCode::OK, "{path}");
    }
    for status in ["draft", "withdrawn", "submitted"] {
        let queue = reviewer.get(&format!("/review?status={status}")).await;
        assert_eq!(queue.status, StatusCode::OK);
        assert_eq!(queue.texts("#queue td.name a"), ["In Review"], "status={status}");
    }
}

/// The queue's page number is written into its statement (as a number the
/// server computes): whatever the query string says, a page is shown or a
/// 4xx answered, quickly, never an error of the server.
#[tokio::test]
async fn hostile_page_numbers_show_a_real_page_or_a_4xx_and_never_an_error() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    app.submitted(&official, &sample_input("健康美食小镇")).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let started = std::time::Instant::now();
    for page in [
        "9223372036854775807",
        "-9223372036854775808",
        "99999999999999999999999",
        "0",
        "1e9",
        "abc",
        "%00",
        "",
    ] {
        // Without a search the total is a counter; with one it is counted
        // with the page.
        for search in ["", "&q=%E7%BE%8E%E9%A3%9F"] {
            let shown = reviewer
                .get(&format!("/review?page={page}&sort=name&dir=desc{search}"))
                .await;
            assert_eq!(shown.status, StatusCode::OK, "page={page}{search}");
            assert_eq!(
                shown.texts("#queue tbody td.name"),
                vec!["健康美食小镇"],
                "page={page}{search}"
            );
            assert_eq!(shown.text("#total"), "1", "page={page}{search}");
        }
    }
    // The key repeated as often as a URI can carry (the HTTP layer takes
    // none over 64 KB, so 100,000 repeats never reach a handler): refused
    // as a whole, the service fine.
    let repeated = "page=2&".repeat(9_000);
    let refused = reviewer.get(&format!("/review?{repeated}")).await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(reviewer.get("/review").await.status, StatusCode::OK);
}

/// The queue keeps the regions, standard codes and rounds it shows in
/// memory until one of them changes (issue 19): a region or round renamed
/// or added, by this server or another, shows on the next page.
#[tokio::test]
async fn the_queue_names_regions_and_rounds_as_they_are_now() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    let id = app.submitted(&official, &sample_input("健康美食小镇")).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let row = format!("#queue tr[data-id=\"{id}\"]");

    let page = reviewer.get("/review").await;
    assert_eq!(page.text(&format!("{row} .region")), "诸城市");
    let round: String =
        sqlx::query_scalar("SELECT ro.name FROM proposals p JOIN rounds ro ON ro.id = p.round_id WHERE p.id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(page.text(&format!("{row} .stage")).starts_with(&round));

    // Renamed in SQL, as another server or a migration would.
    sqlx::query("UPDATE regions SET name = '诸城' WHERE name = '诸城市'")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("UPDATE rounds SET name = '2027年第一批' FROM proposals p WHERE p.id = $1 AND rounds.id = p.round_id")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    let page = reviewer.get("/review").await;
    assert_eq!(page.text(&format!("{row} .region")), "诸城");
    assert!(page.text(&format!("{row} .stage")).starts_with("2027年第一批 · "));
    assert!(page.texts("#region option").contains(&"诸城".to_owned()));
    assert!(!page.texts("#region option").contains(&"诸城市".to_owned()));

    // A new county with a proposal.
    let other = app.official_of("qz", "青州市").await;
    let second = app.submitted(&other, &sample_input("青州小镇")).await;
    let page = reviewer.get("/review").await;
    assert_eq!(page.text(&format!("#queue tr[data-id=\"{second}\"] .region")), "青州市");
    assert!(page.texts("#region option").contains(&"青州市".to_owned()));
}

/// A region added between the read of the queue's counters (with the
/// catalogue's version) and the read of its page still has its name: the
/// page's rows are named from a catalogue read again.
#[tokio::test]
async fn a_region_added_while_the_queue_is_read_is_named() {
    use xiaozhen::db::catalogue::CatalogueCache;
    use xiaozhen::db::queue;

    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    app.submitted(&official, &sample_input("健康美食小镇")).await;
    let kept = CatalogueCache::default();
    let mut conn = app.db.acquire().await.unwrap();
    let mut sidebar = queue::sidebar(&mut conn, &kept, &queue::KeptCounters::default())
        .await
        .unwrap();
    assert!(sidebar.catalogue.regions.iter().all(|(_, name)| name != "青州市"));

    let other = app.official_of("qz", "青州市").await;
    let second = app.submitted(&other, &sample_input("青州小镇")).await;
    let filter = queue::QueueFilter {
        status: "submitted".into(),
        ..Default::default()
    };
    let rows = queue::page(&mut conn, &filter, 1, 2).await.unwrap();
    let row = rows
        .iter()
        .find(|r| r.id == second)
        .expect("the new proposal is on the page");
    queue::named(&mut conn, &mut sidebar, &kept, &rows).await.unwrap();
    assert_eq!(sidebar.catalogue.region_name(row.region_id), Some("青州市"));
}

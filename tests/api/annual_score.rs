//! The annual assessment on a standard version's `annual_assessment`
//! scoring table (issue 20; STANDARDS.md §5, §6): the reviewer's page shows
//! the table with its computed lines from the year's report and plan, the
//! judged lines as a form, the running total and the table's grade as the
//! suggestion (Putian's 优秀: basic ≥ 85 *and* bonus ≥ 8; a veto gives the
//! lowest grade); the sheet is stored with the grade and shown to the
//! town's officials once published. A version without the table keeps the
//! completion bands.

use reqwest::StatusCode;
use xiaozhen::domain::Role;
use xiaozhen::domain::creation as fields;

use crate::creation::{listed, on_completion_bands, post, report};
use crate::helpers::{Client, PASSWORD, Page, TestApp};

struct World {
    app: TestApp,
    id: i64,
    official: Client,
    reviewer: Client,
    admin: Client,
}

/// A town approved under ZJ-2015 version 4 (example annual table after
/// Putian: basic 100 = completion 40 computed + 60 judged; bonus 30 = 10
/// computed beyond the plan + 20 judged; three vetoes), listed in 2022.
async fn world() -> World {
    let app = TestApp::spawn().await;
    app.activate("ZJ-2015", 4).await;
    let official = app.official_of("official-t", "诸城市").await;
    let reviewer = app.create_user("reviewer-t", Role::Reviewer, None).await;
    let admin = app.create_user("admin-t", Role::Admin, None).await;
    let id = listed(&app, &official, reviewer, admin, "健康美食小镇").await;
    let (o, r, a) = (app.client(), app.client(), app.client());
    assert_eq!(o.login("official-t", PASSWORD).await.status, StatusCode::SEE_OTHER);
    assert_eq!(r.login("reviewer-t", PASSWORD).await.status, StatusCode::SEE_OTHER);
    assert_eq!(a.login("admin-t", PASSWORD).await.status, StatusCode::SEE_OTHER);
    World {
        app,
        id,
        official: o,
        reviewer: r,
        admin: a,
    }
}

impl World {
    fn review(&self) -> String {
        format!("/review/creation/{}", self.id)
    }

    /// The official files `total` 亿元 (no housing) for `year`.
    async fn report(&self, year: &str, total: &str) {
        self.report_with(year, total, "0").await;
    }

    async fn report_with(&self, year: &str, total: &str, residential: &str) {
        let path = format!("/proposals/{}/reports", self.id);
        let version = self
            .official
            .get(&format!("{path}?year={year}"))
            .await
            .attr("input[name=version]", "value")
            .unwrap_or_default();
        let mut form = report(year, &version, total);
        for (k, v) in form.iter_mut() {
            if *k == fields::RESIDENTIAL {
                *v = residential.to_string();
            }
        }
        let page = post(&self.official, &path, &form).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }

    async fn grade(&self, form: &[(&str, String)]) -> Page {
        post(&self.reviewer, &format!("{}/grade", self.review()), form).await
    }
}

/// The judged lines: basic (进度 20, 产业 15, 功能 15, 管理 10), bonus
/// (荣誉 10, 创新 10), the two judged vetoes answered no.
fn sheet(year: &str, basic: [&str; 4], bonus: [&str; 2], action: &str) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("year", year.to_string()),
        ("action", action.to_string()),
        ("veto.a.veto.safety", "no".to_string()),
        ("veto.a.veto.debt", "no".to_string()),
    ];
    for (line, points) in ["a.progress", "a.industry", "a.functions", "a.management"]
        .iter()
        .zip(basic)
        .chain(["a.honours", "a.innovation"].iter().zip(bonus))
    {
        let name: &'static str = Box::leak(format!("points.{line}").into_boxed_str());
        form.push((name, points.to_string()));
    }
    form.push(("comment.a.progress", "项目按计划推进".to_string()));
    form
}

fn with(mut form: Vec<(&'static str, String)>, field: &'static str, value: &str) -> Vec<(&'static str, String)> {
    form.retain(|(k, _)| *k != field);
    form.push((field, value.to_string()));
    form
}

fn at(year: &str, selector: &str) -> String {
    format!("[data-year='{year}'] {selector}")
}

#[tokio::test]
async fn the_tables_bands_give_the_suggestion_on_both_sides_of_each_boundary() {
    let w = world().await;
    // 2022 plans 14 亿元 of a 62 亿元 plan with 52 eligible: 11.742 亿元 is
    // 100.0005 % of it — the completion line's base 40, nothing beyond.
    w.report("2022", "11.742").await;
    let page = w.reviewer.get(&w.review()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text(&at("2022", "[data-line='a.completion'] .given")), "40");
    assert_eq!(page.text(&at("2022", "[data-line='a.excess'] .given")), "0");
    // Nothing judged yet: a provisional 40 points, 警告 by the table.
    assert_eq!(page.text(&at("2022", ".sheet-total")), "40");
    assert_eq!(page.text(&at("2022", ".badge.suggested")), "警告");
    assert!(page.has(&at("2022", ".provisional")));
    assert_eq!(page.text(&at("2022", ".pending-count")), "8");
    // Putian's rule: 优秀 needs basic ≥ 85 AND bonus ≥ 8; 合格 basic ≥ 70.
    let cases = [
        (["20", "15", "10", "0"], ["8", "0"], "93", "优秀"),
        (["20", "15", "9.5", "0"], ["10", "10"], "104.5", "合格"),
        (["20", "15", "10", "0"], ["7.5", "0"], "92.5", "合格"),
        (["20", "10", "0", "0"], ["0", "0"], "70", "合格"),
        (["20", "9.5", "0", "0"], ["0", "0"], "69.5", "警告"),
    ];
    for (basic, bonus, total, grade) in cases {
        let page = w.grade(&sheet("2022", basic, bonus, "preview")).await;
        assert_eq!(page.status, StatusCode::OK, "{basic:?} {bonus:?}: {}", page.body);
        assert_eq!(page.text(&at("2022", ".sheet-total")), total, "{basic:?} {bonus:?}");
        assert_eq!(page.text(&at("2022", ".badge.suggested")), grade, "{basic:?} {bonus:?}");
        assert_eq!(page.text(&at("2022", ".sheet-grade")), grade);
        assert!(!page.has(&at("2022", ".provisional")));
        // The suggestion is what the grade select offers.
        let chosen = page.attr(&at("2022", "select[name=final_grade] option[selected]"), "value");
        let code = if grade == "优秀" {
            "excellent"
        } else if grade == "合格" {
            "pass"
        } else {
            "warning"
        };
        assert_eq!(chosen.as_deref(), Some(code));
        // What was typed stays in the form.
        assert_eq!(
            page.attr(&at("2022", "input[name='points.a.functions']"), "value")
                .as_deref(),
            Some(basic[2])
        );
    }
    // 98.96 % of the plan: one whole point short costs one point (part of a
    // step costs nothing), and basic 84 is no longer 优秀. The completion
    // shown is cut, never rounded up onto the target.
    w.report("2022", "11.62").await;
    let page = w
        .grade(&sheet("2022", ["20", "15", "10", "0"], ["8", "0"], "preview"))
        .await;
    assert_eq!(page.text(&at("2022", "[data-line='a.completion'] .given")), "39");
    assert!(
        page.text(&at("2022", "[data-line='a.completion'] .how"))
            .contains("98.96%")
    );
    assert_eq!(page.text(&at("2022", ".sheet-total")), "92");
    assert_eq!(page.text(&at("2022", ".badge.suggested")), "合格");
    // 119.23 %: 3 whole steps of 5 points beyond the plan, 2 points each.
    w.report("2022", "14").await;
    let page = w
        .grade(&sheet("2022", ["20", "15", "10", "0"], ["8", "0"], "preview"))
        .await;
    assert_eq!(page.text(&at("2022", "[data-line='a.excess'] .given")), "6");
    assert_eq!(page.text(&at("2022", ".sheet-total")), "99");
    w.report("2022", "11.742").await;

    // Confirmed as suggested: stored with its sheet, audited, shown as scored.
    let form = with(
        sheet("2022", ["20", "15", "10", "0"], ["8", "0"], "confirm"),
        "final_grade",
        "excellent",
    );
    let page = w.grade(&form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (suggested, total, judged, comment): (String, String, String, String) = sqlx::query_as(
        "SELECT suggested_grade, score_sheet->'result'->>'total', score_sheet->'judged'->'a.functions'->>'points',
                score_sheet->'judged'->'a.progress'->>'comment'
         FROM assessments WHERE year = 2022",
    )
    .fetch_one(&w.app.db)
    .await
    .unwrap();
    assert_eq!(
        (suggested.as_str(), total.as_str(), judged.as_str(), comment.as_str()),
        ("excellent", "93", "10", "项目按计划推进")
    );
    let audited: String = sqlx::query_scalar(
        "SELECT after->'score'->>'total' FROM audit_log WHERE action = 'creation.graded' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&w.app.db)
    .await
    .unwrap();
    assert_eq!(audited, "93");
    let page = w.reviewer.get(&w.review()).await;
    assert_eq!(page.text(&at("2022", ".badge.final")), "优秀");
    assert_eq!(page.text(&at("2022", ".sheet-total")), "93");
    assert_eq!(page.text(&at("2022", "[data-line='a.functions'] .given")), "10");
    assert!(
        page.text(&at("2022", "[data-line='a.progress'] .how"))
            .contains("项目按计划推进")
    );
    assert!(page.text(&at("2022", ".sheet-by")).contains("reviewer-t"));
    assert!(!page.has(&at("2022", "input[name='points.a.functions']")));
}

#[tokio::test]
async fn a_veto_gives_the_tables_lowest_grade_whatever_the_points() {
    let w = world().await;
    w.report("2022", "14").await;
    let full = sheet("2022", ["20", "15", "15", "10"], ["10", "10"], "preview");
    let page = w.grade(&full).await;
    assert_eq!(page.text(&at("2022", ".badge.suggested")), "优秀");
    // A judged veto (违规举债) answered yes.
    let page = w.grade(&with(full.clone(), "veto.a.veto.debt", "yes")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text(&at("2022", ".badge.suggested")), "警告");
    assert!(page.text(&at("2022", ".sheet-vetoes")).contains("违规举债"));
    // A computed veto: commercial housing above 30 % of the year's investment.
    w.report_with("2022", "14", "4.3").await;
    let page = w.grade(&full).await;
    assert_eq!(page.text(&at("2022", ".badge.suggested")), "警告");
    assert!(page.text(&at("2022", ".sheet-vetoes")).contains("房地产化倾向"));
    assert!(
        page.text(&at("2022", "[data-line='a.veto.housing'] .how"))
            .contains("触发一票否决")
    );
    // Exactly 30 % does not hold.
    w.report_with("2022", "14", "4.2").await;
    let page = w.grade(&full).await;
    assert!(!page.has(&at("2022", ".sheet-vetoes")));
    // Confirming 优秀 against a vetoed suggestion needs a reason.
    w.report_with("2022", "14", "4.3").await;
    let confirm = with(with(full, "action", "confirm"), "final_grade", "excellent");
    let page = w.grade(&confirm).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.text(".field-error"), "调整建议等次时须填写理由");
    let page = w.grade(&with(confirm, "reason", "住宅投资为安置房")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let stored: (String, String, String) =
        sqlx::query_as("SELECT suggested_grade, final_grade, score_sheet->'result'->'vetoes'->>0 FROM assessments")
            .fetch_one(&w.app.db)
            .await
            .unwrap();
    assert_eq!(stored, ("warning".into(), "excellent".into(), "a.veto.housing".into()));
}

#[tokio::test]
async fn a_sheet_that_does_not_fit_is_refused_beside_each_field_and_kept_as_typed() {
    let w = world().await;
    w.report("2022", "14").await;
    let good = sheet("2022", ["20", "15", "10", "0"], ["8", "0"], "confirm");
    // Text that is not a number: refused before anything is scored.
    let page = w
        .grade(&with(with(good.clone(), "points.a.industry", "7,5"), "reason", "说明"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.text(&at("2022", "[data-line='a.industry'] .field-error")),
        "请输入分值，例如 7.5"
    );
    assert_eq!(
        page.attr(&at("2022", "input[name='points.a.industry']"), "value")
            .as_deref(),
        Some("7,5")
    );
    assert_eq!(page.text(&at("2022", "textarea[name=reason]")), "说明");
    // Points off the steps or above the maximum, a line left blank and a
    // veto unanswered: each named beside its field, the rest kept.
    let form = with(
        with(
            with(with(good, "points.a.industry", "15.5"), "points.a.management", ""),
            "veto.a.veto.debt",
            "",
        ),
        "final_grade",
        "pass",
    );
    let page = w.grade(&with(form, "reason", "投资已签约")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.text(&at("2022", "[data-line='a.industry'] .field-error")),
        "分值应在 0 到 15 之间，且为 0.5 的整数倍"
    );
    assert_eq!(
        page.text(&at("2022", "[data-line='a.management'] .field-error")),
        "请为此项打分"
    );
    assert_eq!(
        page.text(&at("2022", "[data-line='a.veto.debt'] .field-error")),
        "请选择“是”或“否”"
    );
    assert_eq!(
        page.attr(&at("2022", "input[name='points.a.industry']"), "value")
            .as_deref(),
        Some("15.5")
    );
    assert_eq!(
        page.text(&at("2022", "textarea[name='comment.a.progress']")),
        "项目按计划推进"
    );
    assert_eq!(
        page.attr(&at("2022", "select[name=final_grade] option[selected]"), "value")
            .as_deref(),
        Some("pass")
    );
    assert_eq!(page.text(&at("2022", "textarea[name=reason]")), "投资已签约");
    // The running total goes on with what fits (15.5 left out): basic 40
    // computed + 30 judged, bonus 6 beyond the plan + 8.
    assert_eq!(page.text(&at("2022", ".sheet-total")), "84");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM assessments")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    // A grade without a sheet at all is refused the same way.
    let page = w
        .grade(&[("year", "2022".to_string()), ("final_grade", "warning".to_string())])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.texts(&at("2022", ".sheet-line .field-error")).len(), 8);
}

#[tokio::test]
async fn the_creation_rules_apply_to_the_tables_grade() {
    let w = world().await;
    // Two 警告 in a row by the table: the second is suggested 降格.
    w.report("2022", "14").await;
    let low = |year: &str| sheet(year, ["10", "0", "0", "0"], ["0", "0"], "confirm");
    let page = w.grade(&with(low("2022"), "final_grade", "warning")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    w.report("2023", "22").await;
    let page = w.grade(&with(low("2023"), "action", "preview")).await;
    assert_eq!(page.text(&at("2023", ".sheet-grade")), "警告");
    assert_eq!(page.text(&at("2023", ".badge.suggested")), "降格");
}

#[tokio::test]
async fn only_reviewers_grade_and_officials_see_their_own_towns_published_sheet() {
    let w = world().await;
    w.report("2022", "14").await;
    let form = with(
        sheet("2022", ["20", "15", "10", "0"], ["8", "0"], "confirm"),
        "final_grade",
        "excellent",
    );
    let path = format!("{}/grade", w.review());
    assert_eq!(w.official.get(&w.review()).await.status, StatusCode::FORBIDDEN);
    assert_eq!(post(&w.official, &path, &form).await.status, StatusCode::FORBIDDEN);
    assert_eq!(post(&w.admin, &path, &form).await.status, StatusCode::FORBIDDEN);
    let anonymous = w.app.client();
    let page = post(&anonymous, &path, &form).await;
    assert!(
        matches!(
            page.status,
            StatusCode::SEE_OTHER | StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED
        ),
        "{}",
        page.status
    );
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM assessments")
            .fetch_one(&w.app.db)
            .await
            .unwrap()
    };
    assert_eq!(count().await, 0);
    assert_eq!(w.grade(&form).await.status, StatusCode::SEE_OTHER);
    assert_eq!(count().await, 1);
    // The town's officials see the grade and its sheet once published.
    let reports = format!("/proposals/{}/reports", w.id);
    assert!(!w.official.get(&reports).await.has(".published-grade"));
    let publish = [("kind", "grades".to_string()), ("year", "2022".to_string())];
    assert_eq!(
        post(&w.admin, "/admin/creation/publish", &publish).await.status,
        StatusCode::SEE_OTHER
    );
    let page = w.official.get(&reports).await;
    assert_eq!(page.text(&at("2022", ".badge.final")), "优秀");
    assert_eq!(page.text(&at("2022", ".sheet-total")), "99");
    assert_eq!(page.text(&at("2022", "[data-line='a.honours'] .given")), "8");
    // Another region's official sees nothing of it.
    w.app.official_of("official-o", "青州市").await;
    let o = w.app.client();
    assert_eq!(o.login("official-o", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let page = o.get(&reports).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("年度考核评分表"));
}

#[tokio::test]
async fn a_version_without_the_table_keeps_the_completion_bands() {
    let app = TestApp::spawn().await;
    on_completion_bands(&app).await;
    let official = app.official_of("official-b", "诸城市").await;
    let reviewer = app.create_user("reviewer-b", Role::Reviewer, None).await;
    let admin = app.create_user("admin-b", Role::Admin, None).await;
    let id = listed(&app, &official, reviewer, admin, "茶叶小镇").await;
    let (o, r) = (app.client(), app.client());
    o.login("official-b", PASSWORD).await;
    r.login("reviewer-b", PASSWORD).await;
    post(&o, &format!("/proposals/{id}/reports"), &report("2022", "", "11.742")).await;
    let page = r.get(&format!("/review/creation/{id}")).await;
    // 100 % of the plan: 良好 by the bands, no table on the page.
    assert_eq!(page.text(&at("2022", ".badge.suggested")), "良好");
    assert!(!page.has(".score-sheet"));
    let confirm = [("year", "2022".to_string()), ("final_grade", "good".to_string())];
    let page = post(&r, &format!("/review/creation/{id}/grade"), &confirm).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let sheet: Option<serde_json::Value> = sqlx::query_scalar("SELECT score_sheet FROM assessments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(sheet, None);
}

#[tokio::test]
async fn the_sheet_in_english_shows_no_chinese_but_typed_data() {
    let w = world().await;
    w.report("2022", "14").await;
    w.report("2023", "22").await;
    let form = with(
        sheet("2022", ["20", "15", "10", "0"], ["8", "0"], "confirm"),
        "final_grade",
        "excellent",
    );
    assert_eq!(w.grade(&form).await.status, StatusCode::SEE_OTHER);
    let publish = [("kind", "grades".to_string()), ("year", "2022".to_string())];
    post(&w.admin, "/admin/creation/publish", &publish).await;
    let refused = sheet("2023", ["20", "15", "7,5", "0"], ["8", "0"], "confirm");
    for client in [&w.official, &w.reviewer] {
        client.get("/lang/en").await;
    }
    let refused = w.grade(&refused).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.text(&at("2023", "[data-line='a.functions'] .field-error")),
        "Type the points as a number, e.g. 7.5"
    );
    let pages = [
        w.reviewer.get(&w.review()).await,
        refused,
        w.official.get(&format!("/proposals/{}/reports", w.id)).await,
    ];
    for page in pages {
        assert!(page.has(".score-sheet"));
        let html = page.html();
        let main = scraper::Selector::parse("main").unwrap();
        let text: String = html.select(&main).flat_map(|m| m.text()).collect();
        // The town, its region and the reviewer's comment are typed data.
        let text = text
            .replace("健康美食小镇", "")
            .replace("诸城市", "")
            .replace("项目按计划推进", "");
        let chinese: String = text.chars().filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).collect();
        assert!(chinese.is_empty(), "Chinese in English: {chinese}");
    }
}

/// The grade page reads a pending year's suggestion on the connection it
/// already holds: served by a server with a single pooled connection, it
/// still answers (it waited for a second one before, and answered 503).
#[tokio::test]
async fn the_grade_page_needs_one_connection_at_a_time() {
    let w = world().await;
    w.report("2022", "11.742").await;
    let one = w.app.sibling(1).await;
    let reviewer = one.reach(w.app.client());
    assert_eq!(
        reviewer.login("reviewer-t", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let page = reviewer.get(&w.review()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text(&at("2022", ".badge.suggested")), "警告");
}

//! The panel's result and the joint decision (DESIGN "Aggregation" and
//! "Review as provinces run it"): the trimmed mean from 5 sheets and the
//! plain mean below, 2 decimals half up, the computed lines added; a
//! divergent expert and a tied veto flagged to the chair, who notes why a
//! flag stands or asks for a re-score; closing the stage; the joint table
//! ranked by the panel's total with the reason required against the score
//! order; officials see the total only after the decision.

use reqwest::StatusCode;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use xiaozhen::domain::Role;

use crate::expert_sheets::{panel_of, post_sheet, sheet_form};
use crate::experts::signed_in;
use crate::helpers::{Client, PASSWORD, TestApp};

fn d(text: &str) -> Decimal {
    text.parse().unwrap_or_else(|_| panic!("not a number: {text:?}"))
}

async fn reviewer(app: &TestApp) -> Client {
    app.create_user("chair", Role::Reviewer, None).await;
    let c = app.client();
    c.login("chair", PASSWORD).await;
    c
}

#[tokio::test]
async fn five_sheets_drop_the_highest_and_lowest_and_the_total_adds_the_computed_lines() {
    let app = TestApp::spawn().await;
    let s = panel_of(&app, 5, &["甲小镇"]).await;
    let p = s.proposals[0];
    let plans = ["1", "4", "5", "5", "8"];
    for (i, (_, c)) in s.experts.iter().enumerate() {
        let page = post_sheet(
            c,
            p,
            &sheet_form(1, &[("j.plan", plans[i]), ("j.industry", "2")], &[], "submit"),
        )
        .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    let chair = reviewer(&app).await;
    let page = chair.get(&format!("/review/panels/{p}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // (4 + 5 + 5) / 3 = 4.666… → 4.67, resting on 3 sheets.
    assert_eq!(page.text("tr[data-line=\"j.plan\"] td.panel-figure"), "4.67 (3)");
    assert_eq!(page.text("tr[data-line=\"j.industry\"] td.panel-figure"), "2 (3)");
    // An expert who gave 5 and 2 totals C + 7 (C the computed lines); the
    // panel's total is C + 4.67 + 2: 0.33 below it.
    let totals: Vec<Decimal> = page
        .texts("td.expert-total")
        .iter()
        .map(|t| d(t.split_whitespace().next().unwrap()))
        .collect();
    let median_total = {
        let mut t = totals.clone();
        t.sort();
        t[2]
    };
    assert_eq!(d(&page.text(".panel-total")), median_total - dec!(0.33));
    assert_eq!(page.text(".panel-maximum"), "110");
    assert_eq!(page.text(".limit"), "16.5");
    assert!(page.has("#close-stage"), "all submitted, nothing flagged");
}

#[tokio::test]
async fn fewer_than_five_sheets_keep_every_score_a_divergent_expert_is_flagged_and_the_chair_decides_it() {
    let app = TestApp::spawn().await;
    let s = panel_of(&app, 3, &["甲小镇"]).await;
    let p = s.proposals[0];
    let sheets = [
        vec![
            ("j.plan", "8"),
            ("j.industry", "8"),
            ("j.culture", "5"),
            ("j.tourism", "5"),
        ],
        vec![("j.plan", "1")],
        vec![("j.plan", "4"), ("j.industry", "1")],
    ];
    for (i, (_, c)) in s.experts.iter().enumerate() {
        let page = post_sheet(c, p, &sheet_form(1, &sheets[i], &[], "submit")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
    let chair = reviewer(&app).await;
    let page = chair.get(&format!("/review/panels/{p}")).await;
    // (8 + 1 + 4) / 3 = 4.333… → 4.33: three sheets, none dropped.
    assert_eq!(page.text("tr[data-line=\"j.plan\"] td.panel-figure"), "4.33 (3)");
    // Totals C+26, C+1, C+5: the median is C+5, and 26 − 5 = 21 > 16.5.
    assert_eq!(page.texts(".flag.divergent").len(), 1);
    assert_eq!(page.texts("td.expert-total.divergent").len(), 1);
    assert!(page.texts("td.expert-total.divergent")[0].starts_with(&(d(&page.text(".median")) + dec!(21)).to_string()));
    assert!(!page.has("#close-stage"));
    let close = chair.post(&format!("/review/panels/{p}/close"), &[]).await;
    assert_eq!(close.status, StatusCode::CONFLICT);
    assert!(close.body.contains("尚有提示未记录处理意见"));

    // The chair asks for a re-score: the expert's sheet reopens as version 2.
    let sheet: String = page.attr(".flag.divergent input[name=sheet]", "value").unwrap();
    let page = chair
        .post(
            &format!("/review/panels/{p}/flags"),
            &[
                ("kind", "divergent"),
                ("sheet", &sheet),
                ("outcome", "rescore"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
    let page = chair
        .post(
            &format!("/review/panels/{p}/flags"),
            &[
                ("kind", "divergent"),
                ("sheet", &sheet),
                ("outcome", "rescore"),
                ("reason", "请复核文化、旅游两项"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let (_, high) = &s.experts[0];
    let page = high.get(&format!("/expert/proposals/{p}")).await;
    assert_eq!(page.text("#score-sheet .badge.version"), "v2");
    assert_eq!(
        page.text("#score-sheet .version-reason"),
        "本版本理由：请复核文化、旅游两项"
    );
    // Not all submitted now: the stage does not close.
    let close = chair.post(&format!("/review/panels/{p}/close"), &[]).await;
    assert_eq!(close.status, StatusCode::CONFLICT);
    // Re-scored, still far: this time the chair lets it stand.
    let page = post_sheet(high, p, &sheet_form(2, &sheets[0], &[], "submit")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = chair.get(&format!("/review/panels/{p}")).await;
    let sheet = page
        .attr(".flag.divergent input[name=sheet]", "value")
        .expect("flagged again");
    chair
        .post(
            &format!("/review/panels/{p}/flags"),
            &[
                ("kind", "divergent"),
                ("sheet", &sheet),
                ("outcome", "stands"),
                ("reason", "该专家熟悉当地规划，意见有据"),
            ],
        )
        .await;
    let page = chair.get(&format!("/review/panels/{p}")).await;
    assert_eq!(page.texts(".flag-resolved"), ["维持：该专家熟悉当地规划，意见有据"]);
    let total = page.text(".panel-total");
    let close = chair.post(&format!("/review/panels/{p}/close"), &[]).await;
    assert_eq!(close.status, StatusCode::SEE_OTHER);
    let (stage, frozen): (Option<String>, Decimal) = sqlx::query_as(
        "SELECT p.stage, r.total FROM proposals p JOIN panel_results r ON r.proposal_id = p.id WHERE p.id = $1",
    )
    .bind(p)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(stage.as_deref(), Some("joint"));
    assert_eq!(frozen, d(&total));
    // Closed: sheets no longer change.
    let (_, low) = &s.experts[1];
    let page = low
        .post(&format!("/expert/proposals/{p}/correction"), &[("reason", "想改")])
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_tied_judged_veto_does_not_hold_and_is_flagged() {
    let app = TestApp::spawn().await;
    let s = panel_of(&app, 4, &["甲小镇"]).await;
    let p = s.proposals[0];
    for (i, (_, c)) in s.experts.iter().enumerate() {
        let v = if i < 2 { "yes" } else { "no" };
        let page = post_sheet(c, p, &sheet_form(1, &[("j.plan", "4")], &[("v.debt", v)], "submit")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
    let chair = reviewer(&app).await;
    let page = chair.get(&format!("/review/panels/{p}")).await;
    assert_eq!(page.text("tr[data-line=\"v.debt\"] td.panel-figure"), "否 (4)");
    assert!(!page.has(".panel-vetoes"), "a tie does not hold");
    assert_eq!(page.texts(".flag.veto_tie").len(), 1);
    chair
        .post(
            &format!("/review/panels/{p}/flags"),
            &[
                ("kind", "veto_tie"),
                ("line", "v.debt"),
                ("outcome", "stands"),
                ("reason", "债务风险证据不足"),
            ],
        )
        .await;
    assert!(chair.get(&format!("/review/panels/{p}")).await.has("#close-stage"));
    // Three of four: it holds.
    let (_, third) = &s.experts[2];
    third
        .post(
            &format!("/expert/proposals/{p}/correction"),
            &[("reason", "补充材料显示债务风险")],
        )
        .await;
    post_sheet(
        third,
        p,
        &sheet_form(2, &[("j.plan", "4")], &[("v.debt", "yes")], "submit"),
    )
    .await;
    let page = chair.get(&format!("/review/panels/{p}")).await;
    assert_eq!(page.text("tr[data-line=\"v.debt\"] td.panel-figure"), "是 (4)");
    assert!(page.has(".panel-vetoes"));
    assert!(!page.has(".flag.veto_tie"));
}

/// Scores both proposals (the first higher) and closes their expert stage.
async fn both_scored(app: &TestApp, s: &crate::expert_sheets::Scored, chair: &Client) {
    for (k, p) in s.proposals.iter().enumerate() {
        let plan = if k == 0 { "7" } else { "3" };
        for (_, c) in &s.experts {
            let page = post_sheet(c, *p, &sheet_form(1, &[("j.plan", plan)], &[], "submit")).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER);
        }
        let close = chair.post(&format!("/review/panels/{p}/close"), &[]).await;
        assert_eq!(close.status, StatusCode::SEE_OTHER, "{}", close.body);
    }
    let _ = app;
}

#[tokio::test]
async fn the_joint_table_ranks_by_the_panels_total_and_going_against_it_needs_a_written_reason() {
    let app = TestApp::spawn().await;
    let s = panel_of(&app, 3, &["高分小镇", "低分小镇"]).await;
    let (high, low) = (s.proposals[0], s.proposals[1]);
    let chair = reviewer(&app).await;
    // Before the expert stage is closed, no approval: the decision belongs to the joint stage.
    let version = app.proposal_version(high).await.to_string();
    let early = chair
        .post(
            &format!("/proposals/{high}/decision"),
            &[("decision", "approve"), ("version", &version)],
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(early.body.contains("尚未进入联审决定阶段"), "{}", early.body);
    both_scored(&app, &s, &chair).await;

    let path = format!("/review/joint/{}", s.round);
    let page = chair.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.texts("#joint tr.joint-line td.name a:first-child"),
        ["高分小镇", "低分小镇"]
    );
    assert_eq!(page.texts("#joint td.rank"), ["1", "2"]);
    let totals: Vec<Decimal> = page
        .texts("#joint td.total")
        .iter()
        .map(|t| d(t.split(" / ").next().unwrap()))
        .collect();
    assert_eq!(totals[0] - totals[1], dec!(4), "7 − 3 on j.plan, the rest equal");
    // Self-assessment beside the panel, line by line.
    assert!(page.has(&format!("tr.joint-detail[data-id=\"{high}\"] table.compare td.panel")));

    // The higher is rejected; approving the lower without a reason is refused.
    // A decision in the joint table, on the proposal's current version.
    let decide = |id: i64, fields: &'static [(&'static str, &'static str)]| {
        let (app, chair, path) = (&app, &chair, path.clone());
        async move {
            let version = app.proposal_version(id).await.to_string();
            let id = id.to_string();
            let mut all: Vec<(&str, &str)> = vec![("proposal", id.as_str()), ("version", version.as_str())];
            all.extend_from_slice(fields);
            chair.post(&format!("{path}/decision"), &all).await
        }
    };
    let page = decide(high, &[("decision", "reject"), ("comment", "特色不明显")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = decide(low, &[("decision", "approve"), ("comment", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.texts(".order-reason-error"),
        ["该决定与专家组得分排序不一致，请书面说明理由"]
    );
    let page = decide(
        low,
        &[("decision", "approve"), ("order_reason", "列入省重点产业扶持方向")],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let comment: String = sqlx::query_scalar("SELECT comment FROM reviews WHERE proposal_id = $1")
        .bind(low)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(comment, "列入省重点产业扶持方向");
    let statuses = chair.get(&path).await.texts("#joint td.status");
    assert_eq!(statuses, ["未通过", "评审通过"]);
}

#[tokio::test]
async fn officials_see_the_panels_total_only_after_the_decision_and_never_an_experts_scores() {
    let app = TestApp::spawn().await;
    let s = panel_of(&app, 3, &["甲小镇"]).await;
    let p = s.proposals[0];
    let chair = reviewer(&app).await;
    for (_, c) in &s.experts {
        post_sheet(c, p, &sheet_form(1, &[("j.plan", "6.5")], &[], "submit")).await;
    }
    let official = signed_in(&app, "official-a").await;
    // 诸城市's city (潍坊市) sees what its county sees, and no more.
    let weifang = crate::rounds::city(&app, "潍坊市").await;
    crate::rounds::county_of(&app, "诸城市", weifang).await;
    crate::rounds::city_user(&app, "city-a", weifang).await;
    let city = signed_in(&app, "city-a").await;
    let expert_names: Vec<String> =
        sqlx::query_scalar("SELECT u.display_name FROM experts x JOIN users u ON u.id = x.user_id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let look = |page: &crate::helpers::Page| {
        for n in &expert_names {
            assert!(!page.body.contains(n.as_str()), "{n} is named to the county");
        }
        assert!(
            !page.has("#panel-sheets") && !page.has(".expert-total"),
            "an expert's points"
        );
        assert!(!page.body.contains("/expert/sheets/"));
    };
    let before = official.get(&format!("/proposals/{p}")).await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(!before.has(".panel-total"));
    look(&before);
    let city_before = city.get(&format!("/proposals/{p}")).await;
    assert_eq!(city_before.status, StatusCode::OK);
    assert!(!city_before.has(".panel-total"));
    look(&city_before);
    chair.post(&format!("/review/panels/{p}/close"), &[]).await;
    let closed = official.get(&format!("/proposals/{p}")).await;
    assert!(!closed.has(".panel-total"), "not before the decision");
    look(&closed);
    look(&official.get(&format!("/proposals/{p}/report")).await);
    let version = app.proposal_version(p).await.to_string();
    let page = chair
        .post(
            &format!("/review/joint/{}/decision", s.round),
            &[
                ("proposal", &p.to_string()),
                ("version", &version),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let total: Decimal = sqlx::query_scalar("SELECT total FROM panel_results WHERE proposal_id = $1")
        .bind(p)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let after = official.get(&format!("/proposals/{p}")).await;
    assert_eq!(
        after.text(".panel-total"),
        format!("{} / 110", xiaozhen::standards::number(total))
    );
    look(&after);
    let city_after = city.get(&format!("/proposals/{p}")).await;
    assert_eq!(city_after.text(".panel-total"), after.text(".panel-total"));
    look(&city_after);
    // Officials reach none of the chair's or experts' pages.
    assert_eq!(
        official.get(&format!("/review/panels/{p}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        official.get(&format!("/expert/proposals/{p}")).await.status,
        StatusCode::FORBIDDEN
    );
}

//! Drawing panels (DESIGN "Experts"): the mix kept, the same seed and list
//! drawing the same panel, conflicts by home region (county or its city),
//! employer and declaration recusing an expert from that proposal only,
//! replacements of the same field below the minimum, declines replaced,
//! every step audited.

use reqwest::StatusCode;
use xiaozhen::domain::panel::Field;

use crate::experts::{draw_input, expert, expert_round, in_round, region_id, signed_in};
use crate::helpers::TestApp;

/// Experts ids of a panel's seats in order, with their kind.
async fn seats(app: &TestApp, panel: i64) -> Vec<(i64, String, String, Option<i64>)> {
    sqlx::query_as("SELECT expert_id, field, kind, proposal_id FROM panel_seats WHERE panel_id = $1 ORDER BY position")
        .bind(panel)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

/// (expert, recusal) of a proposal's assignments, in seat order.
async fn staffing(app: &TestApp, proposal: i64) -> Vec<(i64, Option<String>, bool)> {
    sqlx::query_as(
        "SELECT a.expert_id, a.recusal, a.declined FROM expert_assignments a JOIN panel_seats s ON s.id = a.seat_id
         WHERE a.proposal_id = $1 ORDER BY s.position",
    )
    .bind(proposal)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_panel_keeps_its_mix_and_the_same_seed_and_list_draw_the_same_panel() {
    let app = TestApp::spawn().await;
    let official = app.official_of("official-a", "诸城市").await;
    let (admin, round) = expert_round(&app, "2027年第一批").await;
    let (_, round2) = expert_round(&app, "2027年第二批").await;
    in_round(&app, &official, &admin, "甲小镇", round).await;
    in_round(&app, &official, &admin, "乙小镇", round2).await;
    for (i, field) in [
        Field::Planning,
        Field::Planning,
        Field::Planning,
        Field::Industry,
        Field::Industry,
        Field::Tourism,
        Field::Tourism,
    ]
    .iter()
    .enumerate()
    {
        expert(&app, &admin, &format!("e{i}"), *field, &format!("单位{i}"), None).await;
    }
    let mix = [(Field::Planning, 1, 1), (Field::Industry, 1, 2), (Field::Tourism, 0, 2)];
    let seed = [42u8; 32];
    let a = xiaozhen::services::panels::draw_with_seed(&app.db, &admin, round, &draw_input("第一组", 3, &mix, 3), seed)
        .await
        .unwrap();
    let b =
        xiaozhen::services::panels::draw_with_seed(&app.db, &admin, round2, &draw_input("第一组", 3, &mix, 3), seed)
            .await
            .unwrap();
    let (sa, sb) = (seats(&app, a).await, seats(&app, b).await);
    assert_eq!(
        sa, sb,
        "the same seed and candidate list draw the same panel, seat by seat"
    );
    let fields: Vec<&str> = sa.iter().map(|s| s.1.as_str()).collect();
    assert_eq!(fields.iter().filter(|f| **f == "planning").count(), 1);
    assert!((1..=2).contains(&fields.iter().filter(|f| **f == "industry").count()));
    // Minimums first, in the fixed field order.
    assert_eq!(&fields[..2], ["planning", "industry"]);

    // The admin's page shows the record that replays it.
    let client = signed_in(&app, "panel-admin").await;
    let page = client.get(&format!("/admin/panels/{a}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("code.seed"), hex::encode(seed));
    assert_eq!(page.text("code.algorithm"), "chacha20-fields-v1");
    let stored: Vec<i64> = sqlx::query_scalar("SELECT unnest(candidates) FROM panels WHERE id = $1")
        .bind(a)
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 7);
    let drawn: String =
        sqlx::query_scalar("SELECT after->>'seed' FROM audit_log WHERE action = 'panel.drawn' AND entity_id = $1")
            .bind(a)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(drawn, hex::encode(seed));

    // Through the form: a size outside 3–9 and a minimum above its maximum
    // are refused beside their fields; a pool too thin says why.
    let round3 = expert_round(&app, "2027年第三批").await.1;
    in_round(&app, &official, &admin, "丙小镇", round3).await;
    let path = format!("/admin/rounds/{round3}/panels");
    let form = |size: &str, min_planning: &str| {
        let mut f = vec![
            ("name".to_string(), "第一组".to_string()),
            ("size".into(), size.into()),
            ("min_scorers".into(), "3".into()),
        ];
        for field in Field::ALL {
            let (min, max) = match field {
                Field::Planning => (min_planning, "1"),
                Field::Industry => ("1", "2"),
                Field::Tourism => ("0", "2"),
                _ => ("0", "0"),
            };
            f.push((format!("min.{}", field.code()), min.into()));
            f.push((format!("max.{}", field.code()), max.into()));
        }
        f
    };
    let post = |f: Vec<(String, String)>| {
        let client = &client;
        let path = path.clone();
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            client.post(&path, &pairs).await
        }
    };
    let page = post(form("2", "2")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.texts(".field-error"),
        [
            "专家组人数须为 3 至 9 人",
            "下限和上限须为 0 至 9 的整数，且下限不大于上限"
        ]
    );
    assert_eq!(page.attr("#size", "value").as_deref(), Some("2"));
    let page = post(form("9", "1")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The fields' maximums (1 + 2 + 2) cannot seat 9.
    assert_eq!(
        page.texts(".field-error"),
        ["各领域人数下限之和不能超过专家组人数，上限之和不能少于专家组人数，且下限不能大于上限"]
    );
    let page = post(form("3", "1")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(page.location().unwrap().starts_with("/admin/panels/"));
}

#[tokio::test]
async fn a_conflict_recuses_from_that_proposal_only_and_below_the_minimum_brings_a_replacement_of_the_same_field() {
    let app = TestApp::spawn().await;
    let official = app.official_of("official-a", "诸城市").await;
    let (admin, round) = expert_round(&app, "2027年第一批").await;
    // 诸城市 belongs to the city 潍坊市.
    let city = region_id(&app, "潍坊市").await;
    let county = region_id(&app, "诸城市").await;
    sqlx::query("UPDATE regions SET kind = 'city' WHERE id = $1")
        .bind(city)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("UPDATE regions SET parent_id = $1 WHERE id = $2")
        .bind(city)
        .bind(county)
        .execute(&app.db)
        .await
        .unwrap();
    let other = app.official_of("official-b", "青州市").await;
    let here = in_round(&app, &official, &admin, "诸城小镇", round).await;
    let mut input = crate::helpers::sample_input("青州小镇");
    input.developer = Some("青州文旅投资集团有限公司".into());
    let there = crate::experts::in_round_with(&app, &other, &admin, &input, round).await;
    let developer: String = sqlx::query_scalar("SELECT developer FROM proposals WHERE id = $1")
        .bind(there)
        .fetch_one(&app.db)
        .await
        .unwrap();
    // One planner lives in the city of 诸城市; the only other planners work
    // for 青州小镇's developer, or are free.
    let (city_planner, _) = expert(&app, &admin, "planner-city", Field::Planning, "潍坊规划院", Some(city)).await;
    let (dev_planner, _) = expert(&app, &admin, "planner-dev", Field::Planning, &developer, None).await;
    let (free_planner, _) = expert(&app, &admin, "planner-free", Field::Planning, "浙江大学", None).await;
    let (i1, _) = expert(&app, &admin, "industry-1", Field::Industry, "甲公司", None).await;
    let (i2, _) = expert(&app, &admin, "industry-2", Field::Industry, "乙公司", None).await;
    // Seed by seed until the city planner and the developer's planner are
    // both drawn (3 seats: one planner and the two industry experts, or two
    // planners): the test needs a panel with a conflict on each proposal.
    let mix = [(Field::Planning, 2, 2), (Field::Industry, 1, 1)];
    let mut found = None;
    for s in 0..64u8 {
        let c: Vec<xiaozhen::domain::panel::Candidate> = [
            (city_planner, Field::Planning),
            (dev_planner, Field::Planning),
            (free_planner, Field::Planning),
            (i1, Field::Industry),
            (i2, Field::Industry),
        ]
        .iter()
        .map(|(id, f)| xiaozhen::domain::panel::Candidate {
            expert_id: *id,
            field: *f,
        })
        .collect();
        let m = xiaozhen::domain::panel::Mix {
            size: 3,
            fields: mix.iter().map(|(f, a, b)| (*f, *a, *b)).collect(),
        };
        let p = xiaozhen::domain::panel::draw([s; 32], &c, &m).unwrap();
        let ids: Vec<i64> = p.iter().map(|x| x.expert_id).collect();
        if ids.contains(&city_planner) && ids.contains(&dev_planner) {
            found = Some([s; 32]);
            break;
        }
    }
    let seed = found.expect("some seed seats both conflicted planners");
    let panel =
        xiaozhen::services::panels::draw_with_seed(&app.db, &admin, round, &draw_input("第一组", 3, &mix, 3), seed)
            .await
            .unwrap();
    // 诸城小镇: the city planner recused (home region = the county's city),
    // replaced for it alone by the free planner (the developer's planner
    // has no conflict with it and stays).
    let s_here = staffing(&app, here).await;
    assert!(
        s_here.contains(&(city_planner, Some("home_region".into()), false)),
        "{s_here:?}"
    );
    assert!(s_here.contains(&(dev_planner, None, false)), "{s_here:?}");
    assert!(s_here.contains(&(free_planner, None, false)), "{s_here:?}");
    // 青州小镇: the developer's planner recused (employer), replaced by the
    // free planner; the city planner is not conflicted there.
    let s_there = staffing(&app, there).await;
    assert!(
        s_there.contains(&(dev_planner, Some("employer".into()), false)),
        "{s_there:?}"
    );
    assert!(s_there.contains(&(city_planner, None, false)), "{s_there:?}");
    assert!(s_there.contains(&(free_planner, None, false)), "{s_there:?}");
    let replacements: Vec<(i64, String, String, Option<i64>)> = seats(&app, panel)
        .await
        .into_iter()
        .filter(|s| s.2 == "conflict_replacement")
        .collect();
    assert_eq!(
        replacements,
        [
            (
                free_planner,
                "planning".into(),
                "conflict_replacement".into(),
                Some(here)
            ),
            (
                free_planner,
                "planning".into(),
                "conflict_replacement".into(),
                Some(there)
            ),
        ]
    );
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE entity = 'panel' ORDER BY id")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        actions,
        [
            "panel.drawn",
            "panel.recused",
            "panel.replacement_drawn",
            "panel.recused",
            "panel.replacement_drawn"
        ]
    );
    // The admin's page names each recusal with its reason.
    let client = signed_in(&app, "panel-admin").await;
    let page = client.get(&format!("/admin/panels/{panel}")).await;
    let states = page.texts(&format!("section[data-proposal=\"{here}\"] .state"));
    assert!(states.contains(&"所在地为申报地，回避".to_string()), "{states:?}");
    let kinds = page.texts("#seats td.kind");
    assert_eq!(kinds.iter().filter(|k| *k == "回避补抽").count(), 2);

    // The recused expert does not see that proposal, by URL either.
    let city_user: i64 = sqlx::query_scalar("SELECT user_id FROM experts WHERE id = $1")
        .bind(city_planner)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let name: String = sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
        .bind(city_user)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let client = signed_in(&app, &name).await;
    assert_eq!(
        client.get(&format!("/expert/proposals/{here}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client.get(&format!("/expert/proposals/{there}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_declared_conflict_recuses_and_a_decline_is_replaced_by_the_same_field() {
    let app = TestApp::spawn().await;
    let official = app.official_of("official-a", "诸城市").await;
    let (admin, round) = expert_round(&app, "2027年第一批").await;
    let one = in_round(&app, &official, &admin, "甲小镇", round).await;
    let two = in_round(&app, &official, &admin, "乙小镇", round).await;
    let mut tourism = Vec::new();
    for i in 0..5 {
        tourism.push(
            expert(
                &app,
                &admin,
                &format!("t{i}"),
                Field::Tourism,
                &format!("旅游单位{i}"),
                None,
            )
            .await,
        );
    }
    let panel = xiaozhen::services::panels::draw_with_seed(
        &app.db,
        &admin,
        round,
        &draw_input("第一组", 3, &[(Field::Tourism, 3, 3)], 3),
        [7; 32],
    )
    .await
    .unwrap();
    let drawn: Vec<i64> = seats(&app, panel).await.iter().map(|s| s.0).collect();
    let username = |id: i64| format!("t{}", tourism.iter().position(|(x, _)| *x == id).unwrap());

    // A declaration without saying what it is: refused beside the field.
    let first = signed_in(&app, &username(drawn[0])).await;
    let page = first
        .post(&format!("/expert/proposals/{one}/conflict"), &[("note", " ")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.texts(".field-error"), ["请说明利害关系（不超过 2000 字）"]);
    let page = first
        .post(
            &format!("/expert/proposals/{one}/conflict"),
            &[("note", "曾参与该小镇规划编制")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        first.get(&format!("/expert/proposals/{one}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        first.get(&format!("/expert/proposals/{two}")).await.status,
        StatusCode::OK
    );
    let s = staffing(&app, one).await;
    assert_eq!(s.iter().filter(|a| a.1.is_none() && !a.2).count(), 3, "replaced: {s:?}");
    assert!(s.contains(&(drawn[0], Some("declared".into()), false)));
    let note: String =
        sqlx::query_scalar("SELECT recusal_note FROM expert_assignments WHERE proposal_id = $1 AND expert_id = $2")
            .bind(one)
            .bind(drawn[0])
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(note, "曾参与该小镇规划编制");

    // The second member declines the panel: out of both proposals, and a
    // tourism expert not yet seated takes the seat in both.
    let second = signed_in(&app, &username(drawn[1])).await;
    let home = second.get("/expert").await;
    assert_eq!(home.texts("#todo td.name").len(), 2);
    let page = second
        .post(&format!("/expert/panels/{panel}/decline"), &[("reason", "时间冲突")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(second.get("/expert").await.texts("#todo td.name").len(), 0);
    let all = seats(&app, panel).await;
    let replacement = all
        .iter()
        .find(|s| s.2 == "decline_replacement")
        .expect("a replacement");
    assert_eq!(replacement.1, "tourism");
    assert!(!drawn.contains(&replacement.0));
    for p in [one, two] {
        let s = staffing(&app, p).await;
        assert!(s.contains(&(drawn[1], None, true)), "{s:?}");
        assert!(s.contains(&(replacement.0, None, false)), "{s:?}");
    }
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE entity = 'panel' ORDER BY id")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        actions,
        [
            "panel.drawn",
            "panel.conflict_declared",
            "panel.recused",
            "panel.replacement_drawn",
            "panel.declined",
            "panel.replacement_drawn"
        ]
    );
}

#[tokio::test]
async fn each_group_of_a_rounds_proposals_gets_its_own_panel_and_the_experts_to_do_shows_the_due_date() {
    let app = TestApp::spawn().await;
    let official = app.official_of("official-a", "诸城市").await;
    let (admin, round) = expert_round(&app, "2027年第一批").await;
    let first = in_round(&app, &official, &admin, "甲小镇", round).await;
    let second = in_round(&app, &official, &admin, "乙小镇", round).await;
    for i in 0..6 {
        expert(
            &app,
            &admin,
            &format!("r{i}"),
            Field::Research,
            &format!("研究院{i}"),
            None,
        )
        .await;
    }
    let client = signed_in(&app, "panel-admin").await;
    let path = format!("/admin/rounds/{round}/panels");
    let page = client.get(&path).await;
    assert_eq!(page.texts("input[name=proposals]").len(), 2);
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let mut form: Vec<(String, String)> = vec![
        ("name".into(), "第一组".into()),
        ("size".into(), "3".into()),
        ("min_scorers".into(), "3".into()),
        ("due".into(), tomorrow.clone()),
        ("proposals".into(), first.to_string()),
    ];
    for f in Field::ALL {
        let n = if f == Field::Research { "3" } else { "0" };
        form.push((format!("min.{}", f.code()), n.into()));
        form.push((format!("max.{}", f.code()), n.into()));
    }
    let post = |form: Vec<(String, String)>| {
        let (client, path) = (&client, path.clone());
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            client.post(&path, &pairs).await
        }
    };
    let page = post(form.clone()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // A proposal already on a panel is not drawn again.
    let page = post(form.clone()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.texts(".field-error"), ["所选项目不在本轮待抽取之列"]);
    let page = client.get(&path).await;
    assert_eq!(page.texts("input[name=proposals]").len(), 1, "only the second waits");
    // The second group gets its own panel, under a name of its own.
    for (k, v) in form.iter_mut() {
        if k == "proposals" {
            *v = second.to_string();
        }
    }
    let page = post(form.clone()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.texts(".field-error"), ["本轮已有同名专家组"]);
    for (k, v) in form.iter_mut() {
        if k == "name" {
            *v = "第二组".into();
        }
    }
    assert_eq!(post(form).await.status, StatusCode::SEE_OTHER);
    let panels: Vec<(i64, i64)> =
        sqlx::query_as("SELECT proposal_id, panel_id FROM panel_proposals ORDER BY proposal_id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(panels.len(), 2);
    assert_ne!(panels[0].1, panels[1].1);
    assert!(client.get(&path).await.has("#nothing-waiting"));

    // An expert on the first panel sees its proposal due tomorrow, marked.
    let seated: i64 = sqlx::query_scalar(
        "SELECT x.user_id FROM panel_seats s JOIN experts x ON x.id = s.expert_id WHERE s.panel_id = $1 LIMIT 1",
    )
    .bind(panels[0].1)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let name = app.user(seated).await.username;
    let home = signed_in(&app, &name).await.get("/expert").await;
    let row = format!("#todo tr[data-id=\"{first}\"]");
    assert_eq!(home.text(&format!("{row} td.due")), format!("{tomorrow} 即将到期"));
    assert!(home.has(&format!("{row}.due-soon")));
}

//! The demonstration's expert review (DESIGN "Experts"): a pool of ten
//! experts (`expert1` … `expert10`, password `demo-password`), a finished
//! round 2027年第一批 with the city and expert stages on — three towns
//! recommended by 潍坊市 in its order, then scored by a panel of seven drawn from a stored seed, one expert living in 诸城市
//! recused from its town and replaced by a draw of the same field, every
//! sheet submitted and signed, one expert's total flagged as divergent and
//! let stand by the chair, the stage closed — and the joint decision:
//! two approved, one rejected, in score order.

use rust_decimal::Decimal;
use sqlx::PgPool;

use super::demo::DEMO_PASSWORD;
use crate::auth::User;
use crate::db::{experts as db_experts, panels as db_panels, users};
use crate::domain::panel::{self, Candidate, Field};
use crate::services::expert_review::{self, FlagInput, SheetInput};
use crate::services::experts::{self, ExpertInput};
use crate::services::panels::{self as panel_service, DrawInput};
use crate::services::reviews::{self, Decision, DecisionInput};
use crate::standards::scoring::{Judgement, Judgements};

/// (user name, name, field, employer, home region).
const POOL: [(&str, &str, Field, &str, Option<&str>); 10] = [
    ("expert1", "陈规划", Field::Planning, "浙江省城乡规划设计研究院", None),
    ("expert2", "林城乡", Field::Planning, "诸城市规划设计院", Some("诸城市")),
    ("expert3", "周产业", Field::Industry, "浙江省发展规划研究院", None),
    ("expert4", "吴经济", Field::Industry, "浙江大学管理学院", None),
    ("expert5", "郑主管", Field::Authority, "省发展改革委", None),
    ("expert6", "王住建", Field::Authority, "省住房城乡建设厅", None),
    ("expert7", "冯研究", Field::Research, "中国美术学院", None),
    ("expert8", "褚文旅", Field::Tourism, "浙江旅游职业学院", None),
    ("expert9", "卫财务", Field::Other, "天健会计师事务所", None),
    ("expert10", "蒋法务", Field::Other, "浙江天册律师事务所", None),
];

/// (name, region, developer, the panel's usual points on the judged lines).
const TOWNS: [(&str, &str, &str, [&str; 7]); 3] = [
    (
        "诸城龙城智造小镇",
        "诸城市",
        "诸城市龙城智造投资有限公司",
        ["7", "7", "4", "4", "4", "3", "4"],
    ),
    (
        "青州古城文旅小镇",
        "青州市",
        "青州古城文化旅游发展有限公司",
        ["4.5", "4", "2.5", "2.5", "2", "2", "2"],
    ),
    (
        "青州花卉创意小镇",
        "青州市",
        "青州市花卉产业发展有限公司",
        ["3", "3", "1.5", "1.5", "2", "1.5", "1.5"],
    ),
];

const LINES: [&str; 7] = [
    "j.plan",
    "j.industry",
    "j.culture",
    "j.tourism",
    "j.community",
    "j.reform",
    "j.developer",
];

fn mix() -> Vec<(Field, usize, usize)> {
    vec![
        (Field::Planning, 1, 2),
        (Field::Industry, 1, 2),
        (Field::Authority, 1, 2),
        (Field::Research, 1, 1),
        (Field::Tourism, 1, 1),
        (Field::Other, 1, 2),
    ]
}

pub async fn load(pool: &PgPool, admin: &User, reviewer: &User) -> anyhow::Result<()> {
    let hash = crate::auth::password::hash(DEMO_PASSWORD.to_owned()).await?;
    let mut conn = pool.acquire().await?;
    let mut experts_by_user = Vec::new();
    for (username, name, field, employer, home) in POOL {
        let home_region = match home {
            Some(r) => crate::db::regions::ensure(&mut conn, r).await?.id.to_string(),
            None => String::new(),
        };
        let input = ExpertInput {
            field: field.code().into(),
            employer: employer.into(),
            home_region,
        };
        let (id, user_id, _) = experts::create(pool, admin.id, username, name, &input)
            .await
            .map_err(|e| anyhow::anyhow!("demo expert {username}: {e:?}"))?;
        users::set_password(&mut conn, user_id, &hash, false).await?;
        experts_by_user.push((id, user_id));
    }
    let round = crate::db::rounds::insert(
        &mut conn,
        &crate::db::rounds::RoundData {
            name: "2027年第一批",
            deadline: None,
            standard_id: None,
            scoring_table: None,
            stages: crate::domain::round::Stages {
                city: true,
                expert: true,
                ..Default::default()
            },
            city_quota: None,
        },
        admin.id,
    )
    .await?;
    drop(conn);

    // The towns, submitted into the round with their materials and
    // boundaries.
    let mut towns = Vec::new();
    for (name, region, developer, _) in TOWNS {
        let official = official_of(pool, region).await?;
        let mut input = crate::domain::proposal::sample_proposal().to_input();
        input.name = Some(name.into());
        input.developer = Some(developer.into());
        let region_id = official
            .region_id
            .ok_or_else(|| anyhow::anyhow!("an official without a region"))?;
        let id = crate::services::proposals::create_draft(pool, &official, region_id, &input, Vec::new()).await?;
        crate::services::materials::store_samples(pool, &official, id)
            .await
            .map_err(|e| anyhow::anyhow!("demo materials: {e:?}"))?;
        crate::services::boundaries::store_sample(pool, &official, id)
            .await
            .map_err(|e| anyhow::anyhow!("demo boundary: {e:?}"))?;
        // Submitted into the round, the town waits for its city (潍坊市).
        crate::services::proposals::submit_into(pool, &official, id, 1, Some(round)).await?;
        towns.push(id);
    }
    // 潍坊市 recommends the three in its order, with its opinions: they go
    // on to the experts.
    let city = city_user(pool).await?;
    for (rank, (id, opinion)) in towns.iter().zip(CITY_OPINIONS).enumerate() {
        let mut conn = pool.acquire().await?;
        let version = proposal_version(&mut conn, *id).await?;
        drop(conn);
        let rank = (rank + 1).to_string();
        let input = crate::services::rounds::Recommend {
            version,
            rank: &rank,
            opinion,
        };
        crate::services::rounds::recommend(pool, &city, *id, input)
            .await
            .map_err(|e| anyhow::anyhow!("demo recommendation: {e:?}"))?;
    }

    // A seed whose panel seats the expert living in 诸城市: the draw then
    // recuses them from 诸城's town and draws a planner in their place.
    let mut conn = pool.acquire().await?;
    let candidates: Vec<Candidate> = db_experts::drawable(&mut conn)
        .await?
        .iter()
        .filter_map(|x| Field::from_code(&x.field).map(|field| Candidate { expert_id: x.id, field }))
        .collect();
    drop(conn);
    // The other planner stays in the pool, to be drawn in their place.
    let (local, other_planner) = (experts_by_user[1].0, experts_by_user[0].0);
    let m = panel::Mix { size: 7, fields: mix() };
    let seed = (0u8..=255)
        .map(|s| [s; 32])
        .find(|s| {
            panel::draw(*s, &candidates, &m).is_ok_and(|p| {
                p.iter().any(|c| c.expert_id == local) && !p.iter().any(|c| c.expert_id == other_planner)
            })
        })
        .ok_or_else(|| anyhow::anyhow!("no demo seed seats the local expert"))?;
    let input = DrawInput {
        name: "第一专家组".into(),
        size: "7".into(),
        mix: mix()
            .into_iter()
            .map(|(f, a, b)| (f, a.to_string(), b.to_string()))
            .collect(),
        min_scorers: "7".into(),
        due: "2027-05-31".into(),
        proposals: Vec::new(),
    };
    panel_service::draw_with_seed(pool, admin, round, &input, seed)
        .await
        .map_err(|e| anyhow::anyhow!("demo draw: {e:?}"))?;

    // Every assigned expert scores: near the town's usual points, the
    // first scorer of 青州 far above the others (flagged as divergent).
    for (t, town) in towns.iter().enumerate() {
        let mut conn = pool.acquire().await?;
        let assigned: Vec<i64> = db_panels::assignments(&mut conn, *town)
            .await?
            .into_iter()
            .filter(|a| a.scores())
            .map(|a| a.expert_id)
            .collect();
        drop(conn);
        for (k, expert_id) in assigned.iter().enumerate() {
            let user_id = experts_by_user
                .iter()
                .find(|(e, _)| e == expert_id)
                .map(|(_, u)| *u)
                .ok_or_else(|| anyhow::anyhow!("an unknown demo expert"))?;
            let user = crate::auth::load_user(pool, user_id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("an inactive demo expert"))?;
            let generous = t == 1 && k == 0;
            let judged = sheet(&TOWNS[t].3, k, generous);
            expert_review::save_sheet(
                pool,
                &user,
                *town,
                &SheetInput {
                    version: 1,
                    judged,
                    submit: true,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo sheet: {e:?}"))?;
        }
        // The chair lets a divergent total stand, with the reason.
        let state = {
            let mut conn = pool.acquire().await?;
            expert_review::panel_state(&mut conn, *town)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?
        };
        for d in &state.divergent {
            let flag = FlagInput {
                kind: "divergent".into(),
                sheet_id: Some(d.sheet_id),
                line: String::new(),
                outcome: "stands".into(),
                reason: "该专家长期从事文旅项目评估，对古城保护利用评价较高，意见有据，予以保留。".into(),
            };
            expert_review::note_flag(pool, reviewer, *town, &flag)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        expert_review::close_stage(pool, reviewer, *town)
            .await
            .map_err(|e| anyhow::anyhow!("demo close: {e:?}"))?;
    }

    // The joint decision, in score order.
    for (t, town) in towns.iter().enumerate() {
        let mut conn = pool.acquire().await?;
        let version = proposal_version(&mut conn, *town).await?;
        drop(conn);
        let (decision, comment) = if t < 2 {
            (Decision::Approve, "联审同意：专家组评分居前，建议列入创建名单。")
        } else {
            (Decision::Reject, "联审不同意：专家组评分靠后，产业集聚度不足。")
        };
        reviews::decide(pool, reviewer, *town, &DecisionInput::new(decision, comment, version))
            .await
            .map_err(|e| anyhow::anyhow!("demo joint decision: {e:?}"))?;
    }
    println!(
        "专家评审演示 / expert review demo: round 2027年第一批, experts expert1–expert10 (password {DEMO_PASSWORD})"
    );
    Ok(())
}

/// The demo official of a region (`official`, `official2` or created).
/// 潍坊市's opinions of the three towns, in its order.
const CITY_OPINIONS: [&str; 3] = [
    "产业定位清晰，智能制造基础扎实，市级初审推荐，排序第一。",
    "古城文化资源独特，旅游功能完善，市级初审推荐，排序第二。",
    "花卉产业特色鲜明，投资进度需加快，市级初审推荐，排序第三。",
];

/// A proposal's version, which each act on it bumps.
async fn proposal_version(conn: &mut sqlx::PgConnection, id: i64) -> anyhow::Result<i32> {
    Ok(crate::db::proposals::get(conn, id, crate::db::proposals::Scope::All)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo town {id} is gone"))?
        .version)
}

/// The demo's city account (潍坊市).
async fn city_user(pool: &PgPool) -> anyhow::Result<User> {
    let mut conn = pool.acquire().await?;
    let row = crate::db::users::find_by_username(&mut conn, "city")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no demo city account"))?;
    drop(conn);
    crate::auth::load_user(pool, row.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo city account is inactive"))
}

async fn official_of(pool: &PgPool, region: &str) -> anyhow::Result<User> {
    let mut conn = pool.acquire().await?;
    let region_id = crate::db::regions::ensure(&mut conn, region).await?.id;
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'official' AND region_id = $1 ORDER BY id LIMIT 1")
            .bind(region_id)
            .fetch_optional(&mut *conn)
            .await?;
    drop(conn);
    let id = id.ok_or_else(|| anyhow::anyhow!("no demo official of {region}"))?;
    crate::auth::load_user(pool, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo official of {region} is inactive"))
}

/// An expert's sheet: the town's usual points, half a point up or down by
/// the expert's place, every judged line at its maximum for a generous one;
/// innovation 1, no veto.
fn sheet(usual: &[&str; 7], k: usize, generous: bool) -> Judgements {
    let maxima = ["8", "8", "5", "5", "5", "4", "5"];
    let mut judged = Judgements::new();
    for (i, line) in LINES.iter().enumerate() {
        let base: Decimal = usual[i].parse().unwrap_or_default();
        let max: Decimal = maxima[i].parse().unwrap_or_default();
        let shift = match k % 3 {
            0 => Decimal::new(5, 1),
            1 => Decimal::ZERO,
            _ => Decimal::new(-5, 1),
        };
        let points = if generous {
            max
        } else {
            (base + shift).min(max).max(Decimal::ZERO)
        };
        judged.insert(
            line.to_string(),
            Judgement {
                points: Some(points),
                comment: "依据申报材料和现场汇报评分。".into(),
                ..Judgement::default()
            },
        );
    }
    judged.insert(
        "x.innovation".into(),
        Judgement {
            points: Some(Decimal::ONE),
            ..Judgement::default()
        },
    );
    for veto in ["v.redline", "v.farmland", "v.debt"] {
        judged.insert(
            veto.into(),
            Judgement {
                veto: Some(false),
                ..Judgement::default()
            },
        );
    }
    judged
}

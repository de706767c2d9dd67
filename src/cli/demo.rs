//! Demonstration data: regions, the demo accounts, and (as the product
//! grows) proposals in every status and a published batch.

use anyhow::bail;
use sqlx::PgPool;

use super::demo_towns::{self, Fate};
use crate::auth::{User, password};
use crate::config::DemoArgs;
use crate::db::{audit, regions, users};
use crate::domain::Role;
use crate::services::reviews::{self, Decision, DecisionInput};
use crate::services::{batches, proposals};

pub const DEMO_PASSWORD: &str = "demo-password";

/// The regions of the demonstration (the city of the source report and
/// neighbours), the first being `official`'s.
pub const REGIONS: [&str; 4] = ["诸城市", "青州市", "寿光市", "临朐县"];

/// The cities (地级市) of the demonstration and their counties: 潍坊市 for
/// the regions above, and the Zhejiang cities of the demo towns.
pub const CITIES: [(&str, &[&str]); 7] = [
    ("潍坊市", &["诸城市", "青州市", "寿光市", "临朐县"]),
    ("湖州市", &["德清县", "吴兴区"]),
    ("嘉兴市", &["嘉善县", "海宁市"]),
    ("宁波市", &["江北区"]),
    ("绍兴市", &["越城区", "诸暨市", "柯桥区"]),
    ("杭州市", &["上城区", "余杭区", "桐庐县"]),
    ("金华市", &["磐安县"]),
];

pub async fn load(pool: &PgPool, args: &DemoArgs) -> anyhow::Result<()> {
    if let Some(count) = args.proposals {
        return super::generate::load(pool, count).await;
    }
    let mut tx = pool.begin().await?;
    let proposals: i64 = sqlx::query_scalar("SELECT count(*) FROM proposals")
        .fetch_one(&mut *tx)
        .await?;
    if proposals > 0 {
        bail!("the database already has proposals; demo loads only into a database without any");
    }
    let mut region_ids = Vec::new();
    for name in REGIONS {
        region_ids.push(regions::ensure(&mut tx, name).await?.id);
    }
    // The region tree: each county under its city.
    let mut city_ids = Vec::new();
    for (city, counties) in CITIES {
        let city_id = regions::ensure_city(&mut tx, city)
            .await?
            .ok_or_else(|| anyhow::anyhow!("{city} is a county here, not a city"))?;
        for county in counties {
            let county_id = regions::ensure(&mut tx, county).await?.id;
            regions::set_parent(&mut tx, county_id, Some(city_id)).await?;
        }
        city_ids.push(city_id);
    }
    let hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
    let accounts = [
        ("admin", "演示管理员", Role::Admin, None),
        ("reviewer", "演示评审员", Role::Reviewer, None),
        ("official", "诸城市申报员", Role::Official, Some(region_ids[0])),
        ("official2", "青州市申报员", Role::Official, Some(region_ids[1])),
        ("city", "潍坊市初审员", Role::City, Some(city_ids[0])),
    ];
    for (username, display_name, role, region_id) in accounts {
        // Keep any existing account (the first admin in particular).
        if users::find_by_username(&mut tx, username).await?.is_some() {
            println!("保留已有账号 / keeping existing account: {username}");
            continue;
        }
        let new = users::NewUser {
            username,
            display_name,
            role,
            region_id,
            password_hash: &hash,
            must_change_password: false,
        };
        let id = users::insert(&mut tx, new).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: None,
                action: "user.created",
                entity: "user",
                entity_id: Some(id),
                before: None,
                after: None,
            },
        )
        .await?;
        println!("演示账号 / demo account: {username}  密码 / password: {DEMO_PASSWORD}");
    }
    tx.commit().await?;
    load_towns(pool).await
}

/// The demonstration towns, each taken through the workflow to its fate by
/// the same use cases the pages call.
async fn load_towns(pool: &PgPool) -> anyhow::Result<()> {
    let hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
    let reviewer = account(pool, "reviewer").await?;
    let admin = account(pool, "admin").await?;
    // The control-line layers first, so that every submission is checked.
    for (kind, name, polygons) in super::demo_places::layers() {
        let layer = crate::services::boundaries::read_layer(crate::spatial::feature_collection(&polygons).into_bytes())
            .await
            .map_err(|e| anyhow::anyhow!("demo layer {name}: {e:?}"))?;
        crate::services::boundaries::store_layer(pool, &admin, kind, name, "demo.geojson", layer).await?;
    }
    let mut officials: Vec<(String, User)> = Vec::new();
    let mut listed = Vec::new();
    let mut approved = Vec::new();
    for (i, town) in demo_towns::towns().into_iter().enumerate() {
        let official = match officials.iter().find(|(region, _)| region == town.region) {
            Some((_, user)) => user.clone(),
            None => {
                let user = regional_official(pool, town.region, i, &hash).await?;
                officials.push((town.region.to_owned(), user.clone()));
                user
            }
        };
        let region_id = official
            .region_id
            .ok_or_else(|| anyhow::anyhow!("an official without a region"))?;
        let id = proposals::create_draft(pool, &official, region_id, &town.input, Vec::new()).await?;
        if town.fate == Fate::Draft {
            continue;
        }
        // Submitted with the five materials (small PDFs) and a boundary of
        // its planned area near its real place, as the active version asks;
        // drafts have none yet.
        crate::services::materials::store_samples(pool, &official, id)
            .await
            .map_err(|e| anyhow::anyhow!("demo materials: {e:?}"))?;
        store_boundary(pool, &official, id, &town.input).await?;
        proposals::submit(pool, &official, id, 1).await?;
        match town.fate {
            Fate::Draft | Fate::Submitted => {}
            Fate::Withdrawn => {
                proposals::withdraw(pool, &official, id, 2).await?;
            }
            Fate::Returned(comment) => decide(pool, &reviewer, id, Decision::Return, comment).await?,
            Fate::Rejected(comment) => decide(pool, &reviewer, id, Decision::Reject, comment).await?,
            Fate::Approved(comment) => {
                decide(pool, &reviewer, id, Decision::Approve, comment).await?;
                approved.push(id);
            }
            Fate::Listed(comment) => {
                decide(pool, &reviewer, id, Decision::Approve, comment).await?;
                listed.push(id);
            }
        }
    }
    let batch = batches::create_list_batch_without_notice(
        pool,
        admin.id,
        "第一批省级特色小镇创建名单",
        "经各地申报、省级评审，现公布第一批省级特色小镇创建名单。创建期为3年（26个加快发展县为5年），实行“宽进严定”的创建制，年度考核合格后方可继续创建。",
    )
    .await?;
    for id in &listed {
        batches::add_entry(pool, admin.id, batch, *id, "").await?;
    }
    // Published in March 2022, so that the towns have whole creation
    // periods (2022–2024) with every report deadline past: grades, a
    // named town and a rebate year after naming.
    let listed_at = chrono::DateTime::parse_from_rfc3339("2022-03-20T10:00:00+08:00")?.to_utc();
    batches::publish_as_of(pool, admin.id, batch, listed_at).await?;
    // The listed towns' creation: reports, grades, named towns, a rebate year.
    crate::services::creation::demo(pool, &reviewer, &admin, &listed).await?;
    notice_demo(pool, admin.id, &approved).await?;
    super::demo_experts::load(pool, &admin, &reviewer).await?;
    println!(
        "演示数据已载入 / demonstration data loaded: {} towns, first batch published",
        demo_towns::towns().len()
    );
    Ok(())
}

/// A demo town's boundary: its planned area drawn near its real place.
async fn store_boundary(
    pool: &PgPool,
    official: &User,
    id: i64,
    input: &crate::domain::proposal::ProposalInput,
) -> anyhow::Result<()> {
    use rust_decimal::prelude::ToPrimitive;
    let name = input.name.as_deref().unwrap_or_default();
    let km2 = input.planned_area_km2.and_then(|d| d.to_f64()).unwrap_or(3.0);
    let Some(text) = super::demo_places::boundary_of(name, km2) else {
        return Ok(());
    };
    crate::services::boundaries::store_bytes(pool, official, id, "四至范围.geojson", text.as_bytes())
        .await
        .map_err(|e| anyhow::anyhow!("demo boundary of {name}: {e:?}"))?;
    Ok(())
}

/// The approved towns as a second batch on public notice (公示) since
/// yesterday, with two objections: one upheld (its town back to the
/// reviewers), one open.
async fn notice_demo(pool: &PgPool, admin: i64, approved: &[i64]) -> anyhow::Result<()> {
    use crate::services::notice::{self, ObjectionForm, ResolveInput};
    let batch = batches::create_list_batch(
        pool,
        admin,
        "第二批省级特色小镇创建名单",
        "经各地申报、省级评审，拟列入第二批省级特色小镇创建名单的小镇如下，现予公示。",
    )
    .await?;
    notice::set_settings(pool, admin, batch, "浙特镇办〔2027〕3号", true).await?;
    for id in approved {
        batches::add_entry(pool, admin, batch, *id, "").await?;
    }
    let now = chrono::Utc::now();
    let today = crate::domain::notice::china_date(now);
    notice::start(pool, admin, batch, today, crate::domain::notice::DEFAULT_DAYS, now).await?;
    let token = notice::form_token(pool, batch, now - chrono::Duration::minutes(10)).await?;
    let mut references = Vec::new();
    for (i, (name, phone, grounds)) in [
        (
            "王建国",
            "13900001111",
            "该小镇申报的特色产业投资中包含已建成项目，数据不实。",
        ),
        ("李秀英", "13800002222", "小镇规划范围与相邻镇街存在重叠，请核实。"),
    ]
    .into_iter()
    .enumerate()
    {
        let Some(town) = approved.get(i.min(approved.len().saturating_sub(1))) else {
            return Ok(());
        };
        let form = ObjectionForm {
            batch_id: batch,
            token: token.clone(),
            input: crate::domain::notice::ObjectionInput {
                kind: "person".into(),
                name: name.into(),
                phone: phone.into(),
                town: town.to_string(),
                grounds: grounds.into(),
                ..Default::default()
            },
            address: format!("demo-{i}"),
            ..Default::default()
        };
        references.push(
            notice::object(pool, form, now)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        );
    }
    let first = crate::db::objections::of_batch(&mut *pool.acquire().await?, batch)
        .await?
        .first()
        .map(|o| o.id)
        .ok_or_else(|| anyhow::anyhow!("the demo's objections were not stored"))?;
    let upheld = ResolveInput {
        upheld: true,
        reject: false,
        reason: "经核查，特色产业投资中含已建成项目，投资数据需重新核定。".into(),
        reply: "您反映的问题属实，该小镇已退出本批名单，退回重新评审。感谢监督。".into(),
    };
    notice::resolve(pool, admin, first, &upheld, now).await?;
    println!("公示演示 / notice demo: objection references {}", references.join(", "));
    Ok(())
}

/// A reviewer's decision on a proposal just submitted (version 2: created,
/// then submitted).
async fn decide(pool: &PgPool, reviewer: &User, id: i64, decision: Decision, comment: &str) -> anyhow::Result<()> {
    let input = DecisionInput::new(decision, comment, 2);
    reviews::decide(pool, reviewer, id, &input)
        .await
        .map_err(|e| anyhow::anyhow!("demo decision on {id}: {e:?}"))?;
    Ok(())
}

async fn account(pool: &PgPool, username: &str) -> anyhow::Result<User> {
    let mut conn = pool.acquire().await?;
    let row = users::find_by_username(&mut conn, username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo account {username} is missing"))?;
    drop(conn);
    crate::auth::load_user(pool, row.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo account {username} is inactive"))
}

/// The official who files a region's demo proposals: `official` for 诸城市,
/// `official2` for 青州市, `official-N` for the Zhejiang towns' counties.
async fn regional_official(pool: &PgPool, region: &str, n: usize, hash: &str) -> anyhow::Result<User> {
    let mut tx = pool.begin().await?;
    let region_id = regions::ensure(&mut tx, region).await?.id;
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'official' AND region_id = $1 ORDER BY id LIMIT 1")
            .bind(region_id)
            .fetch_optional(&mut *tx)
            .await?;
    let id = match existing {
        Some(id) => id,
        None => {
            let username = format!("official-{n}");
            let display_name = format!("{region}申报员");
            let new = users::NewUser {
                username: &username,
                display_name: &display_name,
                role: Role::Official,
                region_id: Some(region_id),
                password_hash: hash,
                must_change_password: false,
            };
            users::insert(&mut tx, new).await?
        }
    };
    tx.commit().await?;
    crate::auth::load_user(pool, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo official of {region} is inactive"))
}

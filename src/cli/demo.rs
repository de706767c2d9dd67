//! Demonstration data: regions, the demo accounts, and (as the product
//! grows) proposals in every status and a published batch.

use anyhow::bail;
use sqlx::PgPool;

use crate::auth::password;
use crate::config::DemoArgs;
use crate::db::{audit, regions, users};
use crate::domain::Role;

pub const DEMO_PASSWORD: &str = "demo-password";

/// The regions of the demonstration (the city of the source report and
/// neighbours), the first being `official`'s.
pub const REGIONS: [&str; 4] = ["诸城市", "青州市", "寿光市", "临朐县"];

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
    let hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
    let accounts = [
        ("admin", "演示管理员", Role::Admin, None),
        ("reviewer", "演示评审员", Role::Reviewer, None),
        ("official", "诸城市申报员", Role::Official, Some(region_ids[0])),
        ("official2", "青州市申报员", Role::Official, Some(region_ids[1])),
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
    Ok(())
}

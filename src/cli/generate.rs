//! `demo --proposals N`: many varied proposals, quickly, for load tests —
//! every industry, region and status, all three overall verdicts, each
//! submitted one with its evaluation. Deterministic (fixed seed).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use sqlx::PgPool;

use crate::db::evaluations::{self, NewEvaluation};
use crate::db::proposals::{self, BulkProposal};
use crate::db::{regions, standards as db_standards};
use crate::domain::Status;
use crate::domain::proposal::{Industry, Location, ProposalInput, sample_proposal};
use crate::standards::{self, Evaluation, Rendered};

const COUNTIES: [&str; 24] = [
    "诸城市",
    "青州市",
    "寿光市",
    "临朐县",
    "昌乐县",
    "安丘市",
    "高密市",
    "昌邑市",
    "德清县",
    "吴兴区",
    "嘉善县",
    "海宁市",
    "江北区",
    "越城区",
    "上城区",
    "余杭区",
    "桐庐县",
    "诸暨市",
    "柯桥区",
    "磐安县",
    "龙泉市",
    "建德市",
    "淳安县",
    "开化县",
];
const NAMES: [&str; 16] = [
    "智造", "云谷", "康养", "丝路", "茶香", "青瓷", "花海", "数字", "梦想", "湖畔", "运河", "基金", "动力", "时尚",
    "药谷", "古镇",
];
const BATCH: usize = 1000;

fn dec(rng: &mut StdRng, low: f64, high: f64, scale: u32) -> Decimal {
    // Random figures only: the value is made exact by rounding to `scale`
    // decimal places, and no evaluation arithmetic ever uses f64.
    let x = rng.random_range(low..high);
    Decimal::from_f64_retain(x).unwrap_or_default().round_dp(scale)
}

fn proposal(rng: &mut StdRng, i: u32, region: &str) -> ProposalInput {
    let mut input = sample_proposal().to_input();
    let industry = if rng.random_bool(0.04) {
        Industry::Other
    } else {
        Industry::ALL[rng.random_range(0..Industry::ALL.len() - 1)]
    };
    input.name = Some(format!(
        "{}{}小镇{:06}",
        region.trim_end_matches(['市', '县', '区']),
        NAMES[(i as usize) % NAMES.len()],
        i
    ));
    input.region = Some(region.to_owned());
    input.industry = Some(industry);
    input.classic_trade = None;
    input.location = Some(match rng.random_range(0..100) {
        0..80 => Location::UrbanRuralFringe,
        80..95 => Location::Independent,
        _ => Location::BuiltUpCenter,
    });
    let planned = dec(rng, 1.2, 6.5, 2);
    input.planned_area_km2 = Some(planned);
    input.built_area_km2 = Some(dec(rng, 0.3, 1.6, 2).min(planned));
    let total = dec(rng, 34.0, 120.0, 2);
    let residential = (total * dec(rng, 0.0, 0.1, 2)).round_dp(2);
    let complex = (total * dec(rng, 0.0, 0.08, 2)).round_dp(2);
    let eligible = total - residential - complex;
    input.investment.total_yi = Some(total);
    input.investment.residential_yi = Some(residential);
    input.investment.commercial_complex_yi = Some(complex);
    input.investment.characteristic_yi = Some((eligible * dec(rng, 0.68, 0.95, 3)).round_dp(2));
    let y1 = (total * dec(rng, 0.24, 0.38, 2)).round_dp(2);
    let y2 = (total * dec(rng, 0.25, 0.35, 2)).round_dp(2);
    input.investment.by_year_yi = vec![Some(y1), Some(y2), Some(total - y1 - y2)];
    input.accelerated_county = false;
    input.functions.culture = rng.random_bool(0.97);
    input.functions.public_service_app = rng.random_bool(0.97);
    input.functions.scenic_level = Some(match industry {
        // Most tourism towns plan to the 5A standard they need.
        Industry::Tourism if rng.random_bool(0.8) => 5,
        _ if rng.random_bool(0.04) => 2,
        _ => rng.random_range(3..=5),
    });
    input.functions.wifi_coverage_pct = Some(if rng.random_bool(0.96) {
        Decimal::ONE_HUNDRED
    } else {
        dec(rng, 70.0, 99.0, 1)
    });
    input.benefits.annual_visitors = Some(rng.random_range(260_000..1_200_000));
    input.benefits.jobs = Some(rng.random_range(500..9000));
    input.benefits.new_tax_wan = Some(dec(rng, 2000.0, 60000.0, 0));
    input
}

fn status(rng: &mut StdRng) -> Status {
    match rng.random_range(0..100) {
        0..15 => Status::Draft,
        15..55 => Status::Submitted,
        55..65 => Status::Returned,
        65..80 => Status::Approved,
        80..92 => Status::Rejected,
        _ => Status::Withdrawn,
    }
}

pub async fn load(pool: &PgPool, count: u32) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut conn = pool.acquire().await?;
    let active = db_standards::active(&mut conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no active standard"))?;
    let author: i64 = sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1")
        .fetch_one(&mut *conn)
        .await?;
    let mut region_ids = Vec::new();
    for county in COUNTIES {
        region_ids.push((regions::ensure(&mut conn, county).await?.id, county));
    }
    drop(conn);
    let mut rng = StdRng::seed_from_u64(20151);
    let mut done = 0u32;
    while done < count {
        let n = (count - done).min(BATCH as u32);
        let mut inputs = Vec::with_capacity(n as usize);
        for k in 0..n {
            let (region_id, county) = region_ids[rng.random_range(0..region_ids.len())];
            let input = proposal(&mut rng, done + k, county);
            let mut status = status(&mut rng);
            // A draft that does not validate stays a draft; others are complete.
            let evaluation: Option<Evaluation> = match (status, input.complete()) {
                (Status::Draft, _) => None,
                (_, Ok(p)) => Some(standards::evaluate(&p, active.standard())),
                (_, Err(_)) => {
                    status = Status::Draft;
                    None
                }
            };
            inputs.push((region_id, input, status, evaluation));
        }
        let mut tx = pool.begin().await?;
        let rows: Vec<BulkProposal> = inputs
            .iter()
            .map(|(region_id, input, status, e)| BulkProposal {
                region_id: *region_id,
                input,
                status: *status,
                revision: i32::from(e.is_some()),
                user_id: author,
            })
            .collect();
        let ids = proposals::insert_many(&mut tx, &rows).await?;
        let snapshots: Vec<(i64, serde_json::Value)> = inputs
            .iter()
            .zip(&ids)
            .filter(|((_, _, _, e), _)| e.is_some())
            .map(|((_, input, _, _), id)| (*id, input.complete().map(|p| p.to_json()).unwrap_or_default()))
            .collect();
        let evaluations: Vec<NewEvaluation> = inputs
            .iter()
            .zip(&ids)
            .filter_map(|((_, _, _, e), id)| e.as_ref().map(|e| (id, e)))
            .zip(&snapshots)
            .map(|((id, e), (_, snapshot))| NewEvaluation {
                proposal_id: *id,
                proposal_revision: 1,
                standard_id: active.id,
                snapshot: snapshot.clone(),
                evaluation: e,
                rendered: Rendered::of(e),
                created_by: Some(author),
            })
            .collect();
        evaluations::insert_many(&mut tx, &evaluations).await?;
        tx.commit().await?;
        done += n;
    }
    // Fresh visibility maps let the queue count with index scans at once,
    // as autovacuum would arrange on a live system.
    sqlx::query("VACUUM ANALYZE proposals, evaluations")
        .execute(pool)
        .await?;
    println!(
        "已生成 {count} 条申报 / generated {count} proposals in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

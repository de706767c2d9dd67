//! Engine throughput: `evaluate` alone, and with every finding rendered in
//! both languages (what a report page or the API does); `score` on a
//! 40-line table.
//! Targets: ≥ 250,000 evaluations/s and ≥ 50,000 rendered evaluations/s on
//! one core; ≥ 100,000 scores/s on a 40-line table.

use std::hint::black_box;

// The server's allocator (src/main.rs), so that the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use xiaozhen::domain::Lang;
use xiaozhen::domain::proposal::sample_proposal;
use xiaozhen::standards::scoring::{Judgement, Judgements, LineKind, ScoreInputs, score};
use xiaozhen::standards::{builtin_standard, evaluate};

fn engine(c: &mut Criterion) {
    let proposal = sample_proposal();
    let Some(zj) = builtin_standard("ZJ-2015", 1) else {
        panic!("ZJ-2015 is built in");
    };
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(1));
    group.bench_function("evaluate_zj_2015", |b| {
        b.iter(|| evaluate(black_box(&proposal), black_box(zj)))
    });
    group.bench_function("evaluate_and_render_both_languages", |b| {
        b.iter(|| {
            let ev = evaluate(black_box(&proposal), black_box(zj));
            let zh = ev.render(Lang::Zh);
            let en = ev.render(Lang::En);
            (zh, en)
        })
    });
    group.finish();
}

/// The built-in creation-review table, widened to 40 lines with copies of
/// its own lines, every judged line given.
fn scoring(c: &mut Criterion) {
    let Some(base) = builtin_standard("ZJ-2015", 3) else {
        panic!("ZJ-2015 v3 carries the example tables");
    };
    let mut standard = base.clone();
    let table = standard
        .tables
        .iter_mut()
        .find(|t| t.code == "zj.creation_review")
        .expect("creation review table");
    let basic = table.sections[0].lines.clone();
    let mut n = 0;
    while table.lines().count() < 40 {
        let mut copy = basic[n % basic.len()].clone();
        copy.code = format!("{}.copy{n}", copy.code);
        table.sections[0].lines.push(copy);
        n += 1;
    }
    assert_eq!(table.lines().count(), 40);
    let judged: Judgements = table
        .lines()
        .filter_map(|l| match &l.kind {
            LineKind::Judged { .. } => Some((
                l.code.clone(),
                Judgement {
                    points: Some(l.max),
                    comment: "示例".to_string(),
                    ..Judgement::default()
                },
            )),
            LineKind::Veto { .. } if l.is_judged() => Some((
                l.code.clone(),
                Judgement {
                    veto: Some(false),
                    ..Judgement::default()
                },
            )),
            _ => None,
        })
        .collect();
    let proposal = sample_proposal();
    let inputs = ScoreInputs {
        judged: Some(&judged),
        ..ScoreInputs::default()
    };
    let mut group = c.benchmark_group("scoring");
    group.throughput(Throughput::Elements(1));
    group.bench_function("score_40_lines", |b| {
        b.iter(|| {
            score(
                black_box(&proposal),
                black_box(&standard),
                "zj.creation_review",
                &inputs,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, engine, scoring);
criterion_main!(benches);

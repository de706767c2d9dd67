//! Engine throughput: `evaluate` alone, and with every finding rendered in
//! both languages (what a report page or the API does).
//! Targets: ≥ 250,000 evaluations/s and ≥ 50,000 rendered evaluations/s on one core.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use xiaozhen::domain::Lang;
use xiaozhen::domain::proposal::sample_proposal;
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

criterion_group!(benches, engine);
criterion_main!(benches);

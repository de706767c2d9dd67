//! Expert panels (DESIGN.md "Experts"): the reproducible draw, conflicts of
//! interest and replacements. A draw stores its 32-byte seed, the
//! algorithm's version and the ordered candidate list; replaying them gives
//! the same panel, seat by seat.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// Stored with every draw: a change of the algorithm is a new version, and
/// an old draw replays with its own.
pub const DRAW_ALGORITHM: &str = "chacha20-fields-v1";

/// An expert's field, in the fixed order in which minimums are filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Planning,
    Industry,
    Authority,
    Research,
    Tourism,
    Other,
}

impl Field {
    pub const ALL: [Field; 6] = [
        Field::Planning,
        Field::Industry,
        Field::Authority,
        Field::Research,
        Field::Tourism,
        Field::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Field::Planning => "planning",
            Field::Industry => "industry",
            Field::Authority => "authority",
            Field::Research => "research",
            Field::Tourism => "tourism",
            Field::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.code() == code)
    }

    pub fn label(self, lang: super::Lang) -> &'static str {
        match (self, lang) {
            (Field::Planning, super::Lang::Zh) => "规划",
            (Field::Industry, super::Lang::Zh) => "产业",
            (Field::Authority, super::Lang::Zh) => "主管部门",
            (Field::Research, super::Lang::Zh) => "科研",
            (Field::Tourism, super::Lang::Zh) => "旅游",
            (Field::Other, super::Lang::Zh) => "其他",
            (Field::Planning, super::Lang::En) => "Planning",
            (Field::Industry, super::Lang::En) => "Industry",
            (Field::Authority, super::Lang::En) => "Government authority",
            (Field::Research, super::Lang::En) => "Research",
            (Field::Tourism, super::Lang::En) => "Tourism",
            (Field::Other, super::Lang::En) => "Other",
        }
    }
}

/// A candidate of the pool, as stored with the draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub expert_id: i64,
    pub field: Field,
}

/// The panel's size and its mix: (field, minimum, maximum) seats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mix {
    pub size: usize,
    pub fields: Vec<(Field, usize, usize)>,
}

impl Mix {
    /// Zhejiang's DB33/T 2089-2017 mix for a panel of `size`.
    pub fn zhejiang(size: usize) -> Mix {
        Mix {
            size,
            fields: vec![
                (Field::Planning, 1, 2),
                (Field::Industry, 2, 3),
                (Field::Authority, 2, 3),
                (Field::Research, 1, 2),
                (Field::Tourism, 1, 1),
                (Field::Other, 1, 2),
            ],
        }
    }

    fn bounds(&self, field: Field) -> (usize, usize) {
        self.fields
            .iter()
            .find(|(f, _, _)| *f == field)
            .map_or((0, 0), |(_, min, max)| (*min, *max))
    }
}

/// Why a panel cannot be drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrawError {
    /// Panels have 3 to 9 experts (7 to 9 in a provincial review).
    Size { size: usize },
    /// A field's minimum above its maximum, or the minimums above the size,
    /// or the maximums below it.
    Mix,
    /// Fewer candidates of a field than its minimum.
    TooFew {
        field: Field,
        needed: usize,
        available: usize,
    },
    /// Fewer candidates than seats (within the maximums).
    TooFewOverall { needed: usize, available: usize },
}

impl DrawError {
    pub fn message(&self, lang: super::Lang) -> String {
        use super::Lang::{En, Zh};
        match (self, lang) {
            (DrawError::Size { size }, Zh) => format!("专家组人数须为 3 至 9 人（省级评审 7 至 9 人），现为 {size} 人"),
            (DrawError::Size { size }, En) => {
                format!("A panel has 3 to 9 experts (7 to 9 in a provincial review), not {size}")
            }
            (DrawError::Mix, Zh) => "各领域人数下限之和不能超过专家组人数，上限之和不能少于专家组人数，且下限不能大于上限".into(),
            (DrawError::Mix, En) => {
                "The fields' minimums must not add up to more than the panel, their maximums not to less, and no minimum may exceed its maximum".into()
            }
            (DrawError::TooFew { field, needed, available }, Zh) => {
                format!("专家库中{}领域的专家只有 {available} 人，至少需要 {needed} 人", field.label(Zh))
            }
            (DrawError::TooFew { field, needed, available }, En) => format!(
                "The pool has {available} experts in {}, at least {needed} are needed",
                field.label(En)
            ),
            (DrawError::TooFewOverall { needed, available }, Zh) => {
                format!("专家库可抽取的专家只有 {available} 人，专家组需要 {needed} 人")
            }
            (DrawError::TooFewOverall { needed, available }, En) => {
                format!("Only {available} experts can be drawn for a panel of {needed}")
            }
        }
    }
}

/// The sizes a panel may have. DESIGN "Experts" says 7–9 for a provincial
/// review ([`PROVINCIAL_SIZES`], what the admin's form proposes); the size
/// is the admin's parameter, and a small trial round (or a test) may draw
/// as few as 3.
pub const PANEL_SIZES: std::ops::RangeInclusive<usize> = 3..=9;

/// DESIGN's panel sizes for a provincial review.
pub const PROVINCIAL_SIZES: std::ops::RangeInclusive<usize> = 7..=9;

/// Draws a panel: each field's minimum in [`Field::ALL`]'s order, then the
/// remaining seats from all remaining candidates whose field is below its
/// maximum. Each seat is one uniform draw over the eligible candidates in
/// their stored order, so the same seed and list give the same panel.
pub fn draw(seed: [u8; 32], candidates: &[Candidate], mix: &Mix) -> Result<Vec<Candidate>, DrawError> {
    if !PANEL_SIZES.contains(&mix.size) {
        return Err(DrawError::Size { size: mix.size });
    }
    let mins: usize = mix.fields.iter().map(|(_, min, _)| min).sum();
    let maxes: usize = mix.fields.iter().map(|(_, _, max)| max).sum();
    if mix.fields.iter().any(|(_, min, max)| min > max) || mins > mix.size || maxes < mix.size {
        return Err(DrawError::Mix);
    }
    for field in Field::ALL {
        let (min, _) = mix.bounds(field);
        let available = candidates.iter().filter(|c| c.field == field).count();
        if available < min {
            return Err(DrawError::TooFew {
                field,
                needed: min,
                available,
            });
        }
    }
    let mut rng = ChaCha20Rng::from_seed(seed);
    let mut remaining: Vec<Candidate> = candidates.to_vec();
    let mut panel: Vec<Candidate> = Vec::with_capacity(mix.size);
    let seated = |panel: &[Candidate], field: Field| panel.iter().filter(|c| c.field == field).count();
    for field in Field::ALL {
        let (min, _) = mix.bounds(field);
        for _ in 0..min {
            let pick = pick(&mut rng, &remaining, |c| c.field == field).expect("checked above");
            panel.push(remaining.remove(pick));
        }
    }
    while panel.len() < mix.size {
        let open = |c: &Candidate| seated(&panel, c.field) < mix.bounds(c.field).1;
        let Some(pick) = pick(&mut rng, &remaining, open) else {
            let available = panel.len() + remaining.iter().filter(|c| open(c)).count();
            return Err(DrawError::TooFewOverall {
                needed: mix.size,
                available,
            });
        };
        panel.push(remaining.remove(pick));
    }
    Ok(panel)
}

/// A uniform pick among the candidates that `eligible` admits: the index
/// into `from`.
fn pick(rng: &mut ChaCha20Rng, from: &[Candidate], eligible: impl Fn(&Candidate) -> bool) -> Option<usize> {
    let indexes: Vec<usize> = (0..from.len()).filter(|i| eligible(&from[*i])).collect();
    if indexes.is_empty() {
        return None;
    }
    Some(indexes[rng.random_range(0..indexes.len())])
}

/// A replacement of `field` (for a decline or a recusal): the draw's seed
/// on its own stream, one stream per replacement, so each replays on its
/// own. `exclude` lists everyone already drawn or ruled out.
pub fn draw_replacement(
    seed: [u8; 32],
    stream: u64,
    candidates: &[Candidate],
    field: Field,
    exclude: &[i64],
) -> Option<Candidate> {
    let mut rng = ChaCha20Rng::from_seed(seed);
    rng.set_stream(stream);
    let i = pick(&mut rng, candidates, |c| {
        c.field == field && !exclude.contains(&c.expert_id)
    })?;
    Some(candidates[i])
}

/// An expert's standing toward one proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertProfile {
    pub expert_id: i64,
    pub home_region_id: Option<i64>,
    pub employer: String,
    /// Proposals the expert declared a conflict with.
    pub declared: Vec<i64>,
}

/// What a proposal offers for conflict checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalParty {
    pub proposal_id: i64,
    pub county_id: i64,
    pub city_id: Option<i64>,
    pub developer: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// The expert's home region is the proposal's county or city.
    HomeRegion,
    /// The expert works for the proposal's developer.
    Employer,
    /// The expert said so.
    Declared,
}

impl Conflict {
    pub fn label(self, lang: super::Lang) -> &'static str {
        match (self, lang) {
            (Conflict::HomeRegion, super::Lang::Zh) => "专家所在地为申报县（市、区）或其所属市",
            (Conflict::Employer, super::Lang::Zh) => "专家工作单位为投资建设主体",
            (Conflict::Declared, super::Lang::Zh) => "专家本人申报回避",
            (Conflict::HomeRegion, super::Lang::En) => "The expert's home region is the proposal's county or city",
            (Conflict::Employer, super::Lang::En) => "The expert works for the proposal's developer",
            (Conflict::Declared, super::Lang::En) => "The expert declared a conflict",
        }
    }
}

/// Company names compared as people write them: spaces and full-width
/// brackets do not make two names differ.
fn same_organisation(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                c => c.to_ascii_lowercase(),
            })
            .collect()
    };
    let (a, b) = (norm(a), norm(b));
    !a.is_empty() && a == b
}

/// The first conflict that recuses the expert from the proposal, if any.
pub fn conflict(expert: &ExpertProfile, proposal: &ProposalParty) -> Option<Conflict> {
    if expert.declared.contains(&proposal.proposal_id) {
        return Some(Conflict::Declared);
    }
    if let Some(home) = expert.home_region_id
        && (home == proposal.county_id || Some(home) == proposal.city_id)
    {
        return Some(Conflict::HomeRegion);
    }
    if same_organisation(&expert.employer, &proposal.developer) {
        return Some(Conflict::Employer);
    }
    None
}

/// The fewest unconflicted experts a proposal may be scored by (DESIGN:
/// 5 by default, never below 3).
pub fn minimum_scorers(parameter: Option<usize>) -> usize {
    parameter.unwrap_or(5).max(3)
}

/// What a panel's replacement draws read: its seed, its stored candidate
/// list and what is known of each candidate for conflicts.
#[derive(Debug, Clone, Copy)]
pub struct Replay<'a> {
    pub seed: [u8; 32],
    pub candidates: &'a [Candidate],
    pub profiles: &'a [ExpertProfile],
}

/// What staffing one proposal decided: the members recused from it (with
/// the conflict) and the replacements drawn for it alone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Staffing {
    pub recused: Vec<(i64, Conflict)>,
    /// Each replacement with its stream and the recused expert it stands for.
    pub replacements: Vec<(Candidate, u64, i64)>,
    /// The next unused stream of the panel's seed.
    pub next_stream: u64,
    /// Unconflicted experts still missing to reach the minimum (nobody of
    /// the field was left to draw).
    pub short: usize,
}

/// Staffs one proposal (DESIGN "Experts"): every member with a conflict is
/// recused from it; while fewer than `minimum` unconflicted members remain,
/// a replacement of a recused member's field is drawn for this proposal
/// alone (each on the next stream of the panel's seed), never anyone in
/// `excluded` (everyone seated on the panel so far) nor anyone with a
/// conflict of their own.
pub fn staff(
    replay: &Replay,
    next_stream: u64,
    members: &[Candidate],
    excluded: &[i64],
    proposal: &ProposalParty,
    minimum: usize,
) -> Staffing {
    let Replay {
        seed,
        candidates,
        profiles,
    } = *replay;
    let conflict_of = |id: i64| {
        profiles
            .iter()
            .find(|p| p.expert_id == id)
            .and_then(|p| conflict(p, proposal))
    };
    let mut out = Staffing {
        next_stream,
        ..Staffing::default()
    };
    let recused: Vec<(Candidate, Conflict)> = members
        .iter()
        .filter_map(|m| conflict_of(m.expert_id).map(|c| (*m, c)))
        .collect();
    out.recused = recused.iter().map(|(m, c)| (m.expert_id, *c)).collect();
    let mut unconflicted = members.len() - recused.len();
    let mut exclude: Vec<i64> = excluded.to_vec();
    exclude.extend(
        candidates
            .iter()
            .map(|c| c.expert_id)
            .filter(|id| conflict_of(*id).is_some()),
    );
    for (member, _) in &recused {
        if unconflicted >= minimum {
            break;
        }
        let stream = out.next_stream;
        out.next_stream += 1;
        match draw_replacement(seed, stream, candidates, member.field, &exclude) {
            Some(r) => {
                exclude.push(r.expert_id);
                out.replacements.push((r, stream, member.expert_id));
                unconflicted += 1;
            }
            None => out.short += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Lang;

    fn pool() -> Vec<Candidate> {
        let mut id = 0;
        let mut out = Vec::new();
        for (field, n) in [
            (Field::Planning, 4),
            (Field::Industry, 5),
            (Field::Authority, 5),
            (Field::Research, 3),
            (Field::Tourism, 2),
            (Field::Other, 3),
        ] {
            for _ in 0..n {
                id += 1;
                out.push(Candidate { expert_id: id, field });
            }
        }
        out
    }

    const GOLDEN: [i64; 9] = [1, 8, 5, 13, 14, 17, 19, 20, 10];

    fn count(panel: &[Candidate], field: Field) -> usize {
        panel.iter().filter(|c| c.field == field).count()
    }

    #[test]
    fn the_same_seed_and_list_draw_the_same_panel_and_another_seed_another() {
        let mix = Mix::zhejiang(9);
        let a = draw([7; 32], &pool(), &mix).unwrap();
        assert_eq!(a, draw([7; 32], &pool(), &mix).unwrap());
        let others: Vec<Vec<Candidate>> = (0..8u8).map(|s| draw([s; 32], &pool(), &mix).unwrap()).collect();
        assert!(others.iter().any(|o| *o != a), "different seeds give different panels");
    }

    #[test]
    fn every_panel_keeps_the_mix_and_has_no_one_twice() {
        for size in [8, 9] {
            let mix = Mix::zhejiang(size);
            for s in 0..50u8 {
                let panel = draw([s; 32], &pool(), &mix).unwrap();
                assert_eq!(panel.len(), size);
                let mut ids: Vec<i64> = panel.iter().map(|c| c.expert_id).collect();
                ids.sort();
                ids.dedup();
                assert_eq!(ids.len(), size);
                for (field, min, max) in &mix.fields {
                    let n = count(&panel, *field);
                    assert!((*min..=*max).contains(&n), "{field:?}: {n} in a panel of {size}");
                }
            }
        }
    }

    #[test]
    fn minimums_are_seated_first_in_the_fixed_field_order() {
        // Zhejiang's minimums add up to 8: a panel of 8 is exactly them.
        let fields: Vec<Field> = draw([1; 32], &pool(), &Mix::zhejiang(8))
            .unwrap()
            .iter()
            .map(|c| c.field)
            .collect();
        use Field::*;
        assert_eq!(
            fields,
            [
                Planning, Industry, Industry, Authority, Authority, Research, Tourism, Other
            ]
        );
    }

    #[test]
    fn the_draw_replays_as_recorded() {
        // A golden draw: if this changes, every stored draw replays
        // differently, so the change needs a new DRAW_ALGORITHM.
        let ids: Vec<i64> = draw([1; 32], &pool(), &Mix::zhejiang(9))
            .unwrap()
            .iter()
            .map(|c| c.expert_id)
            .collect();
        assert_eq!(DRAW_ALGORITHM, "chacha20-fields-v1");
        assert_eq!(ids, GOLDEN);
    }

    #[test]
    fn bad_sizes_mixes_and_thin_pools_are_refused_with_a_reason() {
        assert_eq!(
            draw([0; 32], &pool(), &Mix::zhejiang(2)),
            Err(DrawError::Size { size: 2 })
        );
        // Zhejiang's minimums need 8 seats.
        assert_eq!(draw([0; 32], &pool(), &Mix::zhejiang(7)), Err(DrawError::Mix));
        assert_eq!(
            draw([0; 32], &pool(), &Mix::zhejiang(10)),
            Err(DrawError::Size { size: 10 })
        );
        let mut bad = Mix::zhejiang(9);
        bad.fields[0] = (Field::Planning, 3, 2);
        assert_eq!(draw([0; 32], &pool(), &bad), Err(DrawError::Mix));
        let thin: Vec<Candidate> = pool().into_iter().filter(|c| c.field != Field::Tourism).collect();
        let e = draw([0; 32], &thin, &Mix::zhejiang(9)).unwrap_err();
        assert_eq!(
            e,
            DrawError::TooFew {
                field: Field::Tourism,
                needed: 1,
                available: 0
            }
        );
        assert_eq!(e.message(Lang::Zh), "专家库中旅游领域的专家只有 0 人，至少需要 1 人");
    }

    #[test]
    fn a_replacement_is_of_the_same_field_reproducible_and_never_someone_excluded() {
        let panel = draw([3; 32], &pool(), &Mix::zhejiang(9)).unwrap();
        let drawn: Vec<i64> = panel.iter().map(|c| c.expert_id).collect();
        let r = draw_replacement([3; 32], 1, &pool(), Field::Industry, &drawn).unwrap();
        assert_eq!(r.field, Field::Industry);
        assert!(!drawn.contains(&r.expert_id));
        assert_eq!(Some(r), draw_replacement([3; 32], 1, &pool(), Field::Industry, &drawn));
        // Nobody left of the field: no replacement.
        let all: Vec<i64> = pool().iter().map(|c| c.expert_id).collect();
        assert_eq!(draw_replacement([3; 32], 2, &pool(), Field::Tourism, &all), None);
    }

    #[test]
    fn conflicts_by_home_region_employer_and_declaration() {
        let proposal = ProposalParty {
            proposal_id: 10,
            county_id: 3,
            city_id: Some(2),
            developer: "诸城市城市建设投资发展集团有限公司".into(),
        };
        let expert = |home: Option<i64>, employer: &str, declared: Vec<i64>| ExpertProfile {
            expert_id: 1,
            home_region_id: home,
            employer: employer.into(),
            declared,
        };
        assert_eq!(
            conflict(&expert(Some(3), "", vec![]), &proposal),
            Some(Conflict::HomeRegion)
        );
        assert_eq!(
            conflict(&expert(Some(2), "", vec![]), &proposal),
            Some(Conflict::HomeRegion)
        );
        assert_eq!(conflict(&expert(Some(4), "", vec![]), &proposal), None);
        assert_eq!(
            conflict(&expert(None, " 诸城市城市建设投资发展集团 有限公司", vec![]), &proposal),
            Some(Conflict::Employer)
        );
        assert_eq!(conflict(&expert(None, "浙江大学", vec![]), &proposal), None);
        // An empty employer matches nothing, not even an empty developer.
        let blank = ProposalParty {
            developer: String::new(),
            ..proposal.clone()
        };
        assert_eq!(conflict(&expert(None, "", vec![]), &blank), None);
        assert_eq!(
            conflict(&expert(None, "", vec![10]), &proposal),
            Some(Conflict::Declared)
        );
        assert_eq!(minimum_scorers(None), 5);
        assert_eq!(minimum_scorers(Some(2)), 3);
    }

    #[test]
    fn a_conflict_recuses_from_that_proposal_and_below_the_minimum_brings_a_replacement_of_the_field() {
        let candidates = pool();
        let panel = draw([5; 32], &candidates, &Mix::zhejiang(9)).unwrap();
        let seated: Vec<i64> = panel.iter().map(|c| c.expert_id).collect();
        let proposal = ProposalParty {
            proposal_id: 7,
            county_id: 100,
            city_id: Some(200),
            developer: "某某集团".into(),
        };
        // The first member lives in the proposal's city; a pool member of the
        // same field works for the developer and must never be drawn for it.
        let first = panel[0];
        let mut profiles: Vec<ExpertProfile> = candidates
            .iter()
            .map(|c| ExpertProfile {
                expert_id: c.expert_id,
                home_region_id: None,
                employer: String::new(),
                declared: vec![],
            })
            .collect();
        profiles[(first.expert_id - 1) as usize].home_region_id = Some(200);
        let rival = candidates
            .iter()
            .find(|c| c.field == first.field && !seated.contains(&c.expert_id))
            .unwrap();
        profiles[(rival.expert_id - 1) as usize].employer = "某某集团".into();
        let replay = |profiles: &[ExpertProfile]| -> Replay<'_> {
            Replay {
                seed: [5; 32],
                candidates: Box::leak(candidates.clone().into_boxed_slice()),
                profiles: Box::leak(profiles.to_vec().into_boxed_slice()),
            }
        };
        // Nine members, minimum 5: one recusal needs no replacement.
        let s = staff(&replay(&profiles), 1, &panel, &seated, &proposal, 5);
        assert_eq!(s.recused, [(first.expert_id, Conflict::HomeRegion)]);
        assert!(s.replacements.is_empty());
        assert_eq!(s.next_stream, 1);
        // Minimum 9: a replacement of the same field, never the conflicted rival.
        let s = staff(&replay(&profiles), 1, &panel, &seated, &proposal, 9);
        assert_eq!(s.replacements.len(), 1);
        let (r, stream, stands_for) = s.replacements[0];
        assert_eq!((r.field, stream, stands_for), (first.field, 1, first.expert_id));
        assert!(!seated.contains(&r.expert_id));
        assert_ne!(r.expert_id, rival.expert_id);
        assert_eq!(s.next_stream, 2);
        assert_eq!(s, staff(&replay(&profiles), 1, &panel, &seated, &proposal, 9));
    }
}

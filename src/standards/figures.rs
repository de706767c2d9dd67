//! Writing figures: exact digits grouped by thousands, with units, signs and
//! the rounding rules of the reports. Each is a small `Display` value, so a
//! message is written in one pass without temporary strings (rendering a
//! report is on the hot path of every report page and API call).

use std::fmt::{self, Display, Formatter, Write as _};

use rust_decimal::{Decimal, RoundingStrategy};

use super::evaluate::Requirement;
use crate::domain::Lang;
use crate::domain::proposal::Unit;

/// A number: "1,234.5", exact digits, "−" for negatives.
#[derive(Clone, Copy)]
pub struct Num(pub Decimal);

impl Display for Num {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let d = self.0.normalize();
        let scale = d.scale() as usize;
        let mut buf = [0u8; 48];
        let start = write_digits(d.mantissa().unsigned_abs(), scale, &mut buf);
        let digits = std::str::from_utf8(&buf[start..]).map_err(|_| fmt::Error)?;
        let (int, frac) = digits.split_at(digits.len() - scale);
        if d.is_sign_negative() && !d.is_zero() {
            f.write_char('\u{2212}')?;
        }
        let first = match int.len() % 3 {
            0 => 3,
            n => n,
        };
        f.write_str(&int[..first.min(int.len())])?;
        let mut i = first;
        while i < int.len() {
            f.write_char(',')?;
            f.write_str(&int[i..i + 3])?;
            i += 3;
        }
        if !frac.is_empty() {
            f.write_char('.')?;
            f.write_str(frac)?;
        }
        Ok(())
    }
}

/// Writes the digits of `mantissa` at the end of `buf`, padded with zeros so
/// there is a digit before the point; returns where they start.
fn write_digits(mantissa: u128, scale: usize, buf: &mut [u8; 48]) -> usize {
    let mut start = buf.len();
    // Most figures fit in 64 bits, whose division is far cheaper.
    if let Ok(mut v) = u64::try_from(mantissa) {
        loop {
            start -= 1;
            buf[start] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
    } else {
        let mut v = mantissa;
        loop {
            start -= 1;
            buf[start] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
    }
    // A Decimal has at most 28 places and 29 digits, so this stays in bounds.
    while buf.len() - start <= scale && start > 0 {
        start -= 1;
        buf[start] = b'0';
    }
    start
}

/// A figure with its unit: "52 亿元", "72.5%", "3A级", "无".
#[derive(Clone, Copy)]
pub struct Qty(pub Decimal, pub Unit, pub Lang);

impl Display for Qty {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let Qty(d, unit, lang) = *self;
        match (unit, lang) {
            (Unit::Pct, _) => write!(f, "{}%", Num(d)),
            (Unit::Grade, Lang::Zh) if d.is_zero() => f.write_str("无"),
            (Unit::Grade, Lang::En) if d.is_zero() => f.write_str("none"),
            (Unit::Grade, _) => write!(f, "{}{}", Num(d), unit.label(lang)),
            _ => write!(f, "{} {}", Num(d), unit.label(lang)),
        }
    }
}

/// A threshold inside a sentence: with its unit in Chinese; in English only
/// "%" and "A", since the subject already named the unit ("the 50 threshold").
#[derive(Clone, Copy)]
pub struct Threshold(pub Decimal, pub Unit, pub Lang);

impl Display for Threshold {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let Threshold(d, unit, lang) = *self;
        match (lang, unit) {
            (Lang::Zh, _) => Qty(d, unit, lang).fmt(f),
            (Lang::En, Unit::Pct) => write!(f, "{}%", Num(d)),
            (Lang::En, Unit::Grade) => write!(f, "{}A", Num(d)),
            (Lang::En, _) => Num(d).fmt(f),
        }
    }
}

/// What a requirement asks: "≥ 50 亿元", "1.5–3.6 平方公里".
#[derive(Clone, Copy)]
pub struct Req(pub Requirement, pub Unit, pub Lang);

impl Display for Req {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let Req(r, unit, lang) = *self;
        match r {
            Requirement::AtLeast { value } => write!(f, "≥ {}", Qty(value, unit, lang)),
            Requirement::AtMost { value } => write!(f, "≤ {}", Qty(value, unit, lang)),
            Requirement::Equals { value } => write!(f, "= {}", Qty(value, unit, lang)),
            Requirement::Between { lower, upper } if unit == Unit::Pct => {
                write!(f, "{}%–{}%", Num(lower), Num(upper))
            }
            Requirement::Between { lower, upper } => write!(f, "{}–{}", Num(lower), Qty(upper, unit, lang)),
        }
    }
}

/// The size of a margin in a sentence ("2 亿元"; in English "2", "2 percentage points").
#[derive(Clone, Copy)]
pub struct Size {
    pub margin: Decimal,
    pub scale: u32,
    pub unit: Unit,
    pub lang: Lang,
}

impl Display for Size {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let n = Num(margin_size(self.margin, self.scale));
        match (self.lang, self.unit) {
            (Lang::En, Unit::Pct | Unit::Grade) | (Lang::Zh, _) => {
                write!(f, "{n} {}", margin_unit(self.unit, self.lang))
            }
            (Lang::En, _) => n.fmt(f),
        }
    }
}

/// A margin with its sign and unit: "+2 亿元", "−0.02 个百分点", "±0 级".
#[derive(Clone, Copy)]
pub struct Signed(pub Size);

impl Display for Signed {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let s = self.0;
        write!(
            f,
            "{}{} {}",
            sign(s.margin),
            Num(margin_size(s.margin, s.scale)),
            margin_unit(s.unit, s.lang)
        )
    }
}

pub fn sign(v: Decimal) -> char {
    match v.cmp(&Decimal::ZERO) {
        std::cmp::Ordering::Greater => '+',
        std::cmp::Ordering::Less => '\u{2212}',
        std::cmp::Ordering::Equal => '±',
    }
}

fn margin_unit(unit: Unit, lang: Lang) -> &'static str {
    match (unit, lang) {
        (Unit::Pct, Lang::Zh) => "个百分点",
        (Unit::Pct, Lang::En) => "percentage points",
        (Unit::Grade, Lang::Zh) => "级",
        (Unit::Grade, Lang::En) => "grades",
        (u, l) => u.label(l),
    }
}

/// Decimal places a figure needs so the requirement's own digits show.
pub fn required_scale(r: &Requirement) -> u32 {
    let s = |d: Decimal| d.normalize().scale();
    match *r {
        Requirement::AtLeast { value } | Requirement::AtMost { value } | Requirement::Equals { value } => s(value),
        Requirement::Between { lower, upper } => s(lower).max(s(upper)),
    }
}

/// The actual value as shown: exact when it has few digits, else rounded
/// towards the failing side of the requirement (down for a minimum, up for a
/// maximum), with at least as many places as the requirement has.
pub fn shown_actual(v: Decimal, r: &Requirement) -> Decimal {
    let up = match *r {
        Requirement::AtLeast { .. } => false,
        Requirement::AtMost { .. } => true,
        Requirement::Equals { value } => v > value,
        Requirement::Between { upper, .. } => v > upper,
    };
    rounded(v, required_scale(r).max(2), up)
}

/// Exact if at most 4 places, else rounded to `places` in the given direction.
pub fn rounded(v: Decimal, places: u32, up: bool) -> Decimal {
    let n = v.normalize();
    if n.scale() <= 4 {
        return n;
    }
    let strategy = if up {
        RoundingStrategy::ToPositiveInfinity
    } else {
        RoundingStrategy::ToNegativeInfinity
    };
    n.round_dp_with_strategy(places, strategy).normalize()
}

/// The size of a margin: exact when it has few digits, else cut (never
/// rounded up) to the first places that show a non-zero digit, so a miss of
/// 0.000006 reads as such and not as 0 or 0.01. The sign is shown separately.
pub fn margin_size(margin: Decimal, scale: u32) -> Decimal {
    let size = margin.abs().normalize();
    if size.scale() <= 4 {
        return size;
    }
    let mut places = scale.max(2);
    loop {
        let cut = size.round_dp_with_strategy(places, RoundingStrategy::ToZero);
        if !cut.is_zero() || places >= 28 {
            return cut.normalize();
        }
        places += 2;
    }
}

/// What a shown percentage is compared with: it decides which way the
/// figure is rounded (STANDARDS.md §5 "Shown figures").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// A minimum: the figure is cut down, so a share that misses it never
    /// reads as reaching it.
    AtLeast(Decimal),
    /// A maximum: the figure is raised.
    AtMost(Decimal),
    /// Minimums not at hand (a completion graded against several bands): cut
    /// down to 2 places, which never reaches a band of 2 places it misses.
    SomeMinimum,
    /// Nothing (a dashboard rate): 2 places, half up.
    Nothing,
}

impl Against {
    /// The threshold a finding's figure was judged by: for a range or an
    /// exact value, the bound its margin is measured from.
    pub fn of(actual: Decimal, r: &Requirement) -> Against {
        match *r {
            Requirement::AtLeast { value } => Against::AtLeast(value),
            Requirement::AtMost { value } => Against::AtMost(value),
            Requirement::Equals { value } if actual > value => Against::AtMost(value),
            Requirement::Equals { value } => Against::AtLeast(value),
            Requirement::Between { lower, upper } if upper - actual < actual - lower => Against::AtMost(upper),
            Requirement::Between { lower, .. } => Against::AtLeast(lower),
        }
    }
}

/// Most places a shown percentage has; a figure still closer to the
/// threshold it misses is shown as "低于 70%" / "below 70%".
pub const MAX_PCT_PLACES: u32 = 4;

/// A percentage as shown: `figure`, or — when it misses `beyond` by less
/// than [`MAX_PCT_PLACES`] can show — "低于 {beyond}%" ("高于" for a maximum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShownPct {
    /// The figure as a number (JSON, CSV, stored records): rounded towards
    /// failing, trailing zeros dropped. When `beyond` is set, cut to
    /// [`MAX_PCT_PLACES`] places, still on the failing side.
    pub figure: Decimal,
    pub beyond: Option<Decimal>,
}

/// The one rule for every share, rate and completion shown (pages, exports,
/// frozen batches). Against a threshold the figure has 2 places (more if the
/// threshold has more), rounded towards the threshold's failing side, never
/// to the nearest: 69.995% against ≥ 70% is 69.99%, 30.006% against ≤ 30% is
/// 30.01%. A figure that misses by less than half its last place (so that
/// rounding to the nearest would reach the threshold) gets the places it
/// needs, up to [`MAX_PCT_PLACES`] (69.9999%), and beyond that reads "低于
/// 70%". Against nothing: 2 places, half up.
pub fn shown_pct(exact: Decimal, against: Against) -> ShownPct {
    let (threshold, up) = match against {
        Against::AtLeast(t) => (t, false),
        Against::AtMost(t) => (t, true),
        Against::SomeMinimum => return figure(to_places(exact, 2, false)),
        Against::Nothing => {
            return figure(exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero));
        }
    };
    let places = threshold.normalize().scale().max(2);
    let fails = if up { exact > threshold } else { exact < threshold };
    if !fails {
        return figure(to_places(exact, places, up));
    }
    let miss = (exact - threshold).abs();
    let last = places.max(MAX_PCT_PLACES);
    for p in places..=last {
        // Half of the last place: a miss this small would round onto the threshold.
        if miss >= Decimal::new(5, p + 1) {
            return figure(to_places(exact, p, up));
        }
    }
    ShownPct {
        figure: to_places(exact, last, up).normalize(),
        beyond: Some(threshold.normalize()),
    }
}

fn figure(d: Decimal) -> ShownPct {
    ShownPct {
        figure: d.normalize(),
        beyond: None,
    }
}

fn to_places(v: Decimal, places: u32, up: bool) -> Decimal {
    let strategy = if up {
        RoundingStrategy::ToPositiveInfinity
    } else {
        RoundingStrategy::ToNegativeInfinity
    };
    v.round_dp_with_strategy(places, strategy)
}

impl ShownPct {
    /// The size of the margin shown beside this figure: the distance from
    /// the shown figure to `threshold`, so that the two never disagree
    /// (69.99% is 0.01 points short of 70%, not 0.005). When that distance
    /// is 0 but the exact margin is not (a passing figure cut onto its
    /// threshold), or the figure reads "低于 70%", the exact margin's first
    /// digits are shown instead.
    pub fn margin(self, threshold: Decimal, exact_margin: Decimal, scale: u32) -> Decimal {
        let shown = (self.figure - threshold).abs();
        if self.beyond.is_some() || (shown.is_zero() && !exact_margin.is_zero()) {
            margin_size(exact_margin, scale)
        } else {
            shown.normalize()
        }
    }

    pub fn text(self, lang: Lang) -> String {
        Pct(self, lang).to_string()
    }
}

/// A shown percentage in words: "69.99%", "低于 70%", "above 30%".
#[derive(Clone, Copy)]
pub struct Pct(pub ShownPct, pub Lang);

impl Display for Pct {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let Pct(s, lang) = *self;
        match s.beyond {
            None => write!(f, "{}%", Num(s.figure)),
            Some(t) => {
                let below = s.figure < t;
                let word = match (lang, below) {
                    (Lang::Zh, true) => "低于 ",
                    (Lang::Zh, false) => "高于 ",
                    (Lang::En, true) => "below ",
                    (Lang::En, false) => "above ",
                };
                write!(f, "{word}{}%", Num(t))
            }
        }
    }
}

/// A quantity finding's figure as shown.
#[derive(Clone, Copy)]
pub enum Actual {
    Qty(Qty),
    Pct(Pct),
}

impl Actual {
    /// Whether it reads "低于 70%" rather than a figure.
    pub fn is_beyond(self) -> bool {
        matches!(self, Actual::Pct(Pct(ShownPct { beyond: Some(_), .. }, _)))
    }
}

impl Display for Actual {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Actual::Qty(q) => q.fmt(f),
            Actual::Pct(p) => p.fmt(f),
        }
    }
}

/// A quantity finding's figure and margin as shown, which never disagree:
/// percentages by [`shown_pct`], other figures by [`shown_actual`].
pub fn shown_quantity(
    actual: Decimal,
    required: &Requirement,
    margin: Decimal,
    unit: Unit,
    lang: Lang,
) -> (Actual, Size) {
    let scale = required_scale(required);
    let size = |margin| Size {
        margin,
        scale,
        unit,
        lang,
    };
    if unit != Unit::Pct {
        return (
            Actual::Qty(Qty(shown_actual(actual, required), unit, lang)),
            size(margin),
        );
    }
    let against = Against::of(actual, required);
    let shown = shown_pct(actual, against);
    let threshold = match against {
        Against::AtLeast(t) | Against::AtMost(t) => t,
        // `Against::of` always names a bound.
        Against::SomeMinimum | Against::Nothing => actual - margin,
    };
    let size_of = shown.margin(threshold, margin, scale);
    let shown_margin = if margin.is_sign_negative() { -size_of } else { size_of };
    (Actual::Pct(Pct(shown, lang)), size(shown_margin))
}

/// A figure reported without a threshold: percentages 2 places half up,
/// other figures exact or cut to 2 places.
pub fn shown_reported(actual: Decimal, unit: Unit, lang: Lang) -> Actual {
    if unit == Unit::Pct {
        Actual::Pct(Pct(shown_pct(actual, Against::Nothing), lang))
    } else {
        Actual::Qty(Qty(rounded(actual, 2, false), unit, lang))
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn at_least(v: Decimal, t: Decimal, lang: Lang) -> String {
        shown_pct(v, Against::AtLeast(t)).text(lang)
    }

    #[test]
    fn a_share_missing_a_minimum_is_cut_down_never_rounded_up_to_it() {
        let t = dec!(70);
        assert_eq!(at_least(dec!(69.995), t, Lang::Zh), "69.99%");
        assert_eq!(at_least(dec!(69.994), t, Lang::Zh), "69.99%");
        assert_eq!(at_least(dec!(69.9949), t, Lang::Zh), "69.99%");
        assert_eq!(at_least(dec!(65.129), t, Lang::Zh), "65.12%");
        // Closer than half a hundredth: as many places as it needs, up to 4.
        assert_eq!(at_least(dec!(69.9999), t, Lang::Zh), "69.9999%");
        assert_eq!(at_least(dec!(69.99949), t, Lang::Zh), "69.999%");
        assert_eq!(at_least(dec!(69.99995), t, Lang::Zh), "69.9999%");
        // Closer still: said in words, on the failing side.
        assert_eq!(at_least(dec!(69.99999), t, Lang::Zh), "低于 70%");
        assert_eq!(at_least(dec!(69.99999), t, Lang::En), "below 70%");
        let s = shown_pct(dec!(69.99999), Against::AtLeast(t));
        assert_eq!(s.figure, dec!(69.9999), "the number stays below the threshold");
        // 2/3 of a point short, a quotient with 28 places.
        assert_eq!(at_least(dec!(200) / dec!(3), t, Lang::Zh), "66.66%");
    }

    #[test]
    fn a_share_passing_a_minimum_is_cut_down_to_two_places_at_most_onto_it() {
        let t = dec!(70);
        assert_eq!(at_least(dec!(70.004), t, Lang::Zh), "70%");
        assert_eq!(at_least(dec!(70), t, Lang::Zh), "70%");
        assert_eq!(at_least(dec!(70.00000001), t, Lang::Zh), "70%");
        assert_eq!(at_least(dec!(77.8846), t, Lang::Zh), "77.88%");
        assert_eq!(at_least(dec!(72.5), t, Lang::Zh), "72.5%");
        assert_eq!(shown_pct(dec!(70.004), Against::AtLeast(t)).figure.to_string(), "70");
    }

    #[test]
    fn a_maximum_is_approached_from_above() {
        let t = dec!(30);
        let at_most = |v| shown_pct(v, Against::AtMost(t)).text(Lang::Zh);
        assert_eq!(at_most(dec!(30.001)), "30.001%");
        assert_eq!(at_most(dec!(30.005)), "30.01%");
        assert_eq!(at_most(dec!(30.0001)), "30.0001%");
        assert_eq!(at_most(dec!(30.00001)), "高于 30%");
        assert_eq!(
            shown_pct(dec!(30.00001), Against::AtMost(t)).text(Lang::En),
            "above 30%"
        );
        // Passing: raised, at most onto the limit.
        assert_eq!(at_most(dec!(29.991)), "30%");
        assert_eq!(at_most(dec!(29.981)), "29.99%");
        assert_eq!(at_most(dec!(18)), "18%");
    }

    #[test]
    fn a_threshold_with_more_places_is_shown_with_its_places() {
        let t = dec!(69.995);
        assert_eq!(at_least(dec!(69.994), t, Lang::Zh), "69.994%");
        assert_eq!(at_least(dec!(69.9951), t, Lang::Zh), "69.995%");
    }

    #[test]
    fn rates_against_nothing_have_two_places_half_up() {
        let none = |v| shown_pct(v, Against::Nothing).text(Lang::Zh);
        assert_eq!(none(dec!(200) / dec!(3)), "66.67%");
        assert_eq!(none(dec!(100) / dec!(3)), "33.33%");
        assert_eq!(none(dec!(12.345)), "12.35%");
        assert_eq!(none(dec!(12.335)), "12.34%", "half up, not to even");
        assert_eq!(none(dec!(69.995)), "70%");
        assert_eq!(none(dec!(100)), "100%");
        // A completion graded against minimums not at hand: cut down.
        assert_eq!(shown_pct(dec!(79.999), Against::SomeMinimum).figure, dec!(79.99));
    }

    #[test]
    fn the_shown_figure_and_its_margin_agree() {
        let req = Requirement::AtLeast { value: dec!(70) };
        let show = |v: Decimal| {
            let (a, size) = shown_quantity(v, &req, v - dec!(70), Unit::Pct, Lang::Zh);
            (a.to_string(), Signed(size).to_string())
        };
        assert_eq!(show(dec!(69.995)), ("69.99%".into(), "−0.01 个百分点".into()));
        assert_eq!(show(dec!(69.9999)), ("69.9999%".into(), "−0.0001 个百分点".into()));
        assert_eq!(show(dec!(69.99999)), ("低于 70%".into(), "−0.00001 个百分点".into()));
        assert_eq!(show(dec!(72.345)), ("72.34%".into(), "+2.34 个百分点".into()));
        assert_eq!(show(dec!(70)), ("70%".into(), "±0 个百分点".into()));
        // Cut onto the threshold while passing: the margin shows it passes.
        assert_eq!(show(dec!(70.004)), ("70%".into(), "+0.004 个百分点".into()));
        let max = Requirement::AtMost { value: dec!(30) };
        let (a, size) = shown_quantity(dec!(30.006), &max, dec!(-0.006), Unit::Pct, Lang::En);
        assert_eq!(
            (a.to_string(), Signed(size).to_string()),
            ("30.01%".into(), "−0.01 percentage points".into())
        );
        // Figures other than percentages keep their own rules.
        let (a, size) = shown_quantity(
            dec!(49.995),
            &Requirement::AtLeast { value: dec!(50) },
            dec!(-0.005),
            Unit::Yi,
            Lang::Zh,
        );
        assert_eq!(
            (a.to_string(), Signed(size).to_string()),
            ("49.995 亿元".into(), "−0.005 亿元".into())
        );
    }

    #[test]
    fn a_range_is_judged_by_its_nearer_bound() {
        let r = Requirement::Between {
            lower: dec!(10),
            upper: dec!(20),
        };
        assert_eq!(Against::of(dec!(9), &r), Against::AtLeast(dec!(10)));
        assert_eq!(Against::of(dec!(12), &r), Against::AtLeast(dec!(10)));
        assert_eq!(Against::of(dec!(19), &r), Against::AtMost(dec!(20)));
        assert_eq!(Against::of(dec!(21), &r), Against::AtMost(dec!(20)));
        let e = Requirement::Equals { value: dec!(100) };
        assert_eq!(Against::of(dec!(99.99999), &e), Against::AtLeast(dec!(100)));
    }
}

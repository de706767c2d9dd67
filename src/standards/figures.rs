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

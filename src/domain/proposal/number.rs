//! Reading typed numbers exactly. A value is judged as typed, so nothing here
//! goes through floating point, and anything that would need rounding or
//! guessing ("3,6", "70%", "30万") is refused with a hint instead.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::error::{ErrorCode, FieldError};
use super::fields::DecimalLimit;

/// Full-width digits, point and minus (typed with a Chinese IME) as ASCII.
pub(crate) fn to_ascii_digits(raw: &str) -> String {
    raw.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '－' => '-',
            _ => c,
        })
        .collect()
}

/// Parses a plain decimal ("12.5", "-3", ".5") after full-width folding.
pub(crate) fn read_decimal(raw: &str) -> Result<Decimal, ErrorCode> {
    let s = to_ascii_digits(raw);
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(&s);
    let lower = unsigned.to_ascii_lowercase();
    if matches!(lower.as_str(), "nan" | "inf" | "infinity") {
        return Err(ErrorCode::NotFinite);
    }
    if s.contains([',', '，']) {
        return Err(ErrorCode::CommaInNumber);
    }
    if s.contains(['%', '％']) {
        return Err(ErrorCode::PercentSign);
    }
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let plain = !s.starts_with('+') && digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    if plain {
        if frac.len() > 28 {
            return Err(ErrorCode::TooManyDecimals);
        }
        return Decimal::from_str_exact(&s).map_err(|_| ErrorCode::TooLarge);
    }
    // A number followed by something else is almost always a unit ("30万").
    let starts_numeric = unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    let exponent = lower.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    if starts_numeric
        && !(exponent.starts_with('e')
            && exponent.len() > 1
            && exponent[1..]
                .trim_start_matches(['-', '+'])
                .bytes()
                .all(|b| b.is_ascii_digit()))
    {
        return Err(ErrorCode::UnitInNumber);
    }
    Err(ErrorCode::InvalidNumber)
}

/// A JSON number's exact text, which may use an exponent ("1e3").
pub(crate) fn read_json_number(text: &str) -> Result<Decimal, ErrorCode> {
    if text.contains(['e', 'E']) {
        return Decimal::from_scientific(text).map_err(|_| ErrorCode::TooLarge);
    }
    read_decimal(text)
}

/// Applies a field's range and precision to a parsed value.
pub(crate) fn check_decimal(field: &str, d: Decimal, limit: &DecimalLimit) -> Result<Decimal, FieldError> {
    let d = d.normalize();
    if d.is_sign_negative() && !d.is_zero() {
        return Err(FieldError::new(field, ErrorCode::Negative));
    }
    if limit.positive && d.is_zero() {
        return Err(FieldError::new(field, ErrorCode::NotPositive));
    }
    if d > limit.max {
        return Err(FieldError::new(field, ErrorCode::TooLarge).with(|p| p.limit = Some(limit.max)));
    }
    if d.scale() > limit.max_scale {
        return Err(
            FieldError::new(field, ErrorCode::TooManyDecimals).with(|p| p.expected = Some(limit.max_scale as usize))
        );
    }
    // "-0" is zero; keep it unsigned so it prints as "0".
    Ok(d.abs())
}

/// Applies a count's range to a parsed value.
pub(crate) fn check_count(field: &str, d: Decimal, max: i32) -> Result<i32, FieldError> {
    if !d.fract().is_zero() {
        return Err(FieldError::new(field, ErrorCode::NotWholeNumber));
    }
    if d.is_sign_negative() && !d.is_zero() {
        return Err(FieldError::new(field, ErrorCode::Negative));
    }
    if d > Decimal::from(max) {
        return Err(FieldError::new(field, ErrorCode::TooLarge).with(|p| p.limit = Some(Decimal::from(max))));
    }
    d.to_i32()
        .ok_or_else(|| FieldError::new(field, ErrorCode::TooLarge).with(|p| p.limit = Some(Decimal::from(max))))
}

/// Parses and checks one decimal field typed as text.
pub(crate) fn decimal_field(field: &str, raw: &str, limit: &DecimalLimit) -> Result<Decimal, FieldError> {
    match read_decimal(raw) {
        Ok(d) => check_decimal(field, d, limit),
        Err(ErrorCode::TooLarge) => {
            Err(FieldError::new(field, ErrorCode::TooLarge).with(|p| p.limit = Some(limit.max)))
        }
        Err(ErrorCode::TooManyDecimals) => {
            Err(FieldError::new(field, ErrorCode::TooManyDecimals)
                .with(|p| p.expected = Some(limit.max_scale as usize)))
        }
        Err(code) => Err(FieldError::new(field, code)),
    }
}

/// Parses and checks one count field typed as text.
pub(crate) fn count_field(field: &str, raw: &str, max: i32) -> Result<i32, FieldError> {
    match read_decimal(raw) {
        Ok(d) => check_count(field, d, max),
        Err(ErrorCode::TooLarge) => {
            Err(FieldError::new(field, ErrorCode::TooLarge).with(|p| p.limit = Some(Decimal::from(max))))
        }
        Err(ErrorCode::TooManyDecimals) => Err(FieldError::new(field, ErrorCode::NotWholeNumber)),
        Err(code) => Err(FieldError::new(field, code)),
    }
}

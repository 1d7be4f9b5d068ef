//! Spreadsheet cell values as the text a clerk typed: floats without binary noise, dates as `YYYY-MM-DD`.

use std::fmt::Write as _;

use calamine::{Data, DataRef, ExcelDateTime};

/// What kind of cell a text came from; a number where text is required (ID numbers) is a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum CellKind {
    #[default]
    Text,
    Number,
}

/// Writes the text of a cell of an `.xls` range into `out` (which the caller has cleared) and says what
/// kind of cell it was.
pub(crate) fn data_text(value: &Data, out: &mut String) -> CellKind {
    match value {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => push_trimmed(out, s),
        Data::Float(f) => return float_text(*f, out),
        Data::Int(i) => {
            let _ = write!(out, "{i}");
            return CellKind::Number;
        }
        Data::Bool(b) => out.push_str(if *b { "是" } else { "否" }),
        Data::DateTime(d) => ymd_text(d, out),
        Data::Error(e) => {
            let _ = write!(out, "{e}");
        }
        Data::Empty => {}
    }
    CellKind::Text
}

/// [`data_text`] for a cell of a streamed `.xlsx` sheet.
pub(crate) fn data_ref_text(value: &DataRef<'_>, out: &mut String) -> CellKind {
    match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            push_trimmed(out, s)
        }
        DataRef::SharedString(s) => push_trimmed(out, s),
        DataRef::Float(f) => return float_text(*f, out),
        DataRef::Int(i) => {
            let _ = write!(out, "{i}");
            return CellKind::Number;
        }
        DataRef::Bool(b) => out.push_str(if *b { "是" } else { "否" }),
        DataRef::DateTime(d) => ymd_text(d, out),
        DataRef::Error(e) => {
            let _ = write!(out, "{e}");
        }
        DataRef::Empty => {}
    }
    CellKind::Text
}

fn push_trimmed(out: &mut String, s: &str) {
    out.push_str(s.trim());
}

/// An Excel date as `YYYY-MM-DD`; a duration as its number.
pub(crate) fn ymd_text(d: &ExcelDateTime, out: &mut String) {
    if d.is_datetime() {
        let (y, m, day, ..) = d.to_ymd_hms_milli();
        let _ = write!(out, "{y:04}-{m:02}-{day:02}");
    } else {
        float_text(d.as_f64(), out);
    }
}

/// A float cell as text. Excel stores `12345.6` as `12345.599999999999`: values within a hair of a
/// whole fen are written with at most two decimals; anything genuinely finer keeps its digits (up to
/// Excel's 15 significant ones) so that "more than two decimals" is reported rather than rounded away.
pub(crate) fn float_text(x: f64, out: &mut String) -> CellKind {
    if !x.is_finite() {
        let _ = write!(out, "{x}");
        return CellKind::Number;
    }
    let scaled = x * 100.0;
    let cents = scaled.round();
    if cents.abs() < 9.0e15 && (scaled - cents).abs() <= 1e-6 * cents.abs().max(1.0) {
        // Exact in i64: |cents| < 9e15 was checked just above.
        let c = cents as i64;
        if c < 0 {
            out.push('-');
        }
        let a = c.unsigned_abs();
        let _ = write!(out, "{}", a / 100);
        let frac = a % 100;
        if frac != 0 {
            if frac.is_multiple_of(10) {
                let _ = write!(out, ".{}", frac / 10);
            } else {
                let _ = write!(out, ".{frac:02}");
            }
        }
    } else {
        let magnitude = x.abs().log10().floor() as i32 + 1;
        if magnitude > 15 {
            // Beyond Excel's precision the last digits are zeros, as Excel itself shows them.
            let shift = magnitude - 15;
            let _ = write!(out, "{:.0}", (x / 10f64.powi(shift)).round());
            out.extend(std::iter::repeat_n(
                '0',
                usize::try_from(shift).unwrap_or(0),
            ));
            return CellKind::Number;
        }
        let decimals = usize::try_from((15 - magnitude).clamp(0, 15)).unwrap_or(0);
        let s = format!("{x:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.')
        } else {
            &s
        };
        out.push_str(s);
    }
    CellKind::Number
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(x: f64) -> String {
        let mut s = String::new();
        float_text(x, &mut s);
        s
    }

    #[test]
    fn floats_are_written_without_binary_noise() {
        assert_eq!(text(2025.0), "2025");
        assert_eq!(text(12345.599999999999), "12345.6");
        assert_eq!(text(0.1 + 0.2), "0.3");
        assert_eq!(text(-1500.5), "-1500.5");
        assert_eq!(text(7.05), "7.05");
        assert_eq!(text(13812345678.0), "13812345678");
        assert_eq!(text(0.0), "0");
    }

    #[test]
    fn genuinely_finer_values_keep_their_digits() {
        assert_eq!(text(12.345), "12.345");
        assert_eq!(text(0.001), "0.001");
        assert_eq!(text(500222199001011234.0), "500222199001011000");
    }
}

//! How values look on screen: counts, money, dates, masked identities, labels, URLs.

use time::macros::offset;
use time::{Date, OffsetDateTime, UtcOffset};
use zhenxing_domain::CodeEnum;
use zhenxing_domain::id_number::{mask_id, mask_phone};

/// China Standard Time: dates and times are shown as the township lives them.
pub const CST: UtcOffset = offset!(+8);

pub fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(CST).date()
}

/// `12345` → `12,345`.
pub fn count(n: impl Into<i128>) -> String {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Hundredths of a mu as `1.25 亩`.
pub fn mu(centimu: i64) -> String {
    let sign = if centimu < 0 { "-" } else { "" };
    let a = centimu.unsigned_abs();
    format!("{sign}{}.{:02} 亩", a / 100, a % 100)
}

/// Hundredths of a mu as a plain number for a form field: `1.25`.
pub fn mu_plain(centimu: i64) -> String {
    let sign = if centimu < 0 { "-" } else { "" };
    let a = centimu.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// A stored timestamp (RFC 3339 or `YYYY-MM-DD HH:MM:SS…`) as `2026-10-08 14:03`, in China time.
pub fn timestamp(text: &str) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    if let Ok(t) = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        && let Ok(s) = t.to_offset(CST).format(&fmt)
    {
        return s;
    }
    // Unknown shape: show the date and minutes part as written, without fractions.
    let t = text.replace('T', " ");
    t.chars().take(16).collect()
}

pub fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "是",
        Some(false) => "否",
        None => "",
    }
}

pub fn label<T: CodeEnum>(v: Option<T>) -> &'static str {
    v.map(|v| v.label()).unwrap_or("")
}

/// An ID number as this viewer may see it.
pub fn id_shown(id: &str, reveal: bool) -> String {
    if reveal { id.to_string() } else { mask_id(id) }
}

pub fn phone_shown(phone: Option<&str>, reveal: bool) -> String {
    match phone {
        None => String::new(),
        Some(p) if reveal => p.to_string(),
        Some(p) => mask_phone(p),
    }
}

/// Percent-encodes a query value or a path (UTF-8 bytes outside the unreserved set).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Builds `a=1&b=2` from the non-empty pairs.
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> String {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(&v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A random token (hex) for CSRF and upload keys.
pub fn random_token() -> Result<String, crate::error::AppError> {
    let mut buf = [0u8; 24];
    getrandom::fill(&mut buf)
        .map_err(|e| crate::error::AppError::internal(format!("random: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(count(0u32), "0");
        assert_eq!(count(999u32), "999");
        assert_eq!(count(1000u32), "1,000");
        assert_eq!(count(12_500u64), "12,500");
        assert_eq!(count(-1_234_567i64), "-1,234,567");
    }

    #[test]
    fn farmland_is_shown_in_mu_with_two_decimals() {
        assert_eq!(mu(125), "1.25 亩");
        assert_eq!(mu(5), "0.05 亩");
        assert_eq!(mu_plain(1200), "12.00");
    }

    #[test]
    fn timestamps_are_shown_in_china_time() {
        assert_eq!(timestamp("2026-10-08T06:03:22Z"), "2026-10-08 14:03");
        assert_eq!(timestamp("2026-10-08 06:03:22.123"), "2026-10-08 06:03");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(url_encode("张 三"), "%E5%BC%A0%20%E4%B8%89");
        assert_eq!(
            query_string([
                ("a", "1".to_string()),
                ("b", String::new()),
                ("c", "x&y".into())
            ]),
            "a=1&c=x%26y"
        );
    }

    #[test]
    fn identities_are_masked_unless_revealed() {
        assert_eq!(id_shown("50022219800101123X", false), "500222********123X");
        assert_eq!(id_shown("50022219800101123X", true), "50022219800101123X");
        assert_eq!(phone_shown(Some("13812345678"), false), "138****5678");
        assert_eq!(phone_shown(None, false), "");
    }
}

/// `?page=` as typed: a positive number, page 1 for anything else.
pub fn page_number(text: &str) -> u32 {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

/// The page a list shows: `?page=` as typed, `per_page` rows.
pub fn page_request(text: &str, per_page: u32) -> zhenxing_store::PageRequest {
    zhenxing_store::PageRequest {
        page: page_number(text),
        per_page,
    }
}

/// What a list shows around its rows: the total, "第 p / n 页" and the previous/next links, which keep
/// the list's filter (`query`, without `page`).
#[derive(Debug, serde::Serialize)]
pub struct Pager {
    pub total: String,
    pub page: u64,
    pub pages: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

impl Pager {
    pub fn new<T>(list: &zhenxing_store::Page<T>, path: &str, query: &str) -> Pager {
        let pages = list.total.div_ceil(u64::from(list.per_page.max(1))).max(1);
        let current = u64::from(list.page);
        let href = |p: u64| {
            if query.is_empty() {
                format!("{path}?page={p}")
            } else {
                format!("{path}?{query}&page={p}")
            }
        };
        Pager {
            total: count(list.total),
            page: current,
            pages: count(pages),
            prev_href: (current > 1).then(|| href(current - 1)),
            next_href: (current < pages).then(|| href(current + 1)),
        }
    }
}

/// Who did something, as colleagues know them: the display name, `系统（命令行）` for the system
/// actor of the CLI, else the login name (an account since removed).
pub fn actor_name(username: &str, display_name: Option<String>) -> String {
    match display_name {
        Some(n) => n,
        None if username == "system" => "系统（命令行）".to_string(),
        None => username.to_string(),
    }
}

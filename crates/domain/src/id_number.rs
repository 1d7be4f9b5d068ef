//! Resident ID numbers (GB 11643-1999) and the alternatives a national export carries.
//!
//! An [`IdNumber`] always holds the canonical 18-character number of the person; a 15-digit input is
//! upgraded, a 20/22-character disability-certificate number keeps its suffix beside the base number,
//! and the `999999…` placeholder used for people without an ID is accepted but flagged.

use std::fmt;

use time::{Date, Month};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
/// The address code the national system uses for people registered without an ID number.
const PLACEHOLDER_PREFIX: &str = "999999";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    base: String,
    kind: IdKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// An ordinary 18-character resident ID.
    Resident,
    /// Given as a 15-digit first-generation number and upgraded.
    Upgraded15,
    /// A disability-certificate number: the base ID followed by this suffix (category, grade, …).
    Disability(String),
    /// The `999999` placeholder for a person without an ID number; never a real identity.
    Placeholder,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("证件号码为空")]
    Empty,
    #[error("证件号码长度应为18位（或15位旧号码、20/22位残疾证号），实际为{0}位")]
    WrongLength(usize),
    #[error("证件号码含非法字符“{0}”：前17位应为数字，末位为数字或X")]
    BadCharacter(char),
    #[error("身份证号码校验位错误，应为 {expected}")]
    WrongCheck { expected: char },
    #[error("证件号码中的出生日期 {0} 不存在")]
    ImpossibleDate(String),
    #[error("证件号码中的出生日期 {0} 晚于今天")]
    FutureBirth(String),
    #[error("残疾证号后缀“{0}”无效：应为残疾类别(1-7)与等级(1-4)")]
    BadDisabilitySuffix(String),
}

/// The check character of the first 17 digits (ISO 7064 MOD 11-2).
pub fn check_character(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    Some(CHECK[(sum % 11) as usize])
}

impl IdNumber {
    /// Parses an ID number as typed or exported; `today` bounds the birth date.
    pub fn parse(text: &str, today: Date) -> Result<Self, IdNumberError> {
        let t: String = text.trim().to_uppercase();
        if t.is_empty() {
            return Err(IdNumberError::Empty);
        }
        let n = t.chars().count();
        match n {
            15 => {
                if let Some(c) = t.chars().find(|c| !c.is_ascii_digit()) {
                    return Err(IdNumberError::BadCharacter(c));
                }
                let first17 = format!("{}19{}", &t[..6], &t[6..]);
                let check = check_character(&first17).ok_or(IdNumberError::WrongLength(n))?;
                let base = format!("{first17}{check}");
                birth_date_of(&base, today)?;
                Ok(IdNumber {
                    base,
                    kind: IdKind::Upgraded15,
                })
            }
            18 => {
                let base = validate18(&t, today)?;
                let kind = if base.starts_with(PLACEHOLDER_PREFIX) {
                    IdKind::Placeholder
                } else {
                    IdKind::Resident
                };
                Ok(IdNumber { base, kind })
            }
            20 | 22 => {
                if !t.is_ascii() {
                    return Err(IdNumberError::WrongLength(n));
                }
                let base = validate18(&t[..18], today)?;
                let suffix = t[18..].to_string();
                let b = suffix.as_bytes();
                let ok = matches!(b[0], b'1'..=b'7')
                    && matches!(b[1], b'1'..=b'4')
                    && (b.len() == 2 || (b[2].is_ascii_alphabetic() && b[3].is_ascii_digit()));
                if !ok {
                    return Err(IdNumberError::BadDisabilitySuffix(suffix));
                }
                Ok(IdNumber {
                    base,
                    kind: IdKind::Disability(suffix),
                })
            }
            _ => Err(IdNumberError::WrongLength(n)),
        }
    }

    /// The person's 18-character resident ID: the key that matches records across sources.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn kind(&self) -> &IdKind {
        &self.kind
    }

    pub fn is_placeholder(&self) -> bool {
        self.kind == IdKind::Placeholder
    }

    /// The number as it should be stored and exported (with a disability suffix if there was one).
    pub fn as_stored(&self) -> String {
        match &self.kind {
            IdKind::Disability(s) => format!("{}{}", self.base, s),
            _ => self.base.clone(),
        }
    }

    pub fn birth_date(&self) -> Date {
        // Validated in `parse`; a placeholder with an impossible date was refused there.
        parse_ymd(&self.base[6..14]).unwrap_or(Date::MIN)
    }

    /// Male when the sequence digit is odd.
    pub fn is_male(&self) -> bool {
        self.base.as_bytes()[16] % 2 == 1
    }

    /// The 6-digit address code of registration (500222 or 500110 for 綦江).
    pub fn address_code(&self) -> &str {
        &self.base[..6]
    }

    /// `500222********123X`: address code and the last four characters only.
    pub fn masked(&self) -> String {
        mask_id(&self.as_stored())
    }
}

/// Masks any ID-like text for display: first six and last four characters kept.
pub fn mask_id(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

/// Masks a phone number: `138****5678`.
pub fn mask_phone(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

fn validate18(t: &str, today: Date) -> Result<String, IdNumberError> {
    for (i, c) in t.chars().enumerate() {
        let ok = c.is_ascii_digit() || (i == 17 && c == 'X');
        if !ok {
            return Err(IdNumberError::BadCharacter(c));
        }
    }
    birth_date_of(t, today)?;
    if !t.starts_with(PLACEHOLDER_PREFIX) {
        let expected = check_character(&t[..17]).ok_or(IdNumberError::WrongLength(18))?;
        if t.as_bytes()[17] as char != expected {
            return Err(IdNumberError::WrongCheck { expected });
        }
    }
    Ok(t.to_string())
}

fn birth_date_of(id18: &str, today: Date) -> Result<Date, IdNumberError> {
    let ymd = &id18[6..14];
    // The date as the message shows it, built only when there is something to say (hot path).
    let shown = || format!("{}-{}-{}", &ymd[..4], &ymd[4..6], &ymd[6..]);
    match parse_ymd(ymd) {
        Some(d) if d.year() < 1880 => Err(IdNumberError::ImpossibleDate(shown())),
        Some(d) if d > today => Err(IdNumberError::FutureBirth(shown())),
        Some(d) => Ok(d),
        None => Err(IdNumberError::ImpossibleDate(shown())),
    }
}

/// `YYYYMMDD` → a real calendar date.
pub fn parse_ymd(s: &str) -> Option<Date> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i32 = s[..4].parse().ok()?;
    let m: u8 = s[4..6].parse().ok()?;
    let d: u8 = s[6..].parse().ok()?;
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

impl fmt::Display for IdNumber {
    /// Displays the masked form: full numbers are shown only where a role asks for them explicitly.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 28);

    fn check(input: &str, expected: Result<&str, IdNumberError>) {
        let got = IdNumber::parse(input, TODAY).map(|id| id.as_stored());
        assert_eq!(got, expected.map(str::to_string), "input {input}");
    }

    #[test]
    fn valid_vectors_from_the_standard_are_accepted() {
        check("11010519491231002X", Ok("11010519491231002X"));
        check("440524188001010014", Ok("440524188001010014"));
        check("370101190102039973", Ok("370101190102039973"));
        check(" 11010519491231002x ", Ok("11010519491231002X"));
    }

    #[test]
    fn a_wrong_check_character_names_the_right_one() {
        check(
            "110105194912310021",
            Err(IdNumberError::WrongCheck { expected: 'X' }),
        );
        assert_eq!(
            IdNumberError::WrongCheck { expected: 'X' }.to_string(),
            "身份证号码校验位错误，应为 X"
        );
    }

    #[test]
    fn fifteen_digit_numbers_are_upgraded() {
        let id = IdNumber::parse("110105491231002", TODAY).expect("valid 15-digit");
        assert_eq!(id.base(), "11010519491231002X");
        assert_eq!(id.kind(), &IdKind::Upgraded15);
        assert!(!id.is_male());
    }

    #[test]
    fn impossible_and_future_dates_are_rejected() {
        check(
            "110105194902300020",
            Err(IdNumberError::ImpossibleDate("1949-02-30".into())),
        );
        check(
            "110105194913010020",
            Err(IdNumberError::ImpossibleDate("1949-13-01".into())),
        );
        let future = format!(
            "11010520301231002{}",
            check_character("11010520301231002").expect("digits")
        );
        check(
            &future,
            Err(IdNumberError::FutureBirth("2030-12-31".into())),
        );
    }

    #[test]
    fn lengths_and_characters_are_checked() {
        check("1234", Err(IdNumberError::WrongLength(4)));
        check("11010519491231A02X", Err(IdNumberError::BadCharacter('A')));
        check("", Err(IdNumberError::Empty));
    }

    #[test]
    fn disability_numbers_keep_their_suffix() {
        let id = IdNumber::parse("11010519491231002X42", TODAY).expect("20-char");
        assert_eq!(id.base(), "11010519491231002X");
        assert_eq!(id.kind(), &IdKind::Disability("42".into()));
        let id22 = IdNumber::parse("11010519491231002X42B1", TODAY).expect("22-char");
        assert_eq!(id22.as_stored(), "11010519491231002X42B1");
        check(
            "11010519491231002X92",
            Err(IdNumberError::BadDisabilitySuffix("92".into())),
        );
    }

    #[test]
    fn the_placeholder_is_accepted_and_flagged() {
        let id = IdNumber::parse("999999200001010011", TODAY).expect("placeholder");
        assert!(id.is_placeholder());
    }

    #[test]
    fn sex_birth_and_masking_come_from_the_number() {
        let id = IdNumber::parse("440524188001010014", TODAY).expect("valid");
        assert!(id.is_male());
        assert_eq!(id.birth_date(), date!(1880 - 01 - 01));
        assert_eq!(id.masked(), "440524********0014");
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }
}

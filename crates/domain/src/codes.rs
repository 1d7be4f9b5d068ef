//! Code tables of the national export as enums with their Chinese labels.

/// A closed code table: every variant has a stable English code (stored) and a Chinese label (shown).
pub trait CodeEnum: Sized + Copy + 'static {
    /// All variants, in the order of the national export.
    const ALL: &'static [Self];
    /// What the table is called in Chinese, for messages ("户类型").
    const TITLE: &'static str;
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;
    /// Other spellings accepted on import (national numeric codes, older wordings).
    fn aliases(self) -> &'static [&'static str] {
        &[]
    }

    /// Parse a Chinese label, an alias or the English code; surrounding whitespace is ignored.
    fn parse_label(text: &str) -> Option<Self> {
        let t = text.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.label() == t || v.code() == t || v.aliases().contains(&t))
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }

    /// "户类型应为 脱贫户、监测户、一般农户 之一" — the message for an unknown value.
    fn expected_message() -> String {
        let labels: Vec<&str> = Self::ALL.iter().map(|v| v.label()).collect();
        format!("{}应为 {} 之一", Self::TITLE, labels.join("、"))
    }
}

/// Declares a code enum: `Variant = ("code", "标签", [aliases…])`.
#[macro_export]
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $title:literal { $($(#[$vm:meta])* $var:ident = ($code:literal, $label:literal $(, [$($alias:literal),*])?)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $var),+ }

        impl $crate::codes::CodeEnum for $name {
            const ALL: &'static [Self] = &[$(Self::$var),+];
            const TITLE: &'static str = $title;
            fn code(self) -> &'static str { match self { $(Self::$var => $code),+ } }
            fn label(self) -> &'static str { match self { $(Self::$var => $label),+ } }
            fn aliases(self) -> &'static [&'static str] {
                match self { $(Self::$var => &[$($($alias),*)?]),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::codes::CodeEnum::label(*self))
            }
        }
    };
}

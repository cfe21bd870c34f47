//! Checking what a write asks for, all of it before anything is written: each problem is a
//! [`Violation`] with the path of the input field it is about, a code from a fixed set and a
//! message, and a write collects every violation before it answers.
//!
//! The value checks here use real lists: ISO 3166-1 countries, ISO 4217 currencies (with their
//! number of decimals) and ISO 639-1 languages.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::money;

/// Longest key (`interfolk`, `nordplus-adult-2023`).
pub const MAX_KEY: usize = 100;
/// Longest name, short name, city, role, unit or code.
pub const MAX_SHORT_TEXT: usize = 300;
/// Longest title.
pub const MAX_TITLE: usize = 1_000;
/// Longest localized text (a title, a summary, a description).
pub const MAX_LONG_TEXT: usize = 20_000;
/// Longest web address.
pub const MAX_URL: usize = 2_048;
/// Most texts (languages) in one localized field.
pub const MAX_TRANSLATIONS: usize = 30;
/// Most items in a list field (aims, target groups, identifiers).
pub const MAX_LIST_ITEMS: usize = 100;
/// Largest quantity or count.
pub const MAX_QUANTITY: i32 = 100_000_000;

/// What is wrong with a value. Published in the schema as `UserErrorCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// A value that must be given is missing or empty.
    Required,
    /// The value has the wrong shape or is not in its list.
    Invalid,
    /// The text is longer than allowed.
    TooLong,
    /// The number or date is outside what is allowed.
    OutOfRange,
    /// A referenced record does not exist.
    NotFound,
    /// Another record already has this value.
    Duplicate,
    /// The record changed since the version the caller read.
    StaleObject,
    /// Other records depend on this one.
    InUse,
    /// The database refused the change as it stands (a rule broken by a concurrent write).
    Conflict,
}

impl Code {
    /// Its name in the schema's `UserErrorCode`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "REQUIRED",
            Self::Invalid => "INVALID",
            Self::TooLong => "TOO_LONG",
            Self::OutOfRange => "OUT_OF_RANGE",
            Self::NotFound => "NOT_FOUND",
            Self::Duplicate => "DUPLICATE",
            Self::StaleObject => "STALE_OBJECT",
            Self::InUse => "IN_USE",
            Self::Conflict => "CONFLICT",
        }
    }
}

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Path of the field in the input, e.g. `["input", "patch", "endDate"]`.
    pub field: Vec<String>,
    pub code: Code,
    pub message: String,
}

impl Violation {
    pub fn new(field: &FieldPath, code: Code, message: impl Into<String>) -> Self {
        Self {
            field: field.0.clone(),
            code,
            message: message.into(),
        }
    }
}

/// Where a field sits in a mutation's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath(Vec<String>);

impl FieldPath {
    /// The `input` argument itself.
    pub fn input() -> Self {
        Self(vec!["input".to_owned()])
    }

    /// The field `name` inside this one.
    pub fn at(&self, name: &str) -> Self {
        let mut path = self.0.clone();
        path.push(name.to_owned());
        Self(path)
    }

    /// Item `index` of this list.
    pub fn item(&self, index: usize) -> Self {
        self.at(&index.to_string())
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

/// A localized text as a write gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextDraft {
    /// ISO 639-1.
    pub lang: String,
    pub text: String,
    /// Written in this language by the source, rather than translated.
    pub is_original: bool,
}

/// Every problem found with one write.
#[derive(Debug, Default)]
pub struct Violations(Vec<Violation>);

impl Violations {
    pub fn add(&mut self, field: &FieldPath, code: Code, message: impl Into<String>) {
        self.0.push(Violation::new(field, code, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was found, otherwise every violation.
    pub fn finish(self) -> Result<(), Vec<Violation>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }

    /// A text that must not be blank and may hold at most `max` characters.
    pub fn text(&mut self, field: &FieldPath, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.add(field, Code::Required, "must not be empty");
        } else if value.chars().count() > max {
            self.add(
                field,
                Code::TooLong,
                format!("is longer than {max} characters"),
            );
        }
    }

    /// An optional text: absent is fine, present must pass [`Self::text`].
    pub fn optional_text(&mut self, field: &FieldPath, value: Option<&str>, max: usize) {
        if let Some(value) = value {
            self.text(field, value, max);
        }
    }

    /// A stable key: lower-case letters, digits and `-`, `_` or `.`, starting with a letter or
    /// digit.
    pub fn key(&mut self, field: &FieldPath, value: &str) {
        let shaped = value
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && value.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
            });
        if value.is_empty() {
            self.add(field, Code::Required, "must not be empty");
        } else if value.len() > MAX_KEY {
            self.add(
                field,
                Code::TooLong,
                format!("is longer than {MAX_KEY} characters"),
            );
        } else if !shaped {
            self.add(
                field,
                Code::Invalid,
                format!(
                    "`{value}` is not a key: use lower-case letters, digits, `-`, `_` and `.`, e.g. `nordplus-adult`"
                ),
            );
        }
    }

    /// An ISO 3166-1 alpha-2 country code that is assigned.
    pub fn country(&mut self, field: &FieldPath, value: &str) {
        if celes::Country::from_alpha2(value).is_err() {
            self.add(
                field,
                Code::Invalid,
                format!("`{value}` is not an ISO 3166-1 alpha-2 country code, e.g. `LV`"),
            );
        }
    }

    /// An ISO 639-1 language code.
    pub fn language(&mut self, field: &FieldPath, value: &str) {
        if isolang::Language::from_639_1(value).is_none() {
            self.add(
                field,
                Code::Invalid,
                format!("`{value}` is not an ISO 639-1 language code, e.g. `lv`"),
            );
        }
    }

    /// An amount of money in `currency`: an ISO 4217 currency, an amount that is not
    /// negative and has no more decimals than the currency (and than the two the store keeps).
    /// Returns the amount in hundredths when both are right.
    pub fn money(&mut self, field: &FieldPath, amount: Decimal, currency: &str) -> Option<i64> {
        let Some(found) = iso_currency::Currency::from_code(currency) else {
            self.add(
                &field.at("currency"),
                Code::Invalid,
                format!("`{currency}` is not an ISO 4217 currency code, e.g. `EUR`"),
            );
            return None;
        };
        let places = found.exponent().map_or(2, u32::from).min(2);
        if amount.is_sign_negative() && !amount.is_zero() {
            self.add(
                &field.at("amount"),
                Code::OutOfRange,
                format!("amount {amount} is negative"),
            );
            return None;
        }
        if amount.normalize().scale() > places {
            self.add(
                &field.at("amount"),
                Code::Invalid,
                format!(
                    "{currency} amounts have at most {places} decimal places; {amount} has more"
                ),
            );
            return None;
        }
        match money::to_minor_units(amount) {
            Ok(minor) => Some(minor),
            Err(error) => {
                self.add(
                    &field.at("amount"),
                    Code::OutOfRange,
                    error.describe(amount),
                );
                None
            }
        }
    }

    /// A web address: absolute, http or https, with a host.
    pub fn website(&mut self, field: &FieldPath, value: &str) {
        if value.len() > MAX_URL {
            self.add(
                field,
                Code::TooLong,
                format!("is longer than {MAX_URL} characters"),
            );
            return;
        }
        let parsed = url::Url::parse(value);
        let web = parsed
            .as_ref()
            .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some());
        if !web {
            self.add(
                field,
                Code::Invalid,
                format!("`{value}` is not an http(s) address, e.g. `https://example.org`"),
            );
        }
    }

    /// An e-mail address of the usual shape (`name@example.org`).
    pub fn email(&mut self, field: &FieldPath, value: &str) {
        if value.len() > MAX_SHORT_TEXT
            || !email_address::EmailAddress::is_valid(value)
            || !value.contains('.')
        {
            self.add(
                field,
                Code::Invalid,
                format!("`{value}` is not an e-mail address, e.g. `name@example.org`"),
            );
        }
    }

    /// A phone number: an optional leading `+`, then 5 to 20 digits, which may be grouped with
    /// spaces, dashes, dots or parentheses.
    pub fn phone(&mut self, field: &FieldPath, value: &str) {
        let rest = value.strip_prefix('+').unwrap_or(value);
        let digits = rest.bytes().filter(u8::is_ascii_digit).count();
        let shaped = rest
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'.' | b'(' | b')'));
        if !shaped || !(5..=20).contains(&digits) || value.len() > 40 {
            self.add(
                field,
                Code::Invalid,
                format!("`{value}` is not a phone number, e.g. `+371 2612 3456`"),
            );
        }
    }

    /// A quantity or count from 0 (or 1 when `positive`) to [`MAX_QUANTITY`].
    pub fn quantity(&mut self, field: &FieldPath, value: i32, positive: bool) {
        let least = i32::from(positive);
        if !(least..=MAX_QUANTITY).contains(&value) {
            self.add(
                field,
                Code::OutOfRange,
                format!("must be between {least} and {MAX_QUANTITY}; got {value}"),
            );
        }
    }

    /// A localized field: each text in a known language, not blank, at most `max` characters,
    /// each language once, and at least one text marked as the original. `required` fields
    /// need at least one text.
    pub fn localized(
        &mut self,
        field: &FieldPath,
        texts: &[TextDraft],
        max: usize,
        required: bool,
    ) {
        if texts.is_empty() {
            if required {
                self.add(field, Code::Required, "needs at least one text");
            }
            return;
        }
        if texts.len() > MAX_TRANSLATIONS {
            self.add(
                field,
                Code::TooLong,
                format!("holds more than {MAX_TRANSLATIONS} texts"),
            );
            return;
        }
        for (index, text) in texts.iter().enumerate() {
            let at = field.item(index);
            self.language(&at.at("lang"), &text.lang);
            self.text(&at.at("text"), &text.text, max);
            if texts[..index].iter().any(|t| t.lang == text.lang) {
                self.add(
                    &at.at("lang"),
                    Code::Duplicate,
                    format!("`{}` is given twice; give one text per language", text.lang),
                );
            }
        }
        // Usually one text is the original; a record that sources name in two languages (a
        // country in a Latvian and in a Lithuanian document) has one original in each.
        if !texts.iter().any(|t| t.is_original) {
            self.add(
                field,
                Code::Invalid,
                "at least one text must be the original (isOriginal: true); none is",
            );
        }
    }

    /// `end` is not before `start` (both given).
    pub fn ordered_dates(
        &mut self,
        end_field: &FieldPath,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
        what: &str,
    ) {
        if let (Some(start), Some(end)) = (start, end)
            && end < start
        {
            self.add(
                end_field,
                Code::OutOfRange,
                format!("{end} is before {what} {start}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(check: impl FnOnce(&mut Violations, &FieldPath)) -> Vec<Code> {
        let mut violations = Violations::default();
        check(&mut violations, &FieldPath::input().at("value"));
        violations.0.into_iter().map(|v| v.code).collect()
    }

    #[test]
    fn codes_must_be_on_the_real_lists() {
        assert!(codes(|v, f| v.country(f, "LV")).is_empty());
        assert_eq!(codes(|v, f| v.country(f, "XX")), [Code::Invalid]);
        assert!(codes(|v, f| v.language(f, "lv")).is_empty());
        assert_eq!(codes(|v, f| v.language(f, "xx")), [Code::Invalid]);
    }

    #[test]
    fn money_has_no_more_decimals_than_its_currency() {
        let mut v = Violations::default();
        let at = FieldPath::input().at("amount");
        assert_eq!(v.money(&at, Decimal::new(12345, 2), "EUR"), Some(12345));
        assert_eq!(v.money(&at, Decimal::new(1000, 0), "JPY"), Some(100_000));
        assert!(v.is_empty());
        assert_eq!(v.money(&at, Decimal::new(105, 1), "JPY"), None);
        assert_eq!(v.money(&at, Decimal::new(1, 3), "EUR"), None);
        assert_eq!(v.money(&at, Decimal::new(-1, 0), "EUR"), None);
        assert_eq!(v.money(&at, Decimal::new(1, 0), "EUX"), None);
        let codes: Vec<Code> = v.0.iter().map(|v| v.code).collect();
        assert_eq!(
            codes,
            [
                Code::Invalid,
                Code::Invalid,
                Code::OutOfRange,
                Code::Invalid
            ]
        );
        assert_eq!(v.0[3].field, ["input", "amount", "currency"]);
    }

    #[test]
    fn websites_are_http_or_https_with_a_host() {
        assert!(codes(|v, f| v.website(f, "https://interfolk.lv")).is_empty());
        assert_eq!(
            codes(|v, f| v.website(f, "javascript:alert(1)")),
            [Code::Invalid]
        );
        assert_eq!(
            codes(|v, f| v.website(f, "ftp://example.org")),
            [Code::Invalid]
        );
    }

    #[test]
    fn emails_and_phones_have_their_usual_shape() {
        assert!(codes(|v, f| v.email(f, "info@interfolk.lv")).is_empty());
        assert_eq!(codes(|v, f| v.email(f, "info@")), [Code::Invalid]);
        assert!(codes(|v, f| v.phone(f, "+371 2612 3456")).is_empty());
        assert_eq!(codes(|v, f| v.phone(f, "call me")), [Code::Invalid]);
    }

    #[test]
    fn a_localized_field_has_one_original_and_each_language_once() {
        let text = |lang: &str, original| TextDraft {
            lang: lang.into(),
            text: "Pieaugušo izglītība".into(),
            is_original: original,
        };
        assert!(
            codes(|v, f| v.localized(f, &[text("lv", true), text("en", false)], 100, true))
                .is_empty()
        );
        assert_eq!(
            codes(|v, f| v.localized(f, &[text("lv", false)], 100, true)),
            [Code::Invalid]
        );
        assert_eq!(
            codes(|v, f| v.localized(f, &[text("lv", true), text("lv", false)], 100, true)),
            [Code::Duplicate]
        );
        assert_eq!(
            codes(|v, f| v.localized(f, &[], 100, true)),
            [Code::Required]
        );
    }

    #[test]
    fn keys_are_lower_case_words() {
        assert!(codes(|v, f| v.key(f, "nordplus-adult")).is_empty());
        assert_eq!(codes(|v, f| v.key(f, "Nordplus Adult")), [Code::Invalid]);
        assert_eq!(codes(|v, f| v.key(f, "")), [Code::Required]);
    }
}

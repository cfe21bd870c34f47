//! Custom scalars, each with `@specifiedBy` the standard it follows and an example in its
//! description: ISO codes that validate their shape on input, `Date`, `LocalTime` and
//! `DateTime` in ISO 8601 / RFC 3339, and `Money` (an exact decimal string with its currency;
//! never a Float). A bad value's error says what shape was expected.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, SimpleObject, Value};
use chrono::{FixedOffset, NaiveDate, NaiveTime, SecondsFormat};

/// The text of a string input, or an error naming what was expected.
fn text<'v>(value: &'v Value, expected: &str) -> Result<&'v str, String> {
    match value {
        Value::String(text) => Ok(text),
        other => Err(format!("{other} is not a string: {expected}")),
    }
}

/// A code of `len` letters, all upper-case or all lower-case.
fn letters(
    value: &Value,
    len: usize,
    upper: bool,
    standard: &str,
    example: &str,
) -> Result<String, String> {
    let case = if upper { "upper" } else { "lower" };
    let count = if len == 2 { "two" } else { "three" };
    let expected = format!("use {count} {case}-case letters, e.g. \"{example}\"");
    let text = text(value, &expected)?;
    let shape_ok = text.len() == len
        && text.bytes().all(|b| {
            if upper {
                b.is_ascii_uppercase()
            } else {
                b.is_ascii_lowercase()
            }
        });
    if shape_ok {
        Ok(text.to_owned())
    } else {
        Err(format!("\"{text}\" is not an {standard} code: {expected}"))
    }
}

macro_rules! code_scalar {
    ($name:ident, $doc:literal, $len:literal, $upper:literal, $standard:literal, $example:literal, $url:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub String);

        // No `is_valid`: validation would then refuse a bad value with a generic message;
        // `parse` says what shape was expected.
        #[doc = $doc]
        #[Scalar(specified_by_url = $url)]
        impl ScalarType for $name {
            fn parse(value: Value) -> InputValueResult<Self> {
                letters(&value, $len, $upper, $standard, $example)
                    .map(Self)
                    .map_err(InputValueError::custom)
            }

            fn to_value(&self) -> Value {
                Value::String(self.0.clone())
            }
        }
    };
}

code_scalar!(
    CountryCode,
    "A country as its ISO 3166-1 alpha-2 code: two upper-case letters, e.g. `\"LV\"` (Latvia).",
    2,
    true,
    "ISO 3166-1 alpha-2",
    "LV",
    "https://www.iso.org/iso-3166-country-codes.html"
);
code_scalar!(
    CurrencyCode,
    "A currency as its ISO 4217 code: three upper-case letters, e.g. `\"EUR\"`.",
    3,
    true,
    "ISO 4217",
    "EUR",
    "https://www.iso.org/iso-4217-currency-codes.html"
);
code_scalar!(
    LanguageCode,
    "A language as its ISO 639-1 code: two lower-case letters, e.g. `\"lv\"` (Latvian).",
    2,
    false,
    "ISO 639-1",
    "lv",
    "https://www.iso.org/iso-639-language-code"
);

/// A calendar date, RFC 3339 `full-date` (ISO 8601 `YYYY-MM-DD`), e.g. `"2023-12-04"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

const DATE_SHAPE: &str = "use YYYY-MM-DD, e.g. \"2023-12-04\"";

/// A calendar date, RFC 3339 `full-date` (ISO 8601 `YYYY-MM-DD`), e.g. `"2023-12-04"`.
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        let text = text(&value, DATE_SHAPE).map_err(InputValueError::custom)?;
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Date)
            .map_err(|_| InputValueError::custom(format!("\"{text}\" is not a date: {DATE_SHAPE}")))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// A wall-clock time of day, ISO 8601 `hh:mm` on a 24-hour clock, e.g. `"09:30"`, in the time
/// zone given beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime(pub NaiveTime);

const TIME_SHAPE: &str = "use HH:MM on a 24-hour clock, e.g. \"09:30\"";

/// A wall-clock time of day, ISO 8601 `hh:mm` on a 24-hour clock, e.g. `"09:30"`, in the time
/// zone given beside it.
#[Scalar(
    name = "LocalTime",
    specified_by_url = "https://www.iso.org/iso-8601-date-and-time-format.html"
)]
impl ScalarType for LocalTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        let text = text(&value, TIME_SHAPE).map_err(InputValueError::custom)?;
        NaiveTime::parse_from_str(text, "%H:%M")
            .map(LocalTime)
            .map_err(|_| InputValueError::custom(format!("\"{text}\" is not a time: {TIME_SHAPE}")))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%H:%M").to_string())
    }
}

/// An instant: an RFC 3339 date and time with its offset from UTC, e.g.
/// `"2023-12-04T10:00:00+02:00"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub chrono::DateTime<FixedOffset>);

const DATE_TIME_SHAPE: &str = "use RFC 3339 with an offset, e.g. \"2023-12-04T10:00:00+02:00\"";

/// An instant: an RFC 3339 date and time with its offset from UTC, e.g.
/// `"2023-12-04T10:00:00+02:00"`; fractions of a second when there are any, e.g.
/// `"2026-11-29T03:01:54.184676Z"`.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://scalars.graphql.org/andimarek/date-time.html"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        let text = text(&value, DATE_TIME_SHAPE).map_err(InputValueError::custom)?;
        chrono::DateTime::parse_from_rfc3339(text)
            .map(DateTime)
            .map_err(|_| {
                InputValueError::custom(format!(
                    "\"{text}\" is not a date and time: {DATE_TIME_SHAPE}"
                ))
            })
    }

    /// Fractions of a second only when there are any (`updatedAt` and audit times have them),
    /// so instants order and filter exactly.
    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

/// An exact decimal number, sent as a string (e.g. `"96352.40"`) so no precision is lost to
/// floating point: an optional sign, digits and an optional decimal point, as XML Schema's
/// `decimal`. Input accepts such a string or an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Decimal(pub rust_decimal::Decimal);

const DECIMAL_SHAPE: &str =
    "use a string of digits with an optional sign and decimal point, e.g. \"96352.40\"";

/// An exact decimal number, sent as a string (e.g. `"96352.40"`) so no precision is lost to
/// floating point: an optional sign, digits and an optional decimal point, as XML Schema's
/// `decimal`. Input accepts such a string or an integer.
#[Scalar(
    name = "Decimal",
    specified_by_url = "https://www.w3.org/TR/xmlschema11-2/#decimal"
)]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => {
                text.parse::<rust_decimal::Decimal>()
                    .map(Decimal)
                    .map_err(|_| {
                        InputValueError::custom(format!(
                            "\"{text}\" is not a decimal number: {DECIMAL_SHAPE}"
                        ))
                    })
            }
            Value::Number(number) if number.is_i64() => number
                .as_i64()
                .map(|n| Decimal(rust_decimal::Decimal::from(n)))
                .ok_or_else(|| InputValueError::custom(DECIMAL_SHAPE)),
            other => Err(InputValueError::custom(format!(
                "{other} is not a decimal number: {DECIMAL_SHAPE}"
            ))),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// An exact amount of money in one currency.
#[derive(Debug, Clone, SimpleObject)]
pub struct Money {
    /// The amount as a decimal string with two decimals, e.g. `"96352.40"`.
    pub amount: Decimal,
    /// The currency of the amount.
    pub currency: CurrencyCode,
}

impl Money {
    /// Money from an amount stored in hundredths of the currency unit.
    pub fn from_minor(minor: i64, currency: &str) -> Self {
        Self {
            amount: Decimal(crate::domain::money::from_minor_units(minor)),
            currency: CurrencyCode(currency.to_owned()),
        }
    }
}

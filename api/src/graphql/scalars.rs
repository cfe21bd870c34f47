//! Custom scalars: ISO codes that validate their shape on input, `Date` and `LocalTime` in
//! ISO 8601, and `Money` (an exact decimal string with its currency; never a Float).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, SimpleObject, Value};
use chrono::{NaiveDate, NaiveTime};

fn letters(value: &Value, len: usize, upper: bool, what: &str) -> InputValueResult<String> {
    let Value::String(text) = value else {
        return Err(InputValueError::custom(format!("{what} must be a string")));
    };
    let shape_ok = text.len() == len
        && text.bytes().all(|b| {
            if upper {
                b.is_ascii_uppercase()
            } else {
                b.is_ascii_lowercase()
            }
        });
    if shape_ok {
        Ok(text.clone())
    } else {
        let case = if upper { "upper" } else { "lower" };
        Err(InputValueError::custom(format!(
            "`{text}` is not a {what}: expected {len} {case}-case letters"
        )))
    }
}

macro_rules! code_scalar {
    ($name:ident, $doc:literal, $len:literal, $upper:literal, $what:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub String);

        #[doc = $doc]
        #[Scalar(name = $what)]
        impl ScalarType for $name {
            fn parse(value: Value) -> InputValueResult<Self> {
                letters(&value, $len, $upper, $what)
                    .map(Self)
                    .map_err(InputValueError::propagate)
            }

            fn is_valid(value: &Value) -> bool {
                letters(value, $len, $upper, $what).is_ok()
            }

            fn to_value(&self) -> Value {
                Value::String(self.0.clone())
            }
        }
    };
}

code_scalar!(
    CountryCode,
    "An ISO 3166-1 alpha-2 country code, such as `LV`.",
    2,
    true,
    "CountryCode"
);
code_scalar!(
    CurrencyCode,
    "An ISO 4217 currency code, such as `EUR`.",
    3,
    true,
    "CurrencyCode"
);
code_scalar!(
    LanguageCode,
    "An ISO 639-1 language code, such as `lv`.",
    2,
    false,
    "LanguageCode"
);

/// A calendar date in ISO 8601, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

/// A calendar date in ISO 8601, `YYYY-MM-DD`.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!("`{text}` is not a date: expected YYYY-MM-DD"))
                }),
            _ => Err(InputValueError::custom("a Date must be a string")),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// A wall-clock time in ISO 8601, `HH:MM`, in the time zone given beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime(pub NaiveTime);

/// A wall-clock time in ISO 8601, `HH:MM`, in the time zone given beside it.
#[Scalar(name = "LocalTime")]
impl ScalarType for LocalTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => NaiveTime::parse_from_str(text, "%H:%M")
                .map(LocalTime)
                .map_err(|_| {
                    InputValueError::custom(format!("`{text}` is not a time: expected HH:MM"))
                }),
            _ => Err(InputValueError::custom("a LocalTime must be a string")),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%H:%M").to_string())
    }
}

/// An exact decimal number, sent as a string (e.g. `"96352.40"`) so no precision is lost to
/// floating point. Input accepts a string or an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Decimal(pub rust_decimal::Decimal);

/// An exact decimal number, sent as a string (e.g. `"96352.40"`) so no precision is lost to
/// floating point. Input accepts a string or an integer.
#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => text
                .parse::<rust_decimal::Decimal>()
                .map(Decimal)
                .map_err(|_| InputValueError::custom(format!("`{text}` is not a decimal number"))),
            Value::Number(number) if number.is_i64() => number
                .as_i64()
                .map(|n| Decimal(rust_decimal::Decimal::from(n)))
                .ok_or_else(|| InputValueError::custom("not a decimal number")),
            _ => Err(InputValueError::custom(
                "a Decimal must be a string such as \"12.50\" or an integer",
            )),
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

//! Money is stored as integer hundredths of the currency unit, which keeps amounts and their
//! sums exact on SQLite too (its DECIMAL is a float). This module converts at the boundary.

use rust_decimal::Decimal;

/// Why an amount cannot be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    Negative,
    TooPrecise,
    TooLarge,
}

impl AmountError {
    pub fn describe(self, amount: Decimal) -> String {
        match self {
            Self::Negative => format!("amount {amount} is negative"),
            Self::TooPrecise => format!("amount {amount} has more than two decimals"),
            Self::TooLarge => format!("amount {amount} is out of range"),
        }
    }
}

/// `amount` in hundredths; refuses negative amounts and more than two decimal places.
pub fn to_minor_units(amount: Decimal) -> Result<i64, AmountError> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(AmountError::Negative);
    }
    let hundredths = amount
        .checked_mul(Decimal::ONE_HUNDRED)
        .ok_or(AmountError::TooLarge)?;
    if !hundredths.fract().is_zero() {
        return Err(AmountError::TooPrecise);
    }
    i64::try_from(hundredths).map_err(|_| AmountError::TooLarge)
}

/// The decimal amount of `minor` hundredths, always with two decimals.
pub fn from_minor_units(minor: i64) -> Decimal {
    Decimal::new(minor, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_trip_exactly_with_two_decimals() {
        let amount: Decimal = "96352.40".parse().unwrap_or_default();
        assert_eq!(to_minor_units(amount), Ok(9_635_240));
        assert_eq!(from_minor_units(9_635_240).to_string(), "96352.40");
    }

    #[test]
    fn negative_or_over_precise_amounts_are_refused() {
        assert_eq!(
            to_minor_units(Decimal::new(-1, 0)),
            Err(AmountError::Negative)
        );
        assert_eq!(
            to_minor_units(Decimal::new(1001, 3)),
            Err(AmountError::TooPrecise)
        );
    }
}

//! Shapes of the codes records carry: ISO 3166-1 alpha-2 countries (`LV`), ISO 4217 currencies
//! (`EUR`) and ISO 639-1 languages (`lv`). Each check says what was expected when it refuses.

/// `value` is `len` upper-case ASCII letters (country and currency codes).
pub fn is_upper_code(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_uppercase())
}

/// An ISO 3166-1 alpha-2 country code such as `LV`.
pub fn check_country(value: &str) -> Result<(), String> {
    if is_upper_code(value, 2) {
        Ok(())
    } else {
        Err(format!(
            "country `{value}` must be 2 upper-case letters, e.g. `LV`"
        ))
    }
}

/// An ISO 4217 currency code such as `EUR`.
pub fn check_currency(value: &str) -> Result<(), String> {
    if is_upper_code(value, 3) {
        Ok(())
    } else {
        Err(format!(
            "currency `{value}` must be 3 upper-case letters, e.g. `EUR`"
        ))
    }
}

/// An ISO 639-1 language code such as `lv`.
pub fn check_language(value: &str) -> Result<(), String> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(())
    } else {
        Err(format!(
            "language `{value}` must be an ISO 639-1 code such as `lv`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_the_wrong_shape_are_refused_with_an_example() {
        assert!(check_country("LV").is_ok());
        assert!(check_country("lv").is_err_and(|m| m.contains("`LV`")));
        assert!(check_currency("EURO").is_err());
        assert!(check_language("lv").is_ok());
        assert!(check_language("LV").is_err());
    }
}

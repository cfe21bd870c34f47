//! Text matching that ignores case and diacritics ("Rezekne" finds "Rēzekne", "kekava" finds
//! "Ķekava"). Records keep a folded copy of their searchable texts in `search_text`, and queries
//! fold the needle the same way, so matching is a plain portable `LIKE` on both databases.

/// Lower-case ASCII transliteration of `text`.
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text).to_lowercase()
}

/// Joins the folded forms of several texts into one `search_text` value.
pub fn search_text<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    texts.into_iter().map(fold).collect::<Vec<_>>().join(" | ")
}

/// The escape character of [`contains_pattern`].
pub const LIKE_ESCAPE: char = '\\';

/// A `LIKE` pattern (escaped with [`LIKE_ESCAPE`]) that finds the folded `needle` anywhere;
/// wildcards in the needle match literally.
pub fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::from("%");
    for ch in fold(needle).chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_diacritics_and_case() {
        assert_eq!(fold("Ķekavas novads"), "kekavas novads");
        assert_eq!(fold("Rēzekne"), "rezekne");
        assert_eq!(fold("Šiaulių"), "siauliu");
    }

    #[test]
    fn wildcards_in_the_needle_are_escaped() {
        assert_eq!(contains_pattern("50%_a"), "%50\\%\\_a%");
    }
}

//! What a search query means, apart from any database: the query language people type, how
//! many typos a word may carry, which fields weigh more, and how a matched text is shown with
//! its matches marked. The store turns a [`SearchQuery`] into full-text SQL for each database.
//!
//! The language: words (each also matches as a word prefix: `kult` finds "kultūra"), `"quoted
//! phrases"`, `-word` to exclude, and `or` between two terms. Case and diacritics never matter
//! (`rezekne` finds "Rēzekne"); a word of 5 letters or more may be one edit away from a stored
//! word, of 9 or more two (`rezekme` finds "Rēzekne" and, as a word start, "Rēzeknes").

use std::fmt;

use crate::domain::text::fold;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most terms (words and phrases, excluded ones included) a query may have.
pub const MAX_TERMS: usize = 8;
/// The most typo corrections tried for one word.
pub const MAX_ALTERNATIVES: usize = 8;

/// A parsed query: every clause must match the record, and no excluded term may.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Each clause is matched when any one of its terms matches (`a or b` is one clause).
    pub clauses: Vec<Vec<Term>>,
    /// Terms the record must not match (`-word`).
    pub excluded: Vec<Term>,
}

/// A word or a phrase, folded to lower-case ASCII letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Term {
    /// One word, also matched as a prefix and, when long enough, with typos.
    Word(String),
    /// Words that must follow each other in this order.
    Phrase(Vec<String>),
}

/// Why a query cannot be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// Nothing to look for (empty, only punctuation, or only excluded terms).
    NothingToFind,
    /// Longer than [`MAX_QUERY_CHARS`].
    TooLong,
    /// More than [`MAX_TERMS`] terms.
    TooManyTerms,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NothingToFind => {
                f.write_str("the query has no word to look for (excluded words alone find nothing)")
            }
            Self::TooLong => write!(f, "the query is longer than {MAX_QUERY_CHARS} characters"),
            Self::TooManyTerms => write!(f, "the query has more than {MAX_TERMS} terms"),
        }
    }
}

/// The words of `text`, folded (lower-case ASCII), split at anything not a letter or digit.
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One piece of the query as typed, before folding.
struct Token {
    text: String,
    quoted: bool,
    excluded: bool,
}

fn tokens(query: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut excluded = false;
        if c == '-' {
            chars.next();
            excluded = true;
        }
        let quoted = chars.peek() == Some(&'"');
        let mut text = String::new();
        if quoted {
            chars.next();
            // An unterminated quote runs to the end of the query.
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                text.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                text.push(c);
                chars.next();
            }
        }
        tokens.push(Token {
            text,
            quoted,
            excluded,
        });
    }
    tokens
}

impl SearchQuery {
    /// Parses what a person typed.
    pub fn parse(query: &str) -> Result<Self, QueryError> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        let mut clauses: Vec<Vec<Term>> = Vec::new();
        let mut excluded = Vec::new();
        let mut join_next = false;
        let mut terms = 0;
        for token in tokens(query) {
            if !token.quoted && !token.excluded && token.text.eq_ignore_ascii_case("or") {
                // `or` joins the next term to the clause before it.
                join_next = !clauses.is_empty();
                continue;
            }
            let words = words(&token.text);
            let term = match words.len() {
                0 => continue,
                1 if !token.quoted => Term::Word(words.into_iter().next().unwrap_or_default()),
                _ => Term::Phrase(words),
            };
            terms += 1;
            if terms > MAX_TERMS {
                return Err(QueryError::TooManyTerms);
            }
            if token.excluded {
                excluded.push(term);
            } else if join_next && let Some(last) = clauses.last_mut() {
                last.push(term);
            } else {
                clauses.push(vec![term]);
            }
            join_next = false;
        }
        if clauses.is_empty() {
            return Err(QueryError::NothingToFind);
        }
        Ok(Self { clauses, excluded })
    }

    /// The words that may be matched with typos: single words (not phrases) of the clauses,
    /// long enough, without digits (codes such as `lt10` are matched exactly).
    pub fn typo_words(&self) -> Vec<&str> {
        let mut words: Vec<&str> = self
            .clauses
            .iter()
            .flatten()
            .filter_map(|term| match term {
                Term::Word(word) if allowed_edits(word) > 0 => Some(word.as_str()),
                _ => None,
            })
            .collect();
        words.sort_unstable();
        words.dedup();
        words
    }
}

/// How many edits (insertions, deletions, substitutions) a word may be away from what it
/// finds: none under 5 letters or with digits, one from 5, two from 9.
pub fn allowed_edits(word: &str) -> usize {
    if word.chars().any(|c| c.is_ascii_digit()) {
        return 0;
    }
    match word.chars().count() {
        0..5 => 0,
        5..9 => 1,
        _ => 2,
    }
}

/// Whether `candidate` (a stored word) is a typo-tolerant match for `word`: a different word
/// within [`allowed_edits`] of it.
pub fn is_typo_of(word: &str, candidate: &str) -> bool {
    candidate != word && strsim::levenshtein(word, candidate) <= allowed_edits(word)
}

/// The trigrams a stored word is indexed by for typo lookups: the word with a space at each
/// end, three letters at a time, so that one edit in a five-letter word still leaves some.
pub fn padded(word: &str) -> String {
    format!(" {word} ")
}

/// The parts of a record's search document, by what a match in them counts: names, titles and
/// codes above summaries above every other text (descriptions, aims, covered places, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    Names,
    Summaries,
    Others,
}

impl Part {
    /// Every part, heaviest first.
    pub const ALL: [Part; 3] = [Part::Names, Part::Summaries, Part::Others];

    /// The fields (GraphQL field names) whose texts go in this part; every field not named
    /// goes in [`Part::Others`].
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Part::Names => &["title", "name", "acronym", "code", "shortName"],
            Part::Summaries => &["summary"],
            Part::Others => &[],
        }
    }

    /// The part the texts of `field` go in.
    pub fn of(field: &str) -> Part {
        Part::ALL
            .into_iter()
            .find(|part| part.fields().contains(&field))
            .unwrap_or(Part::Others)
    }

    /// What a match in this part counts, relative to a name's 1.
    pub fn weight(self) -> f64 {
        match self {
            Part::Names => 1.0,
            Part::Summaries => 0.4,
            Part::Others => 0.2,
        }
    }
}

/// The weight of a match in `field`.
pub fn field_weight(field: &str) -> f64 {
    Part::of(field).weight()
}

/// What one search looks for in a text, for marking matches: each word of the query's
/// clauses with the stored words accepted for it as typos.
#[derive(Debug, Clone, Default)]
pub struct Marker {
    words: Vec<(String, Vec<String>)>,
}

impl Marker {
    /// A marker for `query`, with `alternatives` (a word and the stored words found as its
    /// typos).
    pub fn new(query: &SearchQuery, alternatives: &[(String, Vec<String>)]) -> Self {
        let mut words: Vec<(String, Vec<String>)> = Vec::new();
        for term in query.clauses.iter().flatten() {
            let term_words = match term {
                Term::Word(word) => std::slice::from_ref(word),
                Term::Phrase(words) => words.as_slice(),
            };
            for word in term_words {
                let typos = alternatives
                    .iter()
                    .find(|(w, _)| w == word)
                    .map(|(_, typos)| typos.clone())
                    .unwrap_or_default();
                words.push((word.clone(), typos));
            }
        }
        Self { words }
    }

    /// Whether a folded word of a text matches: it starts with a query word or an accepted
    /// typo of one, or shares a long stem with a query word (PostgreSQL matches English and
    /// Lithuanian words by stem; this marks what it finds).
    fn marks(&self, folded: &str) -> bool {
        self.words.iter().any(|(word, typos)| {
            folded.starts_with(word.as_str())
                || typos.iter().any(|t| folded.starts_with(t.as_str()))
                || shares_stem(word, folded)
        })
    }
}

fn shares_stem(a: &str, b: &str) -> bool {
    let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    common >= 4 && common + 3 >= a.len().min(b.len())
}

/// The longest fragment shown for a text, in characters (longer texts are cut around the first
/// match).
const FRAGMENT_CHARS: usize = 160;

/// `text` as HTML with its matches in `<mark>…</mark>` and everything else escaped, cut to a
/// fragment around the first match when long; `None` when nothing in it matches.
pub fn highlight(text: &str, marker: &Marker) -> Option<String> {
    let mut marked: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let in_word = i < text.len() && c.is_alphanumeric();
        match (in_word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if marker.marks(&fold(&text[s..i])) {
                    marked.push((s, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    let &(first, _) = marked.first()?;
    let (from, to) = window(text, first);
    let mut html = String::new();
    if from > 0 {
        html.push('…');
    }
    let mut at = from;
    for &(s, e) in marked.iter().filter(|(s, e)| *s >= from && *e <= to) {
        html.push_str(&html_escape::encode_safe(&text[at..s]));
        html.push_str("<mark>");
        html.push_str(&html_escape::encode_safe(&text[s..e]));
        html.push_str("</mark>");
        at = e;
    }
    html.push_str(&html_escape::encode_safe(&text[at..to]));
    if to < text.len() {
        html.push('…');
    }
    Some(html)
}

/// Byte range of at most [`FRAGMENT_CHARS`] characters of `text` around byte `first`, starting
/// a little before it, cut between words where the text has spaces.
fn window(text: &str, first: usize) -> (usize, usize) {
    if text.chars().count() <= FRAGMENT_CHARS {
        return (0, text.len());
    }
    let before: Vec<usize> = text[..first].char_indices().map(|(i, _)| i).collect();
    let mut from = before
        .len()
        .checked_sub(FRAGMENT_CHARS / 4)
        .map_or(0, |n| before[n]);
    if from > 0
        && let Some(space) = text[from..first].find(char::is_whitespace)
    {
        from += space + 1;
    }
    let mut to = text[from..]
        .char_indices()
        .nth(FRAGMENT_CHARS)
        .map_or(text.len(), |(i, _)| from + i);
    if to < text.len()
        && let Some(space) = text[first..to].rfind(char::is_whitespace)
    {
        to = first + space;
    }
    (from, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(w: &str) -> Term {
        Term::Word(w.to_owned())
    }

    #[test]
    fn a_query_folds_its_words_and_reads_phrases_exclusions_and_or() {
        let query = SearchQuery::parse(r#"Rēzekne "Ķekavas novads" -Rīga kultūra OR māksla"#)
            .expect("parses");
        assert_eq!(
            query.clauses,
            vec![
                vec![word("rezekne")],
                vec![Term::Phrase(vec!["kekavas".into(), "novads".into()])],
                vec![word("kultura"), word("maksla")],
            ]
        );
        assert_eq!(query.excluded, vec![word("riga")]);
    }

    #[test]
    fn a_word_with_punctuation_inside_is_a_phrase() {
        let query = SearchQuery::parse("co-financing LT10").expect("parses");
        assert_eq!(
            query.clauses,
            vec![
                vec![Term::Phrase(vec!["co".into(), "financing".into()])],
                vec![word("lt10")]
            ]
        );
    }

    #[test]
    fn queries_with_nothing_to_find_or_too_much_are_refused() {
        assert_eq!(SearchQuery::parse("  "), Err(QueryError::NothingToFind));
        assert_eq!(SearchQuery::parse("-riga"), Err(QueryError::NothingToFind));
        assert_eq!(SearchQuery::parse("?! ..."), Err(QueryError::NothingToFind));
        assert_eq!(
            SearchQuery::parse(&"a".repeat(MAX_QUERY_CHARS + 1)),
            Err(QueryError::TooLong)
        );
        assert_eq!(
            SearchQuery::parse("a b c d e f g h i"),
            Err(QueryError::TooManyTerms)
        );
    }

    #[test]
    fn long_words_may_carry_more_typos_and_codes_none() {
        assert_eq!(allowed_edits("riga"), 0);
        assert_eq!(allowed_edits("rezekne"), 1);
        assert_eq!(allowed_edits("partnership"), 2);
        assert_eq!(allowed_edits("lt10abcde"), 0);
        assert!(is_typo_of("rezekme", "rezekne"));
        assert!(!is_typo_of("rezekne", "rezekne"));
        assert!(!is_typo_of("rezkme", "rezekne"));
        assert!(is_typo_of("partnreship", "partnership"));
    }

    #[test]
    fn highlights_mark_matches_and_escape_the_rest() {
        let query = SearchQuery::parse("rezekne kult").expect("parses");
        let marker = Marker::new(&query, &[]);
        assert_eq!(
            highlight("<b>Rēzeknes</b> kultūras centrs", &marker).as_deref(),
            Some("&lt;b&gt;<mark>Rēzeknes</mark>&lt;&#x2F;b&gt; <mark>kultūras</mark> centrs")
        );
        assert_eq!(highlight("Nothing here", &marker), None);
    }

    #[test]
    fn typos_and_shared_stems_are_marked_too() {
        let query = SearchQuery::parse("rezekme projects").expect("parses");
        let marker = Marker::new(&query, &[("rezekme".into(), vec!["rezekne".into()])]);
        assert_eq!(
            highlight("Rezekne project", &marker).as_deref(),
            Some("<mark>Rezekne</mark> <mark>project</mark>")
        );
    }

    #[test]
    fn a_long_text_is_cut_around_its_first_match() {
        let text = format!("{} Rēzekne {}", "vārds ".repeat(60), "cits ".repeat(60));
        let query = SearchQuery::parse("rezekne").expect("parses");
        let fragment = highlight(&text, &Marker::new(&query, &[])).expect("matches");
        assert!(fragment.starts_with('…') && fragment.ends_with('…'));
        assert!(fragment.contains("<mark>Rēzekne</mark>"));
        assert!(fragment.chars().count() < 200);
    }
}

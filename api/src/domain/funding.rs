//! Funding: how a funding line splits over calendar years, and how a project's stated total
//! compares with the sum of its funding lines.

use chrono::{Datelike, NaiveDate};

/// The share of `amount_minor` that falls in each calendar year of `[start, end]` (both days
/// included), pro rata to the number of days in each year.
///
/// Rounding rule: each year first gets the floor of its exact share in cents; the cents left
/// over go one each to the years with the largest remainders (earlier years first on ties). So
/// the shares are never off by more than one cent and always add up to the amount exactly.
pub fn year_shares(amount_minor: i64, start: NaiveDate, end: NaiveDate) -> Vec<(i32, i64, i64)> {
    if end < start {
        return Vec::new();
    }
    let total_days = i128::from((end - start).num_days() + 1);
    let mut years: Vec<(i32, i64)> = Vec::new();
    for year in start.year()..=end.year() {
        let first = NaiveDate::from_ymd_opt(year, 1, 1)
            .unwrap_or(start)
            .max(start);
        let last = NaiveDate::from_ymd_opt(year, 12, 31)
            .unwrap_or(end)
            .min(end);
        years.push((year, (last - first).num_days() + 1));
    }
    let amount = i128::from(amount_minor);
    let mut shares: Vec<(i32, i64, i128, i128)> = years
        .iter()
        .map(|&(year, days)| {
            let exact = amount * i128::from(days);
            (year, days, exact / total_days, exact % total_days)
        })
        .collect();
    let assigned: i128 = shares.iter().map(|s| s.2).sum();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| shares[b].3.cmp(&shares[a].3).then(a.cmp(&b)));
    for &index in order
        .iter()
        .take(usize::try_from(amount - assigned).unwrap_or(0))
    {
        shares[index].2 += 1;
    }
    shares
        .into_iter()
        .map(|(year, days, cents, _)| (year, days, i64::try_from(cents).unwrap_or(0)))
        .collect()
}

/// How a project's stated total compares with the sum of its funding lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundingCheckStatus {
    /// The lines add up to the stated total exactly.
    Matches,
    /// The lines add up to something else (or to other currencies).
    Mismatch,
    /// The source states no total.
    NoStatedTotal,
    /// The project has no funding lines to add up.
    NoLines,
}

/// Compares a stated total (in minor units, with its currency) with the sums of the lines per
/// currency. Gives computed minus stated when both are in one and the same currency.
pub fn check_funding(
    stated: Option<(i64, &str)>,
    computed: &[(String, i64)],
) -> (Option<i64>, FundingCheckStatus) {
    match (stated, computed) {
        (None, _) => (None, FundingCheckStatus::NoStatedTotal),
        (Some(_), []) => (None, FundingCheckStatus::NoLines),
        (Some((amount, currency)), [(line_currency, sum)]) if line_currency == currency => {
            let status = if *sum == amount {
                FundingCheckStatus::Matches
            } else {
                FundingCheckStatus::Mismatch
            };
            (Some(sum - amount), status)
        }
        (Some(_), _) => (None, FundingCheckStatus::Mismatch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn shares_follow_the_days_and_add_up_to_the_cent() {
        // 2015-09-09 .. 2016-09-30: 114 days in 2015, 274 in 2016.
        let shares = year_shares(9_635_240, day(2015, 9, 9), day(2016, 9, 30));
        assert_eq!(
            shares.iter().map(|s| (s.0, s.1)).collect::<Vec<_>>(),
            vec![(2015, 114), (2016, 274)]
        );
        assert_eq!(shares.iter().map(|s| s.2).sum::<i64>(), 9_635_240);
        assert_eq!(shares[0].2, 2_830_973);
    }

    #[test]
    fn leftover_cents_go_to_the_largest_remainders() {
        // 100 cents over three equal years: 33.33 each, one cent left for the first year.
        let shares = year_shares(100, day(2021, 1, 1), day(2023, 12, 31));
        let total_days: i64 = shares.iter().map(|s| s.1).sum();
        assert_eq!(total_days, 1095);
        assert_eq!(
            shares.iter().map(|s| s.2).collect::<Vec<_>>(),
            vec![34, 33, 33]
        );
    }

    #[test]
    fn a_single_day_or_year_gets_everything() {
        assert_eq!(
            year_shares(12_345, day(2020, 5, 5), day(2020, 5, 5)),
            vec![(2020, 1, 12_345)]
        );
        assert!(year_shares(1, day(2020, 5, 5), day(2020, 5, 4)).is_empty());
    }

    #[test]
    fn a_stated_total_matches_only_lines_of_its_currency_that_add_up() {
        let eur = |n| vec![("EUR".to_owned(), n)];
        assert_eq!(
            check_funding(Some((100, "EUR")), &eur(100)),
            (Some(0), FundingCheckStatus::Matches)
        );
        assert_eq!(
            check_funding(Some((100, "EUR")), &eur(90)),
            (Some(-10), FundingCheckStatus::Mismatch)
        );
        assert_eq!(
            check_funding(Some((100, "NOK")), &eur(100)).1,
            FundingCheckStatus::Mismatch
        );
        assert_eq!(
            check_funding(None, &eur(100)).1,
            FundingCheckStatus::NoStatedTotal
        );
        assert_eq!(
            check_funding(Some((100, "EUR")), &[]).1,
            FundingCheckStatus::NoLines
        );
    }
}

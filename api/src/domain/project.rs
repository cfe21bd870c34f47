//! Projects: their status on a day, from their dates, and what makes one cross-border.

use chrono::NaiveDate;

/// Where a project stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProjectStatus {
    /// Starts after the day.
    Planned,
    /// Started on or before the day and has not ended.
    Ongoing,
    /// Ended before the day.
    Completed,
    /// No start date is known and it has not ended.
    Unknown,
}

/// The status of a project with these dates on `today`. The store's status filter is the
/// same rule written as SQL (`store::projects::status_condition`).
pub fn status_on(
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    today: NaiveDate,
) -> ProjectStatus {
    match (start, end) {
        (_, Some(end)) if end < today => ProjectStatus::Completed,
        (None, _) => ProjectStatus::Unknown,
        (Some(start), _) if start > today => ProjectStatus::Planned,
        _ => ProjectStatus::Ongoing,
    }
}

/// Countries at least this many make a partnership cross-border.
pub const CROSS_BORDER_COUNTRIES: usize = 2;

/// True when the partners' countries (funders left out, each once) make the project
/// cross-border.
pub fn is_cross_border(distinct_partner_countries: usize) -> bool {
    distinct_partner_countries >= CROSS_BORDER_COUNTRIES
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn status_follows_the_dates() {
        let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap_or_default();
        assert_eq!(
            status_on(day(2020, 1, 1), day(2021, 1, 1), today),
            ProjectStatus::Completed
        );
        assert_eq!(
            status_on(day(2024, 1, 1), None, today),
            ProjectStatus::Ongoing
        );
        assert_eq!(
            status_on(day(2025, 1, 1), day(2026, 1, 1), today),
            ProjectStatus::Planned
        );
        assert_eq!(status_on(None, None, today), ProjectStatus::Unknown);
        assert_eq!(
            status_on(None, day(2020, 1, 1), today),
            ProjectStatus::Completed
        );
    }

    #[test]
    fn two_countries_make_a_project_cross_border() {
        assert!(!is_cross_border(1));
        assert!(is_cross_border(2));
    }
}

//! Local times and the instants they name: an event's wall-clock time is kept as the source
//! gives it, in its IANA time zone, and the instant is derived from the zone's rules (so
//! `10:00` in `Europe/Riga` is `+02:00` in December and `+03:00` in June).

use chrono::offset::LocalResult;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;

/// The IANA time zone of this name, e.g. `Europe/Riga`.
pub fn zone(name: &str) -> Option<Tz> {
    name.parse().ok()
}

/// The instant that `time` on `date` names in the zone `zone`. In the hour a clock goes back
/// (which happens twice) it is the first; in the hour a clock skips, there is none.
pub fn instant(date: NaiveDate, time: NaiveTime, zone_name: &str) -> Option<DateTime<FixedOffset>> {
    match zone(zone_name)?.from_local_datetime(&date.and_time(time)) {
        LocalResult::Single(instant) => Some(instant.fixed_offset()),
        LocalResult::Ambiguous(first, _) => Some(first.fixed_offset()),
        LocalResult::None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(date: &str, time: &str, zone: &str) -> Option<String> {
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date");
        let time = NaiveTime::parse_from_str(time, "%H:%M").expect("time");
        instant(date, time, zone).map(|i| i.to_rfc3339())
    }

    #[test]
    fn a_local_time_takes_the_offset_its_zone_has_that_day() {
        assert_eq!(
            at("2023-12-04", "10:00", "Europe/Riga").as_deref(),
            Some("2023-12-04T10:00:00+02:00")
        );
        assert_eq!(
            at("2024-06-04", "10:00", "Europe/Riga").as_deref(),
            Some("2024-06-04T10:00:00+03:00")
        );
    }

    #[test]
    fn a_skipped_hour_names_no_instant_and_a_repeated_one_the_first() {
        assert_eq!(at("2024-03-31", "03:30", "Europe/Riga"), None);
        assert_eq!(
            at("2024-10-27", "03:30", "Europe/Riga").as_deref(),
            Some("2024-10-27T03:30:00+03:00")
        );
    }

    #[test]
    fn an_unknown_zone_names_no_instant() {
        assert_eq!(at("2024-01-01", "10:00", "Mars/Olympus"), None);
    }
}

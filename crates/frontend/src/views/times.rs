//! Times in words: short for lists, in full for tooltips, exact for `datetime` attributes.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

/// How long ago, in the short form of the original app: `now`, `5m`, `3h`, `2d`, then the date.
pub fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let elapsed = now - then;
    if elapsed < TimeDelta::minutes(1) {
        "now".to_owned()
    } else if elapsed < TimeDelta::hours(1) {
        format!("{}m", elapsed.num_minutes())
    } else if elapsed < TimeDelta::days(1) {
        format!("{}h", elapsed.num_hours())
    } else if elapsed < TimeDelta::days(7) {
        format!("{}d", elapsed.num_days())
    } else {
        then.format("%b %-d").to_string()
    }
}

/// A moment for a `datetime` attribute: to the second, in UTC (`2026-11-01T12:00:00Z`).
pub fn machine_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A moment in full, for the tooltip of a short time.
pub fn full_time(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// How long a crud has left to live.
pub fn time_left(now: DateTime<Utc>, expires_at: DateTime<Utc>) -> String {
    let left = expires_at - now;
    if left < TimeDelta::minutes(1) {
        "expires in under a minute".to_owned()
    } else if left < TimeDelta::hours(1) {
        format!("expires in {}m", left.num_minutes())
    } else if left < TimeDelta::days(1) {
        format!("expires in {}h", left.num_hours())
    } else {
        format!("expires in {}d", left.num_days())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap() + TimeDelta::hours(hours)
    }

    #[test]
    fn times_are_put_in_short_words() {
        assert_eq!(ago(at(0), at(0) - TimeDelta::seconds(20)), "now");
        assert_eq!(ago(at(0), at(0) - TimeDelta::minutes(5)), "5m");
        assert_eq!(ago(at(0), at(-3)), "3h");
        assert_eq!(ago(at(0), at(-50)), "2d");
        assert_eq!(ago(at(0), at(-24 * 30)), "Oct 2");
        assert_eq!(
            time_left(at(0), at(0) + TimeDelta::minutes(30)),
            "expires in 30m"
        );
        assert_eq!(time_left(at(0), at(12)), "expires in 12h");
        assert_eq!(time_left(at(0), at(24 * 7)), "expires in 7d");
    }
}

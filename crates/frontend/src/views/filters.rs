//! The templates' own filters: times in words (short for lists, in full for tooltips, exact
//! for `datetime` attributes) and the noun that goes with a count. Askama looks them up in a
//! module named `filters`, so every module with a template brings this one into scope.

use askama::Values;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

/// How long ago, in the short form of the original app: `now`, `5m`, `3h`, `2d`, then the date.
#[askama::filter_fn]
pub fn ago(then: &DateTime<Utc>, _: &dyn Values, now: &DateTime<Utc>) -> askama::Result<String> {
    let elapsed = *now - *then;
    Ok(if elapsed < TimeDelta::minutes(1) {
        "now".to_owned()
    } else if elapsed < TimeDelta::hours(1) {
        format!("{}m", elapsed.num_minutes())
    } else if elapsed < TimeDelta::days(1) {
        format!("{}h", elapsed.num_hours())
    } else if elapsed < TimeDelta::days(7) {
        format!("{}d", elapsed.num_days())
    } else {
        then.format("%b %-d").to_string()
    })
}

/// How long a crud has left to live.
#[askama::filter_fn]
pub fn time_left(
    expires_at: &DateTime<Utc>,
    _: &dyn Values,
    now: &DateTime<Utc>,
) -> askama::Result<String> {
    let left = *expires_at - *now;
    Ok(if left < TimeDelta::minutes(1) {
        "expires in under a minute".to_owned()
    } else if left < TimeDelta::hours(1) {
        format!("expires in {}m", left.num_minutes())
    } else if left < TimeDelta::days(1) {
        format!("expires in {}h", left.num_hours())
    } else {
        format!("expires in {}d", left.num_days())
    })
}

/// A moment for a `datetime` attribute: to the second, in UTC (`2026-11-01T12:00:00Z`).
#[askama::filter_fn]
pub fn machine_time(at: &DateTime<Utc>, _: &dyn Values) -> askama::Result<String> {
    Ok(at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// A moment in full, for the tooltip of a short time.
#[askama::filter_fn]
pub fn full_time(at: &DateTime<Utc>, _: &dyn Values) -> askama::Result<String> {
    Ok(at.format("%-d %b %Y, %H:%M UTC").to_string())
}

/// The month of a moment (`November 2026`), for when someone joined.
#[askama::filter_fn]
pub fn month(at: &DateTime<Utc>, _: &dyn Values) -> askama::Result<String> {
    Ok(at.format("%B %Y").to_string())
}

/// The noun for `count` of something: `one` for exactly one, `many` otherwise (`0 likes`).
#[askama::filter_fn]
pub fn plural<T: PartialEq + From<u8>>(
    count: &T,
    _: &dyn Values,
    one: &'static str,
    many: &'static str,
) -> askama::Result<&'static str> {
    Ok(if *count == T::from(1) { one } else { many })
}

#[cfg(test)]
mod tests {
    use askama::Template;
    use chrono::TimeZone;

    use crate::views::filters;

    use super::*;

    #[derive(Template)]
    #[template(
        source = "{{ then|ago(now) }}|{{ then|time_left(now) }}|{{ then|machine_time }}|\
                  {{ then|full_time }}|{{ then|month }}",
        ext = "txt"
    )]
    struct Words {
        then: DateTime<Utc>,
        now: DateTime<Utc>,
    }

    /// The words for `then` at `now`, one per filter.
    fn words(now: DateTime<Utc>, then: DateTime<Utc>) -> Vec<String> {
        let words = Words { then, now }.render().unwrap();
        words.split('|').map(str::to_owned).collect()
    }

    fn at(hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap() + TimeDelta::hours(hours)
    }

    #[test]
    fn times_are_put_in_short_words() {
        let ago = |then| words(at(0), then)[0].clone();
        assert_eq!(ago(at(0) - TimeDelta::seconds(20)), "now");
        assert_eq!(ago(at(0) - TimeDelta::minutes(5)), "5m");
        assert_eq!(ago(at(-3)), "3h");
        assert_eq!(ago(at(-50)), "2d");
        assert_eq!(ago(at(-24 * 30)), "Oct 2");
        let left = |expires_at| words(at(0), expires_at)[1].clone();
        assert_eq!(left(at(0) + TimeDelta::minutes(30)), "expires in 30m");
        assert_eq!(left(at(12)), "expires in 12h");
        assert_eq!(left(at(24 * 7)), "expires in 7d");
        assert_eq!(left(at(0)), "expires in under a minute");
    }

    #[test]
    fn moments_are_written_exactly_and_in_full() {
        assert_eq!(
            words(at(0), at(0))[2..],
            [
                "2026-11-01T12:00:00Z",
                "1 Nov 2026, 12:00 UTC",
                "November 2026"
            ]
        );
    }

    #[derive(Template)]
    #[template(
        source = "{{ likes|plural(\"like\", \"likes\") }} {{ trends|plural(\"crud\", \"cruds\") }}",
        ext = "txt"
    )]
    struct Counts {
        likes: i64,
        trends: usize,
    }

    #[test]
    fn counts_take_the_singular_for_one_only() {
        let counts = |likes, trends| Counts { likes, trends }.render().unwrap();
        assert_eq!(counts(1, 1), "like crud");
        assert_eq!(counts(0, 2), "likes cruds");
    }
}

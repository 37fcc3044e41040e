//! Time as llmgw stores and shows it: milliseconds since the Unix epoch (cheap to compare and index), rendered as
//! RFC 3339 UTC, and the durations users type (`7d`, `24h`).

use std::time::Duration;

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// An id that sorts by creation time: `<prefix>_` + 12 hex digits of milliseconds + 8 of process-local entropy.
/// Milliseconds since the epoch as RFC 3339 UTC with millisecond precision: `2026-11-26T20:31:19.123Z`.
pub fn rfc3339(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
}

/// Parse RFC 3339 (`2026-11-26T20:31:19Z`, fractional seconds and `+hh:mm` offsets allowed) or a bare date
/// (`2026-11-26`, midnight UTC) to milliseconds since the epoch.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = std::str::from_utf8(b.get(range)?).ok()?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    if b.len() == 10 {
        return Some(days * 86_400_000);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut at = 19;
    let mut millis = 0;
    if b.get(at) == Some(&b'.') {
        let start = at + 1;
        at = start;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == start {
            return None;
        }
        let digits = std::str::from_utf8(&b[start..at.min(start + 3)]).ok()?;
        millis = digits.parse::<i64>().ok()? * 10_i64.pow(3 - digits.len() as u32);
    }
    let offset = match b.get(at..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), ..] if b.len() == at + 6 && b[at + 3] == b':' => {
            let minutes = num(at + 1..at + 3)? * 60 + num(at + 4..at + 6)?;
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    Some(((days * 24 + h) * 60 + mi - offset) * 60_000 + s * 1000 + millis)
}

/// A duration like `30d`, `24h`, `90m`, `45s` or `2w`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = text.split_at(split);
    let n: u64 = n.parse().ok()?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(n.checked_mul(secs)?))
}

/// A span for people: `850 ms`, `42 s`, `7 min`, `5 h`, `3 d` (rounded down to its largest unit).
pub fn human_age(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{} s", ms / 1_000),
        60_000..3_600_000 => format!("{} min", ms / 60_000),
        3_600_000..86_400_000 => format!("{} h", ms / 3_600_000),
        _ => format!("{} d", ms / 86_400_000),
    }
}

/// The moment `age` before now, in milliseconds since the epoch (`conv delete --older-than 30d`).
pub fn ago_ms(age: Duration) -> i64 {
    now_ms().saturating_sub(i64::try_from(age.as_millis()).unwrap_or(i64::MAX))
}

/// A point in time as users give it: a duration back from now (`24h`, `7d`) or an RFC 3339 time or date
/// (`metrics --since`).
pub fn parse_since(text: &str) -> Option<i64> {
    parse_duration(text).map(ago_ms).or_else(|| parse_rfc3339(text))
}

/// The UTC calendar month holding `ms`: its first millisecond and the next month's.
pub fn month_bounds(ms: i64) -> (i64, i64) {
    const DAY: i64 = 86_400_000;
    let (y, m, _) = civil_from_days(ms.div_euclid(DAY));
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (days_from_civil(y, m, 1) * DAY, days_from_civil(ny, nm, 1) * DAY)
}

// Howard Hinnant's days <-> civil date algorithms.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_runs_from_its_first_day_to_the_next_months_in_utc() {
        let at = |text: &str| parse_rfc3339(text).unwrap();
        assert_eq!(month_bounds(at("2026-12-04T19:00:00Z")), (at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z")));
        assert_eq!(month_bounds(at("2028-02-29T23:59:59Z")), (at("2028-02-01T00:00:00Z"), at("2028-03-01T00:00:00Z")));
        assert_eq!(month_bounds(at("2026-03-01T00:00:00Z")).0, at("2026-03-01T00:00:00Z"));
    }

    #[test]
    fn ages_are_said_in_their_largest_unit() {
        let said: Vec<String> = [0, 999, 1_000, 59_999, 60_000, 7_200_000, 86_400_000 * 3].map(human_age).into();
        assert_eq!(said, ["0 ms", "999 ms", "1 s", "59 s", "1 min", "2 h", "3 d"]);
    }

    #[test]
    fn times_round_trip_through_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(parse_rfc3339("2026-11-26T20:31:19Z"), Some(1_795_725_079_000));
        let ms = 1_795_725_079_123;
        assert_eq!(parse_rfc3339(&rfc3339(ms)), Some(ms));
        assert_eq!(parse_rfc3339("2026-11-26T21:31:19.123+01:00"), Some(ms));
        assert_eq!(parse_rfc3339("2024-02-29"), Some(days_from_civil(2024, 2, 29) * 86_400_000));
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_duration("30d"), Some(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_duration("24h"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("5y"), None);
        assert_eq!(parse_since("2026-11-26"), parse_rfc3339("2026-11-26"));
        let day_ago = parse_since("1d").unwrap();
        assert!((now_ms() - 86_400_000 - day_ago).abs() < 5_000, "{day_ago}");
        assert!(ago_ms(Duration::MAX) < 0, "an age past the epoch saturates instead of overflowing");
    }
}

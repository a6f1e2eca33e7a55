//! Durations written as `90d`, `12h`, `30m` or `3600s`.

use chrono::Duration;

/// Parses `<number><unit>` with unit `d`, `h`, `m` or `s`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: i64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 90d, 12h, 30m or 3600s"))?;
    let duration = match unit {
        "d" => Duration::try_days(number),
        "h" => Duration::try_hours(number),
        "m" => Duration::try_minutes(number),
        "s" | "" => Duration::try_seconds(number),
        _ => None,
    };
    match duration {
        Some(d) if number > 0 => Ok(d),
        _ => Err(format!(
            "{text:?} is not a positive duration such as 90d, 12h, 30m or 3600s"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_duration("90d"), Ok(Duration::days(90)));
        assert_eq!(parse_duration("12h"), Ok(Duration::hours(12)));
        assert_eq!(parse_duration("30m"), Ok(Duration::minutes(30)));
        assert_eq!(parse_duration("3600s"), Ok(Duration::seconds(3600)));
        assert_eq!(parse_duration("60"), Ok(Duration::seconds(60)));
        for bad in ["", "d", "0d", "-1d", "5w", "1.5h", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}
fn bound(s: &str) -> DateBound {
    DateBound::parse(s).unwrap()
}
fn now() -> DateTime<Utc> {
    utc("2026-11-27T09:00:00Z")
}
fn resolve(from: &str, to: &str, tz: &str) -> Result<Window, WindowError> {
    Window::resolve(bound(from), bound(to), tz, now())
}
fn span(w: &Window) -> (String, String) {
    (
        w.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        w.end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}
fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn bounds_parse_dates_and_instants_only() {
    assert_eq!(bound("2026-05-01"), DateBound::Date(day("2026-05-01")));
    assert_eq!(
        bound("2026-05-01T02:00:00+02:00"),
        DateBound::Instant(utc("2026-05-01T00:00:00Z"))
    );
    // Shaped like a date, but no such day: said so, not "must be a date".
    for no_such_day in ["2026-02-30", "2026-13-01", "2026-04-31", "2026-00-10"] {
        assert_eq!(
            DateBound::parse(no_such_day),
            Err(WindowError::NoSuchDay),
            "{no_such_day}"
        );
    }
    for bad in [
        "2026-5-1",
        "01/05/2026",
        "",
        "2026-05-01T00:00:00",
        "yesterday",
    ] {
        assert_eq!(
            DateBound::parse(bad),
            Err(WindowError::Unparseable),
            "{bad}"
        );
    }
}

#[test]
fn a_leap_second_is_refused_not_kept_as_an_unreadable_instant() {
    for leap in [
        "2026-05-01T23:59:60Z",
        "2026-05-01T23:59:60.5Z",
        "2026-05-02T01:59:60+02:00",
    ] {
        assert_eq!(
            DateBound::parse(leap),
            Err(WindowError::LeapSecond),
            "{leap}"
        );
    }
    assert!(DateBound::parse("2026-05-01T23:59:59.999999999Z").is_ok());
}

#[test]
fn dates_cover_whole_days_in_the_zone_and_end_is_exclusive() {
    let w = resolve("2026-05-01", "2026-05-31", "Europe/Madrid").unwrap();
    assert_eq!(
        span(&w),
        ("2026-04-30T22:00:00Z".into(), "2026-05-31T22:00:00Z".into())
    );
    assert_eq!(w.days(), (day("2026-05-01"), day("2026-05-31")));
    assert_eq!(w.timezone, chrono_tz::Europe::Madrid);
}

#[test]
fn utc_is_the_zone_for_dates_when_none_is_given() {
    let w = resolve("2026-05-01", "2026-05-01", "UTC").unwrap();
    assert_eq!(
        span(&w),
        ("2026-05-01T00:00:00Z".into(), "2026-05-02T00:00:00Z".into())
    );
    assert_eq!(w.days(), (day("2026-05-01"), day("2026-05-01")));
}

#[test]
fn an_instant_in_date_to_is_exclusive() {
    let w = resolve("2026-05-01", "2026-05-02T00:00:00Z", "UTC").unwrap();
    assert_eq!(w.end, utc("2026-05-02T00:00:00Z"));
    // The last instant inside is still on May 1st.
    assert_eq!(w.days(), (day("2026-05-01"), day("2026-05-01")));
    let w = resolve("2026-05-01T10:30:00Z", "2026-05-01T10:30:00.001Z", "UTC").unwrap();
    assert_eq!(w.days(), (day("2026-05-01"), day("2026-05-01")));
    // An end just past midnight still holds midnight's events (ts 00:00:00.000Z).
    let w = resolve("2026-05-01", "2026-05-02T00:00:00.0005Z", "UTC").unwrap();
    assert_eq!(w.days(), (day("2026-05-01"), day("2026-05-02")));
}

#[test]
fn instants_keep_their_moment_but_days_are_read_in_the_zone() {
    let w = resolve(
        "2026-05-01T23:30:00Z",
        "2026-05-02T22:30:00Z",
        "Europe/Madrid",
    )
    .unwrap();
    assert_eq!(w.start, utc("2026-05-01T23:30:00Z"));
    assert_eq!(w.days(), (day("2026-05-02"), day("2026-05-03")));
}

#[test]
fn madrid_spring_forward_day_has_23_hours() {
    let w = resolve("2026-03-29", "2026-03-29", "Europe/Madrid").unwrap();
    assert_eq!(
        span(&w),
        ("2026-03-28T23:00:00Z".into(), "2026-03-29T22:00:00Z".into())
    );
    assert_eq!(w.end - w.start, TimeDelta::hours(23));
    assert_eq!(w.days(), (day("2026-03-29"), day("2026-03-29")));
}

#[test]
fn madrid_fall_back_day_has_25_hours() {
    let w = resolve("2026-10-25", "2026-10-25", "Europe/Madrid").unwrap();
    assert_eq!(
        span(&w),
        ("2026-10-24T22:00:00Z".into(), "2026-10-25T23:00:00Z".into())
    );
    assert_eq!(w.end - w.start, TimeDelta::hours(25));
    assert_eq!(w.days(), (day("2026-10-25"), day("2026-10-25")));
}

#[test]
fn a_skipped_midnight_starts_the_day_at_its_first_valid_instant() {
    // Havana: 2026-03-08 00:00 -05 jumps to 01:00 -04.
    let w = resolve("2026-03-08", "2026-03-08", "America/Havana").unwrap();
    assert_eq!(
        span(&w),
        ("2026-03-08T05:00:00Z".into(), "2026-03-09T04:00:00Z".into())
    );
    assert_eq!(w.days(), (day("2026-03-08"), day("2026-03-08")));
    // Santiago: 2026-09-06 00:00 -04 jumps to 01:00 -03.
    let w = resolve("2026-09-06", "2026-09-06", "America/Santiago").unwrap();
    assert_eq!(
        span(&w),
        ("2026-09-06T04:00:00Z".into(), "2026-09-07T03:00:00Z".into())
    );
    // A window ending on the day before ends where the skipped day starts.
    let w = resolve("2026-09-01", "2026-09-05", "America/Santiago").unwrap();
    assert_eq!(w.end, utc("2026-09-06T04:00:00Z"));
    assert_eq!(w.days(), (day("2026-09-01"), day("2026-09-05")));
}

#[test]
fn a_repeated_midnight_starts_the_day_at_its_first_occurrence() {
    // Havana: 2026-11-01 01:00 -04 falls back to 00:00 -05, so midnight happens twice.
    let w = resolve("2026-11-01", "2026-11-01", "America/Havana").unwrap();
    assert_eq!(
        span(&w),
        ("2026-11-01T04:00:00Z".into(), "2026-11-02T05:00:00Z".into())
    );
}

#[test]
fn unknown_zones_are_rejected() {
    for tz in ["Mars/Olympus", "", "europe/madrid", "+02:00"] {
        assert_eq!(
            resolve("2026-05-01", "2026-05-02", tz),
            Err(WindowError::UnknownZone)
        );
    }
}

#[test]
fn start_after_end_and_empty_windows_are_rejected() {
    assert_eq!(
        resolve("2026-05-02", "2026-05-01", "UTC"),
        Err(WindowError::StartAfterEnd)
    );
    assert_eq!(
        resolve("2026-05-02T00:00:00Z", "2026-05-01T23:59:59Z", "UTC"),
        Err(WindowError::StartAfterEnd)
    );
    assert_eq!(
        resolve("2026-05-01T00:00:00Z", "2026-05-01T00:00:00Z", "UTC"),
        Err(WindowError::Empty)
    );
    // The start of a day up to that day's start (an instant) is empty, not reversed.
    assert_eq!(
        resolve("2026-05-01", "2026-04-30T22:00:00Z", "Europe/Madrid"),
        Err(WindowError::Empty)
    );
}

#[test]
fn windows_up_to_366_days_are_allowed_even_across_dst() {
    // A leap year of dates.
    let w = resolve("2024-01-01", "2024-12-31", "UTC").unwrap();
    assert_eq!(w.end - w.start, TimeDelta::days(366));
    // 366 days from summer time into winter time is 366 days + 1 hour in UTC.
    let w = resolve("2025-07-01", "2026-07-01", "Europe/Madrid");
    assert!(w.is_ok(), "{w:?}");
    let w = resolve("2025-10-01", "2026-10-01", "Europe/Madrid");
    assert!(w.is_ok(), "{w:?}");
    assert_eq!(
        resolve("2025-01-01", "2026-01-02", "UTC"),
        Err(WindowError::TooLong)
    );
    assert_eq!(
        resolve("2025-01-01T00:00:00Z", "2026-01-02T00:00:01Z", "UTC"),
        Err(WindowError::TooLong)
    );
}

#[test]
fn windows_starting_before_2000_are_refused_whatever_the_offset() {
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let resolve = |from: &str, to: &str, tz: &str| {
        Window::resolve(
            DateBound::parse(from).unwrap(),
            DateBound::parse(to).unwrap(),
            tz,
            now,
        )
    };
    assert_eq!(
        resolve("0000-01-01T00:00:00+23:59", "2000-01-02T00:00:00Z", "UTC"),
        Err(WindowError::TooEarly)
    );
    assert_eq!(
        resolve("1600-01-01", "1600-01-02", "UTC"),
        Err(WindowError::TooEarly)
    );
    // 2000-01-01 in a zone east of UTC starts on 1999-12-31 in UTC.
    assert_eq!(
        resolve("2000-01-01", "2000-01-02", "Europe/Madrid"),
        Err(WindowError::TooEarly)
    );
    let earliest = resolve("2000-01-01", "2000-01-02", "UTC").unwrap();
    assert_eq!(earliest.start, EARLIEST_START);
    assert_eq!(EARLIEST_START.to_rfc3339(), "2000-01-01T00:00:00+00:00");
}

#[test]
fn windows_may_end_at_most_a_minute_in_the_future() {
    let n = now();
    let ok = Window::resolve(
        bound("2026-11-27T00:00:00Z"),
        DateBound::Instant(n + TimeDelta::seconds(60)),
        "UTC",
        n,
    );
    assert!(ok.is_ok());
    let late = Window::resolve(
        bound("2026-11-27T00:00:00Z"),
        DateBound::Instant(n + TimeDelta::seconds(61)),
        "UTC",
        n,
    );
    assert_eq!(late, Err(WindowError::InFuture));
    // "Today" ends tonight, which has not happened yet.
    assert_eq!(
        resolve("2026-11-27", "2026-11-27", "UTC"),
        Err(WindowError::InFuture)
    );
    let far = Window::resolve(
        bound("2026-11-01"),
        DateBound::Date(NaiveDate::MAX),
        "UTC",
        n,
    );
    assert_eq!(far, Err(WindowError::InFuture));
}

#[test]
fn file_names_state_the_days_for_every_format() {
    let w = resolve("2026-05-01", "2026-05-31", "Europe/Madrid").unwrap();
    let names: Vec<String> = ExportFormat::ALL
        .iter()
        .map(|f| file_name(&w, *f))
        .collect();
    assert_eq!(
        names,
        [
            "kt_2026-05-01_to_2026-05-31.csv",
            "kt_2026-05-01_to_2026-05-31.json",
            "kt_2026-05-01_to_2026-05-31_compliance-aesia.json",
            "kt_2026-05-01_to_2026-05-31_compliance-aepd.json",
            "kt_2026-05-01_to_2026-05-31_compliance-ens.json",
            "kt_2026-05-01_to_2026-05-31_compliance-all.tar.gz",
        ]
    );
    // The same instants read in UTC name different days.
    let utc_window = Window {
        timezone: chrono_tz::UTC,
        ..w
    };
    assert_eq!(
        file_name(&utc_window, ExportFormat::Csv),
        "kt_2026-04-30_to_2026-05-31.csv"
    );
}

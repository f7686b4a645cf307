//! serde's words for a profile that does not fit its shape ("invalid type:
//! string \"x\", expected u32") in the words a tenant reads, as the job
//! creation says them: `retention.log_days: must be a whole number of days,
//! not the string "x"`. The field path comes from `serde_path_to_error`.

/// `field` and `message` (serde's, without its " at line L column C") as a
/// tenant reads them; a missing member moves the field to that member.
pub(super) fn plain(field: String, message: &str) -> (String, String) {
    if let Some(name) = between(message, "missing field `", "`") {
        let field = match field.as_str() {
            "body" | "." | "" => name.to_string(),
            parent => format!("{parent}.{name}"),
        };
        return (field, "is required".into());
    }
    if message.starts_with("unknown field `") {
        let allowed = message
            .split_once(", expected ")
            .map(|(_, rest)| format!("; expected {}", names(rest)))
            .unwrap_or_default();
        return (field, format!("unknown field{allowed}"));
    }
    if message.starts_with("unknown variant `") {
        let allowed = message
            .split_once(", expected ")
            .map(|(_, rest)| names(rest))
            .unwrap_or_default();
        return (field, format!("must be {allowed}"));
    }
    let mismatch = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|rest| rest.rsplit_once(", expected "));
    if let Some((got, expected)) = mismatch {
        let message = match whole_number_max(expected) {
            Some(max) if is_non_negative_integer(got) => {
                format!("{} no larger than {max}", wanted(&field, expected))
            }
            _ => format!("{}, not {}", wanted(&field, expected), given(got)),
        };
        return (field, message);
    }
    // serde_json's words for a number, list or object where a named value
    // (`"MEDIA"`) is expected.
    if message == "expected value" {
        return (
            field,
            "must be one of the documented values, as a string".into(),
        );
    }
    if is_date_field(&field) {
        return (field, "must be a date (YYYY-MM-DD)".into());
    }
    (field, message.to_string())
}

/// "must be ..." for serde's `expected` of the field.
fn wanted(field: &str, expected: &str) -> String {
    let kind = if whole_number_max(expected).is_some() {
        if field.ends_with("_days") {
            "a whole number of days".to_string()
        } else {
            "a whole number".to_string()
        }
    } else if is_date_field(field) || expected.contains("date") {
        return "must be a date (YYYY-MM-DD)".into();
    } else {
        match expected {
            "a string" => "a string".into(),
            "a boolean" => "true or false".into(),
            "a sequence" => "a list".into(),
            "a map" => "an object".into(),
            e if e.starts_with("struct ") => "an object".into(),
            e if e.contains("variant") || e.starts_with("enum ") => {
                "one of the documented values (a string)".into()
            }
            other => other.to_string(),
        }
    };
    format!("must be {kind}")
}

/// The largest value of an integer type serde names, if it names one.
fn whole_number_max(expected: &str) -> Option<u64> {
    Some(match expected {
        "u8" => u8::MAX.into(),
        "u16" => u16::MAX.into(),
        "u32" => u32::MAX.into(),
        "u64" | "usize" => u64::MAX,
        _ => return None,
    })
}

fn is_non_negative_integer(got: &str) -> bool {
    between(got, "integer `", "`").is_some_and(|n| !n.starts_with('-'))
}

fn is_date_field(field: &str) -> bool {
    field == "date" || field.ends_with(".date")
}

/// serde's description of the value given, in plain words.
fn given(got: &str) -> String {
    if let Some(s) = got.strip_prefix("string ") {
        return format!("the string {s}");
    }
    for kind in ["integer `", "floating point `", "boolean `"] {
        if let Some(v) = between(got, kind, "`") {
            return v.to_string();
        }
    }
    match got {
        "map" => "an object".into(),
        "sequence" => "a list".into(),
        "unit" | "null" => "null".into(),
        other => other.to_string(),
    }
}

/// serde's "one of `a`, `b`" or "`a`" as "one of a, b" or "a".
fn names(list: &str) -> String {
    list.replace('`', "")
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(start)?;
    rest.split(end).next()
}

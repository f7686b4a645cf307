use super::*;
use std::collections::HashMap;

fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_vars(|k| map.get(k).cloned())
}

#[test]
fn locally_every_value_has_the_contracts_default() {
    let c = config(&[]).unwrap();
    assert_eq!(c.resources.jobs_table, "kt-export-jobs");
    assert_eq!(c.max_active_jobs, 10);
    assert_eq!(c.lease, Duration::from_secs(120));
    assert_eq!(c.sort_budget_bytes, 256 << 20);
    assert_eq!(c.fanout_segment_bytes, 1 << 30);
    assert_eq!(c.fanout_max_segments, 200);
    assert_eq!(c.tsa_url, None);
    assert_eq!(c.fanout_max_concurrent, None);
    assert_eq!(c.fanout_checkpoint_after, None);
    assert_eq!(c.api_aws_timeout, Duration::from_secs(20));
    assert_eq!(c.api_aws_timeouts().operation, Duration::from_secs(20));
    assert_eq!(c.require_pseudonym_key().unwrap(), LOCAL_PSEUDONYM_KEY);
    assert_eq!(c.aws.endpoint_url, None);
}

#[test]
fn a_mistyped_number_is_an_error_that_names_the_variable() {
    let err = config(&[("KT_MAX_ACTIVE_JOBS", "ten")]).unwrap_err();
    assert_eq!(
        err,
        ConfigError::Invalid {
            name: "KT_MAX_ACTIVE_JOBS",
            value: "ten".into(),
            expected: "a whole number of jobs from 1",
        }
    );
    assert!(err.to_string().starts_with("KT_MAX_ACTIVE_JOBS=\"ten\""));
    assert!(config(&[("KT_LEASE_SECONDS", "0")]).is_err());
    assert!(config(&[("KT_SORT_BUDGET_MB", "-1")]).is_err());
    assert!(config(&[("KT_FANOUT_SEGMENT_KB", "0")]).is_err());
    assert!(config(&[("KT_FANOUT_SEGMENT_KB", "1MB")]).is_err());
    assert!(config(&[("KT_FANOUT_MAX_SEGMENTS", "0")]).is_err());
    assert!(config(&[("KT_FANOUT_MAX_SEGMENTS", "2001")]).is_err());
    assert!(config(&[("KT_TSA_URL", "tsa.example")]).is_err());
    assert_eq!(
        config(&[("KT_TSA_URL", "http://127.0.0.1:318/tsa")])
            .unwrap()
            .tsa_url
            .as_deref(),
        Some("http://127.0.0.1:318/tsa")
    );
    let fan = config(&[
        ("KT_FANOUT_SEGMENT_KB", "64"),
        ("KT_FANOUT_MAX_SEGMENTS", "8"),
    ])
    .unwrap();
    assert_eq!(
        (fan.fanout_segment_bytes, fan.fanout_max_segments),
        (64 << 10, 8)
    );
    assert!(config(&[("KT_FANOUT_MAX_CONCURRENT", "-2")]).is_err());
    assert!(config(&[("KT_FANOUT_CHECKPOINT_AFTER_MS", "soon")]).is_err());
    let capped = config(&[
        ("KT_FANOUT_MAX_CONCURRENT", "3"),
        ("KT_FANOUT_CHECKPOINT_AFTER_MS", "0"),
    ])
    .unwrap();
    assert_eq!(capped.fanout_max_concurrent, Some(3));
    assert_eq!(capped.fanout_checkpoint_after, Some(Duration::ZERO));
    assert!(config(&[("KT_API_AWS_TIMEOUT_MS", "29000")]).is_err());
    assert!(config(&[("KT_API_AWS_TIMEOUT_MS", "20s")]).is_err());
    assert_eq!(
        config(&[("KT_API_AWS_TIMEOUT_MS", "1500")])
            .unwrap()
            .api_aws_timeout,
        Duration::from_millis(1500)
    );
    let uncapped = config(&[("KT_FANOUT_MAX_CONCURRENT", "0")]).unwrap();
    assert_eq!(uncapped.fanout_max_concurrent, None);
}

#[test]
fn in_lambda_the_pseudonym_key_and_resource_names_are_required() {
    let lambda = [
        ("AWS_LAMBDA_FUNCTION_NAME", "kt-worker"),
        ("AWS_REGION", "eu-west-1"),
        ("KT_JOBS_TABLE", "t"),
        ("KT_EXPORT_QUEUE", "q"),
        ("KT_EXPORT_DLQ", "d"),
        ("KT_EVENTS_BUCKET", "e"),
        ("KT_ARTIFACTS_BUCKET", "a"),
    ];
    assert_eq!(
        config(&lambda)
            .unwrap()
            .require_pseudonym_key()
            .unwrap_err(),
        ConfigError::Missing {
            name: "KT_PSEUDONYM_KEY"
        }
    );
    let mut with_key = lambda.to_vec();
    with_key.push(("KT_PSEUDONYM_KEY", "secret"));
    assert_eq!(
        config(&with_key).unwrap().require_pseudonym_key().unwrap(),
        "secret"
    );
    let without_table: Vec<_> = with_key
        .iter()
        .copied()
        .filter(|(k, _)| *k != "KT_JOBS_TABLE")
        .collect();
    assert_eq!(
        config(&without_table).unwrap_err(),
        ConfigError::Missing {
            name: "KT_JOBS_TABLE"
        }
    );
}

#[test]
fn the_public_base_url_is_a_plain_http_url_or_an_error_naming_it() {
    let base = |v: &str| config(&[("KT_PUBLIC_BASE_URL", v)]).map(|c| c.public_base_url);
    assert_eq!(base("").unwrap(), None);
    assert_eq!(
        base("https://exports.example.com/").unwrap().as_deref(),
        Some("https://exports.example.com")
    );
    assert_eq!(
        base("http://127.0.0.1:3000").unwrap().as_deref(),
        Some("http://127.0.0.1:3000")
    );
    for bad in [
        "exports.example.com",
        "ftp://x",
        "https://",
        "https://x?a=1",
        "https://u@x",
    ] {
        assert!(
            matches!(
                base(bad),
                Err(ConfigError::Invalid {
                    name: "KT_PUBLIC_BASE_URL",
                    ..
                })
            ),
            "{bad}"
        );
    }
}

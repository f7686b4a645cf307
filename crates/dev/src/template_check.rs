//! The template is the source of truth; this test keeps the bootstrap's
//! constants (and so the emulator's resources) equal to it.
use crate::bootstrap::artifact_lifecycle_rules;
use kt_store::resources::*;
use yaml_rust2::{Yaml, YamlLoader};

/// `infra/template.yaml`, parsed. CloudFormation's short tags (`!Ref`,
/// `!GetAtt`, ...) are kept as plain values by the loader, which is all we need.
fn template() -> Yaml {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/template.yaml");
    let text = std::fs::read_to_string(path).expect("infra/template.yaml");
    YamlLoader::load_from_str(&text)
        .expect("the template is YAML")
        .remove(0)
}

fn resource<'a>(template: &'a Yaml, name: &str) -> &'a Yaml {
    let r = &template["Resources"][name]["Properties"];
    assert!(!r.is_badvalue(), "template has no resource {name}");
    r
}

fn list(yaml: &Yaml) -> &[Yaml] {
    yaml.as_vec().map(Vec::as_slice).unwrap_or_default()
}

/// The statements of the inline policies of `function`'s role (`Role: !GetAtt XRole.Arn`).
fn role_statements<'a>(template: &'a Yaml, function: &str) -> Vec<&'a Yaml> {
    let role_ref = resource(template, function)["Role"]
        .as_str()
        .unwrap_or_else(|| panic!("{function} has no Role"));
    let role = resource(template, role_ref.trim_end_matches(".Arn"));
    list(&role["Policies"])
        .iter()
        .flat_map(|p| list(&p["PolicyDocument"]["Statement"]))
        .collect()
}

/// The actions of `statements` (an `Action` is a string or a list).
fn actions<'a>(statements: &[&'a Yaml]) -> Vec<&'a str> {
    statements
        .iter()
        .flat_map(|s| match &s["Action"] {
            Yaml::String(a) => vec![a.as_str()],
            other => list(other).iter().filter_map(Yaml::as_str).collect(),
        })
        .collect()
}

fn key_schema(keys: &Yaml) -> Vec<(String, String)> {
    list(keys)
        .iter()
        .map(|k| {
            let name = k["AttributeName"].as_str().unwrap().to_string();
            (name, k["KeyType"].as_str().unwrap().to_string())
        })
        .collect()
}

fn int(yaml: &Yaml) -> i64 {
    yaml.as_i64()
        .unwrap_or_else(|| panic!("not an integer: {yaml:?}"))
}

#[test]
fn the_jobs_table_has_the_keys_index_and_ttl_the_store_uses() {
    let t = template();
    let table = resource(&t, "JobsTable");
    let hash_range = |h: &str, r: &str| vec![(h.into(), "HASH".into()), (r.into(), "RANGE".into())];
    assert_eq!(key_schema(&table["KeySchema"]), hash_range(PK, SK));

    let indexes = list(&table["GlobalSecondaryIndexes"]);
    assert_eq!(indexes.len(), 1);
    assert_eq!(indexes[0]["IndexName"].as_str(), Some(LEASE_INDEX));
    assert_eq!(
        key_schema(&indexes[0]["KeySchema"]),
        hash_range(LEASE_INDEX_PK, LEASE_INDEX_SK)
    );

    let types: Vec<(&str, &str)> = list(&table["AttributeDefinitions"])
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().unwrap(),
                a["AttributeType"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        types,
        vec![
            (PK, "S"),
            (SK, "S"),
            (LEASE_INDEX_PK, "S"),
            (LEASE_INDEX_SK, "N")
        ]
    );
    assert_eq!(table["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    let ttl = &table["TimeToLiveSpecification"];
    assert_eq!(ttl["AttributeName"].as_str(), Some(TTL_ATTR));
    assert_eq!(ttl["Enabled"].as_bool(), Some(true));
}

#[test]
fn the_queues_redrive_and_outlive_the_worker() {
    let t = template();
    let queue = resource(&t, "ExportQueue");
    assert_eq!(
        int(&queue["VisibilityTimeout"]),
        QUEUE_VISIBILITY_TIMEOUT_SECONDS as i64
    );
    assert_eq!(
        int(&queue["RedrivePolicy"]["maxReceiveCount"]),
        MAX_RECEIVE_COUNT as i64
    );
    let dlq = resource(&t, "ExportDeadLetterQueue");
    assert_eq!(
        int(&dlq["MessageRetentionPeriod"]),
        DLQ_RETENTION_SECONDS as i64
    );

    let worker = resource(&t, "WorkerFunction");
    assert_eq!(int(&worker["Timeout"]), WORKER_TIMEOUT_SECONDS as i64);
    let sqs = &worker["Events"]["ExportQueue"];
    assert_eq!(sqs["Type"].as_str(), Some("SQS"));
    assert_eq!(int(&sqs["Properties"]["BatchSize"]), 1);
    assert_eq!(
        list(&sqs["Properties"]["FunctionResponseTypes"]),
        [Yaml::String("ReportBatchItemFailures".into())]
    );
}

#[test]
fn the_artifacts_lifecycle_matches_the_bootstrap() {
    let t = template();
    let rules = list(&resource(&t, "ArtifactsBucket")["LifecycleConfiguration"]["Rules"]);
    type Rule = (String, String, Option<i64>, Option<i64>, Option<i64>, bool);
    let from_template: Vec<Rule> = rules
        .iter()
        .map(|r| {
            assert_eq!(r["Status"].as_str(), Some("Enabled"));
            (
                r["Id"].as_str().unwrap().to_string(),
                r["Prefix"].as_str().unwrap_or_default().to_string(),
                r["ExpirationInDays"].as_i64(),
                r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"].as_i64(),
                r["NoncurrentVersionExpiration"]["NoncurrentDays"].as_i64(),
                r["ExpiredObjectDeleteMarker"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    let from_bootstrap: Vec<_> = artifact_lifecycle_rules()
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.id().unwrap().to_string(),
                r.filter()
                    .and_then(|f| f.prefix())
                    .unwrap_or_default()
                    .to_string(),
                r.expiration().and_then(|e| e.days()).map(i64::from),
                r.abort_incomplete_multipart_upload()
                    .and_then(|a| a.days_after_initiation())
                    .map(i64::from),
                r.noncurrent_version_expiration()
                    .and_then(|n| n.noncurrent_days())
                    .map(i64::from),
                r.expiration()
                    .and_then(|e| e.expired_object_delete_marker())
                    .unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(from_template, from_bootstrap);
    assert_eq!(from_template[0].1, ARTIFACTS_PREFIX);
    assert_eq!(from_template[0].2, Some(ARTIFACT_EXPIRATION_DAYS as i64));
}

/// Retained exports need Object Lock on the bucket, and only the worker may
/// lock; nobody in the stack may delete under `retained/`.
#[test]
fn the_artifacts_bucket_locks_retained_exports() {
    let t = template();
    let bucket = resource(&t, "ArtifactsBucket");
    assert_eq!(bucket["ObjectLockEnabled"].as_bool(), Some(true));
    assert_eq!(
        bucket["VersioningConfiguration"]["Status"].as_str(),
        Some("Enabled")
    );
    assert!(
        bucket["ObjectLockConfiguration"]["Rule"].is_badvalue(),
        "no default retention: ordinary exports are not locked"
    );
    let locks =
        |function: &str| actions(&role_statements(&t, function)).contains(&"s3:PutObjectRetention");
    assert!(locks("WorkerFunction"));
    assert!(!locks("ApiFunction"));
    for function in [
        "ApiFunction",
        "WorkerFunction",
        "SchedulerFunction",
        "SweeperFunction",
    ] {
        for statement in role_statements(&t, function) {
            let resources = format!("{:?}", statement["Resource"]);
            let deletes = actions(&[statement])
                .iter()
                .any(|a| a.starts_with("s3:Delete"));
            assert!(
                !(deletes && resources.contains("retained/")),
                "{function} may delete retained exports"
            );
        }
    }
}

/// Every function that can end a job (complete, fail, cancel, sweep) may
/// publish its completion event on the stack's bus, and only there.
#[test]
fn every_function_that_ends_jobs_publishes_on_the_bus() {
    let t = template();
    assert_eq!(
        t["Resources"]["EventBus"]["Type"].as_str(),
        Some("AWS::Events::EventBus")
    );
    for function in [
        "ApiFunction",
        "WorkerFunction",
        "SchedulerFunction",
        "SweeperFunction",
    ] {
        let statements = role_statements(&t, function);
        let publish: Vec<_> = statements
            .into_iter()
            .filter(|s| actions(&[*s]).contains(&"events:PutEvents"))
            .collect();
        assert_eq!(publish.len(), 1, "{function}");
        assert!(
            format!("{:?}", publish[0]["Resource"]).contains("EventBus"),
            "{function} publishes elsewhere"
        );
    }
}

#[test]
fn the_functions_get_every_setting_of_config() {
    let t = template();
    let vars = &t["Globals"]["Function"]["Environment"]["Variables"];
    for name in [
        "KT_JOBS_TABLE",
        "KT_EXPORT_QUEUE",
        "KT_EXPORT_DLQ",
        "KT_EVENTS_BUCKET",
        "KT_ARTIFACTS_BUCKET",
        "KT_EVENT_BUS",
        "KT_MAX_ACTIVE_JOBS",
        "KT_LEASE_SECONDS",
        "KT_SPILL_DIR",
    ] {
        assert!(
            !vars[name].is_badvalue(),
            "{name} is not set for the functions"
        );
    }
    // No key material in any environment, and one log level (LoggingConfig).
    for name in ["KT_PSEUDONYM_KEY", "RUST_LOG"] {
        assert!(vars[name].is_badvalue(), "{name} must not be in Globals");
    }
    let worker = resource(&t, "WorkerFunction");
    assert_eq!(
        worker["Environment"]["Variables"]["KT_PSEUDONYM_KEY_SECRET"].as_str(),
        Some("PseudonymKeySecret"),
        "the worker reads the pseudonym key from the stack's secret"
    );
    for (function, binary) in [
        ("ApiFunction", "kt-api"),
        ("WorkerFunction", "kt-worker"),
        ("SchedulerFunction", "kt-scheduler"),
        ("SweeperFunction", "kt-sweeper"),
    ] {
        let metadata = &t["Resources"][function]["Metadata"];
        assert_eq!(metadata["BuildMethod"].as_str(), Some("rust-cargolambda"));
        assert_eq!(metadata["BuildProperties"]["Binary"].as_str(), Some(binary));
        let logging = &resource(&t, function)["LoggingConfig"];
        assert_eq!(logging["ApplicationLogLevel"].as_str(), Some("LogLevel"));
        for name in ["KT_PSEUDONYM_KEY", "RUST_LOG"] {
            let env = &resource(&t, function)["Environment"]["Variables"];
            assert!(env[name].is_badvalue(), "{function} sets {name}");
        }
    }
}

/// Manifests are signed by an asymmetric P-256 KMS key that only the worker
/// may use to sign; its public keys are served without a token.
#[test]
fn the_manifest_signing_key_is_p256_and_only_the_worker_signs() {
    let t = template();
    let key = resource(&t, "ManifestSigningKey");
    assert_eq!(key["KeySpec"].as_str(), Some("ECC_NIST_P256"));
    assert_eq!(key["KeyUsage"].as_str(), Some("SIGN_VERIFY"));
    let signs = |function: &str| actions(&role_statements(&t, function)).contains(&"kms:Sign");
    assert!(signs("WorkerFunction"));
    assert!(!signs("ApiFunction"));
    assert!(!signs("SchedulerFunction"));
    assert!(!signs("SweeperFunction"));
    let events = &resource(&t, "ApiFunction")["Events"];
    for (name, path) in [
        ("SigningKeys", "/v1/keys"),
        ("SigningKeysJwks", "/v1/keys/jwks.json"),
    ] {
        assert_eq!(events[name]["Properties"]["Path"].as_str(), Some(path));
        assert_eq!(
            events[name]["Properties"]["Auth"]["Authorizer"].as_str(),
            Some("NONE")
        );
    }
}

#[test]
fn each_expires_in_days_has_the_rule_that_deletes_its_artifact_on_expiry() {
    let t = template();
    let rules = list(&resource(&t, "ArtifactsBucket")["LifecycleConfiguration"]["Rules"]);
    for days in 1..=MAX_EXPIRES_IN_DAYS {
        let key = artifact_key(days, "acme", "job_01", 1, "kt.csv");
        // Every expiring rule whose prefix holds the key; the earliest wins in S3.
        let matching: Vec<(&str, i64)> = rules
            .iter()
            .filter(|r| {
                r["Prefix"]
                    .as_str()
                    .is_some_and(|p| !p.is_empty() && key.starts_with(p))
            })
            .filter_map(|r| Some((r["Id"].as_str()?, r["ExpirationInDays"].as_i64()?)))
            .collect();
        let earliest = matching.iter().min_by_key(|(_, d)| *d).unwrap();
        assert_eq!(
            *earliest,
            (expiry_rule_id(days).as_str(), i64::from(days)),
            "{key}"
        );
    }
}

#[test]
fn the_sweeper_runs_every_minute_and_may_do_what_it_does() {
    let t = template();
    let sweeper = resource(&t, "SweeperFunction");
    let schedule = &sweeper["Events"]["EveryMinute"]["Properties"];
    assert_eq!(
        schedule["ScheduleExpression"].as_str(),
        Some("rate(1 minute)")
    );
    let sweeper_actions = actions(&role_statements(&t, "SweeperFunction"));
    for needed in [
        "dynamodb:Query",
        "dynamodb:PutItem",
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
    ] {
        assert!(sweeper_actions.contains(&needed), "sweeper lacks {needed}");
    }
    let worker = actions(&role_statements(&t, "WorkerFunction"));
    assert!(worker.contains(&"s3:DeleteObject"));
}

/// API Gateway checks each route's scope before the code does: the template's
/// routes are the router's, each with the scope its handler requires (GET
/// reads, POST, PUT and DELETE write), and only `/healthz`, the signing keys,
/// the page and share links (whose token is in the path) go without a bearer token.
#[test]
fn every_route_has_the_scope_its_handler_requires_at_the_authorizer() {
    use kt_service::http::{ROUTES, Scope};
    let t = template();
    let events = resource(&t, "ApiFunction")["Events"]
        .as_hash()
        .expect("ApiFunction has events");
    let mut routes: Vec<(String, String, Vec<String>, String)> = events
        .values()
        .filter(|e| e["Type"].as_str() == Some("HttpApi"))
        .map(|e| {
            let p = &e["Properties"];
            let auth = &p["Auth"];
            (
                p["Method"].as_str().unwrap().to_string(),
                p["Path"].as_str().unwrap().to_string(),
                list(&auth["AuthorizationScopes"])
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect(),
                auth["Authorizer"].as_str().unwrap_or("default").to_string(),
            )
        })
        .collect();
    routes.sort();
    let mut expected: Vec<(String, String, Vec<String>, String)> = ROUTES
        .iter()
        .map(|(method, path)| {
            let (scopes, authorizer) = match (*method, *path) {
                // Health, the public signing keys and the page itself need no
                // token; a share link's token is its own credential.
                (
                    _,
                    "/healthz"
                    | "/v1/keys"
                    | "/v1/keys/jwks.json"
                    | "/"
                    | "/assets/{file}"
                    | "/v1/shared/{token}"
                    | "/v1/shared/{token}/manifest"
                    | "/v1/shared/{token}/manifest.sig"
                    | "/v1/shared/{token}/manifest.tsr",
                ) => (vec![], "NONE"),
                ("GET", _) => (vec![Scope::Read.as_str().to_string()], "JwtAuthorizer"),
                ("POST" | "PUT" | "DELETE", _) => {
                    (vec![Scope::Write.as_str().to_string()], "JwtAuthorizer")
                }
                other => panic!("which scope does {other:?} need?"),
            };
            (
                method.to_string(),
                path.to_string(),
                scopes,
                authorizer.to_string(),
            )
        })
        .collect();
    // Everything else under /v1 reaches the router (problem+json 404/405), with a token.
    expected.push((
        "ANY".into(),
        "/v1/{proxy+}".into(),
        vec![],
        "JwtAuthorizer".into(),
    ));
    expected.sort();
    assert_eq!(routes, expected);
}

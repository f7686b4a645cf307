//! The AWS calls the code makes, against the IAM actions the template grants:
//! a new SDK call cannot pass every local test (the emulator allows
//! everything) and then fail with AccessDenied in AWS.
//!
//! The source is scanned for SDK calls (`client.put_item()`, ...), per function
//! (`fn`) of each file, following calls by name to the same file's functions
//! and the same type's methods. Each Lambda function has entry points (the
//! adapter methods it runs); everything reachable from them must be granted
//! to its role. Every function that calls AWS must be reachable from some
//! Lambda function or be listed as local-only, so new code is classified.
use std::collections::BTreeSet;
use std::path::Path;
use yaml_rust2::{Yaml, YamlLoader};

mod scan;
use scan::Scan;

/// The IAM actions an SDK operation needs (`transact:*` are the items of a
/// `transact_write_items`, which needs no action of its own).
fn actions_for(operation: &str) -> &'static [&'static str] {
    match operation {
        "get_item" => &["dynamodb:GetItem"],
        "put_item" | "transact:Put" => &["dynamodb:PutItem"],
        "update_item" | "transact:Update" => &["dynamodb:UpdateItem"],
        "delete_item" | "transact:Delete" => &["dynamodb:DeleteItem"],
        "transact:ConditionCheck" => &["dynamodb:ConditionCheckItem"],
        "query" => &["dynamodb:Query"],
        "scan" => &["dynamodb:Scan"],
        "transact_write_items" => &[],
        "get_object" | "head_object" => &["s3:GetObject"],
        "list_objects_v2" => &["s3:ListBucket"],
        "put_object" | "create_multipart_upload" | "upload_part" | "complete_multipart_upload" => {
            &["s3:PutObject"]
        }
        // The copy reads its source object and writes a part of the target.
        "upload_part_copy" => &["s3:PutObject", "s3:GetObject"],
        "abort_multipart_upload" => &["s3:AbortMultipartUpload"],
        "delete_object" | "delete_objects" => &["s3:DeleteObject"],
        "put_object_retention" => &["s3:PutObjectRetention"],
        "put_events" => &["events:PutEvents"],
        "get_queue_url" => &["sqs:GetQueueUrl"],
        "send_message" | "send_message_batch" => &["sqs:SendMessage"],
        "receive_message" => &["sqs:ReceiveMessage"],
        "delete_message" => &["sqs:DeleteMessage"],
        "change_message_visibility" => &["sqs:ChangeMessageVisibility"],
        "get_queue_attributes" => &["sqs:GetQueueAttributes"],
        "get_secret_value" => &["secretsmanager:GetSecretValue"],
        "sign" => &["kms:Sign"],
        "get_public_key" => &["kms:GetPublicKey"],
        "describe_key" => &["kms:DescribeKey"],
        other => panic!("map the SDK operation `{other}` to its IAM actions in iam_check.rs"),
    }
}

/// What each Lambda function runs: `Type::method`, `Type::*`, or `::free_fn`.
const LAMBDA_FUNCTIONS: &[(&str, &[&str])] = &[
    (
        "ApiFunction",
        &[
            "DynamoJobStore::create",
            "DynamoJobStore::get",
            "DynamoJobStore::list",
            "DynamoJobStore::cancel",
            "DynamoJobStore::fail",
            "DynamoJobStore::manifest",
            "DynamoJobStore::get_profile",
            "DynamoJobStore::get_profile_version",
            "DynamoJobStore::put_profile",
            "DynamoJobStore::create_link",
            "DynamoJobStore::links",
            "DynamoJobStore::link_by_token",
            "DynamoJobStore::revoke_link",
            "DynamoJobStore::append_audit",
            "DynamoJobStore::audit",
            "SqsJobQueue::enqueue",
            "S3ArtifactStore::presign_get",
            // report.html reads a compliance report to render it.
            "S3ArtifactStore::open",
            // A cancel publishes the job's completion event.
            "EventBridgeSink::publish",
            // custody_from_config: the signing key and the retired keys it publishes.
            "KmsSigner::connect",
            "::published_kms_key",
        ],
    ),
    (
        "WorkerFunction",
        &[
            "DynamoJobStore::get",
            "DynamoJobStore::claim",
            "DynamoJobStore::heartbeat",
            "DynamoJobStore::complete",
            "DynamoJobStore::fail",
            "DynamoJobStore::get_profile",
            "DynamoJobStore::append_audit",
            "DynamoJobStore::chain_heads",
            "DynamoJobStore::append_manifest",
            "DynamoJobStore::append_completing",
            "S3LakeSource::*",
            "S3ArtifactStore::create_sink",
            "S3ArtifactStore::delete",
            "S3ArtifactStore::lock_until",
            "EventBridgeSink::publish",
            "MultipartSink::*",
            // Fan-out (docs/scale.md): the coordinator items, the join, the segment messages.
            "DynamoJobStore::start_run",
            "DynamoJobStore::run",
            "DynamoJobStore::segment",
            "DynamoJobStore::record_segment",
            "DynamoJobStore::segments",
            "DynamoJobStore::claim_finish",
            "S3Assembly::*",
            "::send_all",
            "::load_pseudonym_key",
            "KmsSigner::connect",
            "KmsSigner::sign",
            // The manifest's RFC 3161 timestamp, stored beside it.
            "DynamoJobStore::attach_timestamp",
            // Checkpoints of long segments and the per-job cap's marks.
            "DynamoJobStore::save_checkpoint",
            "DynamoJobStore::mark_sent",
        ],
    ),
    (
        "SchedulerFunction",
        &[
            "DynamoJobStore::create",
            "DynamoJobStore::get",
            "DynamoJobStore::fail",
            "DynamoJobStore::enabled_schedules",
            "DynamoJobStore::append_audit",
            "SqsJobQueue::enqueue",
            "EventBridgeSink::publish",
        ],
    ),
    (
        "SweeperFunction",
        &[
            "DynamoJobStore::stranded",
            "DynamoJobStore::sweep",
            "DynamoJobStore::fail_dead_lettered",
            "SqsJobQueue::enqueue",
            "SqsJobQueue::depth",
            "SqsDeadLetters::*",
            "EventBridgeSink::publish",
        ],
    ),
];

/// Code that calls AWS only in the local stack and tests (path prefixes from
/// the repository root, or `Type::*` / `Type::method`).
const LOCAL_ONLY: &[&str] = &[
    "crates/dev/",
    "crates/lakegen/",
    "SqsReceiver::*",
    "S3ArtifactStore::exists",
];

/// IAM actions the role of `function` allows (statements of its inline policies).
fn granted_actions(template: &Yaml, function: &str) -> BTreeSet<String> {
    let role_ref = template["Resources"][function]["Properties"]["Role"]
        .as_str()
        .unwrap_or_else(|| panic!("{function} has no Role"));
    let role = role_ref.trim_end_matches(".Arn");
    let mut actions = BTreeSet::new();
    let policies = template["Resources"][role]["Properties"]["Policies"]
        .as_vec()
        .unwrap_or_else(|| panic!("{role} has no Policies"));
    for policy in policies {
        for statement in policy["PolicyDocument"]["Statement"]
            .as_vec()
            .into_iter()
            .flatten()
        {
            // `!If [condition, statement, AWS::NoValue]` loads as a list: not granted unconditionally.
            if statement.as_hash().is_none() || statement["Effect"].as_str() != Some("Allow") {
                continue;
            }
            match &statement["Action"] {
                Yaml::String(a) => {
                    actions.insert(a.clone());
                }
                Yaml::Array(list) => {
                    actions.extend(list.iter().filter_map(|a| a.as_str().map(String::from)))
                }
                _ => {}
            }
        }
    }
    actions
}

fn allows(granted: &BTreeSet<String>, action: &str) -> bool {
    granted.iter().any(|g| match g.strip_suffix('*') {
        Some(prefix) => action.starts_with(prefix),
        None => g == action,
    })
}

/// Actions the code behind `entries` needs that `granted` lacks.
fn missing(scan: &Scan, entries: &[&str], granted: &BTreeSet<String>) -> BTreeSet<String> {
    scan.reachable(entries)
        .0
        .iter()
        .flat_map(|op| actions_for(op).iter())
        .filter(|a| !allows(granted, a))
        .map(|a| a.to_string())
        .collect()
}

fn rust_files(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if name != "tests" {
                rust_files(&path, root, out);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" && name != "test_support.rs" {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

/// Every crate's `src` and the four Lambda functions', as paths from the repository root.
fn project_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap();
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(root.join("crates")).unwrap().flatten() {
        if entry.path().join("src").is_dir() {
            rust_files(&entry.path().join("src"), &root, &mut sources);
        }
    }
    for function in ["api", "worker", "scheduler", "sweeper"] {
        rust_files(
            &root.join("functions").join(function).join("src"),
            &root,
            &mut sources,
        );
    }
    sources
}

fn template() -> Yaml {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/template.yaml");
    YamlLoader::load_from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap()
        .remove(0)
}

#[test]
fn every_aws_call_a_function_makes_is_granted_to_its_role() {
    let scan = Scan::from_sources(&project_sources());
    let template = template();
    for (function, entries) in LAMBDA_FUNCTIONS {
        let (ops, reached) = scan.reachable(entries);
        assert!(
            !ops.is_empty() && !reached.is_empty(),
            "{function}: no AWS call found from {entries:?}"
        );
        let missing = missing(&scan, entries, &granted_actions(&template, function));
        assert!(
            missing.is_empty(),
            "{function} calls AWS operations its role does not grant: {missing:?} (add them to its Role in infra/template.yaml)"
        );
    }
}

#[test]
fn every_function_that_calls_aws_runs_in_a_lambda_function_or_only_locally() {
    let scan = Scan::from_sources(&project_sources());
    let entries: Vec<&[&str]> = LAMBDA_FUNCTIONS.iter().map(|(_, e)| *e).collect();
    let unclassified = scan.unclassified(&entries, LOCAL_ONLY);
    assert!(
        unclassified.is_empty(),
        "these call AWS but no Lambda function's entry points (or LOCAL_ONLY) in iam_check.rs name them: {unclassified:?}"
    );
}

#[test]
fn the_scan_sees_what_each_function_calls() {
    let scan = Scan::from_sources(&project_sources());
    let ops = |entries: &[&str]| scan.reachable(entries).0;
    let worker = ops(LAMBDA_FUNCTIONS[1].1);
    for op in [
        "get_object",
        "list_objects_v2",
        "upload_part",
        "abort_multipart_upload",
        "get_secret_value",
        "sign",
        "delete_object",
        "transact_write_items",
    ] {
        assert!(worker.contains(op), "worker: {op} not found in {worker:?}");
    }
    let sweeper = ops(LAMBDA_FUNCTIONS[3].1);
    for op in ["query", "receive_message", "delete_message", "send_message"] {
        assert!(
            sweeper.contains(op),
            "sweeper: {op} not found in {sweeper:?}"
        );
    }
    assert!(!sweeper.contains("sign") && !sweeper.contains("put_object"));
    let api = ops(LAMBDA_FUNCTIONS[0].1);
    for op in [
        "query",
        "transact_write_items",
        "transact:Put",
        "send_message",
        "get_queue_url",
        "get_object",
        "get_public_key",
        "delete_item",
    ] {
        assert!(api.contains(op), "api: {op} not found in {api:?}");
    }
    assert!(!api.contains("upload_part") && !api.contains("get_secret_value"));
}

/// A new SDK call without a grant fails; so does one in new, unclassified code.
#[test]
fn a_new_call_without_its_grant_is_caught() {
    let store = r#"
        pub struct DynamoJobStore { client: Client }
        impl DynamoJobStore {
            async fn read(&self) { self.client.get_item().send().await; }
        }
        #[async_trait]
        impl JobStore for DynamoJobStore {
            async fn get(&self) { self.read().await }
            async fn purge(&self) {
                // a comment: self.client.scan()
                self.client
                    .delete_item()
                    .send()
                    .await;
            }
        }
        async fn orphan(client: &Client) { client.query().send().await; }
    "#;
    let scan = Scan::from_sources(&[("store/fake.rs".into(), store.into())]);
    let granted: BTreeSet<String> = ["dynamodb:GetItem".to_string()].into();
    assert!(missing(&scan, &["DynamoJobStore::get"], &granted).is_empty());
    assert_eq!(
        missing(
            &scan,
            &["DynamoJobStore::get", "DynamoJobStore::purge"],
            &granted
        ),
        BTreeSet::from(["dynamodb:DeleteItem".to_string()])
    );
    let wildcard: BTreeSet<String> = ["dynamodb:*".to_string()].into();
    assert!(missing(&scan, &["DynamoJobStore::*"], &wildcard).is_empty());
    assert_eq!(
        scan.unclassified(&[&["DynamoJobStore::get"]], &[]),
        [
            "DynamoJobStore::purge (store/fake.rs)",
            "::orphan (store/fake.rs)"
        ]
    );
    assert!(
        scan.unclassified(&[&["DynamoJobStore::*"]], &["store/"])
            .is_empty()
    );
}

#[test]
fn the_template_roles_are_read_with_their_actions() {
    let t = template();
    let worker = granted_actions(&t, "WorkerFunction");
    assert!(worker.contains("secretsmanager:GetSecretValue"));
    assert!(worker.contains("sqs:ReceiveMessage"));
    // The conditional kms:Decrypt is not an unconditional grant.
    assert!(!worker.contains("kms:Decrypt"));
    let api = granted_actions(&t, "ApiFunction");
    assert!(!api.contains("secretsmanager:GetSecretValue") && !api.contains("s3:PutObject"));
}

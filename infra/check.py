"""Offline checks of infra/template.yaml (run by scripts/check-infra).

1. Translate the SAM template to CloudFormation with aws-sam-translator (as
   `sam deploy` would), so the other checks see the generated resources: the
   functions' event source mappings, the API's stage and routes, the schedule.
2. cfn-lint on the SAM source and on the translation.
3. The project's own invariants (infra/rules/kt-exports.guard) with
   CloudFormation Guard's engine, on the translation.
4. checkov (--skip-download: no network) on the translation; every skipped
   check is justified in the resource's Metadata.checkov.skip (a skip without
   a comment fails here).

Usage: check.py OUT_DIR. Exit status 0 only when everything passes.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

# The translator asks boto for a region; no AWS call is made.
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-south-2")

from cfnlint.decode import decode_str  # noqa: E402
from samtranslator.model.exceptions import InvalidDocumentException  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "template.yaml"
RULES = ROOT / "infra" / "rules" / "kt-exports.guard"
BIN = Path(sys.executable).parent

# Values for the pseudo parameters the translator may need; nothing is deployed.
PSEUDO = {
    "AWS::Region": "eu-south-2",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "kt-exports-check",
    "AWS::URLSuffix": "amazonaws.com",
}


class OfflinePolicies:
    """The template names no managed policy by name, so no IAM lookup is needed."""

    def load(self):
        return {}


def step(title):
    print(f"== {title}", flush=True)


def translate(out: Path) -> dict:
    step("aws-sam-translator: SAM -> CloudFormation")
    source, problems = decode_str(TEMPLATE.read_text())
    if problems:
        for p in problems:
            print(p)
        sys.exit(1)
    source = json.loads(json.dumps(source))
    # As `sam package` does: local code becomes an S3 object.
    for name, resource in source["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://kt-exports-check/{name}.zip"
    source["Globals"]["Function"].pop("CodeUri", None)
    try:
        translated = transform(source, dict(PSEUDO), OfflinePolicies(), passthrough_metadata=True)
    except InvalidDocumentException as e:
        for cause in e.causes:
            print(f"   {cause.message}")
        sys.exit(1)
    out.write_text(json.dumps(translated, indent=1, sort_keys=True))
    print(f"   {len(translated['Resources'])} resources -> {out}")
    return translated


def run(title, args) -> bool:
    step(title)
    done = subprocess.run(args, cwd=ROOT)
    if done.returncode != 0:
        print(f"   FAILED ({title})")
    return done.returncode == 0


def guard_report(translated: dict) -> dict:
    """Guard's report as JSON (the engine's own, not the wrapper's classes,
    which cannot read every report shape)."""
    from cfn_guard_rs.cfn_guard_rs import run_checks_rs

    raw = run_checks_rs(json.dumps(translated), RULES.read_text(), False)
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        pass
    # cfn-guard-rs 0.3.3 returns only the last part of a report longer than
    # 8 KiB, and a failing clause quotes its resource's properties (twice): a
    # function's, with the environment of Globals, is most of that. No rule
    # reads an environment variable's value (only whether one exists), so the
    # same template with every value shortened gives the same verdicts.
    raw = run_checks_rs(json.dumps(short_environment(translated)), RULES.read_text(), False)
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        print(f"   cfn-guard-rs returned a truncated report ({len(raw)} characters: "
              f"{raw[:60]!r}...), even with short environment values: a failing clause "
              "on a resource with large properties cannot be read")
        raise


def short_environment(translated: dict) -> dict:
    """The template with each function's environment values replaced by "-"."""
    short = json.loads(json.dumps(translated))
    for resource in short["Resources"].values():
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables")
        if isinstance(variables, dict):
            for name in variables:
                variables[name] = "-"
    return short


def rule_names(items) -> list:
    return sorted(i["Rule"]["name"] if isinstance(i, dict) and "Rule" in i else str(i) for i in items)


def guard(translated: dict) -> bool:
    step(f"cfn-guard: {RULES.relative_to(ROOT)}")
    report = guard_report(translated)
    failed = rule_names(report["not_compliant"])
    for name in failed:
        print(f"   NOT COMPLIANT: {name}")
    print(f"   passed: {', '.join(rule_names(report['compliant']))}")
    if report["not_applicable"]:
        print(f"   not applicable (each rule must apply here): {rule_names(report['not_applicable'])}")
    return not failed and not report["not_applicable"]


def guard_failures(translated: dict) -> set:
    return set(rule_names(guard_report(translated)["not_compliant"]))


# Each mutation of the translated template must break the named rule: the
# rules are held to failing, not only to passing.
def _set(path, value):
    def mutate(t):
        node = t
        for key in path[:-1]:
            node = node[key]
        if value is None:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value
    return mutate


MUTATIONS = [
    ("schedules_on_time_and_unnamed", _set(["Resources", "SweeperFunctionEveryMinute", "Properties", "Name"],
                                           "fixed")),
    ("schedules_on_time_and_unnamed", _set(["Resources", "SchedulerFunctionHourly", "Properties",
                                            "FlexibleTimeWindow"], {"Mode": "FLEXIBLE",
                                                                    "MaximumWindowInMinutes": 15})),
    ("hourly_compliance_schedule", _set(["Resources", "SchedulerFunctionHourly", "Properties",
                                         "ScheduleExpression"], "cron(0 3 1 1,4,7,10 ? *)")),
    ("hourly_compliance_schedule", _set(["Resources", "SchedulerFunctionHourly", "Properties", "Target",
                                         "DeadLetterConfig"], None)),
    ("sweeper_every_minute", _set(["Resources", "SweeperFunctionEveryMinute", "Properties", "ScheduleExpression"],
                                  "rate(1 hour)")),
    ("jobs_table_ttl_and_recovery", _set(["Resources", "JobsTable", "Properties", "TimeToLiveSpecification",
                                          "AttributeName"], "expires")),
    ("jobs_table_ttl_and_recovery", _set(["Resources", "JobsTable", "Properties", "DeletionProtectionEnabled"],
                                         None)),
    ("artifacts_lifecycle", lambda t: t["Resources"]["ArtifactsBucket"]["Properties"]["LifecycleConfiguration"]
     ["Rules"][0].update(ExpirationInDays=7)),
    ("timeouts", _set(["Resources", "ExportQueue", "Properties", "VisibilityTimeout"], 600)),
    ("worker_event_source", _set(["Resources", "WorkerFunctionExportQueue", "Properties", "ScalingConfig"], None)),
    # Its report is near or over the 8 KiB cfn-guard-rs 0.3.3 returns whole:
    # read through short_environment when cut (guard_report).
    ("functions_observable", _set(["Resources", "WorkerFunction", "Properties", "TracingConfig"], None)),
    ("functions_observable", lambda t: t["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]
     .update(KT_PSEUDONYM_KEY="plain")),
    ("log_groups_retained", _set(["Resources", "ApiLogGroup", "Properties", "RetentionInDays"], None)),
    ("no_broad_managed_policies", lambda t: t["Resources"]["WorkerRole"]["Properties"]["ManagedPolicyArns"].append(
        "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")),
    ("buckets_tls_only", lambda t: t["Resources"]["ArtifactsBucketPolicy"]["Properties"]["PolicyDocument"]
     ["Statement"][0].update(Effect="Allow")),
    ("api_stage_logged_and_throttled", _set(["Resources", "HttpApiApiGatewayDefaultStage", "Properties",
                                             "AccessLogSettings"], None)),
    ("alarms_notify", _set(["Resources", "WorkerErrorsAlarm", "Properties", "AlarmActions"], None)),
    ("only_the_worker_signs_and_reads_the_pseudonym_key",
     lambda t: t["Resources"]["ManifestSigningKey"]["Properties"]["KeyPolicy"]["Statement"].pop()),
    ("only_the_worker_signs_and_reads_the_pseudonym_key",
     lambda t: t["Resources"]["PseudonymKeySecretPolicy"]["Properties"]["ResourcePolicy"]["Statement"][0]
     .update(Effect="Allow")),
    ("only_the_worker_signs_and_reads_the_pseudonym_key", _set(["Resources", "WorkerRole", "Properties", "Path"],
                                                              "/")),
    ("log_level_keeps_the_metrics", lambda t: t["Parameters"]["LogLevel"]["AllowedValues"].append("WARN")),
    ("export_queue_age_alarmed", lambda t: t["Resources"].pop("ExportQueueAgeAlarm")),
    ("export_queue_age_alarmed", lambda t: t["Resources"]["ExportQueueAgeAlarm"]["Properties"]["Dimensions"][0]
     .update(Value={"Fn::GetAtt": ["ExportDeadLetterQueue", "QueueName"]})),
]


def guard_rules_can_fail(translated: dict) -> bool:
    step("cfn-guard: each rule fails on a template that breaks it")
    ok = True
    for rule, mutate in MUTATIONS:
        broken = json.loads(json.dumps(translated))
        mutate(broken)
        if rule not in guard_failures(broken):
            print(f"   rule {rule} did not catch its mutation")
            ok = False
    print(f"   {len(MUTATIONS)} mutations caught" if ok else "   FAILED")
    return ok


def skips_are_justified(translated: dict) -> bool:
    step("checkov skips: each one has a reason")
    ok = True
    count = 0
    for name, resource in translated["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            count += 1
            if len(str(skip.get("comment", "")).strip()) < 20:
                print(f"   {name}: skip {skip.get('id')} has no reason")
                ok = False
    print(f"   {count} skips, all with reasons" if ok else "   FAILED")
    return ok


def main():
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    translated_path = out_dir / "template.cfn.json"
    translated = translate(translated_path)
    results = [
        run("cfn-lint: SAM source", [BIN / "cfn-lint", TEMPLATE]),
        run("cfn-lint: translated", [BIN / "cfn-lint", translated_path]),
        guard(translated),
        guard_rules_can_fail(translated),
        skips_are_justified(translated),
        run(
            "checkov --skip-download (translated)",
            [BIN / "checkov", "--quiet", "--compact", "--skip-download", "--framework", "cloudformation",
             "-f", translated_path],
        ),
    ]
    if not all(results):
        print("infra checks FAILED")
        sys.exit(1)
    print("infra checks passed")


if __name__ == "__main__":
    main()

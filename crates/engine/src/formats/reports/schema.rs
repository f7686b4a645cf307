//! `schemas/compliance-*.schema.json`, derived from the types the reports
//! are built from ([`super::head`], [`super::doc`], [`super::metrics`]).
//! `cargo run -p kt-engine --bin report-schemas` rewrites them; a test fails
//! when the committed files differ from what the types give.
use super::common::{OversightMetrics, RetentionMetrics};
use super::doc::{AepdExtra, EnsExtra, NoExtra, NoMetrics, SectionDoc};
use super::head::{AepdHead, AesiaHead, EnsHead, Envelope};
use super::metrics::*;
use super::{Framework, SCHEMA_VERSION};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

/// The schema's file name under `schemas/`.
pub fn file_name(fw: Framework) -> String {
    format!("{}.schema.json", fw.format().as_str())
}

fn section<M: JsonSchema, X: JsonSchema>(g: &mut SchemaGenerator) -> Value {
    g.subschema_for::<SectionDoc<M, X>>().to_value()
}

/// Each section key of `fw` and the schema of its section.
fn sections(fw: Framework, g: &mut SchemaGenerator) -> Vec<(&'static str, Value)> {
    match fw {
        Framework::Aesia => {
            type X = NoExtra;
            vec![
                ("art12", section::<Art12Metrics, X>(g)),
                ("art26.6", section::<RetentionMetrics, X>(g)),
                ("art14_art26.2", section::<OversightMetrics, X>(g)),
                ("art26.1_26.5", section::<Art261Metrics, X>(g)),
                ("art72", section::<Art72Metrics, X>(g)),
                ("art73", section::<Art73Metrics, X>(g)),
                ("art50", section::<Art50Metrics, X>(g)),
                ("art4", section::<NoMetrics, X>(g)),
                ("art5", section::<NoMetrics, X>(g)),
                ("art26.7", section::<NoMetrics, X>(g)),
                ("art26.11", section::<NoMetrics, X>(g)),
                ("art27", section::<NoMetrics, X>(g)),
                ("art86", section::<NoMetrics, X>(g)),
            ]
        }
        Framework::Aepd => {
            type X = AepdExtra;
            vec![
                ("rgpd.5.1.c", section::<MinimisationMetrics, X>(g)),
                ("rgpd.5.2", section::<AccountabilityMetrics, X>(g)),
                ("rgpd.9", section::<SpecialMetrics, X>(g)),
                ("rgpd.22", section::<OversightMetrics, X>(g)),
                ("rgpd.25", section::<ByDesignMetrics, X>(g)),
                ("rgpd.28", section::<ProcessorsMetrics, X>(g)),
                ("rgpd.30", section::<RecordMetrics, X>(g)),
                ("rgpd.32", section::<SecurityMetrics, X>(g)),
                ("rgpd.33_34", section::<BreachesMetrics, X>(g)),
                ("rgpd.35", section::<DpiaMetrics, X>(g)),
                ("rgpd.44_49", section::<TransfersMetrics, X>(g)),
            ]
        }
        Framework::Ens => {
            type X = EnsExtra;
            vec![
                ("art24", section::<Art24Metrics, X>(g)),
                ("op.exp.8", section::<OpExp8Metrics, X>(g)),
                ("op.exp.8.r1", section::<OpExp8R1Metrics, X>(g)),
                ("op.exp.8.r2", section::<OpExp8R2Metrics, X>(g)),
                ("op.exp.8.r3", section::<OpExp8R3Metrics, X>(g)),
                ("op.exp.8.r4", section::<OpExp8R4Metrics, X>(g)),
                ("op.exp.7", section::<OpExp7Metrics, X>(g)),
                ("op.exp.9", section::<OpExp9Metrics, X>(g)),
                ("op.acc.1", section::<OpAcc1Metrics, X>(g)),
                ("op.acc.6", section::<NoMetrics, X>(g)),
                ("op.acc.4", section::<OpAcc4Metrics, X>(g)),
                ("op.mon.1", section::<OpMon1Metrics, X>(g)),
                ("op.mon.2", section::<OpMon2Metrics, X>(g)),
                ("op.mon.3", section::<OpMon3Metrics, X>(g)),
                ("op.ext.2", section::<ProvidersMetrics, X>(g)),
                ("op.nub.1", section::<ProvidersMetrics, X>(g)),
                ("mp.info.1", section::<MpInfo1Metrics, X>(g)),
            ]
        }
    }
}

fn envelope(fw: Framework, g: &mut SchemaGenerator) -> Value {
    match fw {
        Framework::Aesia => g.subschema_for::<Envelope<AesiaHead>>(),
        Framework::Aepd => g.subschema_for::<Envelope<AepdHead>>(),
        Framework::Ens => g.subschema_for::<Envelope<EnsHead>>(),
    }
    .to_value()
}

/// Every key is written (`null` when unknown) unless marked `x-optional`,
/// and objects with named keys take no other: so a schema requires every
/// property not marked, and closes every object that lists its properties.
fn close_objects(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(props)) = m.get_mut("properties") {
                let mut required = Vec::new();
                for (k, p) in props.iter_mut() {
                    let optional = p
                        .as_object_mut()
                        .and_then(|o| o.remove("x-optional"))
                        .is_some();
                    if !optional {
                        required.push(Value::String(k.clone()));
                    }
                }
                m.insert("required".into(), Value::Array(required));
                m.entry("additionalProperties")
                    .or_insert(Value::Bool(false));
            }
            for x in m.values_mut() {
                close_objects(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// The JSON Schema (draft 2020-12) of `fw`'s report.
pub fn schema(fw: Framework) -> Value {
    let mut g = SchemaSettings::draft2020_12().into_generator();
    let report = envelope(fw, &mut g);
    let sections = sections(fw, &mut g);
    let mut defs = g.take_definitions(true);
    let format = fw.format().as_str();
    // The envelope's constants: which report, which shape, which framework.
    if let Some(name) = report["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/$defs/"))
        && let Some(Value::Object(props)) = defs.get_mut(name).and_then(|d| d.get_mut("properties"))
    {
        props.insert("format".into(), json!({"const": format}));
        props.insert("schema_version".into(), json!({"const": SCHEMA_VERSION}));
    }
    let (title, framework_id) = match fw {
        Framework::Aesia => (
            "EU AI Act (Regulation (EU) 2024/1689) evidence report (AESIA supervision)",
            "EU-AI-ACT",
        ),
        Framework::Aepd => (
            "GDPR / LOPDGDD evidence report (AEPD supervision)",
            "GDPR-LOPDGDD",
        ),
        Framework::Ens => (
            "Esquema Nacional de Seguridad (RD 311/2022, Anexo II) evidence report",
            "ENS",
        ),
    };
    if let Some(Value::Object(props)) = defs
        .get_mut("FrameworkRef")
        .and_then(|d| d.get_mut("properties"))
    {
        props.insert("id".into(), json!({"const": framework_id}));
    }
    let keys: Vec<&str> = sections.iter().map(|(k, _)| *k).collect();
    let properties: Map<String, Value> = sections
        .into_iter()
        .map(|(k, s)| (k.to_string(), s))
        .collect();
    let mut doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("https://kt-exports.invalid/schemas/{}", file_name(fw)),
        "title": title,
        "description": "Evidence derived from a gateway event log; not a conformity assessment. Derived from the Rust types that build the report (crates/engine/src/formats/reports/schema.rs); see docs/compliance/.",
        "type": "object",
        "properties": {
            "report": report,
            "sections": {"type": "object", "properties": properties},
        },
        "$defs": defs,
    });
    close_objects(&mut doc);
    // `sections` must list exactly these keys (close_objects required them all).
    debug_assert_eq!(
        doc["properties"]["sections"]["required"]
            .as_array()
            .map(Vec::len),
        Some(keys.len())
    );
    doc
}

/// The bytes of `schema(fw)` as committed: pretty JSON, trailing newline.
pub fn schema_bytes(fw: Framework) -> Vec<u8> {
    super::to_bytes(&schema(fw))
}

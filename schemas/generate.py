# Regenerates the report schemas' per-section metric shapes from the reviewed
# expected reports (shared/tests/compliance/fixtures/expected). The envelope,
# section and evidence shapes are written here by hand. Run: python3 schemas/generate.py
import json, sys
import os
root=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
base=os.path.join(root, 'shared/tests/compliance/fixtures/expected/')
out=os.path.join(root, 'schemas/')
PS = "^ps_[0-9a-f]{16}$"
ID = {"type": "string", "minLength": 1}
def nn_int(): return {"type": "integer", "minimum": 0}
fw = {
 "compliance-aesia": ("EU-AI-ACT", "EU AI Act (Regulation (EU) 2024/1689) evidence report (AESIA supervision)"),
 "compliance-aepd": ("GDPR-LOPDGDD", "GDPR / LOPDGDD evidence report (AEPD supervision)"),
 "compliance-ens": ("ENS", "Esquema Nacional de Seguridad (RD 311/2022, Anexo II) evidence report"),
}
def common_defs(fmt):
    fid, _ = fw[fmt]
    return {
      "status": {"enum": ["evidenced", "partial", "not_evidenced", "out_of_scope_for_log"]},
      "ids": {"type": "array", "maxItems": 25, "uniqueItems": True, "items": ID},
      "evidence": {
        "type": "object",
        "required": ["event_ids", "escalation_ids", "incident_ids", "selection"],
        "additionalProperties": False,
        "properties": {
          "event_ids": {"$ref": "#/$defs/ids"},
          "escalation_ids": {"$ref": "#/$defs/ids"},
          "incident_ids": {"$ref": "#/$defs/ids"},
          "selection": {
            "type": "object",
            "required": ["method", "seed", "population", "n", "escalation_population", "incident_population", "rule"],
            "additionalProperties": False,
            "properties": {
              "method": {"enum": ["bottom_k_sha256", "none"]},
              "seed": {"type": "string"},
              "population": nn_int(), "n": {"type": "integer", "minimum": 0, "maximum": 25},
              "escalation_population": nn_int(), "incident_population": nn_int(),
              "rule": {"type": "string"}
            }
          }
        }
      },
      "section": {
        "type": "object",
        "required": ["title", "reference", "status", "metrics", "evidence", "gaps", "declarations", "applicability"] + (["legacy_ids"] if fmt=="compliance-ens" else []) + (["related_ens"] if fmt=="compliance-aepd" else []),
        "additionalProperties": False,
        "properties": dict({
          "title": {"type": "string", "minLength": 1},
          "reference": {"type": "string", "minLength": 1},
          "status": {"$ref": "#/$defs/status"},
          "metrics": {"type": "object"},
          "evidence": {"$ref": "#/$defs/evidence"},
          "gaps": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
          "declarations": {"type": "array", "items": {"type": "object", "required": ["profile_version", "field", "value"], "additionalProperties": False,
                           "properties": {"profile_version": {"type": "integer", "minimum": 1}, "field": {"type": "string", "minLength": 1}, "value": {}}}},
          "applicability": {"type": "object", "required": ["holders", "applies_from", "applies_during_period", "note"], "additionalProperties": False,
                            "properties": {"holders": {"type": "array", "minItems": 1, "items": {"enum": ["provider", "deployer", "controller", "processor", "responsible_entity"]}},
                                           "applies_from": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                                           "applies_during_period": {"enum": ["whole_period", "part_of_period", "not_yet"]},
                                           "note": {"type": "string"}}},
        }, **({"legacy_ids": {"type": "array", "items": {"type": "string", "pattern": "^(art[0-9]+|[a-z]{2,3}\\.[a-z]{3,4}\\.[0-9]+)$"}}} if fmt=="compliance-ens" else {}),
           **({"related_ens": {"type": "array", "items": {"type": "string"}}} if fmt=="compliance-aepd" else {}))
      },
      "count_or_null": {"type": ["integer", "null"], "minimum": 0},
      "generator": {"type": "object", "required": ["name", "version", "build_commit"], "additionalProperties": False,
                    "properties": {"name": {"const": "kt-exports"}, "version": {"type": "string"}, "build_commit": {"type": "string"}}},
      "quantiles": {"type": "object", "required": ["count", "p50", "p95", "method"], "additionalProperties": False,
                    "properties": {"count": nn_int(), "p50": {"$ref": "#/$defs/count_or_null"}, "p95": {"$ref": "#/$defs/count_or_null"},
                                   "method": {"enum": ["exact_nearest_rank", "log_bucket_sketch"]}, "relative_error_bound": {"type": "number"}},
                    "if": {"properties": {"method": {"const": "log_bucket_sketch"}}}, "then": {"required": ["relative_error_bound"]}},
      "distinct": {"type": "object", "required": ["count", "at_least"], "additionalProperties": False,
                   "properties": {"count": nn_int(), "at_least": {"type": "boolean"}}},
      "report": {
        "type": "object",
        "required": ["format", "schema_version", "framework", "report_id", "tenant_id", "period", "generated_at", "generator", "source", "scope_note", "profile", "provenance", "status_legend"]
                    + (["ens_category", "ens_dimensions"] if fmt=="compliance-ens" else []) + (["ens_cross_references"] if fmt=="compliance-aepd" else []),
        "additionalProperties": False,
        "properties": dict({
          "format": {"const": fmt},
          "schema_version": {"const": "2.0.0"},
          "framework": {"type": "object", "required": ["id", "citation", "mapping_version", "legal_basis_as_of"], "additionalProperties": False,
                        "properties": {"id": {"const": fid}, "citation": {"type": "string"}, "mapping_version": {"type": "string", "pattern": "^[0-9]{4}\\.[0-9]+$"},
                                       "legal_basis_as_of": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}}},
          "report_id": {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"},
          "tenant_id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,62}$"},
          "period": {"type": "object", "required": ["start", "end", "timezone"], "additionalProperties": False,
                     "properties": {"start": {"type": "string", "format": "date-time"}, "end": {"type": "string", "format": "date-time"}, "timezone": {"type": "string", "minLength": 1}}},
          "generated_at": {"type": "string", "format": "date-time"},
          "generator": {"$ref": "#/$defs/generator"},
          "profile": {"type": "object", "required": ["status", "version", "updated_at"], "additionalProperties": False,
                      "properties": {"status": {"enum": ["declared", "not_declared"]}, "version": {"type": ["integer", "null"], "minimum": 1},
                                     "updated_at": {"type": ["string", "null"], "format": "date-time"}}},
          "status_legend": {"type": "object", "required": ["evidenced", "partial", "not_evidenced", "out_of_scope_for_log"], "additionalProperties": False,
                            "properties": {k: {"type": "string"} for k in ["evidenced", "partial", "not_evidenced", "out_of_scope_for_log"]}},
          "provenance": {"type": "object", "required": ["job", "reading", "generator", "versions", "pseudonymisation", "sampling"], "additionalProperties": False,
                         "properties": {
                           "job": {"type": "object", "required": ["id", "label"], "additionalProperties": False,
                                   "properties": {"id": {"type": ["string", "null"]}, "label": {"type": ["string", "null"]}}},
                           "reading": {"type": "object", "required": ["objects_listed", "bytes_listed", "listing_digest", "listing_cutoff", "listing_cutoff_rule", "objects_read", "objects_skipped", "bytes_read", "lines_read", "rejected_lines", "rejected_samples", "rejected_samples_rule", "duplicates_removed", "events_exported"],
                                       "additionalProperties": False,
                                       "properties": dict({k: nn_int() for k in ["objects_listed", "bytes_listed", "objects_read", "objects_skipped", "bytes_read", "lines_read", "rejected_lines", "duplicates_removed", "events_exported"]},
                                                          listing_digest={"type": "string"}, listing_cutoff={"type": ["string", "null"], "format": "date-time"},
                                                          listing_cutoff_rule={"type": "string"}, rejected_samples_rule={"type": "string"},
                                                          rejected_samples={"type": "array", "maxItems": 20, "items": {"type": "object", "required": ["object", "line", "reason"], "additionalProperties": False,
                                                                            "properties": {"object": {"type": "string"}, "line": nn_int(), "reason": {"type": "string"}}}})},
                           "generator": {"$ref": "#/$defs/generator"},
                           "versions": {"type": "object", "required": ["schema_version", "mapping_version", "report_id_rule"], "additionalProperties": False,
                                        "properties": {"schema_version": {"type": "string"}, "mapping_version": {"type": "string"}, "report_id_rule": {"type": "string"}}},
                           "pseudonymisation": {"type": "object", "required": ["method", "key_id"], "additionalProperties": False,
                                                "properties": {"method": {"type": "string"}, "key_id": {"type": "string", "pattern": "^pk_[0-9a-f]{16}$"}}},
                           "sampling": {"type": "object", "required": ["method", "seed", "cap", "recompute"], "additionalProperties": False,
                                        "properties": {"method": {"const": "bottom_k_sha256"}, "seed": {"type": "string"}, "cap": nn_int(), "recompute": {"type": "string"}}}}},
          "source": {"type": "object",
                     "required": ["event_count", "first_event_id", "last_event_id", "events_digest", "events_digest_rule", "config_versions", "config_versions_truncated", "rejected_lines", "duplicates_removed"],
                     "additionalProperties": False,
                     "properties": {"event_count": nn_int(), "first_event_id": {"type": ["string", "null"]}, "last_event_id": {"type": ["string", "null"]},
                                    "events_digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"}, "events_digest_rule": {"type": "string"},
                                    "config_versions": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                                    "config_versions_truncated": {"type": "boolean"},
                                    "rejected_lines": nn_int(), "duplicates_removed": nn_int()}},
          "scope_note": {"type": "string", "minLength": 1},
        }, **({"ens_category": {"enum": ["BASICA", "MEDIA", "ALTA", "not_declared"]},
               "ens_dimensions": {"anyOf": [{"const": "not_declared"}, {"type": "object", "additionalProperties": False,
                                  "properties": {d: {"enum": ["BAJO", "MEDIO", "ALTO"]} for d in "CITAD"}}]}} if fmt=="compliance-ens" else {}),
           **({"ens_cross_references": {"type": "object", "required": ["basis", "report_format", "sections"], "additionalProperties": False,
                 "properties": {"basis": {"type": "string"}, "report_format": {"const": "compliance-ens"},
                                "sections": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}} if fmt=="compliance-aepd" else {}))
      }
    }

# Metric keys that hold quantile summaries or distinct counts get a stricter shape.
def metric_schema(key, value):
    if isinstance(value, dict) and {"count", "p50", "p95", "method"} <= set(value):
        return {"$ref": "#/$defs/quantiles"}
    if isinstance(value, dict) and set(value) == {"count", "at_least"}:
        return {"$ref": "#/$defs/distinct"}
    if key in ("admin_actions_by_actor", "log_exports_by_actor"):
        return {"type": "object", "propertyNames": {"pattern": "^(ps_[0-9a-f]{16}|\\(none\\)|\\(other\\))$"}, "additionalProperties": {"type": "integer", "minimum": 0}}
    if key == "denials_by_actor_top":
        return {"type": "array", "maxItems": 25, "items": {"type": "object", "required": ["actor", "count"], "additionalProperties": False,
                "properties": {"actor": {"type": "string", "pattern": PS}, "count": {"type": "integer", "minimum": 1}}}}
    if key == "register":
        return {"type": "array", "items": {"type": "object", "required": ["kind", "id", "event_ids"],
                "properties": {"kind": {"enum": ["escalation", "incident"]}, "id": ID,
                               "reviewer": {"anyOf": [{"type": "string", "pattern": PS}, {"type": "null"}]},
                               "event_ids": {"type": "array", "maxItems": 4, "items": ID}}}}
    if key == "listed":
        return {"type": "array", "maxItems": 25, "items": {"type": "object"}}
    if key in ("events_digest",):
        return {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"}
    if isinstance(value, bool): return {"type": "boolean"}
    if isinstance(value, int): return {"type": ["integer", "null"], "minimum": 0} if key.endswith("_hours") or key.endswith("_days") else {"type": "integer", "minimum": 0}
    if isinstance(value, float) or value is None: return {"type": ["number", "null"]}
    if isinstance(value, str): return {"type": ["string", "null"]} if key.endswith("_at") else {"type": "string"}
    if isinstance(value, list): return {"type": "array"}
    return {"type": "object"}

for fmt, (fid, title) in fw.items():
    doc = json.load(open(base + fmt + ".json"))
    sections = {}
    for key, sec in doc["sections"].items():
        m = sec["metrics"]
        sections[key] = {
          "allOf": [{"$ref": "#/$defs/section"}],
          "properties": {"metrics": {"type": "object", "required": sorted(m), "properties": {k: metric_schema(k, v) for k, v in sorted(m.items())}}}
        }
    schema = {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": f"https://kt-exports.invalid/schemas/{fmt}.schema.json",
      "title": title,
      "description": "Evidence derived from a gateway event log; not a conformity assessment. See docs/compliance/.",
      "type": "object",
      "required": ["report", "sections"],
      "additionalProperties": False,
      "properties": {
        "report": {"$ref": "#/$defs/report"},
        "sections": {"type": "object", "required": sorted(sections), "additionalProperties": False, "properties": sections}
      },
      "$defs": common_defs(fmt)
    }
    with open(out + fmt + ".schema.json", "w") as f:
        json.dump(schema, f, indent=2, sort_keys=False, ensure_ascii=False); f.write("\n")
    print(fmt, len(sections))

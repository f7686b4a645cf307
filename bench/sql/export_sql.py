#!/usr/bin/env python3
"""The csv export as one SQL statement in chDB (ClickHouse) or DuckDB.

Same input and work as `kt-bench run --format csv`: every gzip object of the
tenant's May 2026 partitions, events of the tenant inside the window, one row
per event_id (the earliest), ordered by (ts, event_id), the engine's 23
columns, lists joined with `;`. Not byte-identical to the engine's csv (no
formula guard, each engine's own quoting): the same work, for timing.

Usage: export_sql.py chdb|duckdb LAKE_DIR OUT.csv [--tenant acme]
Prints one line: engine, rows, wall seconds (the export statement, with the
engine's import), peak RSS MiB.
"""
import argparse
import resource
import time

COLUMNS = """event_id, ts, tenant_id, event_type, request_id, escalation_id, config_version,
  actor.user_id AS actor_user_id, actor.app AS actor_app, actor.ip AS actor_ip,
  model.provider AS model_provider, model.name AS model_name, model.region AS model_region,
  decision, {join_policy} AS policy_ids, risk_level, {join_categories} AS data_categories,
  latency_ms, tokens.input AS tokens_input, tokens.output AS tokens_output,
  outcome, reviewer, incident_id"""


def duckdb_export(lake, out, tenant):
    import duckdb

    started = time.monotonic()
    glob = f"{lake}/events/tenant={tenant}/dt=2026-05-*/hour=*/*.ndjson.gz"
    types = {
        "event_id": "VARCHAR", "ts": "VARCHAR", "tenant_id": "VARCHAR", "event_type": "VARCHAR",
        "request_id": "VARCHAR", "escalation_id": "VARCHAR", "config_version": "VARCHAR",
        "actor": "STRUCT(user_id VARCHAR, app VARCHAR, ip VARCHAR)",
        "model": "STRUCT(provider VARCHAR, name VARCHAR, region VARCHAR)",
        "decision": "VARCHAR", "policy_ids": "VARCHAR[]", "risk_level": "VARCHAR",
        "data_categories": "VARCHAR[]", "latency_ms": "BIGINT",
        "tokens": "STRUCT(input BIGINT, output BIGINT)", "outcome": "VARCHAR",
        "reviewer": "VARCHAR", "incident_id": "VARCHAR",
    }
    cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in types.items()) + "}"
    select = COLUMNS.format(join_policy="array_to_string(policy_ids, ';')",
                            join_categories="array_to_string(data_categories, ';')")
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(f"""
        COPY (
          SELECT {select}
          FROM read_ndjson('{glob}', columns = {cols}, ignore_errors = true, format = 'newline_delimited')
          WHERE tenant_id = '{tenant}' AND ts >= '2026-05-01' AND ts < '2026-06-01'
          QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ts) = 1
          ORDER BY ts, event_id
        ) TO '{out}' (HEADER, DELIMITER ',')""")
    wall = time.monotonic() - started
    return wall, con.execute(f"SELECT count(*) FROM read_csv('{out}')").fetchone()[0]


def chdb_export(lake, out, tenant):
    import chdb

    started = time.monotonic()
    glob = f"{lake}/events/tenant={tenant}/dt=2026-05-*/hour=*/*.ndjson.gz"
    structure = ("event_id String, ts String, tenant_id String, event_type String, "
                 "request_id Nullable(String), escalation_id Nullable(String), config_version Nullable(String), "
                 "actor Tuple(user_id Nullable(String), app Nullable(String), ip Nullable(String)), "
                 "model Tuple(provider Nullable(String), name Nullable(String), region Nullable(String)), "
                 "decision Nullable(String), policy_ids Array(String), risk_level Nullable(String), "
                 "data_categories Array(String), latency_ms Nullable(Int64), "
                 "tokens Tuple(input Nullable(Int64), output Nullable(Int64)), outcome Nullable(String), "
                 "reviewer Nullable(String), incident_id Nullable(String)")
    select = COLUMNS.format(join_policy="arrayStringConcat(policy_ids, ';')",
                            join_categories="arrayStringConcat(data_categories, ';')")
    select = (select.replace("actor.", "tupleElement(actor, '").replace("model.", "tupleElement(model, '")
              .replace("tokens.", "tupleElement(tokens, '"))
    for field in ("user_id", "app", "ip", "provider", "name", "region", "input", "output"):
        select = select.replace(f"'{field} AS", f"'{field}') AS")
    query = f"""
        SELECT {select}
        FROM file('{glob}', 'JSONEachRow', '{structure}')
        WHERE tenant_id = '{tenant}' AND ts >= '2026-05-01' AND ts < '2026-06-01'
        ORDER BY ts, event_id
        LIMIT 1 BY event_id
        INTO OUTFILE '{out}' TRUNCATE FORMAT CSVWithNames
        SETTINGS input_format_allow_errors_num = 1000000, input_format_allow_errors_ratio = 1, max_threads = 2"""
    chdb.query(query)
    wall = time.monotonic() - started
    return wall, int(str(chdb.query(f"SELECT count() FROM file('{out}', 'CSVWithNames')", "CSV")).strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("engine", choices=["chdb", "duckdb"])
    ap.add_argument("lake")
    ap.add_argument("out")
    ap.add_argument("--tenant", default="acme")
    args = ap.parse_args()
    run = duckdb_export if args.engine == "duckdb" else chdb_export
    wall, rows = run(args.lake, args.out, args.tenant)  # wall: the export alone
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"engine={args.engine} rows={rows} wall_s={wall:.3f} peak_rss_mib={rss:.1f}")


if __name__ == "__main__":
    main()

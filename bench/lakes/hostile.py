#!/usr/bin/env python3
"""Writes a small lake whose strings are hostile to csv, json and spreadsheets.

Every text and list field gets values with quotes, separators (`,` and `;`),
CR/LF, tabs, formula prefixes (`=`, `+`, `-`, `@`), JSON escapes, control
characters, non-ASCII and very long values; plus duplicates, malformed lines,
unknown fields and a multi-member gzip object. Deterministic (seeded), so an
export of it is a reference: byte-identical output across engine changes.

Usage: bench/lakes/hostile.py DIR [--tenant acme] [--events 20000]
"""
import argparse
import gzip
import json
import pathlib
import random

HOSTILE = [
    'plain', 'a,b', 'a;b', 'semi;=HYPERLINK("http://x","y")', '=1+1', '+SUM(A1)', '-2+3', '@cmd',
    '"quoted"', 'say "hi", then; go', 'line\nbreak', 'cr\rreturn', 'crlf\r\nend', 'tab\there',
    'back\\slash', 'nul\u0000byte', 'bell\u0007', 'ñandú ünïcödé', 'emoji 😀 🇪🇸', 'rtl \u202eevil',
    'zero\u200bwidth', '', ' leading space', 'trailing space ', '\u2028sep', 'x' * 5000,
    '<script>alert(1)</script>', "'single'", '=HYPERLINK("http://evil","click")',
]
TYPES = ["gateway.request", "policy.decision", "escalation.opened", "escalation.resolved",
         "config.published", "incident.reported", "admin.action", "custom.type;=x"]


def pick(rng):
    return rng.choice(HOSTILE)


def event(rng, tenant, ts, n):
    e = {
        "event_id": f"evt_{n:08d}" if rng.random() > 0.02 else f"evt_{n:08d},{pick(rng)}",
        "ts": ts,
        "tenant_id": tenant,
        "event_type": rng.choice(TYPES),
        "request_id": pick(rng),
        "escalation_id": pick(rng) if rng.random() < 0.3 else None,
        "config_version": pick(rng),
        "actor": {"user_id": pick(rng), "app": pick(rng), "ip": pick(rng)},
        "model": {"provider": pick(rng), "name": pick(rng), "region": pick(rng)},
        "decision": rng.choice(["allow", "redact", "block", "escalate", pick(rng)]),
        "policy_ids": [pick(rng) for _ in range(rng.randint(0, 4))],
        "risk_level": rng.choice(["low", "medium", "high", "critical", pick(rng)]),
        "data_categories": [pick(rng) for _ in range(rng.randint(0, 4))],
        "latency_ms": rng.randint(0, 5000),
        "tokens": {"input": rng.randint(0, 9999), "output": rng.randint(0, 9999)},
        "outcome": pick(rng),
        "reviewer": pick(rng) if rng.random() < 0.2 else None,
        "incident_id": pick(rng) if rng.random() < 0.05 else None,
        "unknown_field": {"nested": [pick(rng), {"deep": pick(rng)}]},
    }
    for key in list(e):
        if key not in ("event_id", "ts", "tenant_id", "event_type") and rng.random() < 0.1:
            del e[key]
    return json.dumps(e, ensure_ascii=rng.random() < 0.5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--tenant", default="acme")
    ap.add_argument("--events", type=int, default=20000)
    args = ap.parse_args()
    rng = random.Random(7)
    root = pathlib.Path(args.dir)
    per_hour = max(1, args.events // 48)
    n = 0
    for day in (1, 2):
        for hour in range(24):
            lines = []
            for _ in range(per_hour):
                n += 1
                ts = f"2026-05-{day:02d}T{hour:02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z"
                lines.append(event(rng, args.tenant, ts, n))
                if rng.random() < 0.01:
                    lines.append(lines[-1])  # a duplicate
                if rng.random() < 0.005:
                    lines.append('{"event_id": "broken", ' + pick(rng))  # malformed
            rng.shuffle(lines)
            part = root / f"events/tenant={args.tenant}/dt=2026-05-{day:02d}/hour={hour:02d}"
            part.mkdir(parents=True, exist_ok=True)
            half = len(lines) // 2
            body1 = ("\n".join(lines[:half]) + "\n").encode()
            body2 = ("\n".join(lines[half:])).encode()  # no trailing newline
            # one object of two gzip members, one plain object
            (part / "a.ndjson.gz").write_bytes(gzip.compress(body1, mtime=0) + gzip.compress(body2[: len(body2) // 2 + 1], mtime=0))
            rest = body2[len(body2) // 2 + 1:]
            (part / "b.ndjson").write_bytes(rest)
            (part / "notes.txt").write_text("ignored and counted as skipped\n")
    print(f"wrote {n} events under {root}")


if __name__ == "__main__":
    main()

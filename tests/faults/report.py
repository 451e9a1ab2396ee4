#!/usr/bin/env python3
"""Merge the parts of `make faults` into one report.

Each part writes BUILD/faults/<part>.json (one flat JSON object of its own
fields); this merges them into BUILD/faults.json and prints the table.
A field no part produced is shown as "-" and left out of the file.
Exits 1 if a field that must be 0 is not, or a part's file is not JSON.
    tests/faults/report.py [BUILD]
"""
import glob, json, os, sys

# the report's fields in order; True: must be 0
FIELDS = [
    ("faults_injected", False), ("calls_affected", False),
    ("records_lost", True), ("duplicates", True), ("max_restart_ms", False),
    ("fuzz_targets", False), ("fuzz_execs", False), ("fuzz_crashes", True),
    ("soak_calls", False), ("soak_rss_growth_pct", False),
]

build = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BUILD", "build")
merged, bad = {}, []
for fn in sorted(glob.glob(os.path.join(build, "faults", "*.json"))):
    try:
        with open(fn) as f:
            part = json.load(f)
        if not isinstance(part, dict):
            raise ValueError("not an object")
    except (OSError, ValueError) as e:
        bad.append("%s: %s" % (fn, e))
        continue
    merged.update(part)
with open(os.path.join(build, "faults.json"), "w") as f:
    json.dump(merged, f, indent=1, sort_keys=True)
    f.write("\n")

width = max(len(k) for k in [f for f, _ in FIELDS] + list(merged))
print("%-*s  %s" % (width, "field", "value"))
for k, zero in FIELDS:
    v = merged.get(k, "-")
    flag = ""
    if zero and k in merged and v != 0:
        flag = "  FAIL (must be 0)"
        bad.append("%s = %s" % (k, v))
    print("%-*s  %s%s" % (width, k, v, flag))
for k in sorted(set(merged) - {k for k, _ in FIELDS}):
    print("%-*s  %s" % (width, k, merged[k]))
print("faults report: %s" % os.path.join(build, "faults.json"))
for b in bad:
    print("faults report FAIL: " + b)
sys.exit(1 if bad else 0)

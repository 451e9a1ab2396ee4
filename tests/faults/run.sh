#!/usr/bin/env bash
# make faults: every fault part in turn, then one report.  Each part
# writes its fields to $BUILD/faults/<part>.json; tests/faults/report.py
# merges them into $BUILD/faults.json and prints the table.  A part that
# fails still lets the others run; the exit status is nonzero if any part
# or the report failed.
#   FUZZ_SECONDS  seconds per fuzz target (default 60)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export BUILD=${BUILD:-build}
rm -rf "$BUILD/faults"
mkdir -p "$BUILD/faults"
rc=0
tests/faults/reconnect.sh || rc=1
tests/faults/supervisor.sh || rc=1
tests/fuzz/run.sh "${FUZZ_SECONDS:-60}" || rc=1
tests/faults/report.py "$BUILD" || rc=1
exit $rc

#!/usr/bin/env bash
# make faults: every fault part in turn, then one report.  Each part
# writes its fields to $BUILD/faults/<part>.json; tests/faults/report.py
# merges them into $BUILD/faults.json and prints the table.  A part that
# fails still lets the others run; the exit status is nonzero if any part
# or the report failed.
#   tests/faults/run.sh           everything: reconnect, kill -9 and SIGTERM
#                                 of each daemon mid-call, the Redis and
#                                 PostgreSQL outages (a message and a
#                                 booking spooled), vendors failing mid-
#                                 call (LLM, TTS, STT, calendar, vPIC), the soak (SOAK_CALLS,
#                                 1000, SOAK_PARALLEL at a time), valgrind
#                                 memcheck on 3 calls, the fuzz targets
#                                 (FUZZ_SECONDS, 60)
#   tests/faults/run.sh --short   the CI version (make test, ~3 min): kill -9
#                                 of the agent mid-call, the PostgreSQL
#                                 outage with a crm-tools crash while
#                                 spooled, a SOAK_CALLS (2) soak, on
#                                 one stack; no fuzzing (make test has its
#                                 own fuzz smoke)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export BUILD=${BUILD:-build}
rm -rf "$BUILD/faults"
mkdir -p "$BUILD/faults"
rc=0
if [ "${1:-}" = --short ]; then
	. tests/faults/lib.sh
	stack_up || exit 1
	export FAULTS_RUNNING=1
	tests/faults/kill_midcall.sh agent || rc=1
	tests/faults/outage.sh pg || rc=1
	# the soak's growth bound needs hundreds of calls to mean anything:
	# the short run checks that calls keep passing and no daemon restarts
	SOAK_MAX_GROWTH_PCT=${SOAK_MAX_GROWTH_PCT:-100} tests/faults/soak.sh "${SOAK_CALLS:-2}" || rc=1
else
	tests/faults/reconnect.sh || rc=1
	tests/faults/supervisor.sh || rc=1
	tests/faults/kill_midcall.sh || rc=1
	tests/faults/sigterm.sh || rc=1
	tests/faults/outage.sh || rc=1
	tests/faults/vendors.sh || rc=1
	tests/faults/soak.sh "${SOAK_CALLS:-1000}" || rc=1
	tests/faults/valgrind.sh || rc=1
	tests/fuzz/run.sh "${FUZZ_SECONDS:-60}" || rc=1
fi
tests/faults/report.py "$BUILD" || rc=1
exit $rc

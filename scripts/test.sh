#!/usr/bin/env bash
# make test: unit tests beside the code, then end-to-end tests that start
# the real stack (PostgreSQL, Redis and the six daemons) and call it with
# callsim over Twilio's protocol.  Ends with "N passed, N failed".
# First, the local brain's includes must point down (check-layers.sh) and
# every C file must be as clang-format writes it (format-check.sh).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
cd "$top"
lp=0; lf=0
# how long each part took, on stderr and in $BUILD/test-times.txt, so the
# CI budget can be watched part by part
t_last=$(date +%s); : >"$BUILD/test-times.txt"
took() { local now; now=$(date +%s); echo "test: $1 took $((now - t_last)) s" | tee -a "$BUILD/test-times.txt" >&2; t_last=$now; }
if scripts/check-layers.sh; then lp=1; else lf=1; fi
if scripts/format-check.sh; then lp=$((lp + 1)); else lf=$((lf + 1)); fi
scripts/run-unit.sh "$BUILD" "$@" | tee "$BUILD/unit.log"
urc=${PIPESTATUS[0]}
up=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$BUILD/unit.log")
uf=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$BUILD/unit.log")
took unit
tests/e2e/run.sh | tee "$BUILD/e2e.log"
erc=${PIPESTATUS[0]}
ep=$(sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$BUILD/e2e.log")
ef=$(sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$BUILD/e2e.log")
[ $erc -ne 0 ] && [ "${ef:-0}" = 0 ] && ef=1
took e2e
# the benchmarks are too slow and noisy for a test, but a reduced run keeps
# them working: it must produce every headline metric as a number
bp=0; bf=0
if BENCH_SMOKE=1 scripts/bench.sh >"$BUILD/bench-smoke.log" 2>&1 &&
   python3 - "$BUILD/bench.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = ["v2v_ms_p50", "v2v_ms_p95", "cutoff_pct", "first_word_ms_p50", "hop_us_p50", "hop_us_p99",
        "wer_pct", "task_completion_pct", "rss_mb_per_call", "media_streams_max",
        "outbound_calls_per_min", "outbound_claim_to_dial_ms_p50", "outbound_duplicate_calls",
        "population_calls", "population_task_completion_pct", "population_lost_items",
        "population_unconfirmed_actions",
        "realtime_overhead_ms_p50", "realtime_overhead_ms_p95", "recording_kb_per_min"]
# -1 means "not measured"; a per-call memory delta slightly below zero is
# measurement noise (RSS of the whole stack moves by a few hundred kB)
floor = {"rss_mb_per_call": -0.5,
         # the gateway alone carried the smoke's first step of streams,
         # and the recording bench wrote its files
         "media_streams_max": 1, "recording_kb_per_min": 1}
bad = [k for k in want
       if not isinstance(d.get(k), (int, float)) or d[k] < floor.get(k, 0)]
# an idempotency key placed twice is a bug, not a slow run
# a booking or transfer the caller did not agree to is a bug, not a miss
if d.get("population_unconfirmed_actions", 0) != 0:
    bad.append("population_unconfirmed_actions = %s (must be 0)" % d["population_unconfirmed_actions"])
if d.get("outbound_duplicate_calls", 0) != 0:
    bad.append("outbound_duplicate_calls = %s (must be 0)" % d["outbound_duplicate_calls"])
if bad:
    print("bench smoke: missing or invalid:", ", ".join(bad))
    sys.exit(1)
PY
then
	bp=1; echo "bench smoke ok   build/bench.json has every headline metric"
else
	bf=1; echo "bench smoke FAIL (see $BUILD/bench-smoke.log)"; tail -20 "$BUILD/bench-smoke.log"
fi
took "bench smoke"
# every fuzz target briefly from its seed corpus (make faults runs them
# longer): passes iff none crashes
zp=0; zf=0
if tests/fuzz/run.sh "${FUZZ_SECONDS:-6}" >"$BUILD/fuzz-smoke.log" 2>&1; then
	zp=1; echo "fuzz smoke ok    $(tail -1 "$BUILD/fuzz-smoke.log")"
else
	zf=1; echo "fuzz smoke FAIL (see $BUILD/fuzz-smoke.log)"; tail -20 "$BUILD/fuzz-smoke.log"
fi
took "fuzz smoke"
# the fault suite's short version (make faults runs it all): kills
# mid-call, a PostgreSQL outage, a short soak; passes iff every part does
# and its report has nothing lost or duplicated
fp=0; ff=0
if tests/faults/run.sh --short >"$BUILD/faults-smoke.log" 2>&1; then
	fp=1; echo "faults smoke ok  $(grep -c ' ok ' "$BUILD/faults-smoke.log") checks, $BUILD/faults.json"
else
	ff=1; echo "faults smoke FAIL (see $BUILD/faults-smoke.log)"; tail -20 "$BUILD/faults-smoke.log"
fi
took "faults smoke"
# the parsing unit tests and the gateway they start, under ASan+UBSan
# (make san; a full SAN=1 build and run is by hand, see README)
sp=0; sf=0
if make --no-print-directory -j2 san >"$BUILD/san.log" 2>&1; then
	sp=1; echo "san ok           $(grep '^unit:' "$BUILD/san.log" | tail -1)"
else
	sf=1; echo "san FAIL (see $BUILD/san.log)"; tail -20 "$BUILD/san.log"
fi
took san
p=$(( lp + ${up:-0} + ${ep:-0} + bp + zp + fp + sp )); f=$(( lf + ${uf:-0} + ${ef:-0} + bf + zf + ff + sf ))
[ $urc -ne 0 ] && [ $f = 0 ] && f=1
echo "$p passed, $f failed"
[ $f -eq 0 ]

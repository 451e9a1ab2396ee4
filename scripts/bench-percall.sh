#!/usr/bin/env bash
# bench-percall.sh OUTDIR SMOKE - what one call costs each daemon, the
# basis of the scaling model in deploy/README.md; called by
# scripts/bench.sh, writes OUTDIR/percall.json:
#   percall_<daemon>_cpu_ms_per_call_s   CPU (user + system) the daemon
#       spent per second of call, over N simultaneous callsim --load calls
#       with the local engines (pocketsphinx, flite, the local brain)
#   percall_<daemon>_calls_per_core      1000 / the above: the calls one
#       core holds for that daemon alone
#   percall_local_calls_per_2core        2000 / the sum over every daemon
#       (and callsim's caller side not counted): one 2-core box, local
#       engines
#   percall_vendor_calls_per_2core       the same without stt-worker's and
#       tts-worker's engine work: their cost taken as the gateway's per
#       frame (a vendor stream forwards the call's audio as the gateway
#       does), the upper bound with Deepgram/OpenAI doing the speech
#   percall_loadavg                      the machine's load average during
#       the run (the numbers are only as good as the CPU left over)
# SMOKE=1: 2 calls for 10 s; otherwise PERCALL_CALLS (6) for
# PERCALL_SECONDS (40).
set -u
out=${1:?usage: bench-percall.sh OUTDIR SMOKE}
smoke=${2:-0}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
PROFILE=${PERCALL_PROFILE:-percall} . scripts/stack-env.sh
W=$top/$BUILD/bench/percall
mkdir -p "$W" "$out"
n=${PERCALL_CALLS:-6}; secs=${PERCALL_SECONDS:-40}
[ "$smoke" = 1 ] && { n=2; secs=10; }
say() { echo "bench-percall: $*" >&2; }
stop() { deploy/frontdeskctl stop >/dev/null 2>&1; deploy/datastore.sh stop >/dev/null 2>&1; }
trap stop EXIT
stop
deploy/datastore.sh reset >"$W/reset.log" 2>&1 &&
    deploy/frontdeskctl start >"$W/start.log" 2>&1 && wait_healthy ||
    { say "stack did not start (see $W/start.log)"; exit 1; }
DAEMONS="gateway stt-worker agent tts-worker crm-tools"
ticks() { awk '{print $14 + $15}' /proc/"$1"/stat 2>/dev/null || echo 0; }
declare -A pid t0
for d in $DAEMONS; do
	pid[$d]=$(cat "$FRONTDESK_VAR/sv/$d.pid" 2>/dev/null)
	t0[$d]=$(ticks "${pid[$d]}")
done
la=$(cut -d' ' -f1 /proc/loadavg)
say "$n calls for $secs s, load $la"
$CALLSIM --load "$n" --duration "$secs" --ramp 2 --report "$W/load.json" >"$W/load.log" 2>&1
python3 - "$W" "$out/percall.json" "$n" "$secs" "$(getconf CLK_TCK)" "$la" $(for d in $DAEMONS; do echo "$d=$(( $(ticks "${pid[$d]}") - ${t0[$d]} ))"; done) <<'EOF'
import json, sys
w, out, n, secs, tck, la = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
used = dict(a.split("=") for a in sys.argv[7:])
call_s = n * secs
res = {"percall_calls": n, "percall_seconds": secs, "percall_loadavg": la}
total = 0.0
ms = {}
for d, t in used.items():
    v = 1000.0 * int(t) / tck / call_s
    ms[d] = v
    key = d.replace("-", "_")
    res[f"percall_{key}_cpu_ms_per_call_s"] = round(v, 2)
    if v > 0:
        res[f"percall_{key}_calls_per_core"] = round(1000.0 / v, 1)
    total += v
if total > 0:
    res["percall_local_calls_per_2core"] = round(2000.0 / total, 1)
    vendor = total - ms.get("stt-worker", 0) - ms.get("tts-worker", 0) + 2 * ms.get("gateway", 0)
    if vendor > 0:
        res["percall_vendor_calls_per_2core"] = round(2000.0 / vendor, 1)
json.dump(res, open(out, "w"), indent=1)
print(json.dumps(res, indent=1))
EOF

#!/usr/bin/env bash
# bench-recording.sh OUTDIR SMOKE - what recording calls costs the gateway,
# called by scripts/bench.sh; writes OUTDIR/recording.json:
#   recording_cpu_overhead_pct  the recorder's CPU per minute of call
#                               (rec-bench: gateway/recording.c fed as the
#                               gateway feeds it, its writer's disk writes
#                               included) over the gateway's CPU per
#                               minute of call without recording
#   recording_kb_per_min        disk per minute of call (stereo + mixed),
#                               from the files the gateway wrote
#   recording_ab_overhead_pct   the same overhead measured directly: the
#                               gateway's CPU per call with recording on
#                               over off (median of the rounds' ratios)
# A gateway-only stack carries N bare Media Streams (callsim --streams:
# caller audio in, our audio out, as in a call) for D seconds, with
# recording.enabled false and true in turn (the order alternating), ROUNDS
# times; the gateway's CPU time over the middle of each run is divided by
# N.  On a shared machine the direct A/B moves by more than the recorder
# costs (other processes change how many frames the gateway handles per
# wake), which is why the headline weighs the recorder measured alone.
# SMOKE=1: 40 streams for 5 s, one round; rec-bench 20 calls of 30 s.
set -u
out=${1:?usage: bench-recording.sh OUTDIR SMOKE}
smoke=${2:-0}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export TWILIO_AUTH_TOKEN=bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
PROFILE=${BENCH_PROFILE:-bench} . scripts/stack-env.sh
W=$top/$BUILD/bench/recording
rm -rf "${W:?}"; mkdir -p "$W" "$out"
export FRONTDESK_RECORDING_DIR=$W/recordings
CS="$FRONTDESK_BIN/callsim --gateway $GW --public-url $PUBLIC"
say() { echo "bench-recording: $*" >&2; }
gw_stop() { FRONTDESK_ONLY=gateway FRONTDESK_NO_DATASTORE=1 deploy/frontdeskctl stop >/dev/null 2>&1; }
trap gw_stop EXIT
# the process's CPU time in ns (all its threads), finer than /proc/PID/stat ticks
cpu_ns() { awk '{print $1}' /proc/"$1"/schedstat 2>/dev/null || echo 0; }
if [ "$smoke" = 1 ]; then n=40; dur=5; rounds=1; rb="-n 20 -d 30"
else n=150; dur=20; rounds=3; rb="-n 50 -d 60"; fi
"$FRONTDESK_BIN/rec-bench" $rb -o "$W/rec-bench" >"$W/rec-bench.json" 2>"$W/rec-bench.log" || say "rec-bench failed (see $W/rec-bench.log)"
sed -i 's/max_calls = [0-9]*/max_calls = 5000/' "$FRONTDESK_CONFIG"
# the gateway runs alone: no voicemail box for a stack that cannot answer
sed -i 's|^gateway: {|gateway: {\n  voicemail_when_degraded = false;|' "$FRONTDESK_CONFIG"

# run ON|OFF: one gateway run; prints the gateway's CPU ms per stream
run() {
	local on=$1 gw a b
	sed -i "/^recording: {/,/^};/s/enabled = [a-z]*/enabled = $on/" "$FRONTDESK_CONFIG"
	gw_stop
	FRONTDESK_READY_TIMEOUT_S=1 FRONTDESK_ONLY=gateway FRONTDESK_NO_DATASTORE=1 deploy/frontdeskctl start >>"$W/start.log" 2>&1 && wait_healthy || { say "gateway did not start"; return 1; }
	gw=$(cat "$FRONTDESK_VAR/sv/gateway.pid")
	$CS --streams "$n" --duration "$dur" --ramp 1 --report "$W/streams-$on-$r.json" >"$W/streams-$on-$r.log" 2>&1 &
	sp=$!
	sleep 2
	a=$(cpu_ns "$gw")
	sleep $((dur - 2))
	b=$(cpu_ns "$gw")
	wait $sp
	# the streams' ends: the last recordings written and renamed
	sleep 1
	gw_stop
	python3 -c "print(round(($b - $a) / 1e6 / $n, 2))"
}

off=(); on=()
for r in $(seq 1 $rounds); do
	if [ $((r % 2)) = 1 ]; then
		off+=("$(run false)")
		rm -rf "$FRONTDESK_RECORDING_DIR"
		on+=("$(run true)")
	else
		rm -rf "$FRONTDESK_RECORDING_DIR"
		on+=("$(run true)")
		off+=("$(run false)")
	fi
	say "round $r: gateway cpu per stream over $((dur - 2)) s: off ${off[-1]} ms, on ${on[-1]} ms"
done
python3 - "$FRONTDESK_RECORDING_DIR" "$out/recording.json" "$n" "${off[*]}" "${on[*]}" "$((dur - 2))" "$W/rec-bench.json" <<'PY'
import glob, json, os, statistics, sys
d, outf, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
off = [float(x) for x in sys.argv[4].split()]
on = [float(x) for x in sys.argv[5].split()]
window_s = float(sys.argv[6])
try:
    rb = json.load(open(sys.argv[7]))
except Exception:
    rb = {}
stereo = [f for f in glob.glob(os.path.join(d, "*.wav")) if not f.endswith(".mixed.wav")]
total = sum(os.path.getsize(f) for f in glob.glob(os.path.join(d, "*.wav")))
# a stereo file's data: 8000 samples/s, 2 channels, 2 bytes
minutes = sum(max(os.path.getsize(f) - 44, 0) / 32000 for f in stereo) / 60
res = {"recording_streams": n, "recording_files": len(stereo),
       "recording_gateway_cpu_ms_per_call_min_off": round(statistics.median(off) * 60 / window_s, 2),
       "recording_gateway_cpu_ms_per_call_min_on": round(statistics.median(on) * 60 / window_s, 2)}
pairs = [b / a for a, b in zip(off, on) if a > 0]
if pairs:
    res["recording_ab_overhead_pct"] = round(100 * (statistics.median(pairs) - 1), 1)
rec = rb.get("recording_cpu_ms_per_call_min")
if isinstance(rec, (int, float)):
    res["recording_cpu_ms_per_call_min"] = rec
    if res["recording_gateway_cpu_ms_per_call_min_off"] > 0:
        res["recording_cpu_overhead_pct"] = round(100 * rec / res["recording_gateway_cpu_ms_per_call_min_off"], 1)
if minutes > 0:
    res["recording_kb_per_min"] = round(total / 1024 / minutes, 1)
json.dump(res, open(outf, "w"), indent=1, sort_keys=True)
print(json.dumps(res), file=sys.stderr)
PY

#!/usr/bin/env bash
# Run every libFuzzer target for SECONDS (default 60) each, starting from
# its seed corpus in tests/fuzz/corpus/<name>/ (copied to a temporary
# directory, so the repository's corpus does not grow), and write
# $BUILD/faults/fuzz.json {fuzz_targets, fuzz_execs, fuzz_crashes}.
# Crash inputs are kept in $BUILD/fuzz-crashes/<name>/ and the log of each
# run in $BUILD/fuzz-logs/<name>.log.  Exits 0 iff no target crashed.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
# JOBS (default 2) targets run at once.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
secs=${1:-60}
shift || true
BUILD=${BUILD:-build}
JOBS=${JOBS:-2}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frame media webhook sse deepgram datetime toolargs ical vpic)

make --no-print-directory -f tests/fuzz/fuzz.mk -j"$JOBS" fuzz >/dev/null || {
	echo "fuzz: build failed (make -f tests/fuzz/fuzz.mk fuzz)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
logs=$BUILD/fuzz-logs
mkdir -p "$logs" "$BUILD/faults"

# one_target NAME: fuzz it for $secs seconds into its own log
one_target() {
	local t=$1 crash=$BUILD/fuzz-crashes/$1
	mkdir -p "$tmp/$t" "$crash"
	cp tests/fuzz/corpus/"$t"/* "$tmp/$t"/ 2>/dev/null
	# stderr closed for the target's own logging (-close_fd_mask=2);
	# libFuzzer and the sanitizers still report on it
	build-fuzz/bin/fuzz_"$t" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=1024 -max_len=8192 -print_final_stats=1 \
	    -close_fd_mask=2 -artifact_prefix="$crash/" "$tmp/$t" \
	    >"$logs/$t.log" 2>&1
	echo $? >"$tmp/$t.rc"
}

running=0
for t in "${targets[@]}"; do
	one_target "$t" &
	running=$((running + 1))
	if [ $running -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

execs=0; crashes=0; fails=0
for t in "${targets[@]}"; do
	n=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\)$/\1/p' "$logs/$t.log" | tail -1)
	rc=$(cat "$tmp/$t.rc")
	execs=$((execs + ${n:-0}))
	if [ "$rc" = 0 ]; then
		printf 'fuzz ok   %-9s %10s runs in %s s\n' "$t" "${n:-0}" "$secs"
	else
		crashes=$((crashes + 1))
		printf 'fuzz FAIL %-9s exit %s after %s runs: %s\n' "$t" "$rc" "${n:-0}" \
		    "$(grep -m1 -E 'ERROR:|runtime error|deadly signal' "$logs/$t.log")"
		ls "$BUILD/fuzz-crashes/$t" | sed 's/^/          input: /'
	fi
done
printf '{"fuzz_targets": %d, "fuzz_execs": %d, "fuzz_crashes": %d, "fuzz_seconds_per_target": %d}\n' \
    ${#targets[@]} "$execs" "$crashes" "$secs" >"$BUILD/faults/fuzz.json"
echo "fuzz: ${#targets[@]} targets, $execs runs, $crashes crashed"
[ $crashes -eq 0 ]

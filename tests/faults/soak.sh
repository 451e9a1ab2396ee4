#!/usr/bin/env bash
# Soak: N (1000) short calls on a private stack, SOAK_PARALLEL (10) at a
# time, each lane placing its calls one after another.  A call is
# tests/faults/scenarios/soak-short.json (the caller asks the hours over
# the greeting and says goodbye over the answer; the agent hangs up; the
# record must hold both lines and the outcome), about 8 s of wall time,
# each from its own number.  callsim does not transcribe the agent
# (--no-hear): the record is the check, and the soak's CPU goes to the
# daemons.  The calls go in tenths; every daemon's RSS is read after each
# (the stack idle), the first tenth being the warm-up; a daemon that
# restarted meanwhile fails the soak (its RSS would say nothing).  The
# heap each daemon's malloc hands out is printed beside (a growth there is
# memory kept per call; RSS alone also shows the allocator's slack).
# Writes $BUILD/faults/soak.json: soak_calls (calls that passed),
# soak_calls_failed, soak_seconds, soak_warmup_calls, soak_rss_growth_pct
# (the largest growth of any daemon after the warm-up),
# soak_rss_kb_<daemon> and soak_heap_kb_<daemon> (warm, end) and
# soak_rss_series_kb_<daemon> (after each tenth).
# Fails if a call failed, a daemon restarted or RSS grew more than
# SOAK_MAX_GROWTH_PCT (1).
#   tests/faults/soak.sh [N]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/faults/lib.sh
N=${1:-1000}
P=${SOAK_PARALLEL:-10}
warm=$(( N / 10 > 0 ? N / 10 : 1 ))
MAXG=${SOAK_MAX_GROWTH_PCT:-1}
stack_up || exit 1
names=$("$FRONTDESK_BIN/scheduler" -D)

# rss: "name pid kB heap-kB pooled-kB" per daemon: its RSS, the heap its
# malloc hands out (frontdesk_heap_inuse_bytes in its metrics file,
# written every second) and of that the buffers kept for reuse
# (frontdesk_pooled_bytes: a pool holds what the busiest moment so far
# needed, up to its bound), read SOAK_SETTLE_S after the calls (6 when the
# soak is long enough for its growth to mean anything: after the daemons'
# heap trim, every 5 s).  The growth judged is the RSS's less the pools':
# memory kept per call, not for the next busy moment.
settle=${SOAK_SETTLE_S:-$(( N >= 100 ? 6 : 0 ))}
rss() {
	local n p h q
	sleep "$settle"
	for n in $names; do
		p=$(cat "$SV/$n.pid" 2>/dev/null)
		h=$(awk '/^frontdesk_heap_inuse_bytes/ {printf "%d", $2 / 1024}' \
		    "$FRONTDESK_RUNDIR/metrics/$n.prom" 2>/dev/null)
		q=$(awk '/^frontdesk_pooled_bytes/ {printf "%d", $2 / 1024}' \
		    "$FRONTDESK_RUNDIR/metrics/$n.prom" 2>/dev/null)
		echo "$n ${p:-0} $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0) ${h:-0} ${q:-0}"
	done
}

out=$FAULTS_OUT/soak
# batch FIRST LAST: calls FIRST..LAST, P at a time, in one callsim (its
# report is not *.json: report.py reads every $FAULTS_OUT/*.json as a part);
# prints how many passed
batch() {
	local i dir=$out.calls
	rm -rf "$dir"
	mkdir -p "$dir"
	for i in $(seq "$1" "$2"); do
		sed -e "s/+15559870002/+1555$(printf %07d "$i")/" \
		    -e "s/goodbye over the answer/goodbye over the answer #$i/" \
		    tests/faults/scenarios/soak-short.json >"$dir/$(printf %05d "$i").json"
	done
	$CALLSIM --no-hear --dir "$dir" --parallel "$P" --report "$out.batch.report" \
	    >"$out.batch-$1.log" 2>&1
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["passed"])' \
	    "$out.batch.report" 2>/dev/null || echo 0
}

t0=$(date +%s)
# the calls in tenths (the first is the warm-up), RSS read after each
ok=0 first=1 k=0
rm -f "$out".rss-*
while [ "$first" -le "$N" ]; do
	k=$((k + 1))
	last=$(( k == 10 ? N : first + warm - 1 ))
	[ "$last" -gt "$N" ] && last=$N
	ok=$((ok + $(batch "$first" "$last")))
	rss >"$out.rss-$(printf %02d "$k")"
	first=$((last + 1))
done
cp "$out.rss-01" "$out.warm"
cp "$(ls "$out".rss-* | tail -1)" "$out.end"
bad=$((N - ok))
python3 - "$out.warm" "$out.end" "$ok" "$bad" "$MAXG" "$FAULTS_OUT/soak.json" "$(( $(date +%s) - t0 ))" "$warm" "$out".rss-* <<'PY'
import json, sys
warm, end = ({l.split()[0]: (l.split()[1], int(l.split()[2])) for l in open(f)}
             for f in sys.argv[1:3])
ok, bad, maxg = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
series = [{l.split()[0]: int(l.split()[2]) for l in open(f)} for f in sys.argv[9:]]
heap = [{l.split()[0]: int(l.split()[3]) for l in open(f) if len(l.split()) > 3}
        for f in sys.argv[9:]]
pooled = [{l.split()[0]: int(l.split()[4]) for l in open(f) if len(l.split()) > 4}
          for f in sys.argv[9:]]
for n in sorted(warm):
    print("soak %-11s rss kB after each tenth: %s" % (n, " ".join(str(s.get(n, 0)) for s in series)))
    print("soak %-11s heap in use kB:          %s" % (n, " ".join(str(s.get(n, 0)) for s in heap)))
    if any(s.get(n, 0) for s in pooled):
        print("soak %-11s of which pooled kB:      %s" % (n, " ".join(str(s.get(n, 0)) for s in pooled)))
out, worst, restarted = {"soak_calls": ok, "soak_calls_failed": bad,
                         "soak_seconds": int(sys.argv[7]),
                         "soak_warmup_calls": int(sys.argv[8])}, 0.0, []
for n, (pid, kb) in sorted(warm.items()):
    pid2, kb2 = end.get(n, ("0", 0))
    if pid != pid2:
        restarted.append(n)
        continue
    dpool = pooled[-1].get(n, 0) - pooled[0].get(n, 0) if pooled else 0
    g = 100.0 * (kb2 - kb - max(dpool, 0)) / kb if kb else 0.0
    worst = max(worst, g)
    out["soak_rss_kb_" + n.replace("-", "_")] = "%d -> %d" % (kb, kb2)
    out["soak_rss_series_kb_" + n.replace("-", "_")] = " ".join(str(s.get(n, 0)) for s in series)
    if heap and n in heap[0] and n in heap[-1]:
        out["soak_heap_kb_" + n.replace("-", "_")] = "%d -> %d" % (heap[0][n], heap[-1][n])
    if dpool > 0:
        out["soak_pooled_kb_" + n.replace("-", "_")] = "%d -> %d" % (pooled[0].get(n, 0), pooled[-1].get(n, 0))
    print("soak %-11s rss %7d kB after warm-up, %7d kB at the end (%+.2f %%%s)" % (n, kb, kb2, g,
          ", less %d kB more pooled" % dpool if dpool > 0 else ""))
out["soak_rss_growth_pct"] = round(worst, 2)
json.dump(out, open(sys.argv[6], "w"), indent=1)
fails = []
if bad:
    fails.append("%d calls failed" % bad)
if restarted:
    fails.append("restarted during the soak: " + " ".join(restarted))
if worst > maxg:
    fails.append("RSS grew %.2f %% (> %g %%)" % (worst, maxg))
print("soak: %d calls in %s s, %d failed, RSS growth %.2f %%%s" % (ok + bad, sys.argv[7], bad, worst,
      ": FAIL " + "; ".join(fails) if fails else ""))
sys.exit(1 if fails else 0)
PY

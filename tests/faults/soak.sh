#!/usr/bin/env bash
# Soak: N (1000) short calls one after another (tests/faults/scenarios/
# soak-hours.json: the hours, then goodbye) on a private stack.  Every
# daemon's RSS is read after the warm-up (call N/10, at least 1) and after
# the last call; a daemon that restarted meanwhile fails the soak (its RSS
# would say nothing).  Writes $BUILD/faults/soak.json: soak_calls (calls
# that passed), soak_calls_failed, soak_rss_growth_pct (the largest
# growth of any daemon) and soak_rss_kb_<daemon> (warm, end).
# Fails if a call failed, a daemon restarted or RSS grew more than
# SOAK_MAX_GROWTH_PCT (1).
#   tests/faults/soak.sh [N]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/faults/lib.sh
N=${1:-1000}
warm=$(( N / 10 > 0 ? N / 10 : 1 ))
MAXG=${SOAK_MAX_GROWTH_PCT:-1}
stack_up || exit 1
names=$("$FRONTDESK_BIN/scheduler" -D)

# rss: "name pid kB" per daemon
rss() {
	local n p
	for n in $names; do
		p=$(cat "$SV/$n.pid" 2>/dev/null)
		echo "$n ${p:-0} $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)"
	done
}

ok=0 bad=0
out=$FAULTS_OUT/soak
for i in $(seq 1 "$N"); do
	if $CALLSIM --json --scenario tests/faults/scenarios/soak-hours.json >"$out.call.result" 2>"$out.call.log"; then
		ok=$((ok + 1))
	else
		bad=$((bad + 1))
		cp "$out.call.log" "$out.failed-$i.log"
	fi
	[ "$i" = "$warm" ] && rss >"$out.warm"
done
rss >"$out.end"
python3 - "$out.warm" "$out.end" "$ok" "$bad" "$MAXG" "$FAULTS_OUT/soak.json" <<'PY'
import json, sys
warm, end = ({l.split()[0]: (l.split()[1], int(l.split()[2])) for l in open(f)}
             for f in sys.argv[1:3])
ok, bad, maxg = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
out, worst, restarted = {"soak_calls": ok, "soak_calls_failed": bad}, 0.0, []
for n, (pid, kb) in sorted(warm.items()):
    pid2, kb2 = end.get(n, ("0", 0))
    if pid != pid2:
        restarted.append(n)
        continue
    g = 100.0 * (kb2 - kb) / kb if kb else 0.0
    worst = max(worst, g)
    out["soak_rss_kb_" + n.replace("-", "_")] = "%d -> %d" % (kb, kb2)
    print("soak %-11s rss %7d kB after warm-up, %7d kB at the end (%+.2f %%)" % (n, kb, kb2, g))
out["soak_rss_growth_pct"] = round(worst, 2)
json.dump(out, open(sys.argv[6], "w"), indent=1)
fails = []
if bad:
    fails.append("%d calls failed" % bad)
if restarted:
    fails.append("restarted during the soak: " + " ".join(restarted))
if worst > maxg:
    fails.append("RSS grew %.2f %% (> %g %%)" % (worst, maxg))
print("soak: %d calls, %d failed, RSS growth %.2f %%%s" % (ok + bad, bad, worst,
      ": FAIL " + "; ".join(fails) if fails else ""))
sys.exit(1 if fails else 0)
PY

#!/usr/bin/env bash
# valgrind memcheck on a short run: a private stack with the daemons of
# VG_DAEMONS under valgrind (the others run as usual), VG_CALLS (3) short
# calls (tests/faults/scenarios/soak-short.json, one after another), then
# every daemon stopped by SIGTERM so each valgrind writes its report at
# exit.  Clean means no memory error and no definitely or indirectly lost
# block in any report; still-reachable and possibly-lost blocks (threads
# and library caches alive at exit) are not counted.
#   VG_DAEMONS (gateway agent tts-worker crm-tools scheduler)
#   VG_LEAK_KINDS (definite,indirect): "all" also lists the blocks still
#   reachable at exit by where they were allocated; two runs with
#   different VG_CALLS show what a daemon keeps per call.
#   stt-worker is left out by default: under memcheck its decoder runs far
#   slower than the caller speaks, so calls time out; VG_DAEMONS=stt-worker
#   checks it alone (the calls may fail, the report still counts).
# Writes $BUILD/faults/valgrind.json (valgrind_daemons, valgrind_errors,
# valgrind_leaked_bytes) and keeps each report as
# $FRONTDESK_VAR/log/valgrind-<daemon>.<pid>.log.
#   tests/faults/valgrind.sh
#   (internal) tests/faults/valgrind.sh --wrap BIN ARGS...: the command
#   prefix frontdeskctl runs each daemon through (FRONTDESK_WRAP)
set -u
if [ "${1:-}" = --wrap ]; then
	shift
	name=${1##*/}
	case " $VG_DAEMONS " in
	*" $name "*)
		# VG_TOOL=massif: heap profile instead (snapshots on demand:
		# vgdb --pid=PID detailed_snapshot FILE)
		[ "${VG_TOOL:-}" = massif ] &&
		    exec valgrind --tool=massif --massif-out-file="$VG_LOGS/massif-$name.%p.out" "$@"
		exec valgrind --tool=memcheck --leak-check=full \
		    --show-leak-kinds="${VG_LEAK_KINDS:-definite,indirect}" \
		    --errors-for-leak-kinds=definite,indirect \
		    --track-origins=yes --num-callers=30 \
		    --log-file="$VG_LOGS/valgrind-$name.%p.log" "$@" ;;
	esac
	exec "$@"
fi
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export VG_DAEMONS=${VG_DAEMONS:-gateway agent tts-worker crm-tools scheduler}
CALLS=${VG_CALLS:-3}
command -v valgrind >/dev/null || { echo "valgrind: not installed (scripts/deps.sh)"; exit 1; }
export PROFILE=${PROFILE:-faults-suite}-vg
. tests/faults/lib.sh
export VG_LOGS=$LOGS
export FRONTDESK_WRAP="$top/tests/faults/valgrind.sh --wrap"
# a daemon under memcheck starts tens of times slower
export FRONTDESK_START_WAIT_S=${FRONTDESK_START_WAIT_S:-300}
rm -f "$LOGS"/valgrind-*.log
finish() { deploy/frontdeskctl stop >/dev/null 2>&1; deploy/datastore.sh stop >/dev/null 2>&1; }
trap finish EXIT
deploy/frontdeskctl stop >/dev/null 2>&1
deploy/datastore.sh reset >/dev/null || { echo "valgrind: datastore reset failed"; exit 1; }
deploy/frontdeskctl start >/dev/null || { echo "valgrind: stack start failed (see $LOGS)"; exit 1; }

ok=0
for i in $(seq 1 "$CALLS"); do
	sed "s/+15559870002/+1555988$(printf %04d "$i")/" tests/faults/scenarios/soak-short.json \
	    >"$FAULTS_OUT/valgrind-call.scenario"
	if $CALLSIM --no-hear --timeout 120 --reply-timeout 60 --hangup-timeout 60 \
	    --scenario "$FAULTS_OUT/valgrind-call.scenario" >"$FAULTS_OUT/valgrind-call-$i.log" 2>&1; then
		ok=$((ok + 1))
	fi
done

# stop every supervisor first (no restart), then wait for the daemons to
# drain and valgrind to write its report: frontdeskctl stop would kill -9
# a daemon still running after 5 s
pids=""
for n in $("$FRONTDESK_BIN/scheduler" -D); do
	p=$(cat "$SV/$n.pid" 2>/dev/null) && pids="$pids $p"
	kill -TERM "$(cat "$SV/$n.sv" 2>/dev/null)" 2>/dev/null
done
for _ in $(seq 1 1200); do
	alive=""
	for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
	[ -z "$alive" ] && break
	sleep 0.1
done
[ -n "$alive" ] && echo "valgrind: still running 120 s after SIGTERM:$alive"

python3 - "$LOGS" "$ok" "$CALLS" "$FAULTS_OUT/valgrind.json" "$VG_DAEMONS" <<'PY'
import glob, json, os, re, sys
logs, ok, calls, out, want = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5].split()
errors = leaked = 0
seen, bad = set(), []
for fn in sorted(glob.glob(os.path.join(logs, "valgrind-*.log"))):
    name = os.path.basename(fn)[len("valgrind-"):].rsplit(".", 2)[0]
    text = open(fn, errors="replace").read()
    m = re.search(r"ERROR SUMMARY: ([\d,]+) errors", text)
    if not m:
        bad.append("%s: no summary (killed before it exited?)" % fn)
        continue
    seen.add(name)
    e = int(m.group(1).replace(",", ""))
    lost = sum(int(x.replace(",", "")) for x in
               re.findall(r"(?:definitely|indirectly) lost: ([\d,]+) bytes", text))
    errors += e
    leaked += lost
    print("valgrind %-11s %d error(s), %d byte(s) definitely or indirectly lost (%s)" % (name, e, lost, fn))
    if e or lost:
        bad.append("%s: %d errors, %d bytes lost" % (name, e, lost))
for n in want:
    if n not in seen:
        bad.append("%s: no valgrind report" % n)
json.dump({"valgrind_daemons": len(seen), "valgrind_errors": errors,
           "valgrind_leaked_bytes": leaked, "valgrind_calls": ok},
          open(out, "w"), indent=1)
print("valgrind: %d daemon(s), %d/%d calls passed, %d error(s), %d byte(s) lost%s" %
      (len(seen), ok, calls, errors, leaked, ": FAIL " + "; ".join(bad) if bad else ""))
sys.exit(1 if bad else 0)
PY

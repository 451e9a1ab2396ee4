#!/usr/bin/env bash
# Nothing the caller says is lost to an stt-worker crash: a booking call
# (tests/e2e/booking_stt_restart.json) has stt-worker killed -9 while the
# caller is saying a line that matters (turn KILL_TURN, KILL_AFTER_S
# seconds into it; 1 and 1.5 by default: the service, day and time); the
# supervisor restarts it with its usual backoff.  The call must still
# book: callsim's expectations hold, the appointment row is in PostgreSQL
# with the call's outcome "booked", and the logs show the gateway replaying
# the call's audio and the new stt-worker catching up on it.
# Prints "stt-restart: ok ..." or "stt-restart: FAIL ...".
#   tests/e2e/stt_restart.sh             a private stack (PROFILE, "sttrestart")
#   tests/e2e/stt_restart.sh --running   the stack the caller started
#                                        with the same PROFILE
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
KILL_TURN=${KILL_TURN:-1}
KILL_AFTER_S=${KILL_AFTER_S:-1.5}
# (--running: the same PROFILE as the stack's, for its ports and callsim)
PROFILE=${PROFILE:-sttrestart} . scripts/stack-env.sh
if [ "${1:-}" != --running ]; then
	trap 'deploy/frontdeskctl stop >/dev/null 2>&1' EXIT
	deploy/frontdeskctl stop >/dev/null 2>&1
	deploy/datastore.sh reset >/dev/null || { echo "stt-restart: FAIL datastore reset"; exit 1; }
	deploy/frontdeskctl start >/dev/null || { echo "stt-restart: FAIL stack start"; exit 1; }
fi
SV=$FRONTDESK_VAR/sv
LOGS=$FRONTDESK_VAR/log
out=$FRONTDESK_VAR/stt-restart
fail() { echo "stt-restart: FAIL $*"; exit 1; }

$CALLSIM --verbose --json --scenario tests/e2e/booking_stt_restart.json >"$out.json" 2>"$out.log" &
simpid=$!
# the moment the caller starts the line
for i in $(seq 1 600); do
	grep -q "turn $KILL_TURN say:" "$out.log" 2>/dev/null && break
	kill -0 "$simpid" 2>/dev/null || break
	sleep 0.05
done
grep -q "turn $KILL_TURN say:" "$out.log" || { wait "$simpid"; fail "the call never reached turn $KILL_TURN (see $out.log)"; }
sleep "$KILL_AFTER_S"
old=$(cat "$SV/stt-worker.pid")
kill -KILL "$old"
t0=$(date +%s.%N)
new=""
for i in $(seq 1 200); do
	new=$(cat "$SV/stt-worker.pid" 2>/dev/null)
	[ -n "$new" ] && [ "$new" != "$old" ] && kill -0 "$new" 2>/dev/null && break
	sleep 0.05
done
back=$(python3 -c "import sys,time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$t0")
wait "$simpid"; rc=$?
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["call_sid"])' "$out.json" 2>/dev/null)
[ -n "$sid" ] || fail "no call sid from callsim (exit $rc, see $out.log)"
[ "$new" != "$old" ] || fail "stt-worker not restarted"
appt=$(psqlq "select count(*) from appointments where source_call_sid = '$sid' and status = 'booked' and to_char(lower(during), 'YYYY-MM-DD HH24:MI') = '2027-01-19 10:00'" 2>&1)
outcome=$(psqlq "select outcome from calls where call_sid = '$sid'" 2>&1)
replayed=$(grep -c "$sid.*replay to the new stt-worker" "$LOGS/gateway.log")
caught=$(grep -c "$sid.*catching up from frame" "$LOGS/stt-worker.log")
what="turn $KILL_TURN +${KILL_AFTER_S}s, stt-worker back in ${back}s: callsim exit $rc, appointment rows $appt, outcome '$outcome', replays $replayed, catch-ups $caught"
if [ "$rc" = 0 ] && [ "$appt" = 1 ] && [ "$outcome" = booked ] && [ "$replayed" -ge 1 ] && [ "$caught" -ge 1 ]; then
	echo "stt-restart: ok $what"
else
	grep "$sid" "$LOGS/gateway.log" "$LOGS/stt-worker.log" "$LOGS/agent.log" | grep -i "replay\|catching\|heard\|caller\|say utt\|stream\|silen" | tail -40
	fail "$what (see $out.log)"
fi

#!/usr/bin/env bash
# The datastores going away in the middle of a call.
#  redis: a booking call has Redis stopped while the caller says the
#    booking line and started again on "yes please": the call books as
#    usual (sessions live in memory meanwhile), one appointment row, every
#    caller turn once, and the call's session is in Redis again before
#    the call ends.
#  pg: PostgreSQL stopped after the greeting: the caller asks for a slot,
#    hears that the agent cannot reach the records, leaves a message;
#    after the call crm-tools is killed -9 with the writes spooled, then
#    PostgreSQL comes back: the message row, the call's outcome and every
#    caller turn are applied exactly once.
# Writes $BUILD/faults/outage.json (outage_faults, outage_records_lost,
# outage_duplicates) and prints one line per case.
#  pgbook: the same with a booking the caller confirms as PostgreSQL
#    goes (see case_pgbook).
#   tests/faults/outage.sh [redis|pg|pgbook...]   (default all three)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/faults/lib.sh
cases=${*:-redis pg pgbook}
stack_up || exit 1
faults=0 lost=0 dups=0 pass=0 fail=0

ok() { pass=$((pass + 1)); echo "outage ok   $*"; }
bad() { fail=$((fail + 1)); echo "outage FAIL $*"; }

case_redis() {
	local out=$FAULTS_OUT/outage-redis sid appt miss dup rc keys
	booking_scenario 20 "$out.scenario"
	call_start "$out.scenario" "$out"
	wait_turn "$out" 1 || { wait "$simpid"; bad "redis: the call never reached turn 1"; return; }
	sleep 1
	deploy/datastore.sh stop redis >/dev/null
	faults=$((faults + 1))
	wait_turn "$out" 2
	deploy/datastore.sh start redis >/dev/null
	# the session written back before the call ends (its key goes then)
	wait_turn "$out" 3
	sid=$(sed -n 's/.*call=\(CA[0-9a-f]*\) turn 3 say.*/\1/p' "$out.log" | head -1)
	keys=$(redis-cli -s "$FRONTDESK_RUNDIR/redis.sock" exists "fd:sess:$sid" 2>/dev/null)
	wait "$simpid"; rc=$?
	sid=$(call_sid "$out")
	[ -n "$sid" ] || { lost=$((lost + 1)); bad "redis: no call sid (exit $rc, see $out.log)"; return; }
	appt=$(psqlq "select count(*) from appointments where source_call_sid = '$sid' and status = 'booked'")
	read -r miss dup <<<"$(check_turns "$sid" "$out.scenario")"
	: "${appt:=0}" "${miss:=9}" "${dup:=0}"
	lost=$((lost + miss + (appt == 0 ? 1 : 0)))
	dups=$((dups + dup + (appt > 1 ? appt - 1 : 0)))
	local what="callsim exit $rc, appointment rows $appt, caller turns missing $miss, twice $dup, session back in redis $keys"
	if [ "$rc" = 0 ] && [ "$appt" = 1 ] && [ "$miss" = 0 ] && [ "$dup" = 0 ] && [ "$keys" = 1 ]; then
		ok "redis: $what"
	else
		bad "redis: $what (see $out.log)"
	fi
}

# pg_outage NAME SCENARIO OUT TURN WHAT: the call of SCENARIO has
# PostgreSQL stopped once it reaches TURN; after it, crm-tools is killed -9
# with its writes spooled (the log lines "call=<sid> WHAT spooled as")
# and PostgreSQL started again; waits until the restarted crm-tools has
# applied the spool (the call's row ended).  Sets rc (callsim's exit),
# sid and spooled; 1 (said why) when the call never got that far.
pg_outage() {
	local name=$1 sc=$2 out=$3 turn=$4 what=$5 old i
	call_start "$sc" "$out"
	wait_turn "$out" "$turn" || { wait "$simpid"; bad "$name: the call never reached turn $turn"; return 1; }
	deploy/datastore.sh stop pg >/dev/null
	faults=$((faults + 1))
	wait "$simpid"; rc=$?
	sid=$(call_sid "$out")
	[ -n "$sid" ] || { lost=$((lost + 1)); bad "$name: no call sid (exit $rc, see $out.log)"; deploy/datastore.sh start pg >/dev/null; return 1; }
	spooled=$(grep -c "call=$sid $what spooled as" "$LOGS/crm-tools.log")
	# a crash with the writes only in the spool
	old=$(cat "$SV/crm-tools.pid")
	kill -KILL "$old"
	faults=$((faults + 1))
	deploy/datastore.sh start pg >/dev/null
	# crm-tools back and its spool applied
	for i in $(seq 1 600); do
		[ -n "$(psqlq "select outcome from calls where call_sid = '$sid' and ended_at is not null" 2>/dev/null)" ] &&
		    [ "$(cat "$SV/crm-tools.pid" 2>/dev/null)" != "$old" ] && [ -f "$SV/crm-tools.ready" ] && break
		sleep 0.1
	done
	sleep 2
}

case_pg() {
	local out=$FAULTS_OUT/outage-pg sc=tests/faults/scenarios/pg-outage-message.json
	local sid rc msgs outcome miss dup spooled
	pg_outage pg "$sc" "$out" 1 ".*" || return
	msgs=$(psqlq "select count(*) from messages where call_sid = '$sid'")
	outcome=$(psqlq "select coalesce(outcome, '') from calls where call_sid = '$sid'")
	read -r miss dup <<<"$(check_turns "$sid" "$sc")"
	: "${msgs:=0}" "${miss:=9}" "${dup:=0}"
	lost=$((lost + miss + (msgs == 0 ? 1 : 0) + (${#outcome} == 0 ? 1 : 0)))
	dups=$((dups + dup + (msgs > 1 ? msgs - 1 : 0)))
	local what="callsim exit $rc, writes spooled $spooled, message rows $msgs, outcome '$outcome', caller turns missing $miss, twice $dup"
	if [ "$rc" = 0 ] && [ "$spooled" -ge 1 ] && [ "$msgs" = 1 ] && [ "$outcome" = message_taken ] &&
	    [ "$miss" = 0 ] && [ "$dup" = 0 ]; then
		ok "pg: $what"
	else
		bad "pg: $what (see $out.log)"
	fi
}

# pgbook: PostgreSQL stopped as the caller confirms the slot the agent
# offered: the booking spools with its confirmation code, crm-tools is
# killed -9 with it spooled, PostgreSQL comes back: one appointment row
# for the call (the confirmed slot), the call's outcome booked and every
# caller turn once.  callsim cannot read the record while PostgreSQL is
# down, so the appointment and the outcome are checked here afterwards.
case_pgbook() {
	local out=$FAULTS_OUT/outage-pgbook sid rc appt slot outcome miss dup spooled
	booking_scenario 30 "$out.scenario"
	python3 - "$out.scenario" "$out.call" <<'PY'
import json, sys
sc = json.load(open(sys.argv[1]))
for k in ("appointments", "outcome"):
    sc["expect"].pop(k, None)
json.dump(sc, open(sys.argv[2], "w"), indent=1)
PY
	pg_outage pgbook "$out.call" "$out" 2 book_appointment || return
	appt=$(psqlq "select count(*) from appointments where source_call_sid = '$sid' and status = 'booked'")
	slot=$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["expect"]["appointments"][0]; print(a["date"], a["time"])' "$out.scenario")
	local got
	got=$(psqlq "select to_char(lower(during), 'YYYY-MM-DD HH24:MI') from appointments where source_call_sid = '$sid' and status = 'booked'")
	outcome=$(psqlq "select coalesce(outcome, '') from calls where call_sid = '$sid'")
	read -r miss dup <<<"$(check_turns "$sid" "$out.scenario")"
	: "${appt:=0}" "${miss:=9}" "${dup:=0}"
	lost=$((lost + miss + (appt == 0 ? 1 : 0) + (${#outcome} == 0 ? 1 : 0)))
	dups=$((dups + dup + (appt > 1 ? appt - 1 : 0)))
	local what="callsim exit $rc, booking spooled $spooled, appointment rows $appt at '$got' (offered $slot), outcome '$outcome', caller turns missing $miss, twice $dup"
	if [ "$rc" = 0 ] && [ "$spooled" -ge 1 ] && [ "$appt" = 1 ] && [ "$got" = "$slot" ] &&
	    [ "$outcome" = booked ] && [ "$miss" = 0 ] && [ "$dup" = 0 ]; then
		ok "pgbook: $what"
	else
		bad "pgbook: $what (see $out.log)"
	fi
}

for c in $cases; do "case_$c"; done
cat >"$FAULTS_OUT/outage.json" <<EOF
{"outage_faults": $faults, "outage_records_lost": $lost, "outage_duplicates": $dups}
EOF
echo "outage: $pass passed, $fail failed"
[ $fail -eq 0 ]

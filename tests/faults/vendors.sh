#!/usr/bin/env bash
# A vendor failing in the middle of a call, against the local peers in
# tests/peers/, on a stack of its own (profile $PROFILE-vendor: its config
# points the daemon at the peer).
#  llm: the agent's brain is the LLM (tests/peers/openai_peer.py, no
#    retries, no breaker, so every turn asks the model): through one
#    booking call the model answers 500, stalls past the turn timeout,
#    drops the stream before a whole sentence, answers 503, in turn.  In
#    each of those turns the local brain answers instead, so the call
#    books as the local brain books it: callsim's expectations (booked,
#    the appointment, the goodbye), one appointment row, every caller
#    turn once, the outcome set, and the peer saw every kind of failure.
# Writes $BUILD/faults/vendors.json (vendor_faults, vendor_calls_failed,
# vendor_records_lost, vendor_duplicates) and prints one line per case.
#  tts: tts-worker speaks with ElevenLabs, which is down (nothing listens
#    at its base_url): every segment fails before any audio and flite says
#    it instead, in the same turn; the booking call passes as with flite
#    (callsim hears and checks it), one appointment row, every caller turn
#    once.
#   tests/faults/vendors.sh [llm|tts...]   (default all)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export PROFILE=${PROFILE:-faults-suite}-vendor
unset FAULTS_RUNNING            # never the stack run.sh started
. tests/faults/lib.sh
cases=${*:-llm tts}
faults=0 failed=0 lost=0 dups=0 pass=0 fail=0
peer_pid=""
finish() {
	stack_down
	deploy/datastore.sh stop >/dev/null 2>&1
	[ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null
}
trap finish EXIT

ok() { pass=$((pass + 1)); echo "vendor ok   $*"; }
bad() { fail=$((fail + 1)); failed=$((failed + 1)); echo "vendor FAIL $*"; }

# peer_start SCRIPT ARGS...: a peer in the background printing "PORT n";
# sets peer_pid and peer_port
peer_start() {
	local i log=$FAULTS_OUT/vendor-peer.out
	python3 "$@" >"$log" 2>&1 &
	peer_pid=$!
	peer_port=""
	for i in $(seq 1 100); do
		peer_port=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$log" | head -1)
		[ -n "$peer_port" ] && return 0
		sleep 0.05
	done
	return 1
}

# check_call OUT SCENARIO RC: the booking's rows; adds to lost and dups
# and sets what (the line to print); 0 if the call is whole
check_call() {
	local sid appt outcome miss dup
	sid=$(call_sid "$1")
	if [ -z "$sid" ]; then
		lost=$((lost + 1)) what="no call sid (callsim exit $3)"
		return 1
	fi
	appt=$(psqlq "select count(*) from appointments where source_call_sid = '$sid' and status = 'booked'")
	outcome=$(psqlq "select coalesce(outcome, '') from calls where call_sid = '$sid'")
	read -r miss dup <<<"$(check_turns "$sid" "$2")"
	: "${appt:=0}" "${miss:=9}" "${dup:=0}"
	lost=$((lost + miss + (appt == 0 ? 1 : 0) + (${#outcome} == 0 ? 1 : 0)))
	dups=$((dups + dup + (appt > 1 ? appt - 1 : 0)))
	what="callsim exit $3, appointment rows $appt, outcome '$outcome', caller turns missing $miss, twice $dup"
	[ "$3" = 0 ] && [ "$appt" = 1 ] && [ "$outcome" = booked ] && [ "$miss" = 0 ] && [ "$dup" = 0 ]
}

case_llm() {
	local out=$FAULTS_OUT/vendor-llm rc kinds fellback
	peer_start tests/peers/openai_peer.py --port 0 || { bad "llm: the peer did not start"; return; }
	export OPENAI_API_KEY=faults-test-key
	sed -i "s|^  brain = \"local\";|  brain = \"llm\";\n  llm = { base_url = \"http://127.0.0.1:$peer_port/v1\"; model = \"peer-model\"; retries = 0; breaker_ms = 0; first_token_filler_ms = 0; turn_timeout_ms = 2000; };|" \
	    "$FRONTDESK_CONFIG"
	grep -q 'brain = "llm"' "$FRONTDESK_CONFIG" || { bad "llm: cannot configure the llm brain"; return; }
	stack_up || { bad "llm: the stack did not start"; return; }
	trap finish EXIT
	# four kinds of failure in turn, enough for every request of the call
	python3 - "$peer_port" <<'PY'
import json, sys, urllib.request
kinds = [{"status": 500},
         {"first_delay_ms": 6000, "content": "Sure, one moment."},
         {"content": "Let me see what", "truncate_after": 2},
         {"status": 503}]
body = json.dumps({"responses": kinds * 8}).encode()
urllib.request.urlopen("http://127.0.0.1:%s/_script" % sys.argv[1], body).read()
PY
	booking_scenario 40 "$out.scenario"
	call_start "$out.scenario" "$out"
	wait "$simpid"; rc=$?
	# which failures the model served, from the requests it saw
	kinds=$(curl -s "http://127.0.0.1:$peer_port/_requests" |
	    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["requests"]))')
	faults=$((faults + ${kinds:-0}))
	fellback=$(grep -c "call=$(call_sid "$out") .*the local brain answers" "$LOGS/agent.log")
	if check_call "$out" "$out.scenario" "$rc" && [ "${kinds:-0}" -ge 4 ] && [ "$fellback" -ge 1 ]; then
		ok "llm: $kinds model requests failed, local brain answered; $what"
	else
		bad "llm: $kinds model requests failed, fallback logged $fellback; $what (see $out.log, $LOGS/agent.log)"
	fi
}

case_tts() {
	local out=$FAULTS_OUT/vendor-tts rc sid fellback
	export ELEVENLABS_API_KEY=faults-test-key
	# ElevenLabs down: nothing listens where its API should be
	sed -i '/^tts: {/,/^};/s|^  engine = "flite";|  engine = "elevenlabs";\n  elevenlabs = { base_url = "https://127.0.0.1:9"; retries = 0; connect_ms = 500; };|' \
	    "$FRONTDESK_CONFIG"
	grep -q 'engine = "elevenlabs"' "$FRONTDESK_CONFIG" || { bad "tts: cannot configure elevenlabs"; return; }
	stack_up || { bad "tts: the stack did not start"; return; }
	trap finish EXIT
	faults=$((faults + 1))
	booking_scenario 41 "$out.scenario"
	call_start "$out.scenario" "$out"
	wait "$simpid"; rc=$?
	sid=$(call_sid "$out")
	fellback=$(grep -c "call=$sid .*elevenlabs failed .*spoken with flite" "$LOGS/tts-worker.log")
	if check_call "$out" "$out.scenario" "$rc" && [ "$fellback" -ge 3 ]; then
		ok "tts: $fellback segments spoken by flite instead; $what"
	else
		bad "tts: $fellback segments spoken by flite; $what (see $out.log, $LOGS/tts-worker.log)"
	fi
}

for c in $cases; do
	# each case's own config, from the stock one
	. scripts/stack-env.sh
	"case_$c"
done
cat >"$FAULTS_OUT/vendors.json" <<EOF
{"vendor_faults": $faults, "vendor_calls_failed": $failed, "vendor_records_lost": $lost,
 "vendor_duplicates": $dups}
EOF
echo "vendors: $pass passed, $fail failed"
[ $fail -eq 0 ]

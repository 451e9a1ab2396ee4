#!/usr/bin/env bash
# The Realtime engine end to end: a stack of its own (PROFILE, default
# "realtime") with agent.engine = "realtime" pointed at
# tests/peers/openai/realtime_peer.py, called by callsim as Twilio would.
#  1. a booking call (tests/e2e/realtime/booking.json): the peer is the
#     model (booking_peer.json: greeting, find_slots, read-back, the
#     booking on the caller's yes, end_call); the appointment row, the
#     outcome and the turns from the model's transcripts must be there.
#  2. a fallback call: the peer drops the socket on the caller's first
#     turn (fallback_peer.json); the local pipeline takes the call within
#     the turn and the same booking goes through.
# Prints "realtime ok ..." / "realtime FAIL ..." and
# "realtime: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
PROFILE=${PROFILE:-realtime} . scripts/stack-env.sh
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "realtime ok   $*"; }
bad() { fail=$((fail + 1)); echo "realtime FAIL $*"; }
dir=$FRONTDESK_VAR/realtime
mkdir -p "$dir"
peer_pid=""
stop_peer() { [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null; wait "$peer_pid" 2>/dev/null; peer_pid=""; }
cleanup() { stop_peer; deploy/frontdeskctl stop >/dev/null 2>&1; }
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" \
    -days 1 -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null ||
	{ bad "openssl could not make the peer's certificate"; echo "realtime: $pass passed, $((fail)) failed"; exit 1; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

start_peer() { # SCRIPT NAME: the peer on $port, logging to $dir/NAME-peer.log
	: >"$dir/$2-peer.log"
	/usr/bin/python3 tests/peers/openai/realtime_peer.py --cert "$dir/cert.pem" --key "$dir/key.pem" \
	    --log "$dir/$2-peer.log" --script "$1" --port "$port" >"$dir/peer.out" 2>&1 &
	peer_pid=$!
	for i in $(seq 1 100); do grep -q '^PORT' "$dir/peer.out" && return 0; sleep 0.05; done
	return 1
}

# the engine on, against the peer (the key is the peer's)
sed -i -e '/^agent: {/,/^};/{/^  engine = /d}' -e "s|^agent: {|agent: {\n  engine = \"realtime\";\n  realtime: { url = \"wss://localhost:$port/v1/realtime?model=gpt-4o-realtime-preview\"; ca_file = \"$dir/cert.pem\"; response_timeout_ms = 6000; silence_duration_ms = 800; };|" "$FRONTDESK_CONFIG"
export OPENAI_API_KEY=test-key

deploy/frontdeskctl stop >/dev/null 2>&1
deploy/datastore.sh reset >/dev/null || { bad "datastore reset"; echo "realtime: $pass passed, $fail failed"; exit 1; }
start_peer tests/e2e/realtime/booking_peer.json booking || bad "peer did not start"
deploy/frontdeskctl start >/dev/null || { bad "stack start"; echo "realtime: $pass passed, $fail failed"; exit 1; }

# one call: callsim's expectations, then the record
call() { # NAME SCENARIO
	local out=$dir/$1
	if $CALLSIM --json --scenario "$2" >"$out.json" 2>"$out.log"; then
		ok "$1: callsim's expectations hold"
	else
		bad "$1: callsim (see $out.log)"; tail -15 "$out.log"
	fi
	sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["call_sid"])' "$out.json" 2>/dev/null)
}

call booking tests/e2e/realtime/booking.json
if [ -n "$sid" ]; then
	appt=$(psqlq "select count(*) from appointments where source_call_sid = '$sid' and status = 'booked' and to_char(lower(during), 'YYYY-MM-DD HH24:MI') = '2026-11-24 10:00'")
	turns=$(psqlq "select count(*) from call_turns t where t.call_sid = '$sid' and ((t.role = 'caller' and t.text like '%oil change for next Tuesday%') or (t.role = 'agent' and t.text like '%Shall I book it?%') or (t.role = 'system' and t.text like 'realtime usage:%'))" 2>&1)
	[ "$appt" = 1 ] && ok "booking: one appointment row" || bad "booking: appointment rows $appt"
	[ "$turns" = 3 ] && ok "booking: caller and agent turns from the model's transcripts, usage and cost" || bad "booking: turns $turns"
	grep -q "$sid.*realtime engine takes the call" "$FRONTDESK_VAR/log/agent.log" && ok "booking: the Realtime engine ran the call" || bad "booking: the engine did not take the call"
	grep -q "$sid.*llm tool book_appointment" "$FRONTDESK_VAR/log/agent.log" || bad "booking: book_appointment not run by the engine"
fi

# the model fails on the caller's first turn: the pipeline finishes the call
stop_peer
start_peer tests/e2e/realtime/fallback_peer.json fallback || bad "peer did not start again"
call fallback tests/e2e/realtime/booking.json
if [ -n "$sid" ]; then
	grep -q "$sid.*the local pipeline takes the call" "$FRONTDESK_VAR/log/agent.log" && ok "fallback: the pipeline took the call" || bad "fallback: no fallback in the agent log"
	appt=$(psqlq "select count(*) from appointments where source_call_sid = '$sid' and status = 'booked'")
	[ "$appt" = 1 ] && ok "fallback: the booking went through on the pipeline" || bad "fallback: appointment rows $appt"
	said=$(psqlq "select count(*) from call_turns t where t.call_sid = '$sid' and t.role = 'caller' and t.text ilike '%yes%'" 2>&1)
	[ "${said:-0}" -ge 1 ] 2>/dev/null && ok "fallback: the caller's turn the model never answered is in the record" || bad "fallback: caller turn missing ($said)"
fi
echo "realtime: $pass passed, $fail failed"
[ $fail -eq 0 ]

#!/usr/bin/env bash
# The Realtime engine end to end: a stack of its own (REALTIME_PROFILE or
# PROFILE, default "realtime") with agent.engine = "realtime" pointed at
# tests/peers/openai/realtime_peer.py, called by callsim as Twilio would.
# Five scenarios from tests/scenarios run at once, each against its own
# script in tests/e2e/realtime/peer.json (the peer picks it by the caller's
# number in the call state):
#  - book-oil-change: greeting, find_slots, the read-back, the booking on
#    the caller's yes, end_call; the appointment, the outcome and the turns
#    from the model's transcripts must be there, and the read-back heard
#    whole before the yes;
#  - 20-message-caller-id-number (a message, take_message),
#    42-open-today (an answer from the instructions, info_only);
#  - 38-idle-caller: the caller says nothing; the engine asks twice
#    whether they are there, then the goodbye, then the call ends
#    (abandoned);
#  - 49-book-the-26th-after-3: the peer drops the socket on the caller's
#    first turn; the local pipeline answers that turn and books.
# The scenarios are the suite's own less heard_contains (the peer's voice
# is canned, nothing in it can be heard, so callsim does not listen:
# --no-hear); their expectations (outcome, hang-up, appointments) are
# checked by callsim, what the agent said in the call record.  The idle timer is short
# on this stack (agent.idle_prompt_ms 4 s, idle_hangup_ms 5 s); callsim
# waits up to 30 s for a reply (a shared, loaded host lags seconds).
# Prints "realtime ok ..." / "realtime FAIL ..." and
# "realtime: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
PROFILE=${REALTIME_PROFILE:-${PROFILE:-realtime}} . scripts/stack-env.sh
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "realtime ok   $*"; }
bad() { fail=$((fail + 1)); echo "realtime FAIL $*"; }
finish() { echo "realtime: $pass passed, $fail failed"; [ $fail -eq 0 ]; exit; }
dir=$FRONTDESK_VAR/realtime
rm -rf "$dir"
mkdir -p "$dir/calls" "$dir/rec"
peer_pid=""
cleanup() {
	[ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null && wait "$peer_pid" 2>/dev/null
	deploy/frontdeskctl stop >/dev/null 2>&1
}
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" \
    -days 1 -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null ||
	{ bad "openssl could not make the peer's certificate"; finish; }
PY=python3; $PY -c 'import websockets' 2>/dev/null || PY=/usr/bin/python3
$PY tests/peers/openai/realtime_peer.py --cert "$dir/cert.pem" --key "$dir/key.pem" \
    --log "$dir/peer.log" --script tests/e2e/realtime/peer.json >"$dir/peer.out" 2>&1 &
peer_pid=$!
for i in $(seq 1 100); do grep -q '^PORT' "$dir/peer.out" && break; sleep 0.05; done
port=$(sed -n 's/^PORT //p' "$dir/peer.out")
[ -n "$port" ] || { bad "peer did not start"; cat "$dir/peer.out"; finish; }

# the engine on, against the peer (the key is the peer's)
sed -i -e '/^agent: {/,/^};/{/^  engine = /d}' \
    -e "s|^agent: {|agent: {\n  engine = \"realtime\";\n  idle_prompt_ms = 4000;\n  idle_hangup_ms = 5000;\n  realtime: { url = \"wss://localhost:$port/v1/realtime?model=gpt-4o-realtime-preview\"; ca_file = \"$dir/cert.pem\"; response_timeout_ms = 6000; silence_duration_ms = 800; };|" "$FRONTDESK_CONFIG"
export OPENAI_API_KEY=test-key

# the scenarios, less what can only be heard
python3 - "$dir/calls" book-oil-change 20-message-caller-id-number 42-open-today \
    38-idle-caller 49-book-the-26th-after-3 <<'PY' || bad "the scenarios could not be copied"
import json, sys
for sc in sys.argv[2:]:
    s = json.load(open("tests/scenarios/%s.json" % sc))
    s["expect"].pop("heard_contains", None)
    json.dump(s, open("%s/%s.json" % (sys.argv[1], sc), "w"), indent=1)
PY

t0=$(date +%s)
deploy/frontdeskctl stop >/dev/null 2>&1
deploy/datastore.sh reset >/dev/null || { bad "datastore reset"; finish; }
deploy/frontdeskctl start >/dev/null || { bad "stack start"; finish; }
echo "realtime: the stack was up in $(($(date +%s) - t0)) s"

t0=$(date +%s)
$CALLSIM --no-hear --reply-timeout 30 --dir "$dir/calls" --parallel 5 --report "$dir/calls.json" --record "$dir/rec" >"$dir/calls.log" 2>&1
echo "realtime: the five calls took $(($(date +%s) - t0)) s"
# each scenario's call: "file sid pass|FAIL name", read once
declare -A SID
while read -r sc s res name; do
	SID[$sc]=$s
	if [ "$res" = pass ]; then
		ok "$sc: callsim's expectations hold"
	else
		bad "$sc: callsim (see $dir/calls.log)"; grep -F "$name" "$dir/calls.log" | head -5
	fi
done < <(python3 - "$dir" <<'PY'
import glob, json, os, sys
d = sys.argv[1]
try:
    done = {s["name"]: s for s in json.load(open(d + "/calls.json"))["scenarios"]}
except (OSError, ValueError, KeyError):
    done = {}
for f in sorted(glob.glob(d + "/calls/*.json")):
    name = json.load(open(f))["name"]
    r = done.get(name, {})
    print(os.path.basename(f)[:-5], r.get("call_sid") or "-",
          "pass" if r.get("passed") else "FAIL", name)
PY
)
sid() { [ "${SID[$1]:--}" != - ] && echo "${SID[$1]}"; }
alog=$FRONTDESK_VAR/log/agent.log
engine_ran() { # SID NAME: the engine ran the whole call
	if grep -q "$1.*realtime engine takes the call" "$alog" && ! grep -q "$1.*the local pipeline takes the call" "$alog"; then
		ok "$2: the Realtime engine ran the whole call"
	else
		bad "$2: the engine did not run the call (or fell back)"
	fi
}

s=$(sid book-oil-change)
if [ -n "$s" ]; then
	engine_ran "$s" booking
	appt=$(psqlq "select count(*) from appointments where source_call_sid = '$s' and status = 'booked' and to_char(lower(during), 'YYYY-MM-DD HH24:MI') = '2026-11-24 10:00'")
	turns=$(psqlq "select count(*) from call_turns t where t.call_sid = '$s' and ((t.role = 'caller' and t.text like '%oil change for next Tuesday%') or (t.role = 'agent' and t.text like '%Shall I book it?%') or (t.role = 'system' and t.text like 'realtime usage:%'))" 2>&1)
	[ "$appt" = 1 ] && ok "booking: one appointment row" || bad "booking: appointment rows $appt"
	[ "$turns" = 3 ] && ok "booking: caller and agent turns from the model's transcripts, usage and cost" || bad "booking: turns $turns"
	# the yes came after the whole read-back was heard, and booked once
	if grep -q "$s.*agent utt [0-9]* heard .*Shall I book it?" "$alog" &&
	    [ "$(grep -c "$s.*llm tool book_appointment" "$alog")" = 1 ] &&
	    ! grep -q "$s.*barge-in" "$alog"; then
		ok "booking: the read-back heard whole, then one book_appointment on the yes"
	else
		bad "booking: read-back cut or booking not run once"; grep "$s" "$alog" | grep -E "barge-in|utt|book_appointment|yes" | head
	fi
else
	bad "booking: no call sid"
fi

s=$(sid 20-message-caller-id-number)
if [ -n "$s" ]; then
	engine_ran "$s" message
	n=$(psqlq "select count(*) from messages where call_sid = '$s' and body like '%making a noise%' and callback_number = '+15559871020'" 2>&1)
	[ "$n" = 1 ] && ok "message: the message is stored" || bad "message: message rows $n"
fi
s=$(sid 42-open-today)
[ -n "$s" ] && engine_ran "$s" hours

s=$(sid 38-idle-caller)
if [ -n "$s" ]; then
	engine_ran "$s" idle
	if grep -q "$s.*caller silent (2) (realtime)" "$alog" && grep -q "$s.*caller silent (3) (realtime)" "$alog" &&
	    grep -q "$s.*agent utt [0-9]* heard .*Goodbye" "$alog"; then
		ok "idle: two prompts from the model, its goodbye heard, then the end"
	else
		bad "idle: prompts or goodbye missing"; grep "$s" "$alog" | grep -E "silent|utt" | head
	fi
fi

# the model fails on the caller's first turn: the pipeline finishes the call
s=$(sid 49-book-the-26th-after-3)
if [ -n "$s" ]; then
	grep -q "$s.*the local pipeline takes the call" "$alog" && ok "fallback: the pipeline took the call" || bad "fallback: no fallback in the agent log"
	appt=$(psqlq "select count(*) from appointments where source_call_sid = '$s' and status = 'booked' and to_char(lower(during), 'YYYY-MM-DD HH24:MI') = '2027-01-26 15:00'")
	[ "$appt" = 1 ] && ok "fallback: the booking went through on the pipeline" || bad "fallback: appointment rows $appt"
	said=$(psqlq "select count(*) from call_turns t where t.call_sid = '$s' and t.role = 'caller' and t.text ilike '%yes%'" 2>&1)
	[ "${said:-0}" -ge 1 ] 2>/dev/null && ok "fallback: the caller's turn the model never answered is in the record" || bad "fallback: caller turn missing ($said)"
fi
finish

#!/usr/bin/env bash
# Inbound calls that fall through the agent, end to end: the real stack
# with callsim as the carrier (its REST port takes the transfer's <Dial>,
# plays the staff member's leg and serves recordings).  The scenarios of
# tests/e2e/fallthrough/: a warm transfer the staff member declines after
# the whisper, one nobody answers (both come back to the agent, which takes
# a message), one taken; then the voicemail box, chosen by config
# (gateway.voicemail_box, SIGHUP) and with the agent stopped (degraded).
# The checks read callsim's verdicts and carrier log, the gateway's log
# and PostgreSQL.  Prints "fallthrough: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
PROFILE=${FALL_PROFILE:-fallthrough} . scripts/stack-env.sh

pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "fallthrough ok   $*"; }
bad()  { fail=$((fail + 1)); echo "fallthrough FAIL $*"; }

CLOG=$FRONTDESK_VAR/carrier.jsonl
LOGS=$FRONTDESK_VAR/log
SC=tests/e2e/fallthrough
stopped=""
cleanup() {
	[ -n "$stopped" ] && kill -CONT "$stopped" 2>/dev/null
	deploy/frontdeskctl stop >/dev/null 2>&1
}
trap cleanup EXIT
deploy/frontdeskctl stop >/dev/null 2>&1
rm -rf "$LOGS" "$CLOG"
deploy/datastore.sh reset >/dev/null || { echo "fallthrough: datastore reset failed"; exit 1; }
if ! deploy/frontdeskctl start; then
	bad "stack start"; echo "fallthrough: $pass passed, $fail failed"; exit 1
fi
wait_healthy || bad "gateway /healthz did not answer"

# run one scenario; its call sid in $sid, its output in $FRONTDESK_VAR/NAME.out
run() { # NAME
	$CALLSIM --carrier-log "$CLOG" --scenario "$SC/$1.json" >"$FRONTDESK_VAR/$1.out" 2>&1
	local rc=$?
	sid=$(sed -n 's/^== .*(\(CA[0-9a-f]*\))$/\1/p' "$FRONTDESK_VAR/$1.out" | head -1)
	return $rc
}
verdict() { # NAME WHAT
	if run "$1"; then
		ok "$2"
	else
		bad "$2: $(grep -E 'FAIL' "$FRONTDESK_VAR/$1.out" | head -5 | tr '\n' ' ')"
		tail -25 "$FRONTDESK_VAR/$1.out"
	fi
}

# 1. warm transfer, declined: whisper, key 2, back to the agent, message
verdict declined "warm transfer declined: the staff member heard who and why, the caller was offered a message and left it"
if grep "$sid" "$LOGS/gateway.log" | grep -q 'whisper to .*real person' &&
    grep "$sid" "$LOGS/gateway.log" | grep -q 'transfer declined by the staff member (key 2)' &&
    grep "$sid" "$LOGS/gateway.log" | grep -q 'not taken (declined'; then
	ok "gateway: whisper with the caller's words, key 2 declined, call back to the agent"
else
	bad "gateway log for the declined transfer: $(grep "$sid" "$LOGS/gateway.log" | tail -5)"
fi
grep "$sid" "$LOGS/agent.log" | grep -q 'back from the transfer (declined)' &&
    ok "agent resumed the call from its session after the transfer" ||
    bad "agent did not resume $sid: $(grep "$sid" "$LOGS/agent.log" | tail -3)"
row=$(psqlq "select outcome || ' ' || coalesce(end_reason, '-') from calls where call_sid = '$sid'")
msg=$(psqlq "select count(*) from messages where call_sid = '$sid'")
# the record was reopened: it ends with the call, not at the transfer
[ "$row" != "${row#message_taken }" ] && [ "${row#message_taken }" != transfer ] && [ "$msg" = 1 ] &&
    ok "declined transfer: one record (reopened, outcome message_taken, end '${row#* }') and the message" ||
    bad "declined transfer: record '$row', messages $msg"

# 2. nobody answers: DialCallStatus no-answer, back to the agent
verdict no-answer "transfer nobody answered: back to the agent, which took a message"
grep "$sid" "$LOGS/gateway.log" | grep -q 'not taken (no-answer, DialCallStatus no-answer)' &&
    ok "gateway: <Dial action> no-answer streamed the call back" ||
    bad "gateway log for the unanswered transfer: $(grep "$sid" "$LOGS/gateway.log" | tail -3)"

# 3. taken: key 1 bridges, the action then hangs up
verdict accepted "warm transfer taken after the whisper (key 1, bridged)"
grep "$sid" "$LOGS/gateway.log" | grep -q 'transfer accepted by the staff member (key 1)' &&
    grep "$sid" "$LOGS/gateway.log" | grep -q 'ended after the staff member talked' &&
    ok "gateway: key 1 accepted, the bridged call ended at the action" ||
    bad "gateway log for the taken transfer: $(grep "$sid" "$LOGS/gateway.log" | tail -3)"

# 4. the voicemail box, chosen by the business (config, reloaded)
sed -i 's|^gateway: {|gateway: {\n  voicemail_box = true;|' "$FRONTDESK_CONFIG"
kill -HUP "$(cat "$FRONTDESK_VAR/sv/gateway.pid")"
sleep 1
vm_checks() { # WHAT
	local rsid body job rec
	rsid=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "recording_fetch": r = e["sid"]
print(r)' "$CLOG" 2>/dev/null)
	body=$(psqlq "select body from messages where call_sid = '$sid'")
	job=$(psqlq "select j.status || ' ' || j.kind from jobs j join messages m on m.id = j.message_id where m.call_sid = '$sid'")
	rec=$(psqlq "select outcome || ' ' || end_reason from calls where call_sid = '$sid'")
	if grep "$sid" "$LOGS/gateway.log" | grep -q "fetching .*/Recordings/$rsid" &&
	    [ "${body#Voicemail: }" != "$body" ] && grep -qi 'brakes' <<<"$body" &&
	    [ "$job" = "pending callback" ] && [ "$rec" = "message_taken voicemail" ]; then
		ok "$1: recording $rsid fetched, transcribed ('$body'), message + pending callback job, record closed"
	else
		bad "$1: recording '$rsid', message '$body', job '$job', record '$rec'"
	fi
}
verdict voicemail "voicemail box (gateway.voicemail_box): <Record>, the recording served and its signed callback posted"
vm_checks "voicemail box by config"

# 5. the stack degraded: the agent stopped (SIGSTOP: no heartbeat), the
# box off again; the call still gets the box
sed -i '/^  voicemail_box = true;$/d' "$FRONTDESK_CONFIG"
kill -HUP "$(cat "$FRONTDESK_VAR/sv/gateway.pid")"
stopped=$(cat "$FRONTDESK_VAR/sv/agent.pid")
kill -STOP "$stopped"
sleep 6
sed 's/+15559871104/+15559871105/; s/voicemail box: the caller/voicemail box, agent down: the caller/' \
    "$SC/voicemail.json" >"$FRONTDESK_VAR/voicemail-degraded.json"
$CALLSIM --carrier-log "$CLOG" --scenario "$FRONTDESK_VAR/voicemail-degraded.json" >"$FRONTDESK_VAR/degraded.out" 2>&1
rc=$?
sid=$(sed -n 's/^== .*(\(CA[0-9a-f]*\))$/\1/p' "$FRONTDESK_VAR/degraded.out" | head -1)
kill -CONT "$stopped"; stopped=""
if [ $rc = 0 ] && grep "$sid" "$LOGS/gateway.log" | grep -q 'to the voicemail box (the stack cannot answer)'; then
	ok "agent not heard: the call went to the voicemail box"
else
	bad "degraded voicemail: rc $rc, $(grep -E 'FAIL' "$FRONTDESK_VAR/degraded.out" | head -3 | tr '\n' ' ')"
fi
vm_checks "voicemail box with the agent down"

# and back: with the agent heard again, an inbound call streams
sleep 2
body="CallSid=CA$(printf '%032d' 77)&AccountSid=$TWILIO_ACCOUNT_SID&From=%2B15551230077&To=%2B15555550100&CallStatus=ringing&Direction=inbound"
sig=$(python3 - "$PUBLIC/twilio/voice" "$body" "$TWILIO_AUTH_TOKEN" <<'PY'
import sys, hmac, hashlib, base64, urllib.parse
url, body, tok = sys.argv[1:4]
data = url + "".join(k + v for k, v in sorted(urllib.parse.parse_qsl(body, keep_blank_values=True)))
print(base64.b64encode(hmac.new(tok.encode(), data.encode(), hashlib.sha1).digest()).decode())
PY
)
out=$(curl -s -H "X-Twilio-Signature: $sig" --data "$body" "$GW/twilio/voice")
grep -q '<Connect><Stream' <<<"$out" && ok "agent back: inbound calls stream to it again" ||
    bad "after the agent came back the webhook answered: $out"

echo "fallthrough: $pass passed, $fail failed"
[ $fail -eq 0 ]

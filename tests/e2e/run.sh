#!/usr/bin/env bash
# End-to-end tests: start the real stack (PostgreSQL, Redis, six daemons)
# on private ports and directories, then drive it as Twilio would with
# callsim and plain HTTP.  Prints "e2e: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
PROFILE=${E2E_PROFILE:-e2e} . scripts/stack-env.sh
SUITE_PARALLEL=${SUITE_PARALLEL:-4}

pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "e2e ok   $*"; }
bad()  { fail=$((fail + 1)); echo "e2e FAIL $*"; }

laneA=""; laneB=""
cleanup() {
	[ -n "$laneA$laneB" ] && kill $laneA $laneB 2>/dev/null
	deploy/frontdeskctl stop >/dev/null 2>&1
}
trap cleanup EXIT
deploy/frontdeskctl stop >/dev/null 2>&1
rm -rf "$FRONTDESK_VAR/log"
# every run starts from a fresh database: bookings from an earlier run
# would block the slots and make test callers known customers
deploy/datastore.sh reset >/dev/null || { echo "e2e: datastore reset failed"; exit 1; }
if ! deploy/frontdeskctl start; then
	bad "stack start"
	echo "e2e: $pass passed, $fail failed"; exit 1
fi

wait_healthy && ok "gateway /healthz answers" || bad "gateway /healthz did not answer"

sign() { # URL FORMBODY -> signature, with Twilio's algorithm (independent of our C code)
	python3 - "$1" "$2" "$TWILIO_AUTH_TOKEN" <<'PY'
import sys, hmac, hashlib, base64, urllib.parse
url, body, tok = sys.argv[1:4]
pairs = sorted(urllib.parse.parse_qsl(body, keep_blank_values=True))
data = url + "".join(k + v for k, v in pairs)
print(base64.b64encode(hmac.new(tok.encode(), data.encode(), hashlib.sha1).digest()).decode())
PY
}

body="CallSid=CA$(printf '%032d' 1)&AccountSid=$TWILIO_ACCOUNT_SID&From=%2B15551230001&To=%2B15555550100&CallStatus=ringing&Direction=inbound"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Twilio-Signature: AAAAAAAAAAAAAAAAAAAAAAAAAAA=" --data "$body" "$GW/twilio/voice")
[ "$code" = 403 ] && ok "forged webhook rejected (403)" || bad "forged webhook answered $code, want 403"
code=$(curl -s -o /dev/null -w '%{http_code}' --data "$body" "$GW/twilio/voice")
[ "$code" = 403 ] && ok "unsigned webhook rejected (403)" || bad "unsigned webhook answered $code, want 403"
sig=$(sign "$PUBLIC/twilio/voice" "$body")
out=$(curl -s -w '\n%{http_code}' -H "X-Twilio-Signature: $sig" --data "$body" "$GW/twilio/voice")
if [ "$(tail -n1 <<<"$out")" = 200 ] && grep -q '<Connect><Stream url="wss://frontdesk.example.com/twilio/media"' <<<"$out"; then
	ok "signed webhook answered with <Connect><Stream>"
else
	bad "signed webhook: $out"
fi

# call data is closed without credentials; the stack's token opens it
for path in /api/v1/calls /; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$GW$path")
	[ "$code" = 401 ] && ok "GET $path without a token: 401" || bad "GET $path without a token answered $code, want 401"
done
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong-$FRONTDESK_API_TOKEN" "$GW/api/v1/calls")
[ "$code" = 401 ] && ok "GET /api/v1/calls with a wrong token: 401" || bad "wrong token answered $code, want 401"
for path in "/api/v1/calls?limit=5" /; do
	code=$(apicurl -s -o /dev/null -w '%{http_code}' "$GW$path")
	[ "$code" = 200 ] && ok "GET $path with the token: 200" || bad "GET $path with the token answered $code, want 200"
done
# request limits: answered, not dropped or held
host=${GW#http://}
read -r code ms < <(python3 tests/e2e/slow_http.py "${host%:*}" "${host##*:}" bigcl)
[ "$code" = 413 ] && ok "POST announcing 10 MB: 413 before the body ($ms ms)" || bad "POST announcing 10 MB answered '$code', want 413"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "User-Agent: $(head -c 12000 /dev/zero | tr '\0' a)" "$GW/healthz")
[ "$code" = 431 ] && ok "12 KB request header: 431" || bad "12 KB request header answered $code, want 431"
read -r code ms < <(python3 tests/e2e/slow_http.py "${host%:*}" "${host##*:}" slow)
[ "$code" = 408 ] && [ "$ms" -lt 15000 ] && ok "body a byte a second: 408 after $ms ms" || bad "slow body answered '$code' after $ms ms, want 408 within 15 s"

# malformed Media Streams traffic must not take the gateway down
gwpid=$(cat "$FRONTDESK_VAR/sv/gateway.pid" 2>/dev/null)
$CALLSIM --send-garbage >"$FRONTDESK_VAR/garbage.log" 2>&1
if curl -fsS "$GW/healthz" >/dev/null && [ "$gwpid" = "$(cat "$FRONTDESK_VAR/sv/gateway.pid" 2>/dev/null)" ]; then
	ok "gateway survives malformed Media Streams messages"
else
	bad "gateway after malformed messages (see $FRONTDESK_VAR/garbage.log)"
fi

# a Media Stream must belong to a call the gateway answered (the one-time
# stream token of its TwiML), and the caller is who the signed webhook said
PY=python3; $PY -c 'import websockets' 2>/dev/null || PY=/usr/bin/python3
SA="$PY tests/e2e/stream_auth.py --gateway $GW --public $PUBLIC"
LOGS=$FRONTDESK_VAR/log
apiget() { curl -s ${FRONTDESK_API_TOKEN:+-H "Authorization: Bearer $FRONTDESK_API_TOKEN"} -w '\n%{http_code}' "$GW/api/v1/calls/$1"; }
jget() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
# no daemon may have heard of a refused call: the gateway logged its one
# refusal line, nothing else in any log names it, and it has no record
refused_quietly() { # SID WHAT
	local n other rec
	sleep 1
	n=$(grep -c "$1.*refused" "$LOGS/gateway.log")
	other=$(grep -l "$1" "$LOGS"/*.log | grep -v '/gateway.log$')
	rec=$(apiget "$1" | tail -n1)
	if [ "$n" = 1 ] && [ -z "$other" ] && ! grep "$1" "$LOGS/gateway.log" | grep -q 'started' && [ "$rec" = 404 ]; then
		ok "$2: socket closed, no CALL_START, no call record"
	else
		bad "$2: refusal lines $n, other logs naming it: ${other:-none}, record HTTP $rec"
	fi
}
gwpid=$(cat "$FRONTDESK_VAR/sv/gateway.pid" 2>/dev/null)
if out=$($SA unannounced 2>"$FRONTDESK_VAR/stream-auth.log"); then
	refused_quietly "$(jget call_sid <<<"$out")" "stream for a CallSid no webhook announced"
else
	bad "stream for an unannounced CallSid was not closed: $out"
fi
if curl -fsS "$GW/healthz" >/dev/null && [ "$gwpid" = "$(cat "$FRONTDESK_VAR/sv/gateway.pid" 2>/dev/null)" ]; then
	ok "gateway keeps serving after refusing a stream"
else
	bad "gateway after a refused stream"
fi
if out=$($SA wrong-token 2>>"$FRONTDESK_VAR/stream-auth.log"); then
	refused_quietly "$(jget call_sid <<<"$out")" "stream with another token than its TwiML's"
else
	bad "stream with a wrong token was not closed: $out"
fi
# John Smith's webhook, Susan Anderson's number in customParameters.From
if out=$($SA forged-from --from +15551230001 --forged +15551230010 --now 2026-11-20T10:00:00 2>>"$FRONTDESK_VAR/stream-auth.log"); then
	fsid=$(jget call_sid <<<"$out"); ftok=$(jget token <<<"$out")
	rec=""
	for i in $(seq 1 30); do
		rec=$(apiget "$fsid")
		[ "$(tail -n1 <<<"$rec")" = 200 ] && python3 -c 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if any(t["role"] == "agent" for t in r["turns"]) else 1)' "$(head -n -1 <<<"$rec")" && break
		sleep 0.5
	done
	if python3 - "$(head -n -1 <<<"$rec")" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
said = " ".join(t["text"] for t in r["turns"] if t["role"] == "agent")
cu = r.get("customer") or {}
ok = (r["from"] == "+15551230001" and cu.get("first_name") == "John"
      and "John" in said and "Susan" not in said and "Anderson" not in said)
print("from %s, customer %s, agent said: %s" % (r["from"], cu.get("first_name"), said[:200]), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
	then
		ok "stream forging customParameters.From is greeted as the signed webhook's caller"
	else
		bad "forged From: record ${rec:0:400}"
	fi
	if $SA replay --call-sid "$fsid" --stream-token "$ftok" >>"$FRONTDESK_VAR/stream-auth.log" 2>&1 &&
	    [ "$(grep -c "$fsid.*refused" "$LOGS/gateway.log")" = 1 ] &&
	    [ "$(grep "$fsid" "$LOGS/gateway.log" | grep -c 'started')" = 1 ]; then
		ok "a replayed stream token is refused"
	else
		bad "replayed stream token (see $FRONTDESK_VAR/stream-auth.log)"
	fi
else
	bad "stream with the right token and a forged From was refused: $out"
fi

# one booking call over audio, then the appointment must be in PostgreSQL
if $CALLSIM --scenario tests/e2e/booking.json --json >"$FRONTDESK_VAR/booking.json" 2>"$FRONTDESK_VAR/booking.log"; then
	sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["call_sid"])' "$FRONTDESK_VAR/booking.json")
	n=$(psqlq "select count(*) from appointments where source_call_sid = '$sid' and status = 'booked'" 2>&1)
	if [ "$n" = 1 ]; then ok "booking call: appointment in PostgreSQL, agent hung up"
	else bad "booking call: $n appointments for $sid"; fi
else
	bad "booking call (see $FRONTDESK_VAR/booking.log)"; tail -20 "$FRONTDESK_VAR/booking.log"
fi

# that call's recording, turns and cost; retention of an aged call
if [ -n "${sid:-}" ]; then
	PROFILE=${E2E_PROFILE:-e2e} tests/e2e/recording.sh "$sid" >"$FRONTDESK_VAR/recording.log" 2>&1
	grep -E '^recording (ok|FAIL)' "$FRONTDESK_VAR/recording.log" | sed 's/^recording /e2e recording /'
	pass=$((pass + $(grep -c '^recording ok' "$FRONTDESK_VAR/recording.log")))
	fail=$((fail + $(grep -c '^recording FAIL' "$FRONTDESK_VAR/recording.log")))
fi

# a real call goes through while SLOW_CLIENTS slow POSTs hold connections
flag=$FRONTDESK_VAR/slow-clients.on
touch "$flag"
python3 tests/e2e/slow_http.py "${host%:*}" "${host##*:}" hold "${SLOW_CLIENTS:-20}" "$flag" >"$FRONTDESK_VAR/slow-clients.txt" 2>&1 &
slowpid=$!
t0=$SECONDS
sleep 1
if $CALLSIM --scenario tests/scenarios/41-address-and-price.json >"$FRONTDESK_VAR/slow-call.log" 2>&1; then
	callok=1
else
	callok=0
fi
# long enough for the first slow clients to have been answered 408
[ $((SECONDS - t0)) -lt 13 ] && sleep $((13 - (SECONDS - t0)))
rm -f "$flag"
wait $slowpid
read -r n408 nother <"$FRONTDESK_VAR/slow-clients.txt"
if [ "$callok" = 1 ] && [ "${n408:-0}" -gt 0 ]; then
	ok "call completed while ${SLOW_CLIENTS:-20} slow clients held connections ($n408 answered 408, $nother otherwise)"
else
	bad "call under slow clients: call ok=$callok, slow clients answered 408: ${n408:-?} (see $FRONTDESK_VAR/slow-call.log)"
	tail -20 "$FRONTDESK_VAR/slow-call.log"
fi

# The sub-suites, each a suite on a stack of its own (own ports, own
# PostgreSQL and Redis), run in two lanes beside the scenario suite; what
# they print is read at the end.
sub_run() { # NAME CMD...
	local name=$1 t0=$SECONDS; shift
	"$@" >"$FRONTDESK_VAR/$name.log" 2>&1
	echo $((SECONDS - t0)) >"$FRONTDESK_VAR/$name.secs"
}
p=${E2E_PROFILE:-e2e}
rm -f "$FRONTDESK_VAR"/*.secs
(
	# outbound calls (outbound on, callsim as the carrier)
	sub_run outbound env STACK_OFFSET=$(stack_slot 1) OUTBOUND_PROFILE=$p-outbound tests/e2e/outbound.sh
	# nginx in front (deploy/nginx/frontdesk.conf, TLS with a test CA)
	sub_run nginx env STACK_OFFSET=$(stack_slot 2) NGINX_PROFILE=$p-nginx tests/e2e/nginx.sh
	# the deployment checks (supervisor, systemd units, compose, the
	# going-live configs)
	sub_run deploy env STACK_OFFSET=$(stack_slot 3) SUPERVISOR_PROFILE=$p-sv tests/deploy/run.sh
	# the Realtime engine against tests/peers/openai/realtime_peer.py: five
	# scenarios at once (booking, message, hours, a silent caller, and a
	# fallback to the pipeline when the model drops the socket)
	sub_run realtime env STACK_OFFSET=$(stack_slot 7) REALTIME_PROFILE=$p-rt tests/e2e/realtime.sh
) &
laneA=$!
(
	# the admin API and frontdeskctl's call commands (its settings change
	# the business name)
	sub_run admin_api env STACK_OFFSET=$(stack_slot 4) ADMIN_PROFILE=$p-admin tests/e2e/admin_api.sh
	# inbound calls that fall through the agent (warm transfer, a
	# transfer nobody takes, the voicemail box)
	sub_run fallthrough env STACK_OFFSET=$(stack_slot 5) FALL_PROFILE=$p-fall tests/e2e/fallthrough.sh
	# several hosts (network namespaces, cluster mode): 20 calls, a
	# worker host killed mid-calls (skips where namespaces are not allowed)
	sub_run multihost env STACK_OFFSET=$(stack_slot 6) MULTIHOST_PROFILE=$p-multihost tests/e2e/multihost.sh
) &
laneB=$!

# the scenario suite
if [ -d tests/scenarios ] && ls tests/scenarios/*.json >/dev/null 2>&1; then
	$CALLSIM --dir tests/scenarios --parallel "$SUITE_PARALLEL" --report "$FRONTDESK_VAR/suite.json" \
		>"$FRONTDESK_VAR/suite.log" 2>&1
	sp=$(sed -n 's/^scenarios: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$FRONTDESK_VAR/suite.log")
	sf=$(sed -n 's/^scenarios: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$FRONTDESK_VAR/suite.log")
	sp=${sp:-0}; sf=${sf:-0}
	tot=$((sp + sf))
	grep -E 'FAIL|fail' "$FRONTDESK_VAR/suite.log" | head -40
	if [ $tot -gt 0 ] && [ $((sp * 100)) -ge $((tot * 95)) ]; then
		ok "scenario suite: $sp/$tot passed (>= 95%)"
	else
		bad "scenario suite: $sp/$tot passed (< 95%)"
	fi
fi

# the dashboard in headless Chromium after the calls above: every page,
# the overview's figures against /api/v1/stats, the booking call's page and
# recording, a call appearing live; each of its checks counts here
DASH_CALL_SID=${sid:-} GW=$GW CALLSIM=$CALLSIM tests/dashboard/run.sh --running >"$FRONTDESK_VAR/dashboard.log" 2>&1
grep -E '^dashboard (ok|FAIL|note)' "$FRONTDESK_VAR/dashboard.log" | sed 's/^dashboard /e2e dashboard /'
dp=$(sed -n 's/^dashboard: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$FRONTDESK_VAR/dashboard.log")
df=$(sed -n 's/^dashboard: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$FRONTDESK_VAR/dashboard.log")
if [ -z "$dp" ]; then
	bad "dashboard test did not finish (see $FRONTDESK_VAR/dashboard.log)"; tail -20 "$FRONTDESK_VAR/dashboard.log"
else
	pass=$((pass + dp)); fail=$((fail + df))
fi

# every subscriber hears a restarted publisher again (make faults runs
# 20 restarts per daemon; 3 here)
if RESTARTS=3 tests/faults/reconnect.sh --running >"$FRONTDESK_VAR/faults.log" 2>&1; then
	ok "subscribers reconnect to every publisher after kill -9 (3x each)"
else
	bad "subscribers after publisher restarts (see $FRONTDESK_VAR/faults.log)"; cat "$FRONTDESK_VAR/faults.log"
fi

# nothing the caller says is lost to an stt-worker crash: killed -9 while
# the caller says the service, day and time, the call still books
if out=$(PROFILE=${E2E_PROFILE:-e2e} tests/e2e/stt_restart.sh --running 2>&1); then
	ok "${out#stt-restart: ok }"
else
	bad "booking through an stt-worker crash: $out"
fi

# the supervisor restarts a crashed daemon
apid=$(cat "$FRONTDESK_VAR/sv/agent.pid" 2>/dev/null)
if [ -n "$apid" ]; then
	kill -KILL "$apid"
	new=""
	for i in $(seq 1 50); do
		sleep 0.1
		new=$(cat "$FRONTDESK_VAR/sv/agent.pid" 2>/dev/null)
		[ -n "$new" ] && [ "$new" != "$apid" ] && kill -0 "$new" 2>/dev/null && break
	done
	[ -n "$new" ] && [ "$new" != "$apid" ] && ok "supervisor restarted a killed agent" || bad "agent not restarted"
fi

# a gateway restart: the call it carried is lost at the carrier, and its
# record is closed as failed (end reason gateway_restart) within seconds
gpid=$(cat "$FRONTDESK_VAR/sv/gateway.pid" 2>/dev/null)
if [ -n "$gpid" ]; then
	$CALLSIM --scenario tests/e2e/booking.json >"$FRONTDESK_VAR/gwrestart.log" 2>&1 &
	simpid=$!
	sid=""
	for i in $(seq 1 100); do
		sid=$(psqlq "select call_sid from calls where ended_at is null and gateway is not null order by started_at desc limit 1" 2>/dev/null)
		[ -n "$sid" ] && break
		sleep 0.1
	done
	if [ -z "$sid" ]; then
		bad "gateway restart: no call in progress to cut off"
	else
		kill -KILL "$gpid"
		t0=$(date +%s.%N)
		new=""
		for i in $(seq 1 100); do
			sleep 0.1
			new=$(cat "$FRONTDESK_VAR/sv/gateway.pid" 2>/dev/null)
			[ -n "$new" ] && [ "$new" != "$gpid" ] && kill -0 "$new" 2>/dev/null && break
		done
		row=""
		for i in $(seq 1 100); do
			row=$(psqlq "select outcome || ' ' || end_reason from calls where call_sid = '$sid' and ended_at is not null" 2>/dev/null)
			[ -n "$row" ] && break
			sleep 0.1
		done
		took=$(python3 -c "import sys,time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$t0")
		if [ "$row" = "failed gateway_restart" ]; then
			ok "gateway restart: the cut-off call's record closed as failed ${took}s after the kill"
		else
			bad "gateway restart: call $sid record '$row' ${took}s after the kill"
		fi
		wait_healthy && ok "gateway answers again after its restart" || bad "gateway not back after its restart"
	fi
	kill "$simpid" 2>/dev/null
	wait "$simpid" 2>/dev/null
fi

if [ $fail -gt 0 ]; then
	for l in "$FRONTDESK_VAR"/log/*.log; do echo "--- $l"; tail -15 "$l"; done
fi

# the sub-suites ran in their lanes beside the checks above: each one's
# "... ok|FAIL ..." lines are printed as e2e NAME's and each of its checks
# ("NAME: N passed, N failed") counts here
wait $laneA $laneB
for name in outbound admin_api fallthrough nginx deploy realtime multihost; do
	log="$FRONTDESK_VAR/$name.log"
	grep -E '^[a-z_]+ (ok|FAIL|SKIP)' "$log" | sed -E "s/^($name )?/e2e $name /"
	sp=$(sed -n "s/^$name: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p" "$log")
	sf=$(sed -n "s/^$name: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p" "$log")
	if [ -z "$sp" ]; then
		bad "$name e2e did not finish (see $log)"; tail -20 "$log"
	else
		pass=$((pass + sp)); fail=$((fail + sf))
		[ "${sf:-0}" -gt 0 ] && tail -60 "$log"
	fi
	echo "e2e: $name took $(cat "$FRONTDESK_VAR/$name.secs" 2>/dev/null || echo '?') s"
done
echo "e2e: $pass passed, $fail failed"
[ $fail -eq 0 ]

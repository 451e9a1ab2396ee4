#!/usr/bin/env bash
# The admin API and the operator's CLI end to end, on a private stack with
# outbound on and callsim as the carrier (tests/e2e/outbound-callees.json):
#  - a booking call over audio, followed live by `frontdeskctl tail`, then
#    found by `frontdeskctl calls --today / --outcome booked` and shown by
#    `frontdeskctl call SID` (transcript, tool calls, appointment);
#  - GET /api/v1/stats for today adds up (days, outcomes, directions) and
#    equals what PostgreSQL holds; the call has its latencies;
#  - GET /metrics: 401 without the token, `promtool check metrics` passes,
#    every daemon is up and reports its histograms;
#  - PUT /api/v1/config: a bad one is refused field by field; a new
#    business name is in force at every daemon without a restart: the next
#    call is greeted with it;
#  - POST /api/v1/calls: a reminder and a custom call placed through the
#    scheduler's jobs reach the carrier; the placed call's record names
#    its job.
# Prints "admin_api: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
PROFILE=${ADMIN_PROFILE:-admin} OUTBOUND=1 . scripts/stack-env.sh

pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "admin_api ok   $*"; }
# callsid FILE: the call of callsim's --json report (a summary line follows it)
callsid() { python3 -c 'import json,sys; print(json.JSONDecoder().raw_decode(open(sys.argv[1]).read())[0].get("call_sid",""))' "$1" 2>/dev/null; }
bad()  { fail=$((fail + 1)); echo "admin_api FAIL $*"; }

V=$FRONTDESK_VAR
CLOG=$V/carrier.jsonl
simpid=""; tailpid=""
cleanup() {
	[ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null && wait "$tailpid" 2>/dev/null
	[ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
	deploy/frontdeskctl stop >/dev/null 2>&1
	rm -f "$V/settings.conf"
}
trap cleanup EXIT
deploy/frontdeskctl stop >/dev/null 2>&1
rm -rf "$V/log" "$CLOG" "$V/settings.conf"
deploy/datastore.sh reset >/dev/null || { echo "admin_api: datastore reset failed"; exit 1; }
if ! deploy/frontdeskctl start; then
	bad "stack start"; echo "admin_api: $pass passed, $fail failed"; exit 1
fi
wait_healthy || bad "gateway /healthz did not answer"
ctl=deploy/frontdeskctl
$ctl tail --for 900 >"$V/tail.log" 2>&1 &
tailpid=$!
sleep 1.5       # tail's first look: the calls before it are not followed
today=$(TZ=$BUSINESS_TZ date +%F)

# --- a call, the CLI and the drill-down
sid=""
if $CALLSIM --scenario tests/e2e/booking.json --json >"$V/booking.json" 2>"$V/booking.log"; then
	sid=$(callsid "$V/booking.json")
	[ -n "$sid" ] && ok "booking call $sid" || bad "booking call: no call sid in $V/booking.json"
else
	bad "booking call (see $V/booking.log)"
	sid=$(psqlq "select call_sid from calls order by started_at desc limit 1")
fi
$ctl calls --today >"$V/calls-today.txt" 2>&1
if grep -q "$sid" "$V/calls-today.txt" && grep -q "booked" "$V/calls-today.txt"; then
	ok "frontdeskctl calls --today lists the call, booked"
else bad "frontdeskctl calls --today: $(cat "$V/calls-today.txt")"; fi
$ctl calls --outcome booked >"$V/calls-booked.txt" 2>&1
$ctl calls --outcome transferred >"$V/calls-transferred.txt" 2>&1
if grep -q "$sid" "$V/calls-booked.txt" && ! grep -q "$sid" "$V/calls-transferred.txt"; then
	ok "frontdeskctl calls --outcome filters"
else bad "frontdeskctl calls --outcome: $(cat "$V/calls-booked.txt" "$V/calls-transferred.txt")"; fi
if $ctl calls --direction sideways >"$V/calls-bad.txt" 2>&1; then
	bad "calls --direction sideways was not refused"
elif grep -q "HTTP 400.*direction" "$V/calls-bad.txt"; then
	ok "a bad filter is a 400 naming it"
else bad "calls --direction sideways: $(cat "$V/calls-bad.txt")"; fi
$ctl call "$sid" >"$V/call.txt" 2>&1
if grep -q "^transcript" "$V/call.txt" && grep -qi "thanks for calling" "$V/call.txt" &&
    grep -q "book_appointment(" "$V/call.txt" && grep -q "^appointments" "$V/call.txt" &&
    grep -q "outcome  booked" "$V/call.txt"; then
	ok "frontdeskctl call SID: transcript, tool calls, appointment, outcome"
else bad "frontdeskctl call SID: $(head -40 "$V/call.txt")"; fi
# tail printed the call as it happened: its start, turns, tools, end
short=${sid: -8}
for _ in $(seq 1 10); do grep -q "$short  ended" "$V/tail.log" && break; sleep 0.5; done
if grep -q "call $sid" "$V/tail.log" && grep -q "$short  caller" "$V/tail.log" &&
    grep -q "$short  agent" "$V/tail.log" && grep -q "$short  tool   book_appointment ok" "$V/tail.log" &&
    grep -q "$short  ended .*outcome booked" "$V/tail.log"; then
	ok "frontdeskctl tail followed the call live"
else bad "frontdeskctl tail: $(cat "$V/tail.log")"; fi

# --- stats add up and match the database
apicurl -sS "$GW/api/v1/stats?from=$today&to=$today" >"$V/stats.json"
db_calls=$(psqlq "select count(*) from calls where started_at >= '$today'::date and started_at < '$today'::date + 1")
db_book=$(psqlq "select count(*) from appointments a join calls c on c.call_sid = a.source_call_sid where c.started_at >= '$today'::date and c.started_at < '$today'::date + 1")
if out=$(python3 - "$V/stats.json" "$db_calls" "$db_book" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
want = ["from", "to", "calls", "inbound", "outbound", "per_day", "outcomes", "avg_duration_s", "bookings",
        "leads", "messages", "transfers", "transfer_rate_pct", "first_word_ms_p50", "first_word_ms_p95",
        "v2v_ms_p50", "v2v_ms_p95", "cost_total_usd", "cost_per_call_usd"]
errs = [k for k in want if k not in s]
n = s["calls"]
if sum(d["calls"] for d in s["per_day"]) != n: errs.append("per_day calls")
if sum(s["outcomes"].values()) != n: errs.append("outcomes")
if s["inbound"] + s["outbound"] != n: errs.append("directions")
if sum(d["bookings"] for d in s["per_day"]) != s["bookings"]: errs.append("per_day bookings")
if n != int(sys.argv[2]): errs.append("calls %d != db %s" % (n, sys.argv[2]))
if s["bookings"] != int(sys.argv[3]): errs.append("bookings %d != db %s" % (s["bookings"], sys.argv[3]))
if not n or s["v2v_ms_p50"] is None or s["first_word_ms_p50"] is None: errs.append("no latencies")
for d in s["per_day"]:
    for k in ("date", "calls", "inbound", "outbound", "bookings", "v2v_ms_p50", "v2v_ms_p95"):
        if k not in d: errs.append("per_day." + k)
print(" ".join(errs) or "calls %d, bookings %d, v2v p50 %s ms, first word p50 %s ms" % (
      n, s["bookings"], s["v2v_ms_p50"], s["first_word_ms_p50"]))
sys.exit(1 if errs else 0)
PY
); then ok "stats add up and match PostgreSQL ($out)"
else bad "stats: $out: $(cat "$V/stats.json")"; fi

# --- metrics
code=$(curl -s -o /dev/null -w '%{http_code}' "$GW/metrics")
[ "$code" = 401 ] && ok "/metrics without the token: 401" || bad "/metrics without the token: $code"
sleep 1.2       # every daemon's file is at most a second old
apicurl -sS "$GW/metrics" >"$V/metrics.txt"
if ! command -v promtool >/dev/null; then
	bad "promtool missing (scripts/deps.sh installs prometheus)"
elif promtool check metrics <"$V/metrics.txt" >"$V/promtool.txt" 2>&1; then
	ok "promtool check metrics"
else bad "promtool check metrics: $(cat "$V/promtool.txt")"; fi
missing=""
for d in gateway stt-worker agent tts-worker crm-tools scheduler; do
	grep -q "^frontdesk_up{daemon=\"$d\"} 1$" "$V/metrics.txt" || missing="$missing up:$d"
done
for m in 'frontdesk_tool_latency_seconds_count{daemon="crm-tools"}' 'frontdesk_stt_latency_seconds_count{daemon="stt-worker"}' \
    'frontdesk_tts_latency_seconds_count{daemon="tts-worker"}' 'frontdesk_frames_in_total{daemon="gateway"}' \
    'frontdesk_frames_out_total{daemon="gateway"}' 'frontdesk_active_calls{daemon="gateway"}' \
    'frontdesk_restarts_total{daemon="agent"}' 'frontdesk_underruns_total{daemon="gateway"}' \
    'frontdesk_barge_ins_total{daemon="gateway"}'; do
	grep -qF "$m" "$V/metrics.txt" || missing="$missing $m"
done
if awk '/^frontdesk_frames_in_total/ { exit !($2 > 0) }' "$V/metrics.txt" && [ -z "$missing" ]; then
	ok "metrics from every daemon (latency histograms, frames, restarts)"
else bad "metrics: missing$missing"; fi

# --- settings: refused with reasons, then applied everywhere
code=$(apicurl -s -o "$V/put-bad.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
    -d '{"business":{"hours":{"mon":"25:00-08:00"},"services":[{"name":"oil","duration":1}]}}' "$GW/api/v1/config")
if [ "$code" = 400 ] && grep -q '"business.hours.mon"' "$V/put-bad.json" &&
    grep -q '"business.services\[0\].duration"' "$V/put-bad.json"; then
	ok "PUT /api/v1/config: a bad one is refused, each field named"
else bad "PUT bad config: $code $(cat "$V/put-bad.json")"; fi
code=$(apicurl -s -o "$V/put.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
    -d '{"business":{"name":"Zed'\''s Garage","persona":"Mia"}}' "$GW/api/v1/config")
if [ "$code" = 200 ] && grep -q "Zed's Garage" "$V/put.json" && grep -q "Zed's Garage" "$V/settings.conf"; then
	ok "PUT /api/v1/config: written to $V/settings.conf"
else bad "PUT config: $code $(cat "$V/put.json")"; fi
applied=0
for _ in $(seq 1 40); do
	if grep -q "business Zed's Garage (persona Mia) applied" "$V/log/agent.log" &&
	    grep -q "reload: business Zed's Garage applied" "$V/log/crm-tools.log"; then applied=1; break; fi
	sleep 0.25
done
[ $applied = 1 ] && ok "agent and crm-tools applied the new business without a restart" ||
    bad "settings not applied (agent/crm-tools logs)"
rs=$(cat "$FRONTDESK_VAR"/sv/*.restarts 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
[ "${rs:-0}" = 0 ] && ok "no daemon restarted" || bad "restarts: $rs"
$CALLSIM --scenario tests/scenarios/41-address-and-price.json --json >"$V/greet.json" 2>"$V/greet.log"
gsid=$(callsid "$V/greet.json")
greet=$(psqlq "select text from call_turns where call_sid = '$gsid' and role = 'agent' order by at, id limit 1")
case $greet in
*"Zed's Garage"*Mia*) ok "the next call is greeted with the new name: \"$greet\"" ;;
*) bad "greeting after PUT: \"$greet\" (call $gsid)" ;;
esac

# --- placing calls through the scheduler's jobs (callsim the carrier
# from here on: the calls above were callsim callers on the same port)
$CALLSIM --callees tests/e2e/outbound-callees.json --carrier-log "$CLOG" \
	>"$V/carrier.out" 2>"$V/carrier.err" &
simpid=$!
for _ in $(seq 1 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$CARRIER_PORT") 2>/dev/null && break
	sleep 0.1
done
appt=$(psqlq "insert into appointments (customer_id, service_id, resource_id, during, status, confirmation, idempotency_key)
  select c.id, (select min(id) from services where active), (select min(id) from resources where kind = 'bay' and active),
         tstzrange(date_trunc('hour', now()) + interval '30 hours', date_trunc('hour', now()) + interval '31 hours'),
         'booked', 'ADMAPI', 'admin-api-test' from customers c where c.phone = '+15551230002' returning id" | head -1)
apicurl -sS -o "$V/post.json" -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' \
    -d "{\"purpose\":\"reminder\",\"appointment_id\":$appt}" "$GW/api/v1/calls" >"$V/post.code"
job=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job_id"])' "$V/post.json" 2>/dev/null)
if [ "$(cat "$V/post.code")" = 202 ] && [ -n "$job" ]; then ok "POST /api/v1/calls reminder: 202, job $job"
else bad "POST /api/v1/calls: $(cat "$V/post.code") $(cat "$V/post.json")"; fi
code=$(apicurl -s -o "$V/post-custom.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"purpose":"custom","phone":"+15551230099","text":"your parts arrived"}' "$GW/api/v1/calls")
[ "$code" = 202 ] && ok "POST /api/v1/calls custom: 202" || bad "POST custom: $code $(cat "$V/post-custom.json")"
code=$(apicurl -s -o "$V/post-bad.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"purpose":"reminder","appointment_id":99999999}' "$GW/api/v1/calls")
[ "$code" = 404 ] && ok "POST a reminder of no appointment: 404" || bad "POST unknown appointment: $code $(cat "$V/post-bad.json")"
st=""
for _ in $(seq 1 180); do
	st=$(psqlq "select status || ' ' || coalesce(outcome, '-') || ' ' || coalesce(call_sid, '-') from jobs where id = ${job:-0}")
	case $st in done*|failed*|cancelled*|expired*) break ;; esac
	sleep 0.5
done
req=$(python3 -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(sum(1 for e in evs if e["event"] == "call_request" and e["to"] == sys.argv[2]),
      sum(1 for e in evs if e["event"] == "call_request" and e["to"] == sys.argv[3]))' "$CLOG" +15551230002 +15551230099 2>/dev/null)
case "$st $req" in
done*" "[1-9]*" "[1-9]*) ok "the carrier was asked for both calls; the reminder: $st" ;;
*) bad "placed calls: job '$st', carrier requests (reminder, custom): $req" ;;
esac
osid=$(echo "$st" | awk '{print $3}')
if [ -n "$osid" ] && [ "$osid" != - ] && apicurl -sS "$GW/api/v1/calls/$osid" >"$V/placed.json" &&
    python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
assert c["direction"] == "outbound", c["direction"]
assert any(j["job_id"] == int(sys.argv[2]) and j["placed_this_call"] for j in c["jobs"]), c["jobs"]' "$V/placed.json" "$job"; then
	ok "the placed call's record names its job"
else bad "placed call $osid: $(cat "$V/placed.json" 2>/dev/null | head -c 600)"; fi
$ctl calls --direction outbound >"$V/calls-out.txt" 2>&1
grep -q "${osid:-none}" "$V/calls-out.txt" && ok "frontdeskctl calls --direction outbound" ||
    bad "calls --direction outbound: $(cat "$V/calls-out.txt")"

echo "admin_api: $pass passed, $fail failed"
[ $fail = 0 ]

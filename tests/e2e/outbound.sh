#!/usr/bin/env bash
# Outbound end to end: the real stack with outbound on (OUTBOUND=1 in
# scripts/stack-env.sh) and callsim as the carrier, its callees per number
# from tests/e2e/outbound-callees.json.  Reminders 24 h out are seeded in
# PostgreSQL and made due; the checks read callsim's carrier log (one JSON
# line per REST request and per call's end), the jobs in crm-tools and the
# gateway's log.  Then safety: the scheduler killed -9 while it holds
# claims, and two schedulers at once, must never make the carrier see one
# idempotency key twice.  Prints "outbound: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
PROFILE=${OUTBOUND_PROFILE:-outbound} OUTBOUND=1 . scripts/stack-env.sh

pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "outbound ok   $*"; }
bad()  { fail=$((fail + 1)); echo "outbound FAIL $*"; }

CLOG=$FRONTDESK_VAR/carrier.jsonl
LOGS=$FRONTDESK_VAR/log
simpid=""; sched2=""
cleanup() {
	[ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
	[ -n "$sched2" ] && kill "$sched2" 2>/dev/null && wait "$sched2" 2>/dev/null
	deploy/frontdeskctl stop >/dev/null 2>&1
}
trap cleanup EXIT
deploy/frontdeskctl stop >/dev/null 2>&1
rm -rf "$LOGS" "$CLOG"
deploy/datastore.sh reset >/dev/null || { echo "outbound: datastore reset failed"; exit 1; }
# the carrier first: the scheduler dials as soon as it starts
$CALLSIM --callees tests/e2e/outbound-callees.json --carrier-log "$CLOG" \
	>"$FRONTDESK_VAR/carrier.out" 2>"$FRONTDESK_VAR/carrier.err" &
simpid=$!
if ! deploy/frontdeskctl start; then
	bad "stack start"; echo "outbound: $pass passed, $fail failed"; exit 1
fi
wait_healthy || bad "gateway /healthz did not answer"

# jq-free reading of the carrier log
clog() { python3 - "$CLOG" "$@" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
what = sys.argv[2]
if what == "requests":          # NUMBER -> calls requested for it
    print(sum(1 for e in evs if e["event"] == "call_request" and e["to"] == sys.argv[3]))
elif what == "dupkeys":         # keys requested more than once
    from collections import Counter
    c = Counter(e.get("key") for e in evs if e["event"] == "call_request" and e.get("key"))
    print(" ".join("%s:%d" % (k, n) for k, n in c.items() if n > 1))
elif what == "end":             # NUMBER FIELD -> that field of each call's end, in order
    print(" ".join(str(e.get(sys.argv[4], "")) for e in evs if e["event"] == "call_end" and e["to"] == sys.argv[3]))
elif what == "wellformed":      # every call request as protocols.md 5.1 wants it
    badr = [e for e in evs if e["event"] == "call_request" and not (
        e.get("machine_detection") == "DetectMessageEnd" and e.get("timeout")
        and e.get("status_events") == ["initiated", "ringing", "answered", "completed"]
        and "/twilio/voice?job_id=" in e["url"] and "&attempt=" in e["url"] and "kind=reminder" in e["url"]
        and "/twilio/status?job_id=" in e["status_callback"])]
    print(len(badr), json.dumps(badr[:1]))
elif what == "gaps":            # smallest gap between two call requests, ms
    t = sorted(e["t_ms"] for e in evs if e["event"] == "call_request")
    print(min((b - a for a, b in zip(t, t[1:])), default=99999))
elif what == "texts":           # NUMBER -> bodies of its texts
    print(" || ".join(e["body"] for e in evs if e["event"] == "sms" and e["to"] == sys.argv[3]))
PY
}
job() { # NUMBER -> "status outcome attempt" of its latest reminder
	psqlq "select j.status || ' ' || coalesce(j.outcome, '-') || ' ' || j.attempt from jobs j join customers c on c.id = j.customer_id where c.phone = '$1' and j.kind = 'reminder' order by j.id desc limit 1"
}
# Appointments 24 h out (plus a margin) for the numbers given, on bay
# N of the business, each its own hour; their reminders made due now.
seed() { # TAG NUMBER...
	local tag=$1 i=0 p; shift
	for p in "$@"; do
		psqlq "insert into appointments (customer_id, service_id, resource_id, during, status, confirmation, idempotency_key)
		  select c.id, (select min(id) from services), (select min(id) from resources where kind = 'bay'),
		         tstzrange(date_trunc('hour', now()) + interval '30 hours' + make_interval(hours => 2 * $i + 40 * $tag),
		                   date_trunc('hour', now()) + interval '31 hours' + make_interval(hours => 2 * $i + 40 * $tag)),
		         'booked', 'OB$tag$i', 'outbound-test:$tag:$i'
		  from customers c where c.phone = '$p'" >/dev/null || bad "seed appointment for $p"
		i=$((i + 1))
	done
	psqlq "update jobs set due_at = now() where kind = 'reminder' and status = 'pending' and appointment_id in (select id from appointments where idempotency_key like 'outbound-test:$tag:%')" >/dev/null
}
wait_final() { # SECONDS NUMBER... -> 0 when every number's reminder is final
	local t=$1 p n; shift
	for _ in $(seq 1 $((t * 2))); do
		n=0
		for p in "$@"; do
			case $(job "$p") in done*|failed*|cancelled*|expired*) ;; *) n=$((n + 1)) ;; esac
		done
		[ $n = 0 ] && return 0
		sleep 0.5
	done
	return 1
}

# --- reminders to five callees
psqlq "update customers set consent_calls = true" >/dev/null
seed 0 +15551230001 +15551230002 +15551230003 +15551230004 +15551230005
n=$(psqlq "select count(*) from jobs where kind = 'reminder' and status = 'pending' and due_at <= now()")
[ "$n" = 5 ] && ok "5 reminders due" || bad "$n reminders due, want 5"
if wait_final 150 +15551230002 +15551230003 +15551230004 +15551230005; then
	ok "busy-then-answer, never-answers, voicemail and fax reminders all final"
else
	bad "reminders not final: 2: $(job +15551230002), 3: $(job +15551230003), 4: $(job +15551230004), 5: $(job +15551230005)"
fi
read -r nbad first < <(clog wellformed)
[ "$nbad" = 0 ] && ok "every Calls.json request: job query on Url and StatusCallback, DetectMessageEnd, Timeout, 4 progress events" || bad "malformed call requests ($nbad): $first"

# busy first, answered on the retry: two requests, two keys, done
r=$(clog requests +15551230002); st=$(clog end +15551230002 status)
if [ "$r" = 2 ] && [ "$st" = "busy completed" ] && [[ "$(job +15551230002)" == "done "*" 2" ]]; then
	ok "busy callee: retried once, answered (job $(job +15551230002))"
else
	bad "busy callee: $r requests, ends '$st', job $(job +15551230002)"
fi
# never answers: max_attempts requests, job failed no_answer
r=$(clog requests +15551230003)
[ "$r" = 3 ] && [[ "$(job +15551230003)" =~ ^(done|failed)\ no_answer\ 3$ ]] && ok "never-answering callee: 3 attempts, job final no_answer" ||
	bad "never-answering callee: $r requests, job $(job +15551230003)"
# a mailbox: answered by machine_end_beep after its greeting, the stream
# opened with the job on CALL_START
by=$(clog end +15551230004 answered_by); sm=$(clog end +15551230004 streamed)
sid4=$(clog end +15551230004 sid)
if [ "$(clog requests +15551230004)" = 1 ] && [ "$by" = machine_end_beep ] && [ "$sm" = True ] &&
    grep -q "$sid4.*outbound call of job [0-9]* attempt 1 (reminder), answered by machine_end_beep" "$LOGS/gateway.log"; then
	ok "voicemail callee: placed once, answered by machine_end_beep, stream opened with the job (job $(job +15551230004))"
else
	bad "voicemail callee: requests $(clog requests +15551230004), answered_by '$by', streamed '$sm', job $(job +15551230004)"
fi
# the agent's outbound dialogue reports voicemail itself (agent/): checked when it does
case $(job +15551230004) in
"done voicemail"*) ok "voicemail reported by the agent" ;;
*) echo "outbound skip voicemail outcome: job $(job +15551230004) (the agent's outbound dialogue reports 'voicemail'; not checked without it)" ;;
esac
# a fax: the webhook is answered <Hangup/>, the job failed, no stream
if [ "$(clog requests +15551230005)" = 1 ] && [ "$(clog end +15551230005 webhook)" = hangup ] &&
    [ "$(job +15551230005)" = "failed failed 1" ]; then
	ok "fax callee: hung up at the webhook, job failed"
else
	bad "fax callee: requests $(clog requests +15551230005), webhook '$(clog end +15551230005 webhook)', job $(job +15551230005)"
fi
# a human: placed once, streamed with the job's typed fields
wait_final 120 +15551230001 || true
sid1=$(clog end +15551230001 sid)
if [ "$(clog requests +15551230001)" = 1 ] && [ "$(clog end +15551230001 streamed)" = True ] &&
    grep -q "$sid1.*outbound call of job [0-9]* attempt 1 (reminder), answered by human" "$LOGS/gateway.log"; then
	ok "human callee: placed once, stream opened with job, attempt, kind and answered_by (job $(job +15551230001))"
else
	bad "human callee: requests $(clog requests +15551230001), streamed '$(clog end +15551230001 streamed)', job $(job +15551230001)"
fi
# HOOK (agent's outbound dialogue): the callee confirms -> job confirmed,
# appointment confirmed.  Checked only when the agent reports outcomes.
case $(job +15551230001) in
"done confirmed"*)
	a=$(psqlq "select status from appointments where idempotency_key = 'outbound-test:0:0'")
	[ "$a" = confirmed ] && ok "human callee confirmed: appointment confirmed" || bad "job confirmed but appointment '$a'" ;;
*) echo "outbound skip confirm outcome: job $(job +15551230001) (needs the agent's outbound dialogue)" ;;
esac
g=$(clog gaps)
[ "$g" -ge 900 ] && ok "call requests paced: smallest gap $g ms (1 call/s)" || bad "call requests $g ms apart (want >= ~1000)"
# confirmation texts of the bookings (customers with consent_sms)
tx=$(clog texts +15551230001)
if grep -q "OB00" <<<"$tx" && grep -qi "stop" <<<"$tx"; then
	ok "booking text sent through Messages.json: ${tx:0:90}"
else
	bad "booking text for +15551230001: '$tx'"
fi
[ -z "$(clog texts +15551230003)" ] && ok "no text to a customer without SMS consent" || bad "texted +15551230003 without consent"
ts=$(psqlq "select string_agg(distinct status || '/' || coalesce(outcome, '-'), ' ') from jobs where kind = 'confirmation_sms' and appointment_id in (select id from appointments where idempotency_key like 'outbound-test:0:%')")
[ "$ts" = "done/sent" ] && ok "text jobs done/sent" || bad "text jobs: $ts"

# --- the scheduler killed -9 while it holds claims
spid=$(cat "$FRONTDESK_VAR/sv/scheduler.pid")
seed 1 +15551230006 +15551230007 +15551230008 +15551230009
killed=0
for _ in $(seq 1 400); do
	if [ "$(psqlq "select count(*) from jobs where kind = 'reminder' and status = 'claimed'")" != 0 ]; then
		kill -KILL "$spid"; killed=1; break
	fi
	sleep 0.02
done
[ $killed = 1 ] && ok "scheduler killed -9 holding claims" || bad "never saw a claim to kill the scheduler on"
# A call that ended while no scheduler listened leaves its job dialing
# until outbound.call_timeout_s (its result went to nobody); every other
# job must be final, and each was requested once.
wait_final 40 +15551230006 +15551230007 +15551230008 +15551230009
nf=0; nd=0
for p in +15551230006 +15551230007 +15551230008 +15551230009; do
	case $(job $p) in done*|failed*) ;; dialing*) [ "$(clog requests $p)" = 1 ] && nd=$((nd + 1)) || nf=$((nf + 1)) ;; *) nf=$((nf + 1)) ;; esac
done
if [ $nf = 0 ]; then
	ok "jobs of the killed scheduler placed after its restart and lease expiry ($nd left dialing: ended while no scheduler listened)"
else
	bad "after the kill: $(job +15551230006) / $(job +15551230007) / $(job +15551230008) / $(job +15551230009)"
fi
d=$(clog dupkeys)
n=0; for p in +15551230006 +15551230007 +15551230008 +15551230009; do n=$((n + $(clog requests $p))); done
[ -z "$d" ] && [ "$n" = 4 ] && ok "after the kill: 4 requests, no idempotency key placed twice" || bad "after the kill: $n requests, keys placed twice: $d"

# --- two schedulers at once (the second publishes on its own address:
# what it claims only reaches the carrier once its lease runs out)
sed "s|^bus: { rundir = \"\\([^\"]*\\)\";|bus: { rundir = \"\\1\"; scheduler = \"ipc://\\1/scheduler2.pub\";|" "$FRONTDESK_CONFIG" >"$FRONTDESK_VAR/sched2.conf"
$FRONTDESK_BIN/scheduler -f "$FRONTDESK_VAR/sched2.conf" >"$FRONTDESK_VAR/sched2.log" 2>&1 &
sched2=$!
seed 2 +15551230006 +15551230007 +15551230008 +15551230009 +15551230010
if wait_final 90 +15551230006 +15551230007 +15551230008 +15551230009 +15551230010; then
	ok "two schedulers: every job final"
else
	bad "two schedulers: $(job +15551230006) / $(job +15551230010)"
fi
d=$(clog dupkeys)
[ -z "$d" ] && ok "two schedulers: no idempotency key placed twice ($(grep -c call_request "$CLOG") requests in all)" || bad "two schedulers: keys placed twice: $d"
kill "$sched2" 2>/dev/null; wait "$sched2" 2>/dev/null; sched2=""

if [ $fail -gt 0 ]; then
	for l in "$LOGS"/gateway.log "$LOGS"/scheduler.log; do echo "--- $l"; tail -25 "$l"; done
	tail -20 "$FRONTDESK_VAR/carrier.err"
fi
echo "outbound: $pass passed, $fail failed"
[ $fail -eq 0 ]

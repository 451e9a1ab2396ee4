#!/usr/bin/env bash
# Outbound end to end: the real stack with outbound on (OUTBOUND=1 in
# scripts/stack-env.sh) and callsim as the carrier, its callees per number
# from tests/e2e/outbound-callees.json.  Reminders 24 h out are seeded in
# PostgreSQL and made due; the people among the callees play the scripts
# of tests/scenarios/outbound/ (confirm, move, cancel, someone else).  The
# checks read callsim's carrier log (one JSON line per REST request and
# per call's end, with what callsim heard), the jobs, appointments and
# call records in PostgreSQL and the gateway's log.  Then: an ending while
# no scheduler runs; safety (the scheduler killed -9 while it holds
# claims, and two schedulers at once, must never make the carrier see one
# idempotency key twice); last, a callback asked for after hours placed at
# the next opening.  Prints "outbound: N passed, N failed".
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
# (callsim synthesises its callees' lines before it listens)
for i in $(seq 1 300); do
	curl -s -o /dev/null "http://127.0.0.1:$CARRIER_PORT/" && break
	sleep 0.1
done
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
    print(" ".join(json.dumps(v) if isinstance(v, list) else str(v)
                   for v in (e.get(sys.argv[4], "") for e in evs if e["event"] == "call_end" and e["to"] == sys.argv[3])))
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
elif what == "ends":            # NUMBER... -> how many of them have a call's end
    print(sum(1 for n in sys.argv[3:] if any(e["event"] == "call_end" and e["to"] == n for e in evs)))
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

# --- reminders to eight callees: the four people of
# tests/scenarios/outbound/ (Maria, each on a number of her own), busy
# then answered, never answered, a mailbox, a fax (the Marias of 25 and
# 26 are for the after-hours callback and the stopped scheduler)
psqlq "insert into customers (phone, first_name, last_name, consent_sms) values
  ('+15551230021', 'Maria', 'Garcia', true), ('+15551230022', 'Maria', 'Lopez', true),
  ('+15551230023', 'Maria', 'Rossi', true), ('+15551230024', 'Maria', 'Novak', true),
  ('+15551230025', 'Maria', 'Keller', false), ('+15551230026', 'Maria', 'Weber', false)" >/dev/null ||
	bad "insert the callees' customers"
psqlq "update customers set consent_calls = true" >/dev/null
seed 0 +15551230021 +15551230002 +15551230003 +15551230004 +15551230005 +15551230022 +15551230023 +15551230024
n=$(psqlq "select count(*) from jobs where kind = 'reminder' and status = 'pending' and due_at <= now()")
[ "$n" = 8 ] && ok "8 reminders due" || bad "$n reminders due, want 8"
# the reminder that was called for appointment outbound-test:TAG:I:
# "status outcome attempt / attempt 1's outcome"
ajob() {
	psqlq "select j.status || ' ' || coalesce(j.outcome, '-') || ' ' || j.attempt || ' / ' ||
	         coalesce((select a.outcome from job_attempts a where a.job_id = j.id order by a.attempt desc limit 1), '-')
	       from jobs j join appointments ap on ap.id = j.appointment_id
	       where ap.idempotency_key = 'outbound-test:$1' and j.kind = 'reminder' and j.attempt > 0
	       order by j.id limit 1"
}
appt() { psqlq "select status from appointments where idempotency_key = 'outbound-test:$1'"; }
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
# the message itself, as the mailbox recorded it after the beep; the
# agent reports voicemail and the call record says voicemail_left
heard4=$(clog end +15551230004 heard)
vrec=$(psqlq "select outcome from calls where call_sid = '$sid4'")
if [[ "$(job +15551230004)" == "done voicemail 1" ]] && [ "$vrec" = voicemail_left ] &&
    grep -q "reminder about your" <<<"$heard4" && grep -q "call us at" <<<"$heard4" &&
    grep -q "goodbye" <<<"$heard4" && [ "$(clog end +15551230004 hangup_by)" = agent ]; then
	ok "voicemail left: message heard after the beep, agent hung up, job voicemail, call record voicemail_left"
else
	bad "voicemail: job $(job +15551230004), call record '$vrec', hung up by '$(clog end +15551230004 hangup_by)', heard '$heard4'"
fi
# a fax: the webhook is answered <Hangup/>, the job failed, no stream
if [ "$(clog requests +15551230005)" = 1 ] && [ "$(clog end +15551230005 webhook)" = hangup ] &&
    [ "$(job +15551230005)" = "failed failed 1" ]; then
	ok "fax callee: hung up at the webhook, job failed"
else
	bad "fax callee: requests $(clog requests +15551230005), webhook '$(clog end +15551230005 webhook)', job $(job +15551230005)"
fi
# the people: each placed once and streamed with the job; callsim's
# verdict on the scenario (what it heard, who hung up) has no failure
wait_final 150 +15551230021 || true
for _ in $(seq 1 240); do
	[ "$(clog ends +15551230021 +15551230022 +15551230023 +15551230024)" = 4 ] && break
	sleep 0.5
done
sid1=$(clog end +15551230021 sid)
if [ "$(clog requests +15551230021)" = 1 ] && [ "$(clog end +15551230021 streamed)" = True ] &&
    grep -q "$sid1.*outbound call of job [0-9]* attempt 1 (reminder), answered by human" "$LOGS/gateway.log"; then
	ok "human callee: placed once, stream opened with job, attempt, kind and answered_by"
else
	bad "human callee: requests $(clog requests +15551230021), streamed '$(clog end +15551230021 streamed)'"
fi
person() { # NUMBER WHAT -> 0 when callsim's scenario held
	local f
	f=$(clog end "$1" failures)
	[ "$(clog requests "$1")" = 1 ] && [ "$f" = "[]" ] && return 0
	echo "outbound      $2: requests $(clog requests "$1"), scenario failures $f; heard: $(clog end "$1" heard)"
	return 1
}
# confirms: the job confirmed, and so the appointment
j=$(ajob 0:0); a=$(appt 0:0)
if person +15551230021 confirm && [[ "$j" == "done confirmed 1 / confirmed" ]] && [ "$a" = confirmed ]; then
	ok "callee confirmed: job $j, appointment confirmed"
else
	bad "confirm: job '$j', appointment '$a'"
fi
# moves it to Wednesday at ten: the appointment there, the job rescheduled
j=$(ajob 0:5); a=$(appt 0:5)
at=$(psqlq "select to_char(lower(during), 'ID HH24:MI') from appointments where idempotency_key = 'outbound-test:0:5'")
if person +15551230022 move && [[ "$j" == *" rescheduled 1 / rescheduled" ]] && [ "$a" = booked ] && [ "$at" = "3 10:00" ]; then
	ok "callee moved it: appointment now Wednesday 10:00, job $j"
else
	bad "move: job '$j', appointment '$a' at '$at' (want ISO day 3 10:00)"
fi
# cancels: the appointment cancelled, the job cancelled
j=$(ajob 0:6); a=$(appt 0:6)
if person +15551230023 cancel && [[ "$j" == *" cancelled 1 / cancelled" || "$j" == "cancelled "*" / cancelled" ]] && [ "$a" = cancelled ]; then
	ok "callee cancelled: appointment cancelled, job $j"
else
	bad "cancel: job '$j', appointment '$a'"
fi
# someone else: asked for Maria, told nothing of the appointment
# (what callsim heard, and the agent's own words in the call record)
j=$(ajob 0:7); h=$(clog end +15551230024 heard)
svc=$(psqlq "select name from services where id = (select min(id) from services)")
said=$(psqlq "select string_agg(t.text, ' | ' order by t.id) from call_turns t where t.role = 'agent' and t.call_sid = '$(clog end +15551230024 sid)'")
if person +15551230024 "wrong person" && [[ "$j" == "done wrong_person 1 / wrong_person" ]] && [ -n "$said" ] &&
    ! grep -Eq "remind|appointment|${svc,,}|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\<[ap] m\>" <<<"$h" &&
    ! grep -Eqi "remind|appointment|$svc|OB07|\<[0-9]{1,2}(:[0-9]{2})? ?[AP]M\>|(mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow" <<<"$said"; then
	ok "someone else answered: nothing about the appointment said or heard ('$said'), job wrong_person"
else
	bad "wrong person: job '$j', said '$said', heard '$h'"
fi
g=$(clog gaps)
[ "$g" -ge 900 ] && ok "call requests paced: smallest gap $g ms (1 call/s)" || bad "call requests $g ms apart (want >= ~1000)"
# confirmation texts of the bookings (customers with consent_sms)
tx=$(clog texts +15551230021)
if grep -q "OB00" <<<"$tx" && grep -qi "stop" <<<"$tx"; then
	ok "booking text sent through Messages.json: ${tx:0:90}"
else
	bad "booking text for +15551230021: '$tx'"
fi
[ -z "$(clog texts +15551230003)" ] && ok "no text to a customer without SMS consent" || bad "texted +15551230003 without consent"
# sent when the carrier took them, then the delivery report (callsim's
# signed sms-status callback) is the outcome
for i in $(seq 1 30); do
	ts=$(psqlq "select string_agg(distinct status || '/' || coalesce(outcome, '-'), ' ') from jobs where kind = 'confirmation_sms' and appointment_id in (select id from appointments where idempotency_key like 'outbound-test:0:%')")
	[ "$ts" = "done/delivered" ] && break
	sleep 0.2
done
[ "$ts" = "done/delivered" ] && ok "text jobs done/delivered (the carrier's delivery report)" || bad "text jobs: $ts"

# --- an ending while no scheduler runs: the gateway records it itself.
# The scheduler is stopped (its supervisor too, so nothing restarts it)
# once it has published a call to a callee who is busy after 3 s of
# ringing; the job still gets busy and, once a scheduler runs again, its
# retry (a mailbox answers).
seed 3 +15551230026
for _ in $(seq 1 200); do
	[ "$(clog requests +15551230026)" = 1 ] && break
	sleep 0.05
done
svpid=$(cat "$FRONTDESK_VAR/sv/scheduler.sv")
kill -TERM "$svpid"
for _ in $(seq 1 40); do kill -0 "$svpid" 2>/dev/null || break; sleep 0.05; done
up=$([ -f "$FRONTDESK_VAR/sv/scheduler.pid" ] && echo "still running" || echo stopped)
for _ in $(seq 1 40); do
	[ "$(clog ends +15551230026)" = 1 ] && break
	sleep 0.25
done
sleep 1
b=$(psqlq "select j.status || ' ' || j.attempt || ' / ' || coalesce(a.outcome, '-') from jobs j join job_attempts a on a.job_id = j.id and a.attempt = 1
           where j.kind = 'reminder' and j.customer_id = (select id from customers where phone = '+15551230026')")
if [ "$up" = stopped ] && [ "$(clog end +15551230026 status)" = busy ] && [[ "$b" == "pending 1 / busy" ]]; then
	ok "busy ended while no scheduler ran: recorded by the gateway (job $b)"
else
	bad "busy while the scheduler was stopped ($up): call ends '$(clog end +15551230026 status)', job '$b' (want pending 1 / busy)"
fi
deploy/frontdeskctl restart scheduler
if wait_final 60 +15551230026 && [ "$(job +15551230026)" = "done voicemail 2" ] && [ "$(clog requests +15551230026)" = 2 ]; then
	ok "its retry placed once a scheduler ran again: job $(job +15551230026)"
else
	bad "retry after the stopped scheduler: job $(job +15551230026), $(clog requests +15551230026) requests"
fi
for _ in $(seq 1 100); do [ -f "$FRONTDESK_VAR/sv/scheduler.pid" ] && break; sleep 0.1; done

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
# A call that ended while no scheduler listened is recorded by the
# gateway: every job must be final, and each was requested once.
wait_final 40 +15551230006 +15551230007 +15551230008 +15551230009
nf=0
for p in +15551230006 +15551230007 +15551230008 +15551230009; do
	case $(job $p) in done*|failed*) ;; *) nf=$((nf + 1)) ;; esac
done
if [ $nf = 0 ]; then
	ok "jobs of the killed scheduler final after its restart and lease expiry"
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

# --- the gateway killed -9 between its carrier request and the 201 (the
# carrier holds its answer 4 s, and the call's status callbacks are lost
# as they would be with the gateway down): the call exists at the
# carrier, the gateway never learnt its sid.  The lease runs out, the attempt comes
# again with the same key; the restarted gateway finds the call at the
# carrier (Calls.json?To=) and records it instead of placing it again.
psqlq "insert into customers (phone, first_name, last_name, consent_calls) values ('+15551230027', 'Maria', 'Sato', true)" >/dev/null
gpid=$(cat "$FRONTDESK_VAR/sv/gateway.pid")
seed 4 +15551230027
killed=0
for _ in $(seq 1 400); do
	if [ "$(clog requests +15551230027)" = 1 ]; then
		kill -KILL "$gpid"; killed=1; break
	fi
	sleep 0.02
done
[ $killed = 1 ] && ok "gateway killed -9 while its carrier request waited for the 201" || bad "never saw the request to kill the gateway on"
csid=$(python3 -c 'import json,sys; print(next((e["sid"] for e in map(json.loads, open(sys.argv[1])) if e["event"] == "call_request" and e["to"] == "+15551230027"), ""))' "$CLOG")
jsid=""
for _ in $(seq 1 120); do
	jsid=$(psqlq "select coalesce(a.call_sid, '') from job_attempts a join jobs j on j.id = a.job_id join customers c on c.id = j.customer_id where c.phone = '+15551230027' and a.attempt = 1")
	[ -n "$jsid" ] && break
	sleep 0.5
done
if [ -n "$csid" ] && [ "$jsid" = "$csid" ] && [ "$(clog requests +15551230027)" = 1 ] &&
    grep -q "the carrier has the call of key" "$LOGS/gateway.log"; then
	ok "gateway crash window: the restarted gateway found the carrier's call $csid and recorded it, 1 request"
else
	bad "gateway crash window: carrier sid '$csid', job attempt sid '$jsid', $(clog requests +15551230027) requests"
fi
d=$(clog dupkeys)
[ -z "$d" ] && ok "gateway crash window: no idempotency key placed twice" || bad "gateway crash window: keys placed twice: $d"

# --- a callback asked for after hours (the call's clock pinned at 20:30
# today) is placed at the next opening: the scheduler's clock
# (scheduler.test_now, reloaded) is moved to just before it.  Last: the
# pacing slots claimed on that clock lie hours ahead of the wall clock.
day=$(TZ=$BUSINESS_TZ date +%F)
sed "s/2026-11-23T20:30:00/${day}T20:30:00/" tests/e2e/outbound-after-hours.json >"$FRONTDESK_VAR/after-hours.json"
$FRONTDESK_BIN/callsim --gateway "$GW" --public-url "$PUBLIC" --scenario "$FRONTDESK_VAR/after-hours.json" >"$FRONTDESK_VAR/after-hours.out" 2>&1 ||
	bad "after-hours caller: $(grep -m3 -iE 'fail|expected' "$FRONTDESK_VAR/after-hours.out" | tr '\n' ' ')"
# the next opening after DAY 20:30: Mon-Fri 08:00, Sat 09:00, not Sun or a holiday
want=""
for k in 1 2 3 4; do
	d=$(date -d "$day + $k day" +%F)
	grep -q "\"$d\"" "$FRONTDESK_CONFIG" && continue
	case $(date -d "$d" +%u) in 7) continue ;; 6) want="$d 09:00" ;; *) want="$d 08:00" ;; esac
	break
done
cb=$(psqlq "select status || ' ' || to_char(due_at, 'YYYY-MM-DD HH24:MI') from jobs where kind = 'callback' and phone = '+15551230025'")
sleep 2
if [ "$cb" = "pending $want" ] && [ "$(clog requests +15551230025)" = 0 ]; then
	ok "callback asked for at $day 20:30: job due at the next opening ($want), not placed before"
else
	bad "after-hours callback: job '$cb' (want 'pending $want'), $(clog requests +15551230025) requests"
fi
due=$(psqlq "select to_char(due_at - interval '5 seconds', 'YYYY-MM-DD\"T\"HH24:MI:SS') from jobs where kind = 'callback' and phone = '+15551230025'")
spid=$(cat "$FRONTDESK_VAR/sv/scheduler.pid")
printf 'scheduler: { test_now = "%s"; };\n' "$due" >>"$FRONTDESK_CONFIG"
t_hup=$(date +%s%3N)
kill -HUP "$spid"
for _ in $(seq 1 240); do
	[ "$(clog ends +15551230025)" = 1 ] && break
	sleep 0.5
done
sed -i '/^scheduler: { test_now/d' "$FRONTDESK_CONFIG"
kill -HUP "$spid"
t_req=$(python3 -c 'import json,sys; print(min([json.loads(l)["t_ms"] for l in open(sys.argv[1]) if "call_request" in l and "+15551230025" in l] or [0]))' "$CLOG")
cbj=$(psqlq "select status || ' ' || coalesce(outcome, '-') || ' ' || attempt from jobs where kind = 'callback' and phone = '+15551230025'")
if [ "$(clog requests +15551230025)" = 1 ] && [ $((t_req - t_hup)) -ge 4000 ] && person +15551230025 callback &&
    [ "$cbj" = "done talked 1" ]; then
	ok "callback placed once the scheduler's clock reached the opening ($((t_req - t_hup)) ms after 5 s before it), opened with why we call, job $cbj"
else
	bad "callback at opening: $(clog requests +15551230025) requests, $((t_req - t_hup)) ms after the clock was set 5 s before the opening, job '$cbj'"
fi

if [ $fail -gt 0 ]; then
	for l in "$LOGS"/gateway.log "$LOGS"/scheduler.log; do echo "--- $l"; tail -25 "$l"; done
	tail -20 "$FRONTDESK_VAR/carrier.err"
fi
echo "outbound: $pass passed, $fail failed"
[ $fail -eq 0 ]

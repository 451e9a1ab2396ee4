#!/usr/bin/env bash
# bench-outbound.sh OUTDIR SMOKE - outbound reminder calls on a running
# stack, called by scripts/bench.sh; writes OUTDIR/outbound.json and keeps
# the carrier log and the scheduler's log in build/bench/outbound/.
#
# N customers (20; 4 with SMOKE=1) each get an appointment 24 h out whose
# reminder is made due at once.  callsim is the carrier, every callee a
# person who confirms (tests/scenarios/outbound/reminder-confirms.json).
# The stack runs with outbound on (OUTBOUND=1 in scripts/stack-env.sh):
# 1 call per second, BENCH_OUTBOUND_CONCURRENT (4) calls in flight.
#   outbound_calls_per_min       reminders confirmed per minute, first
#                                call request to last call end
#   outbound_claim_to_dial_ms_*  job_attempts.claimed_at -> the carrier's
#                                receipt of that attempt's request (the
#                                pacing slot wait included)
#   outbound_duplicate_calls     requests beyond the first per idempotency
#                                key (must be 0)
#   outbound_confirmed, outbound_calls, outbound_max_concurrent
# BENCH_PROFILE (bench) names the private stack.
set -u
out=${1:?usage: bench-outbound.sh OUTDIR SMOKE}
smoke=${2:-0}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export OUTBOUND_CONCURRENT=${BENCH_OUTBOUND_CONCURRENT:-4}
PROFILE=${BENCH_PROFILE:-bench} OUTBOUND=1 . scripts/stack-env.sh
W=$top/$BUILD/bench/outbound
mkdir -p "$W" "$out"
rm -rf "${W:?}"/*
n=20
[ "$smoke" = 1 ] && n=4
CLOG=$W/carrier.jsonl
say() { echo "bench-outbound: $*" >&2; }
simpid=""
cleanup() {
	[ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
	deploy/frontdeskctl stop >/dev/null 2>&1
}
trap cleanup EXIT
deploy/frontdeskctl stop >/dev/null 2>&1
deploy/datastore.sh reset >/dev/null || { say "datastore reset failed"; exit 1; }

# the callees: +1555124NNNN, all Maria, all confirming
python3 - "$W/callees.json" "$n" <<'PY'
import json, sys
c = {"+1555124%04d" % i: {"answer": "human", "scenario": "tests/scenarios/outbound/reminder-confirms.json"}
     for i in range(1, int(sys.argv[2]) + 1)}
c["*"] = {"answer": "fail"}
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
$CALLSIM --callees "$W/callees.json" --carrier-log "$CLOG" >"$W/carrier.out" 2>"$W/carrier.err" &
simpid=$!
deploy/frontdeskctl start >/dev/null || { say "stack start failed"; exit 1; }
wait_healthy || { say "gateway /healthz did not answer"; exit 1; }

vals=""
for i in $(seq 1 "$n"); do vals="$vals${vals:+,}('+1555124$(printf %04d "$i")', 'Maria', 'Bench$i', false)"; done
psqlq "insert into customers (phone, first_name, last_name, consent_sms) values $vals" >/dev/null ||
	{ say "customers not inserted"; exit 1; }
# one appointment each, 30 h out and an hour apart on one bay, its
# reminder due now
psqlq "insert into appointments (customer_id, service_id, resource_id, during, status, confirmation, idempotency_key)
  select c.id, (select min(id) from services), (select min(id) from resources where kind = 'bay'),
         tstzrange(date_trunc('hour', now()) + interval '30 hours' + make_interval(hours => k::int),
                   date_trunc('hour', now()) + interval '31 hours' + make_interval(hours => k::int)),
         'booked', 'BO' || k, 'bench-outbound:' || k
  from (select id, row_number() over (order by id) as k from customers where phone like '+1555124%') c" >/dev/null ||
	{ say "appointments not inserted"; exit 1; }
psqlq "update jobs set due_at = now() where kind = 'reminder' and status = 'pending' and appointment_id in
  (select id from appointments where idempotency_key like 'bench-outbound:%')" >/dev/null
say "$n reminders due, $OUTBOUND_CONCURRENT in flight at most"
left() { psqlq "select count(*) from jobs where kind = 'reminder' and status not in ('done', 'failed', 'cancelled', 'expired')
  and appointment_id in (select id from appointments where idempotency_key like 'bench-outbound:%')"; }
# each call is about 40 s; a wave of OUTBOUND_CONCURRENT at a time
limit=$(( (n / OUTBOUND_CONCURRENT + 2) * 90 ))
for _ in $(seq 1 "$limit"); do
	[ "$(left)" = 0 ] && break
	sleep 1
done
[ "$(left)" = 0 ] || say "not every reminder final after $limit s"
# a call's end is logged once callsim has hung up and sent the last
# status callback, after the agent reported the job: let every end land
for _ in $(seq 1 60); do
	[ "$(grep -c '"call_end"' "$CLOG")" -ge "$(grep -c '"call_request"' "$CLOG")" ] && break
	sleep 0.5
done
psqlq "select 'job-' || a.job_id || '-' || a.attempt, round(extract(epoch from a.claimed_at) * 1000)
  from job_attempts a join jobs j on j.id = a.job_id where j.kind = 'reminder'" >"$W/claims.txt"
confirmed=$(psqlq "select count(*) from jobs where kind = 'reminder' and outcome = 'confirmed'
  and appointment_id in (select id from appointments where idempotency_key like 'bench-outbound:%')")
cp "$FRONTDESK_VAR/log/scheduler.log" "$W/" 2>/dev/null
python3 - "$CLOG" "$W/claims.txt" "$confirmed" "$OUTBOUND_CONCURRENT" "$out/outbound.json" <<'PY'
import json, sys
from collections import Counter
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
claims = {}
for l in open(sys.argv[2]):
    if "|" in l:
        k, t = l.strip().split("|")
        claims[k] = float(t)
confirmed, conc = int(sys.argv[3]), int(sys.argv[4])
reqs = [e for e in evs if e["event"] == "call_request"]
ends = [e for e in evs if e["event"] == "call_end"]
keys = Counter(e.get("key") for e in reqs if e.get("key"))
# the first request of each key against its attempt's claim
first = {}
for e in sorted(reqs, key=lambda e: e["t_ms"]):
    first.setdefault(e.get("key"), e["t_ms"])
lat = sorted(first[k] - claims[k] for k in first if k in claims)
def pct(p):
    return round(lat[min(len(lat) - 1, int(p / 100.0 * len(lat)))], 1) if lat else -1
res = {"outbound_calls": len(reqs), "outbound_confirmed": confirmed,
       "outbound_max_concurrent": conc,
       "outbound_duplicate_calls": sum(v - 1 for v in keys.values()),
       "outbound_claim_to_dial_ms_p50": pct(50), "outbound_claim_to_dial_ms_p99": pct(99)}
if reqs and ends:
    span = (max(e["t_ms"] for e in ends) - min(e["t_ms"] for e in reqs)) / 60000.0
    if span > 0:
        res["outbound_calls_per_min"] = round(confirmed / span, 2)
json.dump(res, open(sys.argv[5], "w"), indent=1)
print(json.dumps(res), file=sys.stderr)
PY

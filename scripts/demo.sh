#!/usr/bin/env bash
# make demo: the whole stack on the embedded defaults (pocketsphinx, flite,
# the local dialogue engine, a real PostgreSQL and Redis) answers one
# simulated Twilio call that books an appointment.  Prints the call turn by
# turn with latencies, the appointment as stored, then stops the stack.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
PROFILE=demo . scripts/stack-env.sh

trap 'deploy/frontdeskctl stop >/dev/null 2>&1' EXIT
deploy/frontdeskctl stop >/dev/null 2>&1
deploy/frontdeskctl start || { echo "demo: stack did not start"; exit 1; }
wait_healthy || { echo "demo: gateway not healthy"; deploy/frontdeskctl status; exit 1; }
deploy/frontdeskctl status
echo
echo "== a caller dials Otto's Auto (callsim speaks Twilio's webhook + Media Streams protocol)"
$CALLSIM --scenario tests/e2e/booking.json --json >"$FRONTDESK_VAR/demo-call.json" 2>"$FRONTDESK_VAR/demo-call.log"
rc=$?
cat "$FRONTDESK_VAR/demo-call.log"
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("call_sid",""))' "$FRONTDESK_VAR/demo-call.json" 2>/dev/null)
echo
echo "== the appointment as stored in PostgreSQL"
psqlq "select a.id, s.name as service, to_char(lower(a.during), 'Dy YYYY-MM-DD HH24:MI') as starts,
              a.status, a.confirmation, cu.first_name || ' ' || cu.last_name as customer
         from appointments a join services s on s.id = a.service_id
         join customers cu on cu.id = a.customer_id
         join calls c on c.id = a.source_call_id
        where c.call_sid = '$sid'" 2>&1 | sed 's/^/  /'
echo
echo "== the call record (GET /api/v1/calls/$sid)"
curl -fsS "$GW/api/v1/calls/$sid" | python3 -m json.tool 2>/dev/null | head -60
exit $rc

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
# the demo's own private data, fresh each time: the call books the same
# slot on every run
deploy/datastore.sh reset >/dev/null || { echo "demo: datastore reset failed"; exit 1; }
deploy/frontdeskctl start || { echo "demo: stack did not start"; exit 1; }
wait_healthy || { echo "demo: gateway not healthy"; deploy/frontdeskctl status; exit 1; }
deploy/frontdeskctl status
echo
echo "== a caller dials Otto's Auto (callsim speaks Twilio's webhook + Media Streams protocol)"
$CALLSIM --scenario tests/e2e/booking.json | tee "$FRONTDESK_VAR/demo-call.txt"
rc=${PIPESTATUS[0]}
sid=$(grep -o 'CA[0-9a-f]\{32\}' "$FRONTDESK_VAR/demo-call.txt" | head -1)
echo
echo "== the appointment as stored in PostgreSQL"
psqlq "select a.id, s.name as service, to_char(lower(a.during), 'Dy YYYY-MM-DD HH24:MI') as starts,
              a.status, a.confirmation, cu.first_name || ' ' || cu.last_name as customer
         from appointments a join services s on s.id = a.service_id
         join customers cu on cu.id = a.customer_id
        where a.source_call_sid = '$sid'" 2>&1 | sed 's/^/  /'
echo
echo "== the call record (GET /api/v1/calls/$sid), as the dashboard shows it"
apicurl -fsS "$GW/api/v1/calls/$sid" | python3 scripts/show-call.py
exit $rc

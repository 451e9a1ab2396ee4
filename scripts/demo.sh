#!/usr/bin/env bash
# make demo: the whole stack on the embedded defaults (pocketsphinx, flite,
# the local dialogue engine, a real PostgreSQL and Redis) answers one
# simulated Twilio call that books an appointment.  Prints the call as
# frontdesk recorded it - what the agent said, what our recogniser heard
# from the caller, how fast it answered, the appointment - then leaves the
# stack running for a look at the dashboard (scripts/demo.sh stop ends it;
# DEMO_STOP=1 stops it at once; DEMO_PROFILE: another private stack).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
PROFILE=${DEMO_PROFILE:-demo}
# one token for the demo stack, kept between runs, so the sign-in works
# for as long as the stack runs
tokfile=
if [ -z "${FRONTDESK_API_TOKEN:-}" ]; then
	tokfile=$top/${BUILD:-build}/$PROFILE/api-token
	mkdir -p "$(dirname "$tokfile")"
	[ -s "$tokfile" ] || (umask 077; echo "$PROFILE-$(od -An -N16 -tx8 /dev/urandom | tr -d ' \n')" >"$tokfile")
	FRONTDESK_API_TOKEN=$(cat "$tokfile")
	export FRONTDESK_API_TOKEN
fi
. scripts/stack-env.sh

if [ "${1:-}" = stop ]; then
	deploy/frontdeskctl stop
	exit
fi
bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }

deploy/frontdeskctl stop >/dev/null 2>&1
[ "${DEMO_STOP:-0}" = 1 ] && trap 'deploy/frontdeskctl stop >/dev/null 2>&1' EXIT
# the demo's own private data, fresh each time: the call books the same
# slot on every run
deploy/datastore.sh reset >/dev/null || { echo "demo: datastore reset failed"; exit 1; }
deploy/frontdeskctl start >"$FRONTDESK_VAR/demo-start.log" 2>&1 ||
	{ cat "$FRONTDESK_VAR/demo-start.log"; echo "demo: stack did not start"; exit 1; }
wait_healthy || { echo "demo: gateway not healthy"; deploy/frontdeskctl status; exit 1; }
echo "frontdesk is up: gateway, stt-worker, agent, tts-worker, crm-tools, scheduler (logs in $FRONTDESK_VAR/log/)"
echo "a simulated caller, John Smith, phones Otto's Auto over Twilio's protocol to book an oil change..."
$CALLSIM --scenario tests/e2e/booking.json --json >"$FRONTDESK_VAR/demo-call.json" 2>"$FRONTDESK_VAR/demo-call.txt"
rc=$?
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["call_sid"])' "$FRONTDESK_VAR/demo-call.json" 2>/dev/null)
if [ -z "$sid" ]; then
	echo "demo: the call did not happen:"; tail -20 "$FRONTDESK_VAR/demo-call.txt"; exit 1
fi
echo
bold "== The call, as frontdesk recorded it (GET /api/v1/calls/$sid)"
echo "   agent: what it said; caller: what our speech recogniser heard"
apicurl -fsS "$GW/api/v1/calls/$sid" >"$FRONTDESK_VAR/demo-record.json" &&
	python3 scripts/show-call.py --callsim "$FRONTDESK_VAR/demo-call.json" <"$FRONTDESK_VAR/demo-record.json"
echo
# the recording, as the dashboard's player gets it
rec=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])).get("recording") or {}; print(r.get("url") or "")' \
	"$FRONTDESK_VAR/demo-record.json" 2>/dev/null)
wav=$FRONTDESK_VAR/demo-call.wav
rm -f "$wav"
case $rec in http*) ;; ?*) rec=$GW$rec ;; esac
[ -n "$rec" ] && apicurl -fsS -o "$wav" "$rec" || rm -f "$wav"
bold "== See it yourself"
if [ "$rc" = 0 ]; then
	echo "   the simulated caller's checks passed (its own report: $FRONTDESK_VAR/demo-call.txt)"
else
	echo "   the simulated caller's checks FAILED: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("reason", "?"))' "$FRONTDESK_VAR/demo-call.json" 2>/dev/null) (see $FRONTDESK_VAR/demo-call.txt)"
fi
if [ -s "$wav" ]; then
	echo "   recording:  $wav"
else
	echo "   recording:  none in this call's record"
fi
if [ "${DEMO_STOP:-0}" = 1 ]; then
	echo "   the stack is stopped (DEMO_STOP=1)"
else
	echo "   dashboard:  $GW/   (this call: $GW/#/call/$sid)"
	if [ -n "$tokfile" ]; then
		echo "               sign in with the API token (also in $tokfile):"
		echo "               $FRONTDESK_API_TOKEN"
	else
		echo "               sign in with your FRONTDESK_API_TOKEN"
	fi
	echo "   the stack keeps running for that; stop it with: scripts/demo.sh stop"
fi
exit $rc

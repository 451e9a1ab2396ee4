# Sourced by demo.sh, tests/e2e/run.sh and bench.sh: a private stack
# (ports, directories, config with the test clock on) so it never collides
# with an installed frontdesk.  Usage: PROFILE=e2e . scripts/stack-env.sh
top=${top:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PROFILE=${PROFILE:-demo}
BUILD=${BUILD:-build}
case $PROFILE in
demo)  off=0 ;;
e2e)   off=1 ;;
bench) off=2 ;;
lead)  off=4 ;;
*)     # any other profile: its own ports too, so two can run at once
       off=$((16 + $(printf %s "$PROFILE" | cksum | cut -d' ' -f1) % 384)) ;;
esac
# a caller that runs several stacks at once gives each its slot (see
# stack_slot); used once, so a stack started from this one picks its own
off=${STACK_OFFSET:-$off}
unset STACK_OFFSET
# stack_slot K: the K-th (1..10) slot beside this profile's, for the stacks
# a suite runs beside its own (e2e's are 6..15, free of the named ones)
stack_slot() { if [ "$off" = 1 ]; then echo $((5 + $1)); else echo $((16 + (off - 16 + $1) % 384)); fi; }
export FRONTDESK_BIN=$top/$BUILD/bin
export FRONTDESK_VAR=$top/$BUILD/$PROFILE/var
export FRONTDESK_RUNDIR=/tmp/fd-$PROFILE
export FRONTDESK_PG_PORT=$((5550 + off))
export FRONTDESK_REDIS_PORT=$((6550 + off))
export FRONTDESK_SEED_ANCHOR=${FRONTDESK_SEED_ANCHOR:-2026-11-20}   # scenarios pin their clock near this day
export FRONTDESK_VPIC_URL=${FRONTDESK_VPIC_URL:-none}   # offline stacks: no vPIC lookups
export TWILIO_AUTH_TOKEN=${TWILIO_AUTH_TOKEN:-$PROFILE-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')}
# the dashboard and /api/v1 are closed without a token: every private
# stack has its own, used by callsim, the demo and the e2e checks
export FRONTDESK_API_TOKEN=${FRONTDESK_API_TOKEN:-$PROFILE-api-$(od -An -N16 -tx8 /dev/urandom | tr -d ' ')}
export TWILIO_ACCOUNT_SID=${TWILIO_ACCOUNT_SID:-AC$(printf %032d "$off")}
export FRONTDESK_CONFIG=$top/$BUILD/$PROFILE/frontdesk.conf
GW_PORT=$((18080 + off * 10))
CARRIER_PORT=$((18085 + off * 10))
GW=http://127.0.0.1:$GW_PORT
PUBLIC=https://frontdesk.example.com
mkdir -p "$FRONTDESK_VAR"
sed -e "s|rundir = \"[^\"]*\"|rundir = \"$FRONTDESK_RUNDIR\"|" \
    -e "s|listen_port = [0-9]*|listen_port = $GW_PORT|" \
    -e "s|allow_test_clock = false|allow_test_clock = true|" \
    -e "s|^gateway: {|gateway: {\n  twilio_api_base = \"http://127.0.0.1:$CARRIER_PORT/2010-04-01\";|" \
    "$top/etc/frontdesk.conf" >"$FRONTDESK_CONFIG"
# OUTBOUND=1: the scheduler places calls (tests/e2e/outbound.sh, the
# outbound bench): calls and texts at any hour and day, retries after
# seconds, short leases
if [ "${OUTBOUND:-0}" = 1 ]; then
	sed -i -e '/^outbound: {/,/^};/{' \
	    -e 's|^  enabled = false;|  enabled = true;|' \
	    -e 's|sms_enabled = false;|sms_enabled = true; |' \
	    -e 's|call_from = "[^"]*"|call_from = "00:00"|' \
	    -e 's|call_until = "[^"]*"|call_until = "23:59"|' \
	    -e 's|call_closed_days = false|call_closed_days = true|' \
	    -e 's|retry_backoff_min = \[[^]]*\];|retry_backoff_s = [ 2 ];|' \
	    -e "s|max_concurrent = [0-9]*|max_concurrent = ${OUTBOUND_CONCURRENT:-4}|" \
	    -e 's|lease_s = [0-9]*|lease_s = 5|' \
	    -e 's|call_timeout_s = [0-9]*;|call_timeout_s = 120;|' \
	    -e '/call_timeout_s/a\  ring_timeout_s = 5;' \
	    -e '}' "$FRONTDESK_CONFIG"
fi
CALLSIM="$FRONTDESK_BIN/callsim --gateway $GW --public-url $PUBLIC --carrier-port $CARRIER_PORT"
BUSINESS_TZ=$(sed -n 's/^ *timezone = "\(.*\)".*/\1/p' "$FRONTDESK_CONFIG" | head -1)
# curl against the admin API with this stack's token
apicurl() { curl -H "Authorization: Bearer $FRONTDESK_API_TOKEN" "$@"; }
psqlq() { PGTZ=${BUSINESS_TZ:-UTC} psql -h "$FRONTDESK_RUNDIR" -p "$FRONTDESK_PG_PORT" -U frontdesk -d frontdesk -Atc "$1"; }
wait_healthy() {
	local i
	for i in $(seq 1 150); do
		# (frontdeskctl start returned once every daemon said it
		# is ready and hears its peers)
		if curl -fsS "$GW/healthz" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

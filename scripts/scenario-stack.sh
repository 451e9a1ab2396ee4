# Sourced: a private stack for working on the agent's scenarios without
# colliding with the e2e, demo or callsim stacks (ports offset 5: PG 5555,
# Redis 6555, gateway 18130, carrier 18135; rundir /tmp/fd-brain).
#   . scripts/scenario-stack.sh; deploy/frontdeskctl start
#   $CALLSIM --carrier-port $CARRIER_PORT --dir tests/scenarios --parallel 4
top=${top:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export TWILIO_AUTH_TOKEN=${TWILIO_AUTH_TOKEN:-brain-scenarios-token}
PROFILE=brain . "$top/scripts/stack-env.sh"
export FRONTDESK_RUNDIR=/tmp/fd-brain
export FRONTDESK_PG_PORT=5555
export FRONTDESK_REDIS_PORT=6555
GW_PORT=18130
CARRIER_PORT=18135
GW=http://127.0.0.1:$GW_PORT
sed -e "s|rundir = \"[^\"]*\"|rundir = \"$FRONTDESK_RUNDIR\"|" \
    -e "s|listen_port = [0-9]*|listen_port = $GW_PORT|" \
    -e "s|allow_test_clock = false|allow_test_clock = true|" \
    -e "s|host=/tmp/frontdesk port=5544|host=$FRONTDESK_RUNDIR port=$FRONTDESK_PG_PORT|" \
    -e "s|unix:/tmp/frontdesk/redis.sock|unix:$FRONTDESK_RUNDIR/redis.sock|" \
    -e "s|^gateway: {|gateway: {\n  twilio_api_base = \"http://127.0.0.1:$CARRIER_PORT/2010-04-01\";|" \
    "$top/etc/frontdesk.conf" >"$FRONTDESK_CONFIG"
CALLSIM="$FRONTDESK_BIN/callsim --gateway $GW --public-url $PUBLIC"
psqlq() { psql -h "$FRONTDESK_RUNDIR" -p "$FRONTDESK_PG_PORT" -U frontdesk -d frontdesk -Atc "$1"; }

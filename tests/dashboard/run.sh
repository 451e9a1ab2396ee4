#!/usr/bin/env bash
# The dashboard in headless Chromium against the real stack.
#   tests/dashboard/run.sh            a private stack of its own (PROFILE,
#                                     default "dashui"): three simulated calls
#                                     (a booking, a keyed-in callback number,
#                                     a barge-in), the browser test, stop
#   GW=... CALLSIM=... tests/dashboard/run.sh --running
#                                     a running stack (tests/e2e/run.sh, after
#                                     its calls), with stack-env.sh's GW and
#                                     CALLSIM and its exported variables;
#                                     DASH_CALL_SID: the call page to check
# Screenshots go to $BUILD/dashboard/.  Ends with "dashboard: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
running=0
[ "${1:-}" = --running ] && running=1

# playwright-core from npm (its lock pins it), installed under the build
# directory; it drives Debian's chromium, it downloads no browser
mods=$top/$BUILD/dashboard-test
if ! cmp -s tests/dashboard/package-lock.json "$mods/package-lock.json" ||
   [ ! -d "$mods/node_modules/playwright-core" ]; then
	mkdir -p "$mods"
	cp tests/dashboard/package.json tests/dashboard/package-lock.json "$mods/"
	(cd "$mods" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >"$mods/npm.log" 2>&1 ||
		{ cat "$mods/npm.log"; echo "dashboard: npm ci failed"; echo "dashboard: 0 passed, 1 failed"; exit 1; }
fi
if [ ! -x /usr/bin/chromium ]; then
	echo "dashboard: /usr/bin/chromium missing (scripts/deps.sh installs it)"
	echo "dashboard: 0 passed, 1 failed"; exit 1
fi

if [ $running = 0 ]; then
	PROFILE=${PROFILE:-dashui} . scripts/stack-env.sh
	trap 'deploy/frontdeskctl stop >/dev/null 2>&1' EXIT
	deploy/frontdeskctl stop >/dev/null 2>&1
	deploy/datastore.sh reset >/dev/null || { echo "dashboard: datastore reset failed"; exit 1; }
	deploy/frontdeskctl start >/dev/null || { echo "dashboard: stack did not start"; exit 1; }
	wait_healthy || { echo "dashboard: gateway not healthy"; exit 1; }
	for s in tests/e2e/booking.json tests/scenarios/21-message-keyed-number-urgent.json \
	    tests/scenarios/39-barge-in-hours-then-address.json; do
		$CALLSIM --scenario "$s" --json >"$FRONTDESK_VAR/dash-$(basename "$s")" 2>"$FRONTDESK_VAR/dash-call.log" ||
			echo "dashboard: note: scenario $s did not meet its own expectations (the page is still checked)"
	done
	DASH_CALL_SID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["call_sid"])' \
		"$FRONTDESK_VAR/dash-booking.json" 2>/dev/null)
fi
: "${GW:?GW: the gateway URL of stack-env.sh}" "${CALLSIM:?CALLSIM: the callsim command of stack-env.sh}"
# the live check places one short call while the call list is open
DASH_LIVE_CMD="$CALLSIM --no-hear --scenario tests/dashboard/live-call.json >$FRONTDESK_VAR/dash-live.log 2>&1" \
DASH_BASE=$GW DASH_TOKEN=$FRONTDESK_API_TOKEN DASH_CALL_SID=${DASH_CALL_SID:-} \
DASH_OUT=$top/$BUILD/dashboard NODE_PATH=$mods/node_modules \
	timeout 120 node tests/dashboard/dashboard_test.js
rc=$?
[ $rc = 124 ] && echo "dashboard: FAIL the browser test did not finish in 120 s" && echo "dashboard: 0 passed, 1 failed"
exit $rc

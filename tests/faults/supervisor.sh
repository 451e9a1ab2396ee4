#!/usr/bin/env bash
# A supervisor survives any restart request: for STORM_S seconds (10) send
# one daemon's supervisor (STORM_DAEMON, scheduler) USR1 as fast as a shell
# can, kill -9 the daemon every 200 of them, then require the supervisor to
# be alive, the daemon ready again within 30 s, and one more
# `frontdeskctl restart` to bring up a new, ready daemon.
#   tests/faults/supervisor.sh             a private stack (PROFILE, "faults")
#   tests/faults/supervisor.sh --running   the stack the caller started
#                                          (stack-env.sh already sourced)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
STORM_S=${STORM_S:-10}
name=${STORM_DAEMON:-scheduler}
if [ "${1:-}" != --running ]; then
	PROFILE=${PROFILE:-faults} . scripts/stack-env.sh
	trap 'deploy/frontdeskctl stop >/dev/null 2>&1' EXIT
	deploy/frontdeskctl stop >/dev/null 2>&1
	deploy/frontdeskctl start >/dev/null || { echo "faults: stack start failed"; exit 1; }
fi
SV=$FRONTDESK_VAR/sv

readpid() {
	local p=""
	[ -f "$1" ] && read -r p <"$1" 2>/dev/null
	case $p in '' | *[!0-9]*) ;; *) echo "$p" ;; esac
}

# wait_new OLD: the daemon is ready with a pid other than OLD (30 s)
wait_new() {
	local p _
	for _ in $(seq 1 300); do
		p=$(readpid "$SV/$name.pid")
		[ -n "$p" ] && [ "$p" != "$1" ] && [ -f "$SV/$name.ready" ] && return 0
		sleep 0.1
	done
	return 1
}

fail() { echo "faults FAIL supervisor: $name: $*"; exit 1; }

sv=$(readpid "$SV/$name.sv")
{ [ -n "$sv" ] && kill -0 "$sv" 2>/dev/null; } || fail "no supervisor running"
first=$(readpid "$SV/$name.pid")
n=0 kills=0 end=$((SECONDS + STORM_S))
while [ $SECONDS -lt $end ]; do
	kill -USR1 "$sv" 2>/dev/null || fail "supervisor died after $n USR1 and $kills kill -9"
	n=$((n + 1))
	if [ $((n % 200)) = 0 ]; then
		p=$(readpid "$SV/$name.pid")
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null && kills=$((kills + 1))
	fi
done
kill -0 "$sv" 2>/dev/null || fail "supervisor died after $n USR1 and $kills kill -9"
wait_new "$first" || fail "not ready 30 s after $n USR1 and $kills kill -9"
last=$(readpid "$SV/$name.pid")
deploy/frontdeskctl restart "$name" || fail "frontdeskctl restart failed"
wait_new "$last" || fail "not ready 30 s after frontdeskctl restart"
echo "faults ok   supervisor: $name back after $n USR1 and $kills kill -9 in ${STORM_S} s, restarts $(cat "$SV/$name.restarts")"

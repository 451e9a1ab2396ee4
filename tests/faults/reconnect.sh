#!/usr/bin/env bash
# Every subscriber hears a restarted publisher again: for each daemon with
# subscribers, RESTARTS times (20): kill -9 it, have its supervisor start
# it at once, wait for its ready file, then require every subscriber it
# had before to be connected to its pub socket again within 5 s, and to
# its media pub for the gateway (the callers' audio, stt-worker's)
# (connections counted on the socket file with ss).  Prints
# "faults: N passed, N failed".
#   tests/faults/reconnect.sh             a private stack (PROFILE, "faults")
#   tests/faults/reconnect.sh --running   the stack the caller started
#                                         (stack-env.sh already sourced)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
RESTARTS=${RESTARTS:-20}
own=1
if [ "${1:-}" = --running ]; then
	own=0
else
	PROFILE=${PROFILE:-faults} . scripts/stack-env.sh
	trap 'deploy/frontdeskctl stop >/dev/null 2>&1' EXIT
	deploy/frontdeskctl stop >/dev/null 2>&1
	deploy/frontdeskctl start >/dev/null || { echo "faults: stack start failed"; exit 1; }
fi
SV=$FRONTDESK_VAR/sv
pass=0; fail=0

peers() { ss -xH state established src "$FRONTDESK_RUNDIR/$1.pub" 2>/dev/null | wc -l; }

# readpid FILE: the pid in FILE, nothing if there is none
readpid() {
	local p=""
	[ -f "$1" ] && read -r p <"$1" 2>/dev/null
	case $p in '' | *[!0-9]*) ;; *) echo "$p" ;; esac
}

# all_back NAME WANT MWANT: WANT subscribers on its pub, MWANT on its
# media pub
all_back() {
	[ "$(peers "$1")" -ge "$2" ] &&
	    { [ "$3" -eq 0 ] || [ "$(peers "$1-media")" -ge "$3" ]; }
}

# restart_one NAME WANT MWANT: kill -9, immediate restart, wait ready +
# subscribers.
restart_one() {
	local name=$1 want=$2 mwant=$3 sv old="" new i
	sv=$(readpid "$SV/$name.sv")
	if [ -z "$sv" ] || ! kill -0 "$sv" 2>/dev/null; then
		echo "  $name: its supervisor is gone"; return 1
	fi
	# the daemon that runs now (after a restart its pid file may still
	# be on its way)
	for i in $(seq 1 50); do
		old=$(readpid "$SV/$name.pid")
		[ -n "$old" ] && kill -0 "$old" 2>/dev/null && break
		old=""; sleep 0.1
	done
	[ -n "$old" ] || { echo "  $name: no daemon running to kill"; return 1; }
	kill -KILL "$old"
	# the supervisor restarts at once on USR1 instead of backing off
	kill -USR1 "$sv" 2>/dev/null || { echo "  $name: its supervisor is gone"; return 1; }
	for i in $(seq 1 600); do
		new=$(readpid "$SV/$name.pid")
		[ -n "$new" ] && [ "$new" != "$old" ] && [ -f "$SV/$name.ready" ] &&
		    [ "$(readpid "$SV/$name.pid")" = "$new" ] && break
		kill -0 "$sv" 2>/dev/null || { echo "  $name: its supervisor died"; return 1; }
		new=""; sleep 0.1
	done
	[ -n "$new" ] || { echo "  $name not ready again after 60 s"; return 1; }
	for i in $(seq 1 50); do
		all_back "$name" "$want" "$mwant" && return 0
		sleep 0.1
	done
	echo "  $name: $(peers "$name") of $want subscribers back after 5 s" \
	    "(media pub: $(peers "$name-media") of $mwant)"
	return 1
}

# how many daemons subscribe to each publisher (docs/ARCHITECTURE.md, "Who
# dials whom").  A fixed count, not the connections seen before the first
# kill: a publisher that stalled under load can hold connections of
# dialers its subscribers already replaced, until it next writes to them.
# The gateway's pub: agent, tts-worker, scheduler; its media pub:
# stt-worker (the agent too with the Realtime engine, not in this stack).
declare -A subscribers=([gateway]=3 [stt-worker]=2 [agent]=3
	[tts-worker]=2 [scheduler]=1)
declare -A media_subscribers=([gateway]=1)
for name in $("$FRONTDESK_BIN/scheduler" -D); do
	want=${subscribers[$name]:-0}
	mwant=${media_subscribers[$name]:-0}
	[ "$want" -gt 0 ] || continue
	if ! all_back "$name" "$want" "$mwant"; then
		fail=$((fail + 1)); echo "faults FAIL $name: $(peers "$name") of $want subscribers (media pub: $(peers "$name-media") of $mwant) before any kill"
		continue
	fi
	# exactly, before any kill: a subscriber that dials the wrong one of
	# the gateway's two pubs shows here
	if [ "$mwant" -gt 0 ] && { [ "$(peers "$name")" -ne "$want" ] ||
	    [ "$(peers "$name-media")" -ne "$mwant" ]; }; then
		fail=$((fail + 1)); echo "faults FAIL $name: $(peers "$name") subscribers on its pub (want $want), $(peers "$name-media") on its media pub (want $mwant)"
		continue
	fi
	bad=0
	for r in $(seq 1 "$RESTARTS"); do
		restart_one "$name" "$want" "$mwant" || bad=$((bad + 1))
	done
	if [ $bad = 0 ]; then
		what="$want subscriber(s)"
		[ "$mwant" -gt 0 ] && what="$what, and $mwant on its media pub,"
		pass=$((pass + 1)); echo "faults ok   $name: $what back after each of $RESTARTS kill -9"
	else
		fail=$((fail + 1)); echo "faults FAIL $name: $bad of $RESTARTS restarts left subscribers deaf"
	fi
done
echo "faults: $pass passed, $fail failed"
[ $fail -eq 0 ]

#!/usr/bin/env bash
# kill -9 of each daemon in the middle of a booking call: the supervisor
# brings it back (ready again within 1 s), the call completes (callsim's
# expectations hold: booked, the appointment, the agent's goodbye), exactly
# one appointment row carries the call, every line the caller said is one
# caller turn of the call's record (none missing, none twice) and the
# call's outcome is set.  Each daemon is killed at the moment of the call
# it matters most (KILLS below: daemon, callsim turn, seconds into it).
# Writes $BUILD/faults/kill_midcall.json (faults_injected, calls_affected,
# records_lost, duplicates, max_restart_ms) and prints one line per kill.
#   tests/faults/kill_midcall.sh [DAEMON...]   (default: all of KILLS)
#   KILL_ROUNDS (1)   calls per daemon
#   SIGNAL (KILL)     TERM: the drain check instead (tests/faults/sigterm.sh):
#                     the same call assertions, the daemon must exit 0
#                     (the supervisor's "exited (0)" in its log), the
#                     agent's line being spoken at the signal must be
#                     heard to its end (not cut) and a tts-worker must cut
#                     none of the segments it was sent; written
#                     to $BUILD/faults/sigterm.json as sigterm_*
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/faults/lib.sh

# daemon turn seconds: the agent while it books (just after "yes
# please"), stt-worker while the caller says the booking line, tts-worker
# while the agent reads the booking back, crm-tools while the booking is
# written, the scheduler anywhere
# agent+late: the agent is stopped (SIGSTOP) for 1.5 s before the kill,
# so the caller's "yes please" reaches it while it cannot read and dies
# with it: stt-worker sends its recent finals again to the new agent
KILLS="agent:2:0.8 agent+late:2:0.8 stt-worker:1:1.5 tts-worker:1:4.5 crm-tools:2:0.9 scheduler:1:1.0"
ROUNDS=${KILL_ROUNDS:-1}
SIG=${SIGNAL:-KILL}
# ready again within 1 s (RESTART_MS); the gateway replays the caller
# audio stt-worker missed meanwhile
limit() { echo "${RESTART_MS:-1000}"; }
want=" $* "
stack_up || exit 1

injected=0 affected=0 lost=0 dups=0 maxms=0 pass=0 fail=0 week=0
for k in $KILLS; do
	IFS=: read -r name turn after <<<"$k"
	[ $# -gt 0 ] && [ "${want/ $name /}" = "$want" ] && continue
	late=0
	case $name in *+late) name=${name%+late} late=1 ;; esac
	# a stopped daemon cannot drain: the late kill is for SIGKILL only
	[ "$late" = 1 ] && [ "$SIG" != KILL ] && continue
	for r in $(seq 1 "$ROUNDS"); do
		week=$((week + 1))
		out=$FAULTS_OUT/kill-$name$([ "$late" = 1 ] && echo -late)-$r
		booking_scenario "$week" "$out.scenario"
		call_start "$out.scenario" "$out"
		if ! wait_turn "$out" "$turn"; then
			wait "$simpid"
			fail=$((fail + 1)); echo "kill FAIL $name: the call never reached turn $turn (see $out.log)"
			continue
		fi
		sleep "$after"
		if [ "$late" = 1 ]; then
			kill -STOP "$(cat "$SV/$name.pid")"
			sleep 1.5
		fi
		tk=$(date +%s%N)
		kill_and_time "$name" "$SIG"
		injected=$((injected + 1)); affected=$((affected + 1))
		[ "$restart_ms" -gt "$maxms" ] && maxms=$restart_ms
		wait "$simpid"; rc=$?
		sid=$(call_sid "$out")
		if [ -z "$sid" ]; then
			fail=$((fail + 1)); lost=$((lost + 1))
			echo "kill FAIL $name: no call sid from callsim (exit $rc, see $out.log)"
			continue
		fi
		appt=$(psqlq "select count(*) from appointments where source_call_sid = '$sid' and status = 'booked'")
		outcome=$(psqlq "select coalesce(outcome, '') from calls where call_sid = '$sid'")
		read -r miss dup <<<"$(check_turns "$sid" "$out.scenario")"
		: "${appt:=0}" "${miss:=9}" "${dup:=0}"
		lost=$((lost + miss + (appt == 0 ? 1 : 0) + (${#outcome} == 0 ? 1 : 0)))
		dups=$((dups + dup + (appt > 1 ? appt - 1 : 0)))
		exitok=1 exited=""
		if [ "$SIG" = TERM ]; then
			exited=$(grep -o "frontdeskctl: $name exited ([0-9]*)" "$LOGS/$name.log" | tail -1 | tr -dc 0-9)
			[ "$exited" = 0 ] || exitok=0
			# the line being spoken when the signal landed is
			# heard to its end (the agent's log says so), and the
			# tts-worker cut nothing it had been sent
			sent=$(sentence_at "$sid" "$tk")
			case $sent in none | *heard) ;; *) exitok=0 ;; esac
			cut=""
			if [ "$name" = tts-worker ]; then
				cut=$(grep "stopping: .* cut" "$LOGS/$name.log" | tail -1 | sed -n 's/.* \([0-9]*\) cut$/\1/p')
				[ "$cut" = 0 ] || exitok=0
				cut=" tts segments cut ${cut:-?},"
			fi
			exited=" exit status ${exited:-none}, utterance being spoken: $sent,$cut"
		fi
		what="turn $turn +${after}s:$exited back in ${restart_ms} ms, callsim exit $rc, appointment rows $appt, outcome '$outcome', caller turns missing $miss, twice $dup"
		if [ "$exitok" = 1 ] && [ -n "$new_pid" ] && [ "$restart_ms" -le "$(limit "$name")" ] && [ "$rc" = 0 ] &&
		    [ "$appt" = 1 ] && [ "$outcome" = booked ] && [ "$miss" = 0 ] && [ "$dup" = 0 ]; then
			pass=$((pass + 1)); echo "$SIG ok   $name$([ "$late" = 1 ] && echo ' (stopped 1.5 s first)'): $what"
		else
			fail=$((fail + 1)); echo "$SIG FAIL $name$([ "$late" = 1 ] && echo ' (stopped 1.5 s first)'): $what (see $out.log, $LOGS/$name.log)"
		fi
	done
done
if [ "$SIG" = TERM ]; then
	cat >"$FAULTS_OUT/sigterm.json" <<EOF
{"sigterm_daemons": $injected, "sigterm_failed": $fail, "sigterm_records_lost": $lost,
 "sigterm_duplicates": $dups}
EOF
else
	cat >"$FAULTS_OUT/kill_midcall.json" <<EOF
{"faults_injected": $injected, "calls_affected": $affected, "records_lost": $lost,
 "duplicates": $dups, "max_restart_ms": $maxms}
EOF
fi
echo "kill-midcall ($SIG): $pass passed, $fail failed"
[ $fail -eq 0 ]

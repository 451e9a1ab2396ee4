#!/usr/bin/env bash
# deploy/frontdeskctl on a private stack: start order (crm-tools ready
# before the workers start, the gateway after them), status (pid, uptime,
# restarts, last exit), a crashed daemon back at once, the backoff on the
# next crash, at once again after 10 s of running, a restart asked for, the crash-loop stop and a restart out
# of it, `logs NAME [-f]`, deploy/logrotate/frontdesk rotating the logs
# of running daemons (copytruncate), and the reverse stop order.  The
# times compared are the daemons' own log stamps.
# Prints "supervisor: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
PROFILE=${SUPERVISOR_PROFILE:-supervisor} . scripts/stack-env.sh
# four short runs in a row and the supervisor gives up (the default is
# six: the same code, less waiting)
export FRONTDESK_CRASH_LIMIT=4

pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "supervisor ok   $*"; }
bad()  { fail=$((fail + 1)); echo "supervisor FAIL $*"; }
finish() { echo "supervisor: $pass passed, $fail failed"; [ $fail -eq 0 ]; exit; }
ctl() { deploy/frontdeskctl "$@"; }
SV=$FRONTDESK_VAR/sv
LOGS=$FRONTDESK_VAR/log
tailpid=""
cleanup() {
	[ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null
	ctl stop >/dev/null 2>&1
}
trap cleanup EXIT
ctl stop >/dev/null 2>&1
rm -rf "$LOGS"
deploy/datastore.sh reset >/dev/null || { bad "datastore reset"; finish; }
if ! ctl start >"$FRONTDESK_VAR/start.out" 2>&1; then
	bad "start: $(tail -3 "$FRONTDESK_VAR/start.out")"; finish
fi
WORKERS=$("$FRONTDESK_BIN/scheduler" -D | grep -vxF -e crm-tools -e gateway | tr '\n' ' ')

# first log stamp of a line matching RE in NAME's log (ISO stamps sort)
stamp() { grep -m1 -E "$2" "$LOGS/$1.log" | cut -d' ' -f1; }
lstamp() { grep -E "$2" "$LOGS/$1.log" | tail -n1 | cut -d' ' -f1; }
crm_ready=$(stamp crm-tools ' ready: ')
gw_start=$(stamp gateway ' starting \(config')
order=ok
for n in $WORKERS; do
	s=$(stamp "$n" ' starting \(config')
	if [ -z "$s" ] || [ -z "$crm_ready" ] || [ -z "$gw_start" ] ||
	   [[ "$s" < "$crm_ready" ]] || [[ "$gw_start" < "$s" ]]; then
		order="$n started $s (crm-tools ready $crm_ready, gateway started $gw_start)"
	fi
done
[ "$order" = ok ] && ok "start order: crm-tools ready ($crm_ready), then $WORKERS, gateway last ($gw_start)" ||
	bad "start order: $order"

pidof_() { cat "$SV/$1.pid" 2>/dev/null; }
# wait_new NAME OLD [S]: NAME runs with another pid than OLD (S seconds, 10)
wait_new() {
	local p _
	for _ in $(seq 1 $(( ${3:-10} * 20 ))); do
		p=$(pidof_ "$1")
		[ -n "$p" ] && [ "$p" != "$2" ] && kill -0 "$p" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
ms_since() { python3 -c 'import sys,time; print(int((time.time() - float(sys.argv[1])) * 1000))' "$1"; }
# field NAME COLUMN: a column of NAME's status line (2 state, 3 pid, 5 restarts)
field() { ctl status | awk -v n="$1" -v c="$2" '$1 == n { print $c }'; }

st=$(ctl status); rc=$?
good=1
for n in $("$FRONTDESK_BIN/scheduler" -D); do
	line=$(awk -v n="$n" '$1 == n' <<<"$st")
	read -r _ state pid _ restarts last <<<"$line"
	[ "$state" = ready ] && [ "$pid" = "$(pidof_ "$n")" ] && [ "$restarts" = 0 ] && [ "$last" = - ] || good=0
done
[ $rc = 0 ] && [ $good = 1 ] && head -1 <<<"$st" | grep -q 'PID.*UPTIME.*RESTARTS.*LAST EXIT' &&
	ok "status: every daemon ready with its pid, 0 restarts, exit 0" || bad "status (rc $rc): $st"

# a crash: back at once
old=$(pidof_ agent); t0=$EPOCHREALTIME
kill -KILL "$old"
if wait_new agent "$old"; then
	ms=$(ms_since "$t0")
	line=$(ctl status | awk '$1 == "agent"')
	if grep -q 'frontdeskctl: agent exited (137), restart in 0s' "$LOGS/agent.log" &&
	   grep -q 'signal KILL' <<<"$line" && [ "$(field agent 5)" = 1 ]; then
		ok "agent killed -9: restarted at once (no backoff; back in ${ms} ms); status: restarts 1, last exit signal KILL"
	else
		bad "agent after its first kill: back in $ms ms, status '$line'"
	fi
else
	bad "agent not restarted after kill -9"
fi
# the second crash in a row waits the backoff (1 s)
old=$(pidof_ agent); t0=$EPOCHREALTIME
kill -KILL "$old"
if wait_new agent "$old"; then
	ms=$(ms_since "$t0")
	[ "$ms" -ge 1000 ] && grep -q 'frontdeskctl: agent exited (137), restart in 1s' "$LOGS/agent.log" &&
		ok "second crash within a minute: restarted after the 1 s backoff (${ms} ms)" ||
		bad "second crash restarted after $ms ms, want >= 1 s of backoff"
else
	bad "agent not restarted after a second kill -9"
fi
# a daemon that ran 10 s before crashing again served calls: back at once
sleep 10.5
old=$(pidof_ agent); t0=$EPOCHREALTIME
kill -KILL "$old"
if wait_new agent "$old"; then
	ms=$(ms_since "$t0")
	[ "$(grep -c 'frontdeskctl: agent exited (137), restart in 0s' "$LOGS/agent.log")" -ge 2 ] &&
		ok "a crash after 10 s of running: restarted at once again (${ms} ms)" ||
		bad "a crash after 10 s of running: back in $ms ms, not at once ($(grep 'restart in' "$LOGS/agent.log" | tail -1))"
else
	bad "agent not restarted after a third kill -9"
fi
# a restart asked for is no crash
old=$(pidof_ scheduler)
ctl restart scheduler
if wait_new scheduler "$old" && ctl status | awk '$1 == "scheduler"' | grep -q '(restart asked)'; then
	ok "restart scheduler: new pid, status says the restart was asked for"
else
	bad "restart scheduler: $(ctl status | awk '$1 == "scheduler"')"
fi
code=0; ctl restart nosuch 2>/dev/null || code=$?
[ "$code" = 2 ] && ok "restart of an unknown daemon: exit 2" || bad "restart nosuch exited $code, want 2"

# the crash loop: short runs (under a minute) up to four in a row, and
# the supervisor stops
for _ in 1 2 3; do
	old=$(pidof_ agent)
	[ -n "$old" ] && kill -KILL "$old"
	for _ in $(seq 1 100); do
		[ "$(cat "$SV/agent.state")" = failed ] && break 2
		p=$(pidof_ agent)
		[ -n "$p" ] && [ "$p" != "$old" ] && break
		sleep 0.05
	done
done
for _ in $(seq 1 40); do
	[ "$(cat "$SV/agent.state" 2>/dev/null)" = failed ] && break
	sleep 0.1
done
line=$(ctl status | awk '$1 == "agent"'); code=0; ctl status >/dev/null || code=$?
if [ "$(cat "$SV/agent.state")" = failed ] && grep -q 'FAIL.*gave up: crash loop' <<<"$line" && [ $code = 3 ] &&
   grep -q 'not restarting (frontdeskctl restart agent)' "$LOGS/agent.log" && sleep 1.5 && [ -z "$(pidof_ agent)" ]; then
	ok "4 short runs in a row: the supervisor gave up on agent; status FAIL, exit 3"
else
	bad "crash loop: state $(cat "$SV/agent.state"), status (exit $code): $line"
fi
curl -fsS "$GW/healthz" >/dev/null && ok "the other daemons serve on (gateway healthy)" || bad "gateway after agent's crash loop"

# logs -f follows; a restart out of the crash loop
# run directly (not through ctl()): its pid is then the tail itself
deploy/frontdeskctl logs agent -f >"$FRONTDESK_VAR/follow.out" 2>&1 &
tailpid=$!
sleep 0.3
ctl restart agent
for _ in $(seq 1 100); do
	[ -f "$SV/agent.ready" ] && break
	sleep 0.1
done
sleep 0.3
kill "$tailpid" 2>/dev/null; wait "$tailpid" 2>/dev/null; tailpid=""
if [ -f "$SV/agent.ready" ] && [ "$(field agent 2)" = ready ]; then
	ok "restart agent after the crash loop: ready again"
else
	bad "restart agent after the crash loop: $(ctl status | awk '$1 == "agent"')"
fi
if grep -q 'frontdeskctl: starting agent' "$FRONTDESK_VAR/follow.out" && grep -q ' ready: ' "$FRONTDESK_VAR/follow.out" &&
   grep -q 'not restarting' "$FRONTDESK_VAR/follow.out" && ! pgrep -f "tail -f $LOGS/agent.log" >/dev/null; then
	ok "logs agent -f: showed the log, followed the restart as it happened, gone when stopped"
else
	bad "logs agent -f: $(tail -3 "$FRONTDESK_VAR/follow.out")"
fi
[ "$(ctl logs agent | wc -l)" -gt 5 ] && ok "logs agent prints the log" || bad "logs agent"
code=0; ctl logs nosuch >/dev/null 2>&1 || code=$?
[ "$code" = 2 ] && ok "logs of an unknown daemon: exit 2" || bad "logs nosuch exited $code, want 2"

# deploy/logrotate/frontdesk under the running daemons
LR=$(command -v logrotate || echo /usr/sbin/logrotate)
if [ -x "$LR" ]; then
	sed "s|^/opt/frontdesk/var/log/\*.log|$LOGS/*.log|" deploy/logrotate/frontdesk >"$FRONTDESK_VAR/logrotate.conf"
	before=$(wc -c <"$LOGS/gateway.log")
	if grep -q "^$LOGS/\*.log {" "$FRONTDESK_VAR/logrotate.conf" &&
	   "$LR" -s "$FRONTDESK_VAR/logrotate.state" -f "$FRONTDESK_VAR/logrotate.conf" >"$FRONTDESK_VAR/logrotate.out" 2>&1; then
		# the gateway writes a line into the cut file: a webhook without a signature
		curl -s -o /dev/null --data 'CallSid=CArotate' "$GW/twilio/voice"
		sleep 0.3
		size=$(wc -c <"$LOGS/gateway.log")
		nuls=$(tr -cd '\0' <"$LOGS/gateway.log" | wc -c)
		if [ -s "$LOGS/gateway.log.1" ] && [ "$(wc -c <"$LOGS/gateway.log.1")" -ge "$before" ] &&
		   [ "$nuls" = 0 ] && [ "$size" -lt "$before" ] && head -c 4 "$LOGS/gateway.log" | grep -q '^20' &&
		   grep -q 'without X-Twilio-Signature' "$LOGS/gateway.log"; then
			ok "logrotate (copytruncate): old log in gateway.log.1, the running gateway writes at the start of the cut file (no hole)"
		else
			bad "after logrotate: gateway.log $size bytes ($nuls NULs, was $before), .1: $(wc -c <"$LOGS/gateway.log.1" 2>/dev/null)"
		fi
	else
		bad "logrotate: $(tail -3 "$FRONTDESK_VAR/logrotate.out")"
	fi
else
	bad "no logrotate (scripts/deps.sh installs it)"
fi

# stop: the gateway first, the workers, crm-tools last
ctl stop >/dev/null 2>&1
gw_stop=$(lstamp gateway ' stopping')
crm_stop=$(lstamp crm-tools ' stopping')
order=ok
for n in $WORKERS; do
	s=$(lstamp "$n" ' stopping')
	if [ -z "$s" ] || [ -z "$gw_stop" ] || [ -z "$crm_stop" ] || [[ "$s" < "$gw_stop" ]] || [[ "$crm_stop" < "$s" ]]; then
		order="$n stopping $s (gateway $gw_stop, crm-tools $crm_stop)"
	fi
done
[ "$order" = ok ] && ok "stop order: gateway ($gw_stop), the workers, crm-tools last ($crm_stop)" || bad "stop order: $order"
left=$(ls "$SV"/*.sv 2>/dev/null)
code=0; ctl status >/dev/null 2>&1 || code=$?
[ -z "$left" ] && [ $code = 3 ] && ! ctl status | grep -qE ' (ready|up) ' &&
	ok "after stop: no supervisor left, status down (exit 3)" || bad "after stop: supervisors $left, status exit $code"
finish

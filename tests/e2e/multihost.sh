#!/usr/bin/env bash
# Several hosts, simulated by network namespaces on this machine (traffic
# stays inside it): a bridge namespace joins four "hosts" by veth pairs,
#   gw  10.213.0.1  gateway (and callsim, playing Twilio)
#   w1  10.213.0.2  stt-worker, agent, tts-worker   (instances *-w1)
#   w2  10.213.0.3  stt-worker, agent, tts-worker   (instances *-w2)
#   db  10.213.0.4  PostgreSQL, Redis, crm-tools
# every daemon in cluster mode (cluster.enabled), every bus and rpc
# address tcp://.  20 calls at once (16 questions, 4 bookings); once
# every call has had its first answer, host w1 dies (every process in it
# killed -9).  Checks: both worker hosts took calls, the gateway moved
# w1's calls to w2 within 2 s, every call completes (each turn answered,
# the agent hangs up), each call has its record closed with an outcome, no
# transcript turn twice, each booked call exactly one appointment and no
# appointment without its call booked.  Two of w1's calls lose their
# session with it: they must be started again on w2, not left silent.  Where the kernel forbids
# namespaces the test says so and skips.
# Prints "multihost: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "multihost ok   $*"; }
bad()  { fail=$((fail + 1)); echo "multihost FAIL $*"; }
finish() { echo "multihost: $pass passed, $fail failed"; [ $fail -eq 0 ]; exit; }
P=fdmh                     # namespace and interface prefix

# ---- may we? ----
if [ "$(id -u)" -ne 0 ] || ! ip netns add "$P-probe" 2>/dev/null; then
	echo "multihost SKIP network namespaces are not allowed here (needs root and CAP_SYS_ADMIN; a container without them): the multi-host test did not run"
	finish
fi
ip netns del "$P-probe"

PROFILE=${MULTIHOST_PROFILE:-multihost} . scripts/stack-env.sh

NET=10.213.0
HOSTS="gw w1 w2 db"
declare -A IP=([gw]=$NET.1 [w1]=$NET.2 [w2]=$NET.3 [db]=$NET.4)
D=$FRONTDESK_VAR/multihost
LOGS=$D/log
BIN=$FRONTDESK_BIN
REDIS=${IP[db]}:$FRONTDESK_REDIS_PORT
BUSPORT=$((27000 + (GW_PORT % 1000)))   # pubs: BUSPORT+0..5, the gateway's media pub +7, crm rep +9

nsx() { local h=$1; shift; ip netns exec "$P-$h" "$@"; }

teardown() {
	local h
	for h in $HOSTS; do
		ip netns pids "$P-$h" 2>/dev/null | xargs -r kill -TERM 2>/dev/null
	done
	sleep 0.5
	for h in $HOSTS hub; do
		ip netns pids "$P-$h" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$P-$h" 2>/dev/null
	done
	# the datastore's processes were in db: gone with it; its files stay
	rm -f "$FRONTDESK_RUNDIR"/redis.sock "$FRONTDESK_RUNDIR"/redis-*.pid
}

teardown
trap teardown EXIT
rm -rf "$D"; mkdir -p "$LOGS" "$D/ready" "$D/calls"

# ---- the network ----
net_up() {
	local h
	ip netns add "$P-hub" && nsx hub ip link add br0 type bridge &&
	    nsx hub ip link set br0 up && nsx hub ip link set lo up || return 1
	for h in $HOSTS; do
		ip netns add "$P-$h" &&
		ip link add "$P-$h" type veth peer name "$P-$h-b" &&
		ip link set "$P-$h" netns "$P-$h" &&
		ip link set "$P-$h-b" netns "$P-hub" &&
		nsx hub ip link set "$P-$h-b" master br0 &&
		nsx hub ip link set "$P-$h-b" up &&
		nsx "$h" ip addr add "${IP[$h]}/24" dev "$P-$h" &&
		nsx "$h" ip link set "$P-$h" up &&
		nsx "$h" ip link set lo up || return 1
	done
}
if ! net_up >"$D/net.log" 2>&1; then
	cat "$D/net.log"
	echo "multihost SKIP the kernel refused the veth/bridge set-up (see $D/net.log): the multi-host test did not run"
	finish
fi
# ---- the datastore and crm-tools on db ----
deploy/datastore.sh stop >/dev/null 2>&1
if ! nsx db env FRONTDESK_REDIS_BIND="127.0.0.1 ${IP[db]}" FRONTDESK_REDIS_PROTECTED=no \
    deploy/datastore.sh reset >"$D/datastore.log" 2>&1; then
	bad "datastore in db (see $D/datastore.log)"; finish
fi
# every host reaches Redis on db over the bridge, and only there
rping() { nsx "$1" redis-cli -h "${IP[db]}" -p "$FRONTDESK_REDIS_PORT" ping 2>&1; }
if [ "$(rping gw)" = PONG ] && [ "$(rping w1)" = PONG ] && [ "$(rping w2)" = PONG ] &&
    [ "$(nsx gw redis-cli -p "$FRONTDESK_REDIS_PORT" ping 2>&1)" != PONG ]; then
	ok "four hosts on one bridge: gw, w1 and w2 reach Redis on db over tcp"
else
	bad "the namespaces do not reach db's Redis: gw '$(rping gw)', w1 '$(rping w1)'"; finish
fi

# start NAME HOST DAEMON PUB [ENV...]: one daemon in a host, cluster mode
start() {
	local name=$1 h=$2 d=$3 pub=$4; shift 4
	nsx "$h" env FRONTDESK_CLUSTER=true FRONTDESK_CLUSTER_REDIS="$REDIS" \
	    FRONTDESK_INSTANCE="$name" FRONTDESK_AGENT_REDIS="$REDIS" \
	    FRONTDESK_BUS_CRM_REP="tcp://${IP[db]}:$((BUSPORT + 9))" \
	    FRONTDESK_READY_FILE="$D/ready/$name" "$@" \
	    "$BIN/$d" -f "$FRONTDESK_CONFIG" >>"$LOGS/$name.log" 2>&1 &
}
wait_ready() {
	local n i
	for i in $(seq 1 300); do
		n=0
		for f in "$@"; do [ -e "$D/ready/$f" ] && n=$((n + 1)); done
		[ $n -eq $# ] && return 0
		sleep 0.1
	done
	return 1
}
start crm-db db crm-tools "" FRONTDESK_BUS_CRM="tcp://${IP[db]}:$((BUSPORT + 8))"
wait_ready crm-db || { bad "crm-tools did not start (see $LOGS/crm-db.log)"; finish; }
for w in w1 w2; do
	ip=${IP[$w]}
	start "stt-$w" "$w" stt-worker "" FRONTDESK_BUS_STT="tcp://$ip:$((BUSPORT + 1))"
	start "agent-$w" "$w" agent "" FRONTDESK_BUS_AGENT="tcp://$ip:$((BUSPORT + 2))"
	start "tts-$w" "$w" tts-worker "" FRONTDESK_BUS_TTS="tcp://$ip:$((BUSPORT + 3))"
done
start gw-1 gw gateway "" FRONTDESK_BUS_GATEWAY="tcp://${IP[gw]}:$((BUSPORT + 0))" \
    FRONTDESK_BUS_GATEWAY_MEDIA="tcp://${IP[gw]}:$((BUSPORT + 7))"
if wait_ready crm-db stt-w1 agent-w1 tts-w1 stt-w2 agent-w2 tts-w2 gw-1; then
	ok "gateway, 2 stt-workers, 2 agents, 2 tts-workers, crm-tools ready over tcp"
else
	bad "the cluster did not come up: $(ls "$D/ready" | tr '\n' ' ')"; finish
fi
# each worker hears both... wait until the gateway hears every instance
for i in $(seq 1 100); do
	n=$(grep -c "bus: dialling tcp://$NET" "$LOGS/gw-1.log")
	[ "$n" -ge 6 ] && break
	sleep 0.1
done
reg=$(nsx db redis-cli -p "$FRONTDESK_REDIS_PORT" --scan --pattern 'fd:inst:*' | sort | tr '\n' ' ')
echo "registry: $reg"
# the callers' audio crosses only to the stt-workers: they dial the
# gateway's media pub (from its registration), the agents and
# tts-workers its pub
media="tcp://${IP[gw]}:$((BUSPORT + 7))" main="tcp://${IP[gw]}:$((BUSPORT + 0))"
m_stt=$(cat "$LOGS"/stt-w*.log | grep -c "bus: dialling $media\$")
m_other=$(cat "$LOGS"/agent-w*.log "$LOGS"/tts-w*.log | grep -c "bus: dialling $media\$")
p_other=$(cat "$LOGS"/agent-w*.log "$LOGS"/tts-w*.log | grep -c "bus: dialling $main\$")
p_stt=$(cat "$LOGS"/stt-w*.log | grep -c "bus: dialling $main\$")
if [ "$m_stt" = 2 ] && [ "$p_stt" = 0 ] && [ "$m_other" = 0 ] && [ "$p_other" = 4 ]; then
	ok "the gateway's media pub is dialled by the 2 stt-workers only, its pub by the 4 agents and tts-workers"
else
	bad "gateway media pub dialled by $m_stt stt-workers and $m_other others, its pub by $p_stt stt-workers and $p_other others (want 2 0 0 4)"
fi

# ---- 20 calls at once ----
python3 - "$D/calls" <<'EOF'
import json, sys
out = sys.argv[1]
for i in range(16):
    s = {"name": "question %02d" % i,
         "caller": {"from": "+1555987%04d" % (2000 + i), "voice": "kal"},
         "now": "2026-11-20T10:00:00",
         "turns": [{"say": "Where are you located?"},
                   {"say": "No, that's all."}],
         "expect": {"outcome": "info_only", "hangup_by": "agent",
                    "heard_contains": ["main street"]}}
    json.dump(s, open("%s/q%02d.json" % (out, i), "w"))
for n in ["book-oil-change", "book-tire-rotation-saturday",
          "book-brake-inspection-monday", "new-caller-diagnostic"]:
    s = json.load(open("tests/scenarios/%s.json" % n))
    json.dump(s, open("%s/%s.json" % (out, n), "w"))
EOF
# (a loaded machine answers slowly: this is no speed test)
nsx gw $CALLSIM --reply-timeout 30 --dir "$D/calls" --parallel 20 --report "$D/report.json" >"$D/callsim.out" 2>"$D/callsim.log" &
simpid=$!
# most calls answered once (the greeting heard, a first reply under way):
# then w1 dies, mid-calls
for i in $(seq 1 600); do
	n=$(cat "$LOGS"/agent-w*.log 2>/dev/null | grep -c 'say utt 2[: ]')
	[ "$n" -ge 16 ] && break
	kill -0 $simpid 2>/dev/null || break
	sleep 0.1
done
# (the assignments each call got when it started)
w1calls=$(grep -c "cluster: stt-worker stt-w1, " "$LOGS/gw-1.log")
w2calls=$(grep -c "cluster: stt-worker stt-w2, " "$LOGS/gw-1.log")
a1=$(grep -c ", agent agent-w1, " "$LOGS/gw-1.log")
a2=$(grep -c ", agent agent-w2, " "$LOGS/gw-1.log")
if [ "$w1calls" -ge 5 ] && [ "$w2calls" -ge 5 ] && [ "$a1" -ge 5 ] && [ "$a2" -ge 5 ]; then
	ok "calls spread: stt-w1 $w1calls, stt-w2 $w2calls, agent-w1 $a1, agent-w2 $a2"
else
	bad "calls not spread: stt-w1 $w1calls, stt-w2 $w2calls, agent-w1 $a1, agent-w2 $a2"
fi
# two of agent-w1's question calls lose their session with the host (as
# when Redis was unreachable for the host's last writes): the agent they
# move to must start them again, not leave them silent
lose=$(python3 - "$LOGS/gw-1.log" <<'EOF'
import re, sys
agent, frm = {}, {}
for l in open(sys.argv[1]):
    m = re.search(r"call=(\S+) cluster: stt-worker \S+, agent (\S+),", l)
    if m: agent[m.group(1)] = m.group(2)
    m = re.search(r"call=(\S+) stream \S+ started: \S+ call from (\S+)", l)
    if m: frm[m.group(1)] = m.group(2)
print(" ".join([c for c in agent if agent[c] == "agent-w1" and
                re.search(r"20\d\d$", frm.get(c, ""))][:2]))
EOF
)
t_kill=$(date +%s.%N)
ip netns pids "$P-w1" | xargs -r kill -KILL
for c in $lose; do
	nsx db redis-cli -p "$FRONTDESK_REDIS_PORT" DEL "fd:sess:$c" >/dev/null
done
echo "killed host w1 at $(date -u +%T.%N); sessions dropped: ${lose:-none}"
wait $simpid; rc=$?
moves=$(grep -c "is gone: call moves to" "$LOGS/gw-1.log")
# the first move after the kill, from the gateway's log clock
# (the first one after the kill: the gateway's log clock is UTC)
after=$(date -u -d "@${t_kill%.*}" +%Y-%m-%dT%H:%M:%S)
first=$(grep "is gone: call moves to" "$LOGS/gw-1.log" | awk -v a="$after" '$1 >= a {print $1; exit}')
delay=$(python3 - "$t_kill" "$first" <<'EOF'
import sys, datetime
t = float(sys.argv[1])
s = sys.argv[2]
try:
    d = datetime.datetime.strptime(s[:26].rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
    print("%.2f" % (d.timestamp() - t))
except Exception:
    print("?")
EOF
)
if [ "$moves" -ge 1 ] && python3 -c "import sys; sys.exit(0 if '$delay' != '?' and float('$delay') <= 2.0 else 1)"; then
	ok "w1's calls moved to w2: $moves moves, the first ${delay}s after the kill"
else
	bad "moves after the kill: $moves, first after ${delay}s (want <= 2 s)"
	grep "cluster\|bus:" "$LOGS/gw-1.log" | tail -20
fi
# every call completes: all its turns said and answered, the agent hung
# up; what the caller heard is scored too (a machine this loaded mishears
# now and then, with or without a dead host: reported, not required)
summary=$(python3 - "$D/report.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
calls = r.get("scenarios") or []
def complete(c):
    return (c.get("hangup_by") == "agent" and c.get("turns") and
            all(t.get("done") for t in c["turns"]) and
            not any("no reply" in str(f) for f in c.get("failures") or []))
print(len(calls), sum(1 for c in calls if complete(c)),
      sum(1 for c in calls if c.get("passed")))
EOF
)
read -r ncalls ncomplete npassed <<<"$summary"
again=0
for c in $lose; do
	grep -q "call=$c call moved here without a session: starting it again" "$LOGS/agent-w2.log" && again=$((again + 1))
done
nlose=$(echo $lose | wc -w)
if [ "$nlose" -ge 1 ] && [ "$again" = "$nlose" ]; then
	ok "calls moved without a session started again on agent-w2: $again of $nlose"
else
	bad "calls moved without a session started again: $again of $nlose (${lose:-no question call on agent-w1})"
fi
if [ "${ncalls:-0}" = 20 ] && [ "${ncomplete:-0}" = 20 ]; then
	ok "all 20 calls completed (every turn answered, the agent hung up); $npassed of 20 also met every expectation of their scenario"
else
	bad "calls completed: ${ncomplete:-?} of ${ncalls:-?} (callsim exit $rc, see $D/callsim.out, $D/report.json)"
fi
psqld() { PGTZ=${BUSINESS_TZ:-UTC} psql -h "$FRONTDESK_RUNDIR" -p "$FRONTDESK_PG_PORT" -U frontdesk -d frontdesk -Atc "$1"; }
sids=$(python3 -c "
import json
r=json.load(open('$D/report.json'))
print(','.join(\"'%s'\" % c.get('call_sid','') for c in (r.get('scenarios') or [])))")
recs=$(psqld "select count(*) from calls where call_sid in ($sids) and outcome is not null and ended_at is not null" 2>&1)
dups=$(psqld "select count(*) from (select call_sid, role, start_ms, text from call_turns where call_sid in ($sids) group by 1,2,3,4 having count(*) > 1) d" 2>&1)
booked=$(psqld "select count(*) from calls where call_sid in ($sids) and outcome = 'booked'" 2>&1)
appt_calls=$(psqld "select count(distinct source_call_sid) from appointments where source_call_sid in ($sids) and status = 'booked'" 2>&1)
appt_twice=$(psqld "select count(*) from (select source_call_sid from appointments where source_call_sid in ($sids) and status = 'booked' group by 1 having count(*) > 1) d" 2>&1)
what="closed with an outcome $recs/20, turns recorded twice $dups, calls booked $booked, calls with an appointment $appt_calls, with two $appt_twice"
if [ "$recs" = 20 ] && [ "$dups" = 0 ] && [ "$booked" -ge 1 ] 2>/dev/null && [ "$booked" = "$appt_calls" ] && [ "$appt_twice" = 0 ]; then
	ok "records: $what"
else
	bad "records: $what"
fi
finish

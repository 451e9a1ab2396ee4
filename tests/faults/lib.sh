# Sourced by the tests/faults scripts: a private stack and the helpers
# that place a call, kill a daemon in the middle of it and check the
# call's record.  Needs `top` set and runs from it.
#   PROFILE (faults-suite)   the stack's ports and directories
PROFILE=${PROFILE:-faults-suite} . scripts/stack-env.sh
SV=$FRONTDESK_VAR/sv
LOGS=$FRONTDESK_VAR/log
FAULTS_OUT=${FAULTS_OUT:-$top/$BUILD/faults}
mkdir -p "$FAULTS_OUT"

# stack_up: a fresh database and every daemon ready; stack_down on exit.
# FAULTS_RUNNING=1: the stack run.sh started is used as it is.
stack_up() {
	[ "${FAULTS_RUNNING:-0}" = 1 ] && return 0
	trap stack_down EXIT
	deploy/frontdeskctl stop >/dev/null 2>&1
	deploy/datastore.sh reset >/dev/null || { echo "faults: datastore reset failed"; return 1; }
	deploy/frontdeskctl start >/dev/null || { echo "faults: stack start failed"; return 1; }
}
stack_down() { deploy/frontdeskctl stop >/dev/null 2>&1; }

# ms_since T0: milliseconds since T0 (date +%s%N).
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# booking_scenario WEEKS OUT: the booking call of tests/e2e/booking.json
# moved WEEKS weeks later (its own free Tuesday 10:00), written to OUT.
booking_scenario() {
	python3 - "$1" "$2" <<'PY'
import datetime as d, json, sys
weeks, out = int(sys.argv[1]), sys.argv[2]
sc = json.load(open("tests/e2e/booking_stt_restart.json"))
shift = d.timedelta(weeks=weeks)
now = d.datetime.fromisoformat(sc["now"]) + shift
sc["now"] = now.isoformat()
sc["name"] = "faults: booking, week +%d" % weeks
for a in sc["expect"]["appointments"]:
    a["date"] = (d.date.fromisoformat(a["date"]) + shift).isoformat()
json.dump(sc, open(out, "w"), indent=1)
PY
}

# call_start SCENARIO OUT: callsim in the background (pid in $simpid),
# its JSON in OUT.result (not .json: report.py reads every
# $FAULTS_OUT/*.json as a part) and its log in OUT.log.
call_start() {
	$CALLSIM --verbose --json --scenario "$1" >"$2.result" 2>"$2.log" &
	simpid=$!
}

# wait_turn OUT TURN: until callsim starts saying turn TURN (1 if it never
# does).
wait_turn() {
	local i
	for i in $(seq 1 1200); do
		grep -q "turn $2 say:" "$1.log" 2>/dev/null && return 0
		kill -0 "$simpid" 2>/dev/null || break
		sleep 0.05
	done
	grep -q "turn $2 say:" "$1.log"
}

# kill_and_time NAME SIGNAL: send SIGNAL to the daemon, then wait for the
# supervisor's next instance to be ready.  Sets restart_ms (-1: not back
# within 30 s) and old_pid/new_pid.
kill_and_time() {
	local name=$1 sig=$2 t0 i p
	old_pid=$(cat "$SV/$name.pid")
	t0=$(date +%s%N)
	kill -"$sig" "$old_pid"
	new_pid="" restart_ms=-1
	for i in $(seq 1 3000); do
		p=$(cat "$SV/$name.pid" 2>/dev/null)
		if [ -n "$p" ] && [ "$p" != "$old_pid" ] && [ -f "$SV/$name.ready" ] &&
		    [ "$(cat "$SV/$name.pid" 2>/dev/null)" = "$p" ]; then
			new_pid=$p
			restart_ms=$(ms_since "$t0")
			return 0
		fi
		sleep 0.01
	done
	return 1
}

# call_sid OUT: the call's sid from callsim's JSON.
call_sid() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["call_sid"])' "$1.result" 2>/dev/null
}

# check_turns SID SCENARIO: compares the call's caller turns in PostgreSQL
# with what callsim said, in order (the recogniser may mishear a word, so
# lines and caller turns are paired in order by resemblance).  Prints
# "missing DUPS": lines said that no caller turn matches, and caller
# turns recorded more than once (the same text twice in a row, or a
# caller turn no line accounts for).
check_turns() {
	psqlq "select role || '|' || replace(text, E'\n', ' ') from call_turns where call_sid = '$1' order by id" |
	    python3 -c '
import difflib, json, re, sys
def norm(s):
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", s.lower()).split())
sc = json.load(open(sys.argv[1]))
said = [norm(t["say"]) for t in sc["turns"] if "say" in t]
rows = [l.split("|", 1) for l in sys.stdin.read().splitlines() if "|" in l]
caller = [norm(t) for r, t in rows if r == "caller"]
def like(a, b):
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.35
# the longest in-order pairing of lines said with caller turns like them
n, m = len(said), len(caller)
best = [[0] * (m + 1) for _ in range(n + 1)]
for i in range(n - 1, -1, -1):
    for j in range(m - 1, -1, -1):
        best[i][j] = max(best[i + 1][j], best[i][j + 1],
                         best[i + 1][j + 1] + 1 if like(said[i], caller[j]) else 0)
used, i, j = set(), 0, 0
while i < n and j < m:
    if like(said[i], caller[j]) and best[i][j] == best[i + 1][j + 1] + 1:
        used.add(j); i += 1; j += 1
    elif best[i + 1][j] >= best[i][j + 1]:
        i += 1
    else:
        j += 1
missing = n - len(used)
dups = sum(1 for i in range(1, m) if caller[i] == caller[i - 1])
dups += sum(1 for i in range(m) if i not in used and
            any(like(caller[i], caller[j]) for j in used))
print(missing, dups)
' "$2"
}

# sentence_at SID T0: what became of the agent's utterance that was being
# spoken at T0 (date +%s%N) on call SID, from the agent's log: "N heard"
# (played to its last mark), "N cut" (cut short: a barge-in or a lost
# sentence) or "none" (nothing was being said then).  The agent logs
# "say utt N" when it sends a line, and "agent utt N heard" or "agent utt
# N cut" when the gateway's marks tell it how the line ended.
sentence_at() {
	python3 - "$1" "$2" "$LOGS/agent.log" <<'PY'
import datetime, re, sys
sid, t0, log = sys.argv[1], int(sys.argv[2]) / 1e9, sys.argv[3]
def when(line):
    ts = line.split(" ", 1)[0].rstrip("Z")
    return datetime.datetime.fromisoformat(ts).replace(
        tzinfo=datetime.timezone.utc).timestamp()
said, ended = None, {}
for line in open(log, errors="replace"):
    if "call=" + sid + " " not in line:
        continue
    m = re.search(r" say utt (\d+)", line)
    if m and when(line) <= t0:
        said = m.group(1)
    m = re.search(r" agent utt (\d+) (heard|cut)", line)
    if m:
        ended[m.group(1)] = (m.group(2), when(line))
if said is None or (said in ended and ended[said][1] <= t0):
    print("none")
else:
    print(said, ended.get(said, ("cut",))[0])
PY
}

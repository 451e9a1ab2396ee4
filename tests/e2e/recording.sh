#!/usr/bin/env bash
# recording.sh SID - on the running stack (scripts/stack-env.sh sourced by
# the caller's environment: PROFILE), after the call SID ended: its record
# has a recording whose WAV lasts as long as the call, fetched with Range
# requests as a browser's player does (206, Content-Range, 416), both
# tracks; its turns carry times (and the caller's a confidence), the
# call a cost; without the token the recording is 401.  A call whose
# gateway is killed mid-call gets its recording at the gateway's restart
# (recovered from the open files).  Then one more call
# is aged past privacy.retention_days and the scheduler restarted (it
# sweeps at start): that record answers 404 and its files are gone.
# Prints "recording ok|FAIL ..." lines and "recording: P passed, F failed".
set -u
sid=${1:?usage: recording.sh CALL_SID}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
PROFILE=${PROFILE:-e2e} . scripts/stack-env.sh
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "recording ok   $*"; }
bad() { fail=$((fail + 1)); echo "recording FAIL $*"; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
url=$GW/api/v1/calls/$sid

# the record: the gateway reports the recording when its writer closed it
for i in $(seq 1 50); do
	apicurl -s "$url" >"$T/call.json"
	python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])).get("recording") else 1)' "$T/call.json" 2>/dev/null && break
	sleep 0.2
done
if out=$(python3 - "$T/call.json" <<'PY'
import json, sys
from datetime import datetime
c = json.load(open(sys.argv[1]))
r = c.get("recording")
assert r, f"no recording in the record: {str(c)[:300]}"
assert r["url"] == f"/api/v1/calls/{c['call_sid']}/recording.wav", r["url"]
call_s = (datetime.fromisoformat(c["ended_at"]) - datetime.fromisoformat(c["started_at"])).total_seconds()
assert abs(r["duration_s"] - call_s) <= 1.5, f"recording {r['duration_s']} s, call {call_s} s"
print(r["duration_s"], r["bytes"], call_s)
PY
); then
	ok "record references the recording ($out: duration s, bytes, call s)"
	read -r dur bytes call_s <<<"$out"
else
	bad "record's recording: $out"; dur=0; bytes=0
fi

# Range requests, as a browser's audio element makes them
code=$(apicurl -s -D "$T/h1" -o "$T/head.bin" -w '%{http_code}' -H 'Range: bytes=0-43' "$url/recording.wav")
if [ "$code" = 206 ] && grep -qi "^content-range: bytes 0-43/$bytes" "$T/h1" && grep -qi '^accept-ranges: bytes' "$T/h1" &&
   [ "$(stat -c %s "$T/head.bin")" = 44 ]; then
	ok "Range bytes=0-43: 206, Content-Range bytes 0-43/$bytes, Accept-Ranges"
else
	bad "Range bytes=0-43: $code $(tr -d '\r' <"$T/h1" | tr '\n' '|')"
fi
if out=$(python3 - "$T/head.bin" "$dur" <<'PY'
import struct, sys
h = open(sys.argv[1], "rb").read()
assert h[:4] == b"RIFF" and h[8:16] == b"WAVEfmt ", h[:16]
fmt, ch, rate, brate, align, bits = struct.unpack("<HHIIHH", h[20:36])
assert (fmt, ch, rate, bits) == (1, 2, 8000, 16), (fmt, ch, rate, bits)
data = struct.unpack("<I", h[40:44])[0]
secs = data / brate
assert abs(secs - float(sys.argv[2])) < 0.05, (secs, sys.argv[2])
print(round(secs, 2))
PY
); then
	ok "WAV header from the Range: stereo 8 kHz 16-bit PCM, $out s"
else
	bad "WAV header: $out"
fi
# the middle, then the tail: the bytes of a whole download
apicurl -s -o "$T/all.wav" "$url/recording.wav"
apicurl -s -o "$T/mid.bin" -H "Range: bytes=1000-1999" "$url/recording.wav"
apicurl -s -o "$T/tail.bin" -H "Range: bytes=-500" "$url/recording.wav"
if [ "$(stat -c %s "$T/all.wav")" = "$bytes" ] && cmp -s "$T/mid.bin" <(tail -c +1001 "$T/all.wav" | head -c 1000) &&
   cmp -s "$T/tail.bin" <(tail -c 500 "$T/all.wav"); then
	ok "whole download is $bytes bytes; bytes=1000-1999 and bytes=-500 are its bytes"
else
	bad "download $(stat -c %s "$T/all.wav") bytes (want $bytes) or ranges differ"
fi
code=$(apicurl -s -o /dev/null -D "$T/h416" -w '%{http_code}' -H "Range: bytes=$bytes-" "$url/recording.wav")
if [ "$code" = 416 ] && grep -qi "^content-range: bytes \*/$bytes" "$T/h416"; then
	ok "Range past the end: 416 with Content-Range bytes */$bytes"
else
	bad "Range past the end: $code"
fi
if out=$(apicurl -s "$url/recording.wav?track=mixed" | python3 -c '
import struct, sys
h = sys.stdin.buffer.read()
ch, rate = struct.unpack("<HI", h[22:28]); data = struct.unpack("<I", h[40:44])[0]
assert (ch, rate) == (1, 8000) and len(h) == 44 + data, (ch, rate, len(h), data)
print(round(data / 16000, 2))'); then
	ok "track=mixed: mono 8 kHz, $out s"
else
	bad "track=mixed: $out"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/recording.wav")
[ "$code" = 401 ] && ok "recording without the token: 401" || bad "recording without the token: $code"
code=$(apicurl -s -o /dev/null -w '%{http_code}' "$GW/api/v1/calls/CA..%2Fetc/recording.wav")
[ "$code" = 400 ] || [ "$code" = 404 ] && ok "a call id that is not one: $code" || bad "bad call id: $code"

# turns with times, the call's cost
if out=$(python3 - "$T/call.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
turns = c["turns"]
keys = {"role", "text", "start_ms", "end_ms", "confidence", "barged_in", "heard_text"}
assert turns and all(keys <= set(t) for t in turns), "turn fields missing"
caller = [t for t in turns if t["role"] == "caller" and not t["text"].startswith("[DTMF")]
agent = [t for t in turns if t["role"] == "agent"]
assert caller and agent
for t in caller + agent:
    assert isinstance(t["start_ms"], int) and isinstance(t["end_ms"], int) and 0 <= t["start_ms"] <= t["end_ms"], t
assert all(t["confidence"] is not None and 0 <= t["confidence"] <= 1 for t in caller)
assert all(isinstance(t["heard_text"], str) for t in agent)
# in call order: each turn starts no earlier than 2 s before the one before it
cost = c["cost"]
for k in ("total_usd", "telephony_usd", "stt_usd", "tts_usd", "llm_usd", "telephony_min", "stt_s", "tts_chars", "llm_tokens"):
    assert k in cost, k
assert cost["telephony_min"] >= 1 and cost["tts_chars"] > 0 and cost["stt_usd"] == 0 and cost["llm_usd"] == 0
assert abs(cost["total_usd"] - cost["telephony_usd"]) < 1e-6
print(len(caller), len(agent), cost["total_usd"])
PY
); then
	ok "turns carry start/end ms, confidence, barge-in and heard text; cost (caller turns, agent turns, usd): $out"
else
	bad "turns/cost: $out"
fi

# a gateway killed mid-call: the next run repairs the open files and puts
# the recording (up to the last half second written) on the record
gpid=$(cat "$FRONTDESK_VAR/sv/gateway.pid" 2>/dev/null)
$CALLSIM --scenario tests/e2e/booking.json >"$T/cut.log" 2>&1 &
simpid=$!
cut=""
for i in $(seq 1 100); do
	cut=$(psqlq "select call_sid from calls where ended_at is null and gateway is not null order by started_at desc limit 1" 2>/dev/null)
	[ -n "$cut" ] && break
	sleep 0.1
done
if [ -n "$cut" ] && [ -n "$gpid" ]; then
	sleep 4
	kill -KILL "$gpid"
	for i in $(seq 1 100); do
		sleep 0.1
		new=$(cat "$FRONTDESK_VAR/sv/gateway.pid" 2>/dev/null)
		[ -n "$new" ] && [ "$new" != "$gpid" ] && kill -0 "$new" 2>/dev/null && break
	done
	wait_healthy
	for i in $(seq 1 100); do
		apicurl -s "$GW/api/v1/calls/$cut" >"$T/cut.json"
		python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])).get("recording") else 1)' "$T/cut.json" 2>/dev/null && break
		sleep 0.2
	done
	if out=$(apicurl -s "$GW/api/v1/calls/$cut/recording.wav" | python3 -c '
import json, struct, sys
h = sys.stdin.buffer.read()
rec = json.load(open(sys.argv[1]))["recording"]
assert rec, "no recording on the record"
assert h[:4] == b"RIFF" and h[8:12] == b"WAVE", h[:12]
data = struct.unpack("<I", h[40:44])[0]
assert len(h) == 44 + data and struct.unpack("<I", h[4:8])[0] == 36 + data, (len(h), data)
secs = data / 32000
assert 2.0 <= secs <= 8 and abs(secs - rec["duration_s"]) < 0.05, (secs, rec)
print(round(secs, 1))' "$T/cut.json"); then
		ok "gateway killed mid-call: its recording recovered at restart, a valid WAV of $out s on the record"
	else
		bad "gateway killed mid-call: $out"
	fi
else
	bad "gateway kill: no call in progress"
fi
kill "$simpid" 2>/dev/null
wait "$simpid" 2>/dev/null

# retention: a call older than privacy.retention_days goes with its files
if $CALLSIM --scenario tests/scenarios/41-address-and-price.json --json >"$T/old.json" 2>"$T/old.log"; then
	old=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["call_sid"])' "$T/old.json")
	for i in $(seq 1 50); do
		p=$(psqlq "select recording_path from calls where call_sid = '$old'")
		[ -n "$p" ] && break
		sleep 0.2
	done
	if [ -n "$p" ] && [ -f "$p" ] && [ -f "${p%.wav}.mixed.wav" ]; then
		psqlq "update calls set started_at = now() - interval '400 days', ended_at = now() - interval '400 days' where call_sid = '$old'" >/dev/null
		deploy/frontdeskctl restart scheduler >/dev/null 2>&1
		for i in $(seq 1 75); do
			code=$(apicurl -s -o /dev/null -w '%{http_code}' "$GW/api/v1/calls/$old")
			[ "$code" = 404 ] && [ ! -e "$p" ] && break
			sleep 0.2
		done
		code2=$(apicurl -s -o /dev/null -w '%{http_code}' "$GW/api/v1/calls/$old/recording.wav")
		if [ "$code" = 404 ] && [ "$code2" = 404 ] && [ ! -e "$p" ] && [ ! -e "${p%.wav}.mixed.wav" ]; then
			ok "retention: the aged call is 404 (record and recording) and both WAVs are gone from disk"
		else
			bad "retention: call $code, recording $code2, files $(ls "${p%.wav}"* 2>&1)"
		fi
	else
		bad "retention: the second call has no recording on disk ('$p')"
	fi
else
	bad "retention: second call failed"; tail -5 "$T/old.log"
fi
echo "recording: $pass passed, $fail failed"
[ $fail -eq 0 ]

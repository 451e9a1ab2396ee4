#!/usr/bin/env bash
# make bench: every number we claim, measured here, into build/bench.json
# (a flat object metric -> number, plus machine and commit) and a table.
# BENCH_SMOKE=1 runs a reduced version (CI keeps it working).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
BIN=$top/$BUILD/bin
OUT=$top/$BUILD/bench.json
TMP=$top/$BUILD/bench
mkdir -p "$TMP"
rm -f "$TMP"/*.json
smoke=${BENCH_SMOKE:-0}

run() { # NAME CMD... : run a bench program that prints one JSON object
	local name=$1; shift
	if [ -x "$1" ]; then
		echo "bench: $name" >&2
		"$@" >"$TMP/$name.json" 2>"$TMP/$name.log" || echo "bench: $name failed (see $TMP/$name.log)" >&2
	fi
}

if [ "$smoke" = 1 ]; then
	run bus "$BIN/busbench" -n 2000
else
	run bus "$BIN/busbench"
fi
run stt "$BIN/stt-bench" $([ "$smoke" = 1 ] && echo -q)
run tts "$BIN/tts-bench" $([ "$smoke" = 1 ] && echo -n 3)
run crm "$BIN/crm-bench" $([ "$smoke" = 1 ] && echo -n 200)
run realtime "$BIN/rt-bench" $([ "$smoke" = 1 ] && echo -n 5)
if [ -x scripts/bench-stack.sh ]; then
	echo "bench: stack" >&2
	scripts/bench-stack.sh "$TMP" "$smoke" || echo "bench: stack failed" >&2
fi
if [ -x scripts/bench-recording.sh ]; then
	echo "bench: recording" >&2
	scripts/bench-recording.sh "$TMP" "$smoke" || echo "bench: recording failed" >&2
fi
if [ -x scripts/bench-outbound.sh ]; then
	echo "bench: outbound" >&2
	scripts/bench-outbound.sh "$TMP" "$smoke" || echo "bench: outbound failed" >&2
fi
# CPU per call-second per daemon: the scaling model (deploy/README.md)
if [ -x scripts/bench-percall.sh ]; then
	echo "bench: percall" >&2
	scripts/bench-percall.sh "$TMP" "$smoke" || echo "bench: percall failed" >&2
fi

python3 - "$TMP" "$OUT" <<'PY'
import json, os, sys, glob, platform, subprocess
tmp, out = sys.argv[1], sys.argv[2]
res = {}
def num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)
def flat(prefix, d):
    # nested objects of a bench program -> prefix_path_to_key
    for k, v in d.items():
        key = f"{prefix}_{k}".replace("/", "_").replace(" ", "_")
        if isinstance(v, dict):
            yield from flat(key, v)
        elif num(v):
            yield key, v
raw = {}
for f in sorted(glob.glob(os.path.join(tmp, "*.json"))):
    name = os.path.basename(f)[:-5]
    try:
        d = json.load(open(f))
    except Exception as e:
        print(f"bench: {f}: {e}", file=sys.stderr); continue
    raw[name] = d
    for k, v in d.items():
        if num(v):
            res[k] = v
        elif isinstance(v, dict):
            res.update(flat(name if k.startswith(name) else f"{name}_{k}", v))
# the headline names for numbers that sit deep in a program's JSON
def get(d, *path):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d
stt = raw.get("stt", {})
fid = get(stt, "flite_in_domain") or {}
first = next(iter(fid.values()), {}) if fid else {}
if num(first.get("wer")):
    res["wer_pct"] = round(100 * first["wer"], 2)
if num(get(first, "slot_accuracy", "all")):
    res["slot_accuracy_pct"] = round(100 * first["slot_accuracy"]["all"], 1)
# hinted answers, held-out split: how the agent reads yes/no, digits, names
for k in ("yesno", "digits", "name"):
    v = get(stt, "hinted_sets", "heldout", k, "accuracy")
    if num(v):
        res[f"stt_{k}_accuracy_pct"] = round(100 * v, 1)
# a yes or a no with more words after it (polarity and the rest heard),
# and answers that are neither read as a yes or a no (held-out)
v = get(stt, "hinted_sets", "yesno_more", "accuracy")
if num(v):
    res["stt_yesno_more_accuracy_pct"] = round(100 * v, 1)
v = get(stt, "hinted_sets", "off_grammar_yesno", "read_as_yesno")
if num(v):
    res["stt_off_grammar_read_as_yesno_pct"] = round(100 * v, 1)
if num(get(stt, "endpointing", "p50_ms")):
    res["stt_endpoint_ms_p50"] = round(stt["endpointing"]["p50_ms"], 1)
tts = raw.get("tts", {})
voice = "slt"
try:
    for l in open(os.environ.get("FRONTDESK_CONFIG", "etc/frontdesk.conf")):
        l = l.strip()
        if l.startswith("voice") and "=" in l:
            voice = l.split("=", 1)[1].strip().strip('";'); break
except Exception:
    pass
for k in ("ttfa_ms_p50", "ttfa_ms_p95"):
    v = get(tts, "voices", voice, k)
    if num(v):
        res["tts_first_frame_ms_" + k[-3:]] = v
for tool in ("lookup_cached", "lookup_uncached", "slot_search", "book_200_concurrent",
             "book_200_distinct", "lookup_cached_oversubscribed", "rpc_floor",
             "rpc_floor_200", "rpc_floor_200_threads"):
    for k in ("p50_ms", "p99_ms"):
        v = get(raw.get("crm", {}), "crm_tools", tool, k)
        if num(v):
            res[f"tool_{tool}_ms_{k[:3]}"] = v
        # the same bookings timed inside crm-tools (its audit): the rest
        # of the round trip is the rpc transport and the queue for a worker
        v = get(raw.get("crm", {}), "crm_tools", tool, "in_crm_tools_" + k)
        if num(v):
            res[f"tool_{tool}_in_crm_tools_ms_{k[:3]}"] = v
    # the whole host's CPU (client, crm-tools, PostgreSQL) per request
    v = get(raw.get("crm", {}), "crm_tools", tool, "host_cpu_us_per_request")
    if num(v):
        res[f"tool_{tool}_host_cpu_us"] = v
# PostgreSQL alone writing the 200 bookings' rows, one statement per
# connection: no request path on this host can answer the burst sooner
for fl in ("book_200_db_floor", "book_200_db_floor_1conn"):
    for k in ("min_ms", "median_ms"):
        v = get(raw.get("crm", {}), "crm_tools", fl, k)
        if num(v):
            res[f"tool_{fl}_ms_{k[:-3]}"] = v
# The least the 200-booking burst can take on this host whatever the code
# does: PostgreSQL's CPU for the rows (the one-connection floor is one
# backend busy throughout) plus the rpc transport's CPU for 200 requests
# in flight, spread over every core.  Everything else a booking does
# (arguments, authorisation, the audit row, the WAL flush) comes on top.
db1 = res.get("tool_book_200_db_floor_1conn_ms_median")
rpc = res.get("tool_rpc_floor_200_host_cpu_us")
if num(db1) and num(rpc) and os.cpu_count():
    res["tool_book_200_host_floor_ms"] = round(
        (db1 + rpc * 200 / 1000.0) / os.cpu_count(), 2)
try:
    commit = subprocess.check_output(["git", "rev-parse", "HEAD"], text=True).strip()
except Exception:
    commit = "unknown"
cpu = "unknown"
try:
    for l in open("/proc/cpuinfo"):
        if l.startswith("model name"):
            cpu = l.split(":", 1)[1].strip(); break
except Exception:
    pass
res["machine"] = f"{platform.machine()} {os.cpu_count()} cores {cpu}"
res["commit"] = commit
json.dump(res, open(out, "w"), indent=1, sort_keys=True)
print(f"{'metric':32} value")
for k in sorted(res):
    print(f"{k:32} {res[k]}")
PY

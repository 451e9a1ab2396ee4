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
run stt "$BIN/stt-bench" $([ "$smoke" = 1 ] && echo --smoke)
run tts "$BIN/tts-bench" $([ "$smoke" = 1 ] && echo --smoke)
[ -x scripts/bench-stack.sh ] && scripts/bench-stack.sh "$TMP" "$smoke"

python3 - "$TMP" "$OUT" <<'PY'
import json, os, sys, glob, platform, subprocess
tmp, out = sys.argv[1], sys.argv[2]
res = {}
for f in sorted(glob.glob(os.path.join(tmp, "*.json"))):
    try:
        d = json.load(open(f))
    except Exception as e:
        print(f"bench: {f}: {e}", file=sys.stderr); continue
    for k, v in d.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            res[k] = v
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

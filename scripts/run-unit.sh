#!/usr/bin/env bash
# Run each unit test binary; print one summary line per binary and a total.
# Usage: run-unit.sh BUILD_DIR test...
# UNIT_JOBS binaries run at once (2: one a core on the CI box); the
# summaries still come in the given order.
build=$1; shift
pass=0; fail=0; failed=()
jobs=${UNIT_JOBS:-2}
out_dir=$(mktemp -d /tmp/fd-unit-XXXXXX)
trap 'rm -rf "$out_dir"' EXIT
printf '%s\n' "$@" | xargs -P "$jobs" -I{} sh -c \
    '"$1/test/$2" >"$3/$2.out" 2>&1; echo $? >"$3/$2.tmp"; mv "$3/$2.tmp" "$3/$2.rc"' _ "$build" {} "$out_dir" &
runner=$!
for t in "$@"; do
	while [ ! -f "$out_dir/$t.rc" ]; do
		kill -0 $runner 2>/dev/null || break
		sleep 0.2
	done
	out=$(cat "$out_dir/$t.out" 2>/dev/null); rc=$(cat "$out_dir/$t.rc" 2>/dev/null || echo 127)
	n=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	n=${n:-0}; f=${f:-0}
	if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
	pass=$((pass + n)); fail=$((fail + f))
	if [ $rc -ne 0 ]; then
		failed+=("$t")
		# each failed test's own output (its logs say why), last 60 lines
		printf '%s\n' "$out" | awk '
			/^\[ RUN      \]/ { n = 0; name = $NF }
			{ buf[n++ % 60] = $0 }
			/^\[  FAILED  \]/ && name != "" && $NF == name {
				for (i = (n > 60 ? n - 60 : 0); i < n; i++)
					print buf[i % 60]
				name = "" }' | sed "s/^/  $t| /"
		# died without cmocka's summary (abort, exit from a library):
		# its last lines and how it ended
		if ! printf '%s\n' "$out" | grep -q '^\[  FAILED  \] [0-9]'; then
			printf '%s\n' "$out" | tail -40 | sed "s/^/  $t| /"
			if [ $rc -gt 128 ]; then
				echo "  $t| (killed by signal $((rc - 128)))"
			else
				echo "  $t| (exit status $rc)"
			fi
		fi
		printf 'unit %-24s FAIL (%s passed, %s failed)\n' "$t" "$n" "$f"
	else
		printf 'unit %-24s ok (%s passed)\n' "$t" "$n"
	fi
done
wait $runner
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]

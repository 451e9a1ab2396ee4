#!/usr/bin/env bash
# The deployment checks: the supervisor on a private stack, the systemd
# units, the compose file and image, the going-live configuration
# examples.  (nginx in front is tests/e2e/nginx.sh.)  Each prints
# "NAME: N passed, N failed"; this adds them up:
# "deploy: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
pass=0; fail=0
for t in configs systemd compose supervisor; do
	out=$(tests/deploy/$t.sh 2>&1)
	echo "$out" | grep -E "^$t (ok|FAIL)"
	p=$(sed -n "s/^$t: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p" <<<"$out")
	f=$(sed -n "s/^$t: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p" <<<"$out")
	if [ -z "$p" ]; then
		fail=$((fail + 1)); echo "$t FAIL did not finish:"; tail -20 <<<"$out"
	else
		pass=$((pass + p)); fail=$((fail + f))
	fi
done
echo "deploy: $pass passed, $fail failed"
[ $fail -eq 0 ]

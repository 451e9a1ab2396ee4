#!/usr/bin/env bash
# make test: unit tests beside the code, then end-to-end tests that start
# the real stack (PostgreSQL, Redis and the six daemons) and call it with
# callsim over Twilio's protocol.  Ends with "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
cd "$top"
scripts/run-unit.sh "$BUILD" "$@" | tee "$BUILD/unit.log"
urc=${PIPESTATUS[0]}
up=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$BUILD/unit.log")
uf=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$BUILD/unit.log")
tests/e2e/run.sh | tee "$BUILD/e2e.log"
erc=${PIPESTATUS[0]}
ep=$(sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$BUILD/e2e.log")
ef=$(sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$BUILD/e2e.log")
[ $erc -ne 0 ] && [ "${ef:-0}" = 0 ] && ef=1
p=$(( ${up:-0} + ${ep:-0} )); f=$(( ${uf:-0} + ${ef:-0} ))
[ $urc -ne 0 ] && [ $f = 0 ] && f=1
echo "$p passed, $f failed"
[ $f -eq 0 ]

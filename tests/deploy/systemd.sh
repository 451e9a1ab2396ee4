#!/usr/bin/env bash
# deploy/systemd: one unit per daemon of the daemons' table, grouped by
# frontdesk.target, each hardened.  systemd-analyze verify checks every
# unit as shipped in a temporary root (the units in etc/systemd/system,
# the binaries from build/bin at /opt/frontdesk/bin, the distribution's
# own units beside them) and must print nothing; a unit with a misspelt
# key and a missing binary must fail it.  systemd-analyze security
# --offline scores each unit (exposure, 0 best .. 10); each must stay
# at or under SECURITY_MAX (2.0).  Prints "systemd: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
BIN=${FRONTDESK_BIN:-$top/${BUILD:-build}/bin}
MAX=${SECURITY_MAX:-2.0}
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "systemd ok   $*"; }
bad()  { fail=$((fail + 1)); echo "systemd FAIL $*"; }
finish() { echo "systemd: $pass passed, $fail failed"; [ $fail -eq 0 ]; exit; }
command -v systemd-analyze >/dev/null || { bad "no systemd-analyze (scripts/deps.sh installs systemd)"; finish; }
[ -x "$BIN/scheduler" ] || { bad "no binaries in $BIN (make)"; finish; }

R=$(mktemp -d /tmp/frontdesk-sdroot.XXXXXX)
trap 'rm -rf "$R"' EXIT
U=$R/etc/systemd/system
mkdir -p "$U" "$R/opt/frontdesk/bin" "$R/usr/lib/systemd" "$R/usr/bin"
cp deploy/systemd/*.service deploy/systemd/*.target "$U/"
cp -r /usr/lib/systemd/system "$R/usr/lib/systemd/"
cp /usr/bin/kill "$R/usr/bin/"
ln -s usr/bin "$R/bin"
ln -s usr/lib "$R/lib"
daemons=$("$BIN/scheduler" -D)
for d in $daemons; do cp "$BIN/$d" "$R/opt/frontdesk/bin/"; done

# one unit per daemon, each in the target, running its own binary
good=1
for d in $daemons; do
	f=deploy/systemd/frontdesk-$d.service
	if [ ! -f "$f" ] || ! grep -qx "ExecStart=/opt/frontdesk/bin/$d -f /etc/frontdesk/frontdesk.conf" "$f" ||
	   ! grep -q "frontdesk-$d.service" deploy/systemd/frontdesk.target || ! grep -qx 'PartOf=frontdesk.target' "$f"; then
		good=0; echo "  $f: missing, or not in frontdesk.target, or runs another binary"
	fi
done
n=$(find deploy/systemd -name '*.service' | wc -l)
[ $good = 1 ] && [ "$n" = "$(wc -w <<<"$daemons")" ] && ok "a unit per daemon ($n), each PartOf and wanted by frontdesk.target" ||
	bad "units and daemons do not match ($n units)"
# the hardening the deployment promises, in every unit
need="User=frontdesk ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes CapabilityBoundingSet= RestrictAddressFamilies=AF_UNIX.AF_INET.AF_INET6 SystemCallFilter=@system-service RestartPreventExitStatus=78"
missing=""
for f in deploy/systemd/*.service; do
	for k in $need; do grep -qx "$k" "$f" || missing="$missing $(basename "$f"):$k"; done
done
[ -z "$missing" ] && ok "every unit: $need" || bad "missing:$missing"
# gateway after every other daemon, every daemon after crm-tools
order=ok
for d in $daemons; do
	[ "$d" = crm-tools ] && continue
	grep -q "^After=.*frontdesk-crm-tools.service" "deploy/systemd/frontdesk-$d.service" || order="$d not after crm-tools"
	[ "$d" = gateway ] && continue
	grep -q "^After=.*frontdesk-$d.service" deploy/systemd/frontdesk-gateway.service || order="gateway not after $d"
done
[ "$order" = ok ] && ok "order: crm-tools first, the gateway after every worker" || bad "order: $order"

out=$(systemd-analyze verify --root="$R" "$U/frontdesk.target" "$U"/frontdesk-*.service 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && ok "systemd-analyze verify: every unit and the target clean" ||
	bad "systemd-analyze verify (rc $rc): $out"
sed -e 's/^ProtectSystem=strict/ProtectSytem=strict/' -e 's|/opt/frontdesk/bin/agent -f|/opt/frontdesk/bin/agnet -f|' \
	deploy/systemd/frontdesk-agent.service >"$U/frontdesk-broken.service"
out=$(systemd-analyze verify --root="$R" "$U/frontdesk-broken.service" 2>&1); rc=$?
rm -f "$U/frontdesk-broken.service"
if [ $rc != 0 ] && grep -q "Unknown key 'ProtectSytem'" <<<"$out" && grep -q 'agnet is not executable' <<<"$out"; then
	ok "verify catches a misspelt key and a missing binary"
else
	bad "verify let a broken unit through (rc $rc): $out"
fi

scores="" secbad=0
for d in $daemons; do
	out=$(systemd-analyze security --offline=yes --root="$R" --no-pager --threshold="$(awk -v m="$MAX" 'BEGIN { print int(m * 10) }')" "frontdesk-$d.service" 2>&1); rc=$?
	s=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
	scores="$scores $d $s,"
	if [ $rc != 0 ] || [ -z "$s" ] || awk -v s="$s" -v m="$MAX" 'BEGIN { exit !(s > m) }'; then
		bad "security of frontdesk-$d.service: exposure '${s:-?}' (max $MAX, rc $rc)"; secbad=1
	fi
done
[ $secbad = 0 ] && ok "systemd-analyze security exposure (0 best, 10 worst; max $MAX):${scores%,}"
finish

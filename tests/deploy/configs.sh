#!/usr/bin/env bash
# The going-live configuration examples (etc/examples/, and the default
# etc/frontdesk.conf) pass every daemon's -n with the secrets that
# etc/examples/env.example lists; the vendor example without its keys is
# refused (exit 78) by the daemons that need them, naming the key; a
# misspelt engine is refused.  Prints "configs: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
BIN=${FRONTDESK_BIN:-$top/${BUILD:-build}/bin}
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "configs ok   $*"; }
bad()  { fail=$((fail + 1)); echo "configs FAIL $*"; }
finish() { echo "configs: $pass passed, $fail failed"; [ $fail -eq 0 ]; exit; }
[ -x "$BIN/scheduler" ] || { bad "no binaries in $BIN (make)"; finish; }
daemons=$("$BIN/scheduler" -D)
T=$(mktemp -d /tmp/frontdesk-configs.XXXXXX)
trap 'rm -rf "$T"' EXIT

# the env file as an operator fills it: every variable it names, set
vars=$(sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' etc/examples/env.example)
for v in TWILIO_AUTH_TOKEN TWILIO_ACCOUNT_SID FRONTDESK_API_TOKEN DEEPGRAM_API_KEY OPENAI_API_KEY; do
	grep -qx "$v" <<<"$vars" || bad "etc/examples/env.example does not name $v"
done
filled=()
for v in $vars; do
	case $v in
	FRONTDESK_CONFIG | FRONTDESK_VAR | FRONTDESK_RUNDIR) ;;
	FRONTDESK_API_TOKEN) filled+=("$v=0123456789abcdef0123") ;;
	*) filled+=("$v=test-$v") ;;
	esac
done
check() { # CONF DAEMON [VAR=value...]: run -n in a clean environment
	local conf=$1 d=$2; shift 2
	env -i PATH="$PATH" "$@" "$BIN/$d" -n -f "$conf"
}
for conf in etc/examples/frontdesk-local.conf etc/examples/frontdesk-vendor.conf etc/frontdesk.conf; do
	okd=""
	for d in $daemons; do
		if out=$(check "$conf" "$d" "${filled[@]}" 2>&1) && grep -q "^$d: config ok" <<<"$out"; then
			okd="$okd $d"
		else
			bad "$conf: $d -n: $(tail -1 <<<"$out")"
		fi
	done
	[ "$okd" = " $(tr '\n' ' ' <<<"$daemons" | sed 's/ $//')" ] && ok "$conf: -n passes for$okd"
done

# a live shop's database gets no demo data
for conf in etc/examples/frontdesk-local.conf etc/examples/frontdesk-vendor.conf; do
	grep -qE '^ *seed = false;' "$conf" && ok "$conf: crm.seed = false (no demo customers)" || bad "$conf seeds the demo data"
done

# vendor engines without their keys: refused at the check, naming the key
v=etc/examples/frontdesk-vendor.conf
nokeys=()
for kv in "${filled[@]}"; do
	case $kv in DEEPGRAM_API_KEY=* | OPENAI_API_KEY=*) ;; *) nokeys+=("$kv") ;; esac
done
for dk in stt-worker:DEEPGRAM_API_KEY tts-worker:DEEPGRAM_API_KEY agent:OPENAI_API_KEY; do
	d=${dk%%:*} k=${dk#*:}
	out=$(check "$v" "$d" "${nokeys[@]}" 2>&1); rc=$?
	[ $rc = 78 ] && grep -q "$k" <<<"$out" && ok "vendor example, $d without $k: exit 78 naming it" ||
		bad "vendor example, $d without $k: exit $rc: $(tail -1 <<<"$out")"
done
out=$(check etc/examples/frontdesk-local.conf gateway 2>&1); rc=$?
[ $rc = 78 ] && grep -q TWILIO_AUTH_TOKEN <<<"$out" && ok "gateway without TWILIO_AUTH_TOKEN: exit 78 naming it" ||
	bad "gateway without TWILIO_AUTH_TOKEN: exit $rc: $(tail -1 <<<"$out")"
sed 's/^  engine = "deepgram";/  engine = "deepgramm";/' "$v" >"$T/typo.conf"
out=$(check "$T/typo.conf" stt-worker "${filled[@]}" 2>&1); rc=$?
[ $rc = 78 ] && ok "a misspelt engine: exit 78 ($(tail -1 <<<"$out" | cut -c1-80))" || bad "misspelt engine: exit $rc"
finish

#!/usr/bin/env bash
# deploy/docker-compose.yml and deploy/Dockerfile, without a Docker engine:
# docker-compose (Debian's, which parses without one) resolves the file
# with the secrets it demands, and refuses it when one is missing; the
# resolved file must have PostgreSQL and Redis with health checks and
# volumes, one service per daemon of the daemons' table running that
# daemon from the image, every service a restart policy, a health check
# per daemon, the start order (databases, crm-tools, the gateway after
# every worker) and bus addresses that name services.  The Dockerfile
# must be two Debian 12 stages whose last installs each daemon the
# compose file runs, and the Debian packages of every shared library
# those binaries need.  Prints "compose: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
BIN=${FRONTDESK_BIN:-$top/${BUILD:-build}/bin}
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "compose ok   $*"; }
bad()  { fail=$((fail + 1)); echo "compose FAIL $*"; }
finish() { echo "compose: $pass passed, $fail failed"; [ $fail -eq 0 ]; exit; }
command -v docker-compose >/dev/null || { bad "no docker-compose (scripts/deps.sh installs it)"; finish; }
[ -x "$BIN/scheduler" ] || { bad "no binaries in $BIN (make)"; finish; }
T=$(mktemp -d /tmp/frontdesk-compose.XXXXXX)
trap 'rm -rf "$T"' EXIT

secrets=(PGPASSWORD=pw FRONTDESK_PUBLIC_URL=https://frontdesk.example.com TWILIO_AUTH_TOKEN=tok
	TWILIO_ACCOUNT_SID=AC0 FRONTDESK_API_TOKEN=0123456789abcdef)
# an empty project dir: no deploy/.env of the machine's may fill a gap
if env -i PATH="$PATH" "${secrets[@]}" docker-compose --project-directory "$T" -f deploy/docker-compose.yml config >"$T/resolved.yml" 2>"$T/err"; then
	ok "docker-compose config resolves deploy/docker-compose.yml"
else
	bad "docker-compose config: $(tail -3 "$T/err")"; finish
fi
if env -i PATH="$PATH" "${secrets[@]:1}" docker-compose --project-directory "$T" -f deploy/docker-compose.yml config >/dev/null 2>"$T/err2"; then
	bad "docker-compose config accepted the file with no PGPASSWORD"
else
	grep -q 'PGPASSWORD' "$T/err2" && ok "without PGPASSWORD: refused, naming it" || bad "without PGPASSWORD: $(tail -2 "$T/err2")"
fi

# the daemons the image installs (the build stage's cp line) and the
# Debian packages its last stage installs
"$BIN/scheduler" -D >"$T/daemons"
# the libraries the binaries name themselves (NEEDED; the rest come with
# their packages), where the loader finds them, and their packages (one
# dpkg -S for all: it reads every file list each time)
for d in $(cat "$T/daemons"); do objdump -p "$BIN/$d" | awk '$1 == "NEEDED" { print $2 }'; done | sort -u >"$T/needed"
for d in $(cat "$T/daemons"); do ldd "$BIN/$d"; done | awk '$3 ~ /^\// { print $1, $3 }' | sort -u >"$T/ldd"
paths=$(while read -r n; do awk -v n="$n" '$1 == n { print $2; exit }' "$T/ldd"; done <"$T/needed" |
	while read -r l; do r=$(readlink -f "$l"); echo "$l $r ${r#/usr}"; done)
# shellcheck disable=SC2086  # one path per word
dpkg -S $paths 2>/dev/null | sed 's/^\([^:]*\):[^ ]* \(.*\)$/\1 \2/' >"$T/libpkgs"

python3 - "$T/resolved.yml" deploy/Dockerfile "$T/daemons" "$T/libpkgs" "$T/needed" >"$T/checks" 2>&1 <<'PY'
import sys, re, yaml
resolved, dockerfile, daemons_f, libpkgs_f, needed_f = sys.argv[1:6]
c = yaml.safe_load(open(resolved))
daemons = open(daemons_f).read().split()
S = c["services"]
res = []
def check(ok, what):
    res.append((ok, what))

# the Dockerfile: stages, what it installs
df = open(dockerfile).read()
stages = re.findall(r"^FROM\s+(\S+)", df, re.M)
check(len(stages) == 2 and all(s.startswith("debian:12") for s in stages),
      "Dockerfile: two stages, both Debian 12 (%s)" % ", ".join(stages))
last = df[[m.start() for m in re.finditer(r"^FROM", df, re.M)][-1]:]
build = df[:[m.start() for m in re.finditer(r"^FROM", df, re.M)][-1]]
cp = re.search(r"cp ((?:build/bin/\S+\s*\\?\s*)+)/opt/frontdesk/bin/", build)
installed = set(re.findall(r"build/bin/(\S+)", cp.group(1))) if cp else set()
check(installed == set(daemons) and "COPY --from=build /opt/frontdesk/bin/ /opt/frontdesk/bin/" in last,
      "the image installs exactly the daemons of the table into /opt/frontdesk/bin (%s)" % " ".join(sorted(installed)))
check(re.search(r"^USER frontdesk$", last, re.M) is not None, "the image runs as user frontdesk")
apt = re.search(r"apt-get install[^\n]*\\\n((?:.*\\\n)*?.*)&&", last)
pkgs = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", apt.group(1))) if apt else set()
import os
real = {}
for line in open(libpkgs_f):
    p, path = line.split()
    real[path] = p
libpkg = {}
for line in open(os.path.join(os.path.dirname(needed_f), "ldd")):
    n, path = line.split()
    rp = os.path.realpath(path)
    for cand in (path, rp, rp[4:] if rp.startswith("/usr/") else "/usr" + rp):
        if cand in real:
            libpkg[n] = real[cand]
base = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}
missing = []
for n in open(needed_f).read().split():
    p = libpkg.get(n)
    if p is None:
        missing.append(n + "(no package found)")
    elif p not in pkgs and p not in base:
        missing.append("%s(%s)" % (n, p))
check(not missing and "pocketsphinx-en-us" in pkgs and "ca-certificates" in pkgs,
      "the runtime stage installs every library the daemons link, the speech model and the CA certificates"
      + (": missing " + " ".join(missing) if missing else ""))

# services
want = set(daemons) | {"postgres", "redis"}
check(set(S) == want, "services: postgres, redis and one per daemon (%s)" % " ".join(sorted(S)))
bad_cmd = [n for n in daemons if n in S and (S[n].get("command") != ["/opt/frontdesk/bin/" + n]
           or not str(S[n].get("image", "")).startswith("frontdesk:") or n not in installed)]
check(not bad_cmd, "each daemon's service runs its own binary from the frontdesk image" +
      (": not " + " ".join(bad_cmd) if bad_cmd else ""))
norestart = [n for n in S if S[n].get("restart") in (None, "no")]
check(not norestart, "every service has a restart policy" + (": not " + " ".join(norestart) if norestart else ""))
nohc = [n for n in S if not S[n].get("healthcheck", {}).get("test")]
check(not nohc, "every service has a health check" + (": not " + " ".join(nohc) if nohc else ""))
def vols(n):
    return [v.get("source") if isinstance(v, dict) else v.split(":")[0] for v in S.get(n, {}).get("volumes", [])]
check("pgdata" in vols("postgres") and "redisdata" in vols("redis") and "spool" in vols("crm-tools")
      and {"pgdata", "redisdata", "spool"} <= set(c.get("volumes", {})),
      "volumes: pgdata (PostgreSQL), redisdata (Redis), spool (crm-tools)")
def deps(n):
    d = S.get(n, {}).get("depends_on", {})
    return d if isinstance(d, dict) else {k: {"condition": "service_started"} for k in d}
order = (deps("crm-tools").get("postgres", {}).get("condition") == "service_healthy"
         and deps("crm-tools").get("redis", {}).get("condition") == "service_healthy"
         and all(deps(n).get("crm-tools", {}).get("condition") == "service_healthy"
                 for n in daemons if n != "crm-tools")
         and all(n in deps("gateway") for n in daemons if n != "gateway"))
check(order, "start order: databases healthy, crm-tools ready, the gateway after every worker")
hosts = set()
for n in daemons:
    for k, v in (S.get(n, {}).get("environment") or {}).items():
        for h in re.findall(r"tcp://([^:/]+):", str(v)):
            hosts.add(h)
check(hosts and hosts <= set(S), "bus addresses name compose services (%s)" % " ".join(sorted(hosts)))
gw = S.get("gateway", {})
check(any(str(p).startswith("127.0.0.1:") or (isinstance(p, dict) and p.get("host_ip") == "127.0.0.1")
          for p in gw.get("ports", [])) and (gw.get("environment") or {}).get("FRONTDESK_LISTEN_ADDR") == "0.0.0.0",
      "the gateway is published on 127.0.0.1 only (nginx in front)")
for good, what in res:
    print(("ok   " if good else "FAIL ") + what)
PY
while read -r st rest; do
	if [ "$st" = ok ]; then ok "$rest"; else bad "$rest"; fi
done <"$T/checks"
finish

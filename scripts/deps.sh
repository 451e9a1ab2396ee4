#!/usr/bin/env bash
# Install frontdesk's build and run dependencies from Debian 12 packages.
# Idempotent and quiet when everything is already there.
#   scripts/deps.sh           everything: build, run, test and deploy tools
#   scripts/deps.sh --build   only what `make all` needs (the image's build stage)
set -euo pipefail
BUILD_PKGS=(build-essential pkg-config libnng-dev libwebsockets-dev libcurl4-openssl-dev
      libpq-dev libhiredis-dev libjansson-dev libconfig-dev libssl-dev
      libpocketsphinx-dev pocketsphinx-en-us flite1-dev ca-certificates)
PKGS=("${BUILD_PKGS[@]}" pocketsphinx-testdata
      libcmocka-dev postgresql redis-server radicale python3 curl
      procps psmisc openssl python3-websockets clang clang-format libclang-rt-14-dev
      chromium valgrind nginx docker-compose logrotate systemd
      prometheus)   # promtool: the /metrics check in the e2e suite (Debian 12's only package with it)
[ "${1:-}" = --build ] && PKGS=("${BUILD_PKGS[@]}")
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm installs the dashboard's chart library at build time and the browser
# test's driver (playwright-core); a Node.js that brings its own npm counts
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

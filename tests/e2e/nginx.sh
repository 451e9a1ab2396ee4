#!/usr/bin/env bash
# nginx in front, end to end: deploy/nginx/frontdesk.conf as shipped (only
# its ports, certificate paths and the gateway's port replaced) runs on
# private ports with a certificate from a CA made here, in front of a
# private stack whose gateway.public_url is nginx's https URL.  callsim
# plays Twilio through it: the signed webhook over https, the Media Stream
# over wss, the call record over the API, trusting only that CA.  Checks:
# the redirect from http, paths nginx must not pass on, nginx's body and
# header limits, the dashboard's token, the Twilio signature behind the
# proxy (forged, unsigned, signed for the gateway's own address and for
# another Host all 403; signed for the public URL 200), a booking call
# whose stream went through nginx, and callsim refusing a server it does
# not trust.  Prints "nginx: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
PROFILE=${NGINX_PROFILE:-nginx} . scripts/stack-env.sh

pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "nginx ok   $*"; }
bad()  { fail=$((fail + 1)); echo "nginx FAIL $*"; }
finish() { echo "nginx: $pass passed, $fail failed"; [ $fail -eq 0 ]; exit; }

NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
if [ ! -x "$NGINX" ]; then
	bad "no nginx (scripts/deps.sh installs it)"; finish
fi
NG_PORT=$((GW_PORT + 6))        # https
NG_HTTP=$((GW_PORT + 7))        # http (redirects)
D=$FRONTDESK_VAR/nginx
NGURL=https://127.0.0.1:$NG_PORT
PUBLIC=$NGURL
ngpid=""
cleanup() {
	[ -n "$ngpid" ] && kill "$ngpid" 2>/dev/null && wait "$ngpid" 2>/dev/null
	deploy/frontdeskctl stop >/dev/null 2>&1
}
trap cleanup EXIT
deploy/frontdeskctl stop >/dev/null 2>&1
rm -rf "$D" "$FRONTDESK_VAR/log"
mkdir -p "$D/tmp"

# Twilio signs the URL configured at Twilio: nginx's; nginx's X-Real-IP
# is the client's address
sed -i -e "s|public_url = \"[^\"]*\"|public_url = \"$PUBLIC\"|" \
    -e 's|^gateway: {|gateway: {\n  trusted_proxies = "127.0.0.1";|' "$FRONTDESK_CONFIG"
grep -q "public_url = \"$PUBLIC\"" "$FRONTDESK_CONFIG" || { bad "public_url not set in $FRONTDESK_CONFIG"; finish; }

# a CA of our own and a server certificate for 127.0.0.1 signed by it
mkcert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$D/ca.key" -out "$D/ca.pem" -days 2 -subj "/CN=frontdesk test CA" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$D/server.key" -out "$D/server.csr" -subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$D/server.ext" &&
	openssl x509 -req -in "$D/server.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" \
	    -CAcreateserial -out "$D/server.pem" -days 2 -extfile "$D/server.ext"
}
mkcert >"$D/openssl.log" 2>&1 || { bad "making the test certificates (see $D/openssl.log)"; finish; }

# the shipped site with this test's ports and files, and a main config
# that keeps nginx's pid, logs and temp files in $D
sed -e "s|^\tlisten 80;|\tlisten 127.0.0.1:$NG_HTTP;|" \
    -e "s|^\tlisten 443 ssl;|\tlisten 127.0.0.1:$NG_PORT ssl;|" \
    -e '/^\tlisten \[::\]/d' \
    -e "s|server 127.0.0.1:8080;|server 127.0.0.1:$GW_PORT;|" \
    -e "s|ssl_certificate /etc/letsencrypt/[^;]*;|ssl_certificate $D/server.pem;|" \
    -e "s|ssl_certificate_key /etc/letsencrypt/[^;]*;|ssl_certificate_key $D/server.key;|" \
    deploy/nginx/frontdesk.conf >"$D/site.conf"
if grep -v '^ *#' "$D/site.conf" | grep -qE ':8080|letsencrypt|listen (80|443)|\[::\]' ||
   [ "$(grep -c "listen 127.0.0.1:" "$D/site.conf")" != 2 ]; then
	bad "the shipped config no longer has the lines this test rewrites"; finish
fi
cat >"$D/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $D/nginx.pid;
error_log $D/error.log info;
events { worker_connections 256; }
http {
	access_log $D/access.log;
	client_body_temp_path $D/tmp/body;
	proxy_temp_path $D/tmp/proxy;
	fastcgi_temp_path $D/tmp/fastcgi;
	uwsgi_temp_path $D/tmp/uwsgi;
	scgi_temp_path $D/tmp/scgi;
	include $D/site.conf;
}
EOF
if "$NGINX" -t -p "$D" -c "$D/nginx.conf" >"$D/check.log" 2>&1; then
	ok "nginx -t accepts deploy/nginx/frontdesk.conf"
else
	bad "nginx -t: $(tail -3 "$D/check.log")"; finish
fi

deploy/datastore.sh reset >/dev/null || { bad "datastore reset"; finish; }
if ! deploy/frontdeskctl start >"$D/start.log" 2>&1; then
	bad "stack start: $(tail -3 "$D/start.log")"; finish
fi
"$NGINX" -p "$D" -c "$D/nginx.conf" 2>>"$D/error.log" &
ngpid=$!
ncurl() { curl -s --cacert "$D/ca.pem" "$@"; }
up=0
for _ in $(seq 1 50); do
	ncurl -f -o /dev/null "$NGURL/healthz" && { up=1; break; }
	sleep 0.1
done
[ $up = 1 ] && ok "GET /healthz over https, certificate checked against the test CA" ||
	{ bad "no answer from nginx on $NGURL (see $D/error.log)"; finish; }

hdrs=$(curl -s -D - -o /dev/null "http://127.0.0.1:$NG_HTTP/twilio/voice")
if grep -q '^HTTP/1.1 301' <<<"$hdrs" && grep -qi '^location: https://' <<<"$hdrs"; then
	ok "plain http answers 301 to https"
else
	bad "plain http: $(head -3 <<<"$hdrs")"
fi

# paths nginx does not pass on, and its limits
for p in /metrics /twilio/other /api/v2/calls /index.php /.env; do
	code=$(ncurl -o /dev/null -w '%{http_code}' "$NGURL$p")
	[ "$code" = 404 ] || { bad "GET $p answered $code, want 404"; continue; }
	ok "GET $p: 404 from nginx"
done
code=$(ncurl -o /dev/null -w '%{http_code}' "$NGURL/twilio/voice")
[ "$code" = 403 ] && ok "GET /twilio/voice (webhooks are POST only): 403" || bad "GET /twilio/voice answered $code, want 403"
code=$(head -c 100000 /dev/zero | tr '\0' a | ncurl -o /dev/null -w '%{http_code}' --data-binary @- "$NGURL/twilio/voice")
[ "$code" = 413 ] && ok "100 KB webhook body: 413" || bad "100 KB body answered $code, want 413"
code=$(ncurl -o /dev/null -w '%{http_code}' -H "User-Agent: $(head -c 12000 /dev/zero | tr '\0' a)" "$NGURL/healthz")
[ "$code" = 400 ] && ok "12 KB request header: 400 from nginx" || bad "12 KB header answered $code, want 400"

# the dashboard and the API through the proxy: closed without the token
for p in / /api/v1/calls; do
	code=$(ncurl -o /dev/null -w '%{http_code}' "$NGURL$p")
	[ "$code" = 401 ] && ok "GET $p without a token: 401" || bad "GET $p without a token answered $code, want 401"
done
hdrs=$(ncurl -D - -o /dev/null -H "Authorization: Bearer $FRONTDESK_API_TOKEN" "$NGURL/")
if grep -q '^HTTP/1.1 200' <<<"$hdrs" && grep -qi '^strict-transport-security:' <<<"$hdrs" &&
   grep -qi '^x-frame-options: DENY' <<<"$hdrs"; then
	ok "GET / with the token: 200, with HSTS and X-Frame-Options"
else
	bad "GET / with the token: $(tr -d '\r' <<<"$hdrs" | head -12 | tr '\n' '|')"
fi

# Twilio's signature behind the proxy
sign() { # URL FORMBODY -> signature, with Twilio's algorithm (independent of our C code)
	python3 - "$1" "$2" "$TWILIO_AUTH_TOKEN" <<'PY'
import sys, hmac, hashlib, base64, urllib.parse
url, body, tok = sys.argv[1:4]
pairs = sorted(urllib.parse.parse_qsl(body, keep_blank_values=True))
data = url + "".join(k + v for k, v in pairs)
print(base64.b64encode(hmac.new(tok.encode(), data.encode(), hashlib.sha1).digest()).decode())
PY
}
body="CallSid=CA$(printf '%032d' 15)&AccountSid=$TWILIO_ACCOUNT_SID&From=%2B15551230001&To=%2B15555550100&CallStatus=ringing&Direction=inbound"
hook() { ncurl -o /dev/null -w '%{http_code}' "$@" --data "$body" "$NGURL/twilio/voice"; }
code=$(hook)
[ "$code" = 403 ] && ok "unsigned webhook through nginx: 403" || bad "unsigned webhook answered $code, want 403"
code=$(hook -H "X-Twilio-Signature: AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
[ "$code" = 403 ] && ok "forged signature through nginx: 403" || bad "forged signature answered $code, want 403"
code=$(hook -H "X-Twilio-Signature: $(sign "http://127.0.0.1:$GW_PORT/twilio/voice" "$body")")
[ "$code" = 403 ] && ok "signed for the gateway's own address, not the public URL: 403" ||
	bad "signed for the gateway's address answered $code, want 403"
code=$(hook -H "Host: evil.example" -H "X-Forwarded-Host: evil.example" -H "X-Twilio-Signature: $(sign "https://evil.example/twilio/voice" "$body")")
[ "$code" = 403 ] && ok "signed for the Host header sent (evil.example): 403" ||
	bad "signed for a forged Host answered $code, want 403"
out=$(ncurl -w '\n%{http_code}' -H "X-Twilio-Signature: $(sign "$PUBLIC/twilio/voice" "$body")" --data "$body" "$NGURL/twilio/voice")
if [ "$(tail -n1 <<<"$out")" = 200 ] && grep -q "<Stream url=\"wss://127.0.0.1:$NG_PORT/twilio/media\"" <<<"$out"; then
	ok "signed for the public URL: 200, <Stream> on nginx's wss:// address"
else
	bad "signed for the public URL: $(head -c 300 <<<"$out")"
fi

# a whole call through nginx: webhook over https, stream over wss
NCALLSIM="$FRONTDESK_BIN/callsim --gateway $NGURL --public-url $PUBLIC --cacert $D/ca.pem"
if $NCALLSIM --scenario tests/e2e/booking.json --json >"$D/booking.json" 2>"$D/booking.log"; then
	sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["call_sid"])' "$D/booking.json")
	n=$(psqlq "select count(*) from appointments where source_call_sid = '$sid' and status = 'booked'" 2>&1)
	ws=$(grep -c '"GET /twilio/media HTTP/1.1" 101 ' "$D/access.log")
	if [ "$n" = 1 ] && [ "$ws" -ge 1 ]; then
		ok "booking call over https + wss through nginx: appointment in PostgreSQL, stream upgraded (101) by nginx"
	else
		bad "booking call through nginx: $n appointments for $sid, $ws streams in nginx's log"
	fi
else
	bad "booking call through nginx (see $D/booking.log)"; tail -15 "$D/booking.log"
fi
# callsim checks the certificate: without the CA the call never starts
if CALLSIM_CACERT= "$FRONTDESK_BIN/callsim" --gateway "$NGURL" --public-url "$PUBLIC" --no-hear \
	--scenario tests/e2e/booking.json >"$D/untrusted.log" 2>&1; then
	bad "callsim placed a call through a certificate it does not trust"
elif grep -qi 'certificate' "$D/untrusted.log"; then
	ok "callsim without the CA refuses the server's certificate"
else
	bad "callsim without the CA failed otherwise: $(tail -2 "$D/untrusted.log")"
fi

# the client's address behind nginx: nginx's X-Real-IP, never the client's
ncurl -o /dev/null -H "X-Real-IP: 203.0.113.77" -H "Authorization: Bearer wrong-0123456789abcdef" "$NGURL/api/v1/calls"
sleep 0.3
if grep -q 'auth: 401 for 127.0.0.1 GET /api/v1/calls: wrong token' "$FRONTDESK_VAR/log/gateway.log" &&
   ! grep -q '203.0.113.77' "$FRONTDESK_VAR/log/gateway.log"; then
	ok "a client's own X-Real-IP does not pass nginx: the gateway logs nginx's \$remote_addr"
else
	bad "X-Real-IP through nginx: $(grep 'auth: 401' "$FRONTDESK_VAR/log/gateway.log" | tail -2)"
fi
# from the trusted proxy's address the gateway believes X-Real-IP: one
# guesser is locked out, another client is not
codes=""
for _ in 1 2 3 4 5 6; do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' -H 'X-Real-IP: 203.0.113.9' -H 'Authorization: Bearer wrong-0123456789abcdef' "$GW/api/v1/calls")"
done
other=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Real-IP: 198.51.100.7' -H "Authorization: Bearer $FRONTDESK_API_TOKEN" "$GW/api/v1/calls")
if [ "$codes" = " 401 401 401 401 401 429" ] && [ "$other" = 200 ] && grep -q 'auth: 203.0.113.9 locked out' "$FRONTDESK_VAR/log/gateway.log"; then
	ok "per-client throttle behind the proxy: 203.0.113.9 locked out after 5 wrong tokens, 198.51.100.7 still served"
else
	bad "per-client throttle behind the proxy: guesser got$codes, another client $other"
fi

if [ $fail -gt 0 ]; then
	echo "--- $D/error.log"; tail -10 "$D/error.log"
	echo "--- gateway.log"; tail -15 "$FRONTDESK_VAR/log/gateway.log"
fi
finish

#!/bin/bash
# it_proxy: Aduan behind TLS, with the shipped haproxy example.
#
# dist/haproxy/aduan.cfg, rendered with free loopback ports and a
# self-signed certificate made here with the openssl CLI, runs as
# `haproxy -db` in front of `aduan serve` whose config trusts 127.0.0.1 as
# its proxy (server.trusted_proxies) and lets Kannel's callbacks come only
# from 127.0.0.1 and 127.0.0.3 (gateways.kannel.allow_from).  Linux answers
# on all of 127.0.0.0/8, so curl --interface 127.0.0.2 is another client.
#
#   - an SMS through https gets the reply a phone would see;
#   - the client address Aduan logs is the one haproxy saw, not the
#     X-Forwarded-For the client sent itself (haproxy appends; Aduan takes
#     the right-most entry that is not a trusted proxy);
#   - /metrics, /admin/reload and /healthz are 404 through the proxy, and
#     Aduan's public port has no /metrics nor /admin route either;
#   - a client not on the allow-list is refused 403 (through the proxy and
#     directly, where its own X-Forwarded-For is ignored), logged with the
#     gateway and its address;
#   - gateways.kannel.secret_next: during a switch both secrets work; once
#     the old one is gone and the config reloaded (SIGHUP), it is refused.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init proxy
HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
[ -x "$HAPROXY" ] || fail "haproxy is not installed (Debian package haproxy; make check installs it)"
command -v openssl >/dev/null || fail "the openssl CLI is not installed"
command -v curl >/dev/null || fail "curl is not installed"

# ---- a certificate for 127.0.0.1, and the config -----------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=aduan.test \
	-addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$IT_TMP/key.pem" -out "$IT_TMP/cert.pem" 2>"$IT_TMP/openssl.err" ||
	fail "openssl req: $(cat "$IT_TMP/openssl.err")"
cat "$IT_TMP/cert.pem" "$IT_TMP/key.pem" >"$IT_TMP/aduan.pem"

cp "$ADUAN_CONF" "$IT_TMP/aduan.conf" || fail "copy $ADUAN_CONF"
ADUAN_CONF=$IT_TMP/aduan.conf
# insert_after FILE ERE LINE: LINE after the one line matching ERE.
insert_after() {
	awk -v re="$2" -v line="$3" '{ print } $0 ~ re { print line; n++ }
		END { exit n == 1 ? 0 : 3 }' "$1" >"$1.tmp" ||
		fail "insert_after: not exactly one line matching /$2/ in $1"
	mv -f "$1.tmp" "$1"
}
insert_after "$ADUAN_CONF" '^server[ \t]*=[ \t]*[{]' '  trusted_proxies = [ "127.0.0.1" ];'
insert_after "$ADUAN_CONF" '^  kannel[ \t]*=[ \t]*[{]' \
	'    allow_from = [ "127.0.0.1", "127.0.0.3/32" ];'
# The Kannel secrets in a secrets file of their own (mode 0640), not in aduan.conf.
OLD_SECRET=rahasia-lama-$RANDOM$RANDOM-kannel
NEW_SECRET=rahasia-baru-$RANDOM$RANDOM-kannel
grep -q '^    secret = "ganti-rahasia-kannel";$' "$ADUAN_CONF" ||
	fail "the example's kannel secret line is not where this test looks for it"
sed -i '/^    secret = "ganti-rahasia-kannel";$/d' "$ADUAN_CONF"
sed -i '1i secrets = "secrets.conf";' "$ADUAN_CONF"
SECRETS=$IT_TMP/secrets.conf
write_secrets() {  # write_secrets LINES: the kannel group of the secrets file
	printf 'gateways = { kannel = { %s }; };\n' "$1" >"$SECRETS.tmp"
	chmod 640 "$SECRETS.tmp" && mv -f "$SECRETS.tmp" "$SECRETS"
}
write_secrets "secret = \"$OLD_SECRET\"; secret_next = \"$NEW_SECRET\";"
# Open311's per-address rate, small, to see whose address it counts.
conf_set "$ADUAN_CONF" open311 requests_per_minute 1
conf_set "$ADUAN_CONF" open311 burst 2
cli check --demo -c "$ADUAN_CONF"
expect_eq "aduan check: trusted_proxies, allow_from, a secrets file with secret_next ($CLI_ERR)" \
	0 "$CLI_RC"
expect_match "aduan check names the secrets file" "^secrets from $SECRETS " "$CLI_OUT"
free_port ADUAN_PORT
ADUAN_DB=$IT_TMP/aduan.db
ADUAN_LOG=$IT_TMP/aduan.log
ADUAN_URL=http://127.0.0.1:$ADUAN_PORT
"$ADUAN_BIN" serve --demo -c "$ADUAN_CONF" -p "$ADUAN_PORT" -d "$ADUAN_DB" </dev/null \
	>>"$ADUAN_LOG" 2>&1 &
ADUAN_PID=$!
track "$ADUAN_PID" aduan
add_log "$ADUAN_LOG"
wait_port "$ADUAN_PORT" 15 "$ADUAN_PID" "aduan serve"

# ---- haproxy with the shipped config, on free ports -----------------------------
free_port HTTPS_PORT
free_port HTTP_PORT
HCFG=$IT_TMP/haproxy.cfg
# Only what a test cannot have: the system's log socket, chroot, user and
# admin socket go; ports, certificate and Aduan's address are the test's.
# Each substitution must happen exactly once: a changed example fails here.
render() {
	local src=dist/haproxy/aduan.cfg n
	for pat in 'bind :443 ssl crt /etc/haproxy/certs/aduan.pem' 'bind :80$' \
		'server aduan1 127.0.0.1:8080 '; do
		n=$(grep -c -- "$pat" "$src")
		expect_eq "lines matching '$pat' in $src" 1 "$n"
	done
	sed -e '/^[[:space:]]*\(log \/dev\/log\|chroot\|user\|group\|stats socket\)/d' \
		-e "s#bind :443 ssl crt /etc/haproxy/certs/aduan.pem#bind 127.0.0.1:$HTTPS_PORT ssl crt $IT_TMP/aduan.pem#" \
		-e "s#bind :80\$#bind 127.0.0.1:$HTTP_PORT#" \
		-e "s#server aduan1 127.0.0.1:8080 #server aduan1 127.0.0.1:$ADUAN_PORT #" \
		"$src" >"$HCFG"
}
render
"$HAPROXY" -c -f "$HCFG" >"$IT_TMP/haproxy-check.out" 2>&1 ||
	fail "haproxy -c on the rendered example: $(cat "$IT_TMP/haproxy-check.out")"
"$HAPROXY" -db -f "$HCFG" </dev/null >"$IT_TMP/haproxy.log" 2>&1 &
HAPROXY_PID=$!
track "$HAPROXY_PID" haproxy
add_log "$IT_TMP/haproxy.log"
wait_port "$HTTPS_PORT" 15 "$HAPROXY_PID" haproxy
ok "haproxy with dist/haproxy/aduan.cfg on 127.0.0.1:$HTTPS_PORT (TLS) in front of Aduan"

BASE=https://127.0.0.1:$HTTPS_PORT
# https [curl args...] PATH: through haproxy, the certificate verified.
# Sets RESP_STATUS and RESP_BODY.
https() {
	local path=${*: -1}
	RESP_BODY=$(curl -sS --max-time 10 --cacert "$IT_TMP/cert.pem" -o "$IT_TMP/curl.body" \
		-w '%{http_code}' "${@:1:$#-1}" "$BASE$path" 2>"$IT_TMP/curl.err") ||
		fail "curl $BASE$path: $(cat "$IT_TMP/curl.err")"
	RESP_STATUS=$RESP_BODY
	RESP_BODY=$(cat "$IT_TMP/curl.body")
}
sms_path() {  # sms_path SECRET ID TEXT
	printf '/kannel/sms?secret=%s&from=081234500777&to=1708&text=%s&coding=0&charset=UTF-8&id=%s' \
		"$(urlencode "$1")" "$(urlencode "$3")" "$2"
}

# ---- an SMS through TLS: the phone's reply ------------------------------------
https "$(sms_path "$OLD_SECRET" it-proxy-1 'JALAN rusak depan pasar Ungaran')"
expect_eq "SMS through haproxy: status" 200 "$RESP_STATUS"
TICKET=$(sql "SELECT c.ticket FROM complaints c JOIN messages m ON m.complaint_id = c.id WHERE m.gw_id = 'it-proxy-1'")
[ -n "$TICKET" ] || fail "SMS through haproxy: no complaint stored"
expect_match "SMS through haproxy: the reply the phone gets names its ticket" "$TICKET" "$RESP_BODY"
ok "SMS through https: 200, reply '$RESP_BODY'"

# ---- the client address: haproxy's view, never the client's own header ----------
mark=$(log_lines "$ADUAN_LOG")
https --interface 127.0.0.3 -H 'X-Forwarded-For: 198.51.100.66' \
	"$(sms_path not-the-secret-at-all it-proxy-2 'JALAN x')"
expect_eq "wrong secret through haproxy, spoofed X-Forwarded-For: status" 403 "$RESP_STATUS"
wait_for 5 "the refusal's log line" grep -q "sms kannel from peer 127.0.0.3 refused with 403" \
	"$ADUAN_LOG"
expect_no_match "the spoofed X-Forwarded-For address in Aduan's log" "198\.51\.100\.66" \
	"$(tail -n +"$((mark + 1))" "$ADUAN_LOG")"
ok "client 127.0.0.3 with X-Forwarded-For: 198.51.100.66: logged as 127.0.0.3"

# ---- nothing but the public paths through the proxy -------------------------------
for path in /metrics /admin/reload /healthz / /admin/ /inboxes; do
	https "$path"
	expect_eq "GET $path through haproxy" 404 "$RESP_STATUS"
done
# HTTP/1.1: over HTTP/2 haproxy resets the stream of a refused request whose
# body it did not read, which curl reports as an error, not as the 404.
https --http1.1 -X POST -d x=1 /admin/reload
expect_eq "POST /admin/reload through haproxy" 404 "$RESP_STATUS"
http_must "/metrics on Aduan's public port" "$ADUAN_URL/metrics"
expect_eq "/metrics on Aduan's public port (only the admin listener has it)" 404 "$RESP_STATUS"
http_must "/admin/reload on Aduan's public port" -X POST -d x=1 "$ADUAN_URL/admin/reload"
expect_eq "POST /admin/reload on Aduan's public port" 404 "$RESP_STATUS"
https --interface 127.0.0.6 /open311/v2/services.json
expect_eq "/open311/v2/services.json through haproxy reaches Aduan" 200 "$RESP_STATUS"
https /inbox
expect_match "/inbox through haproxy reaches Aduan (login page or redirect)" '^(200|30[0-9])$' \
	"$RESP_STATUS"
ok "through haproxy: /metrics, /admin/..., /healthz 404; /open311/ and /inbox reach Aduan"

# ---- the per-address limits count the client, not the proxy ----------------------
# Open311 (burst 2): 127.0.0.4 uses up its two requests; 127.0.0.5, through the same
# proxy, still has its own.  Counting the proxy's address, it would get 429 too.
for i in 1 2; do
	https --interface 127.0.0.4 /open311/v2/services.json
	expect_eq "Open311 request $i from 127.0.0.4 through haproxy" 200 "$RESP_STATUS"
done
https --interface 127.0.0.4 /open311/v2/services.json
expect_eq "Open311 request 3 from 127.0.0.4 (burst 2)" 429 "$RESP_STATUS"
https --interface 127.0.0.5 /open311/v2/services.json
expect_eq "Open311 request 1 from 127.0.0.5 through the same haproxy" 200 "$RESP_STATUS"
ok "Open311's per-address rate counts 127.0.0.4 and 127.0.0.5 apart behind one proxy"

# ---- the allow-list ------------------------------------------------------------
mark=$(log_lines "$ADUAN_LOG")
https --interface 127.0.0.2 "$(sms_path "$OLD_SECRET" it-proxy-3 'JALAN dari alamat lain')"
expect_eq "SMS with the right secret from 127.0.0.2 (not in allow_from), through haproxy" \
	403 "$RESP_STATUS"
wait_for 5 "the allow-list refusal's log line" grep -q \
	"sms kannel from 127.0.0.2 refused with 403: not in gateways.kannel.allow_from" "$ADUAN_LOG"
# Directly, from an untrusted peer: its X-Forwarded-For naming an allowed address is ignored.
out=$(curl -sS --max-time 10 --interface 127.0.0.2 -H 'X-Forwarded-For: 127.0.0.1' \
	-o /dev/null -w '%{http_code}' "$ADUAN_URL$(sms_path "$OLD_SECRET" it-proxy-4 'JALAN x')")
expect_eq "SMS straight to Aduan from 127.0.0.2 claiming X-Forwarded-For: 127.0.0.1" 403 "$out"
expect_eq "messages stored from the refused callbacks" 0 \
	"$(sql "SELECT count(*) FROM messages WHERE gw_id IN ('it-proxy-2', 'it-proxy-3', 'it-proxy-4')")"
ok "127.0.0.2, not in gateways.kannel.allow_from: 403 through the proxy and directly"

# ---- the nginx example: checked, and the same answers -----------------------------
NGINX=${NGINX:-/usr/sbin/nginx}
if [ -x "$NGINX" ]; then
	stop_pid "$HAPROXY_PID"
	src=dist/nginx/aduan.conf
	for pat in 'listen 80;' 'listen 443 ssl http2;' 'server 127.0.0.1:8080;' \
		'ssl_certificate     /etc/ssl/certs/aduan.pem;' \
		'ssl_certificate_key /etc/ssl/private/aduan.key;'; do
		expect_eq "lines with '$pat' in $src" 1 "$(grep -cF -- "$pat" "$src")"
	done
	mkdir -p "$IT_TMP/nginx" || fail "mkdir"
	sed -e '/listen \[::\]/d' \
		-e "s#listen 80;#listen 127.0.0.1:$HTTP_PORT;#" \
		-e "s#listen 443 ssl http2;#listen 127.0.0.1:$HTTPS_PORT ssl http2;#" \
		-e "s#server 127.0.0.1:8080;#server 127.0.0.1:$ADUAN_PORT;#" \
		-e "s#/etc/ssl/certs/aduan.pem#$IT_TMP/cert.pem#" \
		-e "s#/etc/ssl/private/aduan.key#$IT_TMP/key.pem#" "$src" >"$IT_TMP/nginx/aduan.conf"
	cat >"$IT_TMP/nginx/nginx.conf" <<-EOF2
	daemon off;
	worker_processes 1;
	pid $IT_TMP/nginx/nginx.pid;
	error_log $IT_TMP/nginx/error.log;
	events { worker_connections 64; }
	http {
		access_log off;
		client_body_temp_path $IT_TMP/nginx/body;
		proxy_temp_path $IT_TMP/nginx/proxy;
		fastcgi_temp_path $IT_TMP/nginx/fastcgi;
		uwsgi_temp_path $IT_TMP/nginx/uwsgi;
		scgi_temp_path $IT_TMP/nginx/scgi;
		include $IT_TMP/nginx/aduan.conf;
	}
	EOF2
	"$NGINX" -t -p "$IT_TMP/nginx" -e "$IT_TMP/nginx/error.log" -c "$IT_TMP/nginx/nginx.conf" \
		>"$IT_TMP/nginx/t.out" 2>&1 || fail "nginx -t on the rendered example: $(cat "$IT_TMP/nginx/t.out")"
	"$NGINX" -p "$IT_TMP/nginx" -e "$IT_TMP/nginx/error.log" -c "$IT_TMP/nginx/nginx.conf" \
		</dev/null >"$IT_TMP/nginx/out.log" 2>&1 &
	NGINX_PID=$!
	track "$NGINX_PID" nginx
	add_log "$IT_TMP/nginx/error.log"
	wait_port "$HTTPS_PORT" 15 "$NGINX_PID" nginx
	https "$(sms_path "$OLD_SECRET" it-proxy-n1 'JALAN lewat nginx')"
	expect_eq "SMS through nginx: status" 200 "$RESP_STATUS"
	expect_match "SMS through nginx: the reply names a ticket" 'No tiket: [0-9]{8}' "$RESP_BODY"
	https --interface 127.0.0.3 -H 'X-Forwarded-For: 198.51.100.77' \
		"$(sms_path not-the-secret-at-all it-proxy-n2 'JALAN x')"
	expect_eq "wrong secret through nginx, spoofed X-Forwarded-For: status" 403 "$RESP_STATUS"
	wait_for 5 "the refusal's log line (nginx)" grep -q \
		"sms kannel from peer 127.0.0.3 refused with 403" "$ADUAN_LOG"
	expect_no_match "the spoofed address in Aduan's log (nginx)" "198\.51\.100\.77" \
		"$(cat "$ADUAN_LOG")"
	https --interface 127.0.0.2 "$(sms_path "$OLD_SECRET" it-proxy-n3 'JALAN x')"
	expect_eq "SMS from 127.0.0.2 (not in allow_from) through nginx" 403 "$RESP_STATUS"
	for path in /metrics /admin/reload /healthz /; do
		https "$path"
		expect_eq "GET $path through nginx" 404 "$RESP_STATUS"
	done
	stop_pid "$NGINX_PID"
	ok "dist/nginx/aduan.conf: nginx -t passes; SMS 200, spoof ignored, allow-list 403, /metrics 404"
	"$HAPROXY" -db -f "$HCFG" </dev/null >>"$IT_TMP/haproxy.log" 2>&1 &
	HAPROXY_PID=$!
	track "$HAPROXY_PID" haproxy
	wait_port "$HTTPS_PORT" 15 "$HAPROXY_PID" haproxy
else
	echo "note: $NGINX not installed, dist/nginx/aduan.conf not checked (Debian package nginx-light)"
fi

# ---- secret rotation: both during the switch, the old one refused after -------------
https "$(sms_path "$NEW_SECRET" it-proxy-5 'JALAN dengan rahasia baru')"
expect_eq "SMS with secret_next during the switch" 200 "$RESP_STATUS"
https "$(sms_path "$OLD_SECRET" it-proxy-6 'JALAN dengan rahasia lama')"
expect_eq "SMS with the old secret during the switch" 200 "$RESP_STATUS"
# The switch is over: the new secret becomes `secret`, secret_next goes.
write_secrets "secret = \"$NEW_SECRET\";"
mark=$(log_lines "$ADUAN_LOG")
kill -HUP "$ADUAN_PID"
wait_for 10 "the reload's log line" sh -c "tail -n +$((mark + 1)) '$ADUAN_LOG' | grep -q 'configuration reloaded'"
line=$(tail -n +"$((mark + 1))" "$ADUAN_LOG" | grep 'configuration reloaded')
expect_match "a secret rotated in the secrets file is not a new config version: $line" \
	'version ([0-9a-f]{16}) \(was \1\)' "$line"
https "$(sms_path "$OLD_SECRET" it-proxy-7 'JALAN rahasia lama lagi')"
expect_eq "SMS with the old secret after it was removed and the config reloaded" 403 "$RESP_STATUS"
https "$(sms_path "$NEW_SECRET" it-proxy-8 'JALAN rahasia baru lagi')"
expect_eq "SMS with the new secret after the reload" 200 "$RESP_STATUS"
ok "secret_next: both secrets work during the switch; after reload only the new one"

# trusted_proxies is read at start: a reload that changes it says so.
sed -i 's|^  trusted_proxies = \[ "127.0.0.1" \];|  trusted_proxies = [ "127.0.0.1", "10.0.0.0/8" ];|' "$ADUAN_CONF"
mark=$(log_lines "$ADUAN_LOG")
kill -HUP "$ADUAN_PID"
wait_for 10 "the reload's restart warning" sh -c "tail -n +$((mark + 1)) '$ADUAN_LOG' | grep -q 'not in effect until a restart: server.trusted_proxies'"
ok "a reload that changes server.trusted_proxies says it needs a restart"

# ---- staff without access to the secrets: route works, check does not -----------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	# as root:aduan 0640 on /etc/aduan: nobody may read aduan.conf, not the secrets
	mkdir "$IT_TMP/etc" && cp "$ADUAN_CONF" "$SECRETS" "$IT_TMP/etc/" || fail "copy to etc/"
	chmod 711 "$IT_TMP" && chmod 755 "$IT_TMP/etc" && chmod 644 "$IT_TMP/etc/aduan.conf" &&
		chmod 640 "$IT_TMP/etc/secrets.conf" || fail "chmod"
	as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
	out=$(as_nobody "$ADUAN_BIN" route -c "$IT_TMP/etc/aduan.conf" "JALAN rusak" 2>"$IT_TMP/route.err")
	rc=$?
	expect_eq "aduan route as nobody, secrets file unreadable: exit status ($(cat "$IT_TMP/route.err"))" 0 "$rc"
	expect_match "aduan route as nobody: the decision" 'JALAN' "$out"
	expect_match "aduan route as nobody: says the secrets were not loaded" \
		'secrets not loaded \(cannot read .*secrets.conf: Permission denied\)' \
		"$(cat "$IT_TMP/route.err")"
	as_nobody "$ADUAN_BIN" check --demo -c "$IT_TMP/etc/aduan.conf" >"$IT_TMP/check.out" \
		2>"$IT_TMP/check.err"
	rc=$?
	expect_eq "aduan check as nobody, secrets file unreadable: exit status" 1 "$rc"
	expect_match "aduan check as nobody: names the secrets file and why" \
		'secrets: cannot read .*secrets.conf: Permission denied' "$(cat "$IT_TMP/check.err")"
	chmod 700 "$IT_TMP"
	ok "secrets file unreadable (not in its group): route works and says so; check refuses"
else
	echo "note: not root (or no setpriv): the unreadable-secrets check as another user skipped"
fi

check_log_errors "$ADUAN_LOG" "aduan"
stop_pid "$HAPROXY_PID"
stop_checked "$ADUAN_PID" aduan
ok "it_proxy done"

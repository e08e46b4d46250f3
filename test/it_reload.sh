#!/bin/bash
# it_reload: the config changes under load, and a broken config changes
# nothing.
#
# Two configs differ in one rule: in A, JALAN goes to dpupr; in B, to
# dishub.  While 6 clients send a burst of "JALAN ..." complaints, the
# config file flips between A and B and the service reloads (SIGHUP and
# `aduan reload`) a dozen times.  Every complaint must carry the version
# (hash) of A or B and the agency that version gives: a message routed by
# a mix of two configs would show B's hash with A's agency.  Then a
# broken config: the reload is refused with the error's line, and the
# service keeps routing by the last good config.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init reload
A=$IT_TMP/a.conf
B=$IT_TMP/b.conf
cp conf/aduan.conf "$A"
# B: the JALAN rule's agency is dishub instead of dpupr (one line changes).
awk '/keyword = "JALAN";/ { injalan = 1 } injalan && /agency = "dpupr";/ { sub(/"dpupr"/, "\"dishub\""); injalan = 0 } { print }' \
	"$A" >"$B"
cmp -s "$A" "$B" && fail "could not make config B"
ADUAN_CONF=$IT_TMP/aduan.conf
cp "$A" "$ADUAN_CONF"
free_port APORT
free_port ADUAN_PORT
ADUAN_SECRET=$(conf_kannel_secret "$ADUAN_CONF")
ADUAN_DB=$IT_TMP/aduan.db
ADUAN_LOG=$IT_TMP/aduan.log
ADUAN_URL=http://127.0.0.1:$ADUAN_PORT
"$ADUAN_BIN" serve --demo -c "$ADUAN_CONF" -p "$ADUAN_PORT" --admin-port "$APORT" -d "$ADUAN_DB" \
	</dev/null >"$ADUAN_LOG" 2>&1 &
ADUAN_PID=$!
track "$ADUAN_PID" aduan
add_log "$ADUAN_LOG"
wait_port "$ADUAN_PORT" 15 "$ADUAN_PID" "aduan serve"
wait_port "$APORT" 15 "$ADUAN_PID" "admin listener"
# A normal start logs no warning from libmicrohttpd (it warned at every
# start about the admin listener's thread pool of 1).
if grep -q 'WARN http:' "$ADUAN_LOG"; then
	fail "libmicrohttpd warned at start: $(grep 'WARN http:' "$ADUAN_LOG")"
fi
ok "a normal start, admin listener included, logs no libmicrohttpd warning"

hash_of() { sed -n 's/.*(version \([0-9a-f]\{16\}\)).*/\1/p; s/.*configuration reloaded: version \([0-9a-f]\{16\}\).*/\1/p' "$ADUAN_LOG" | tail -n 1; }
HASH_A=$(hash_of)
[ -n "$HASH_A" ] || fail "no config version in the start-up log"

client() { # N: sends 25 complaints with ids c<N>-<i>
	local i url
	for ((i = 0; i < 25; i++)); do
		url="$ADUAN_URL/kannel/sms?secret=$ADUAN_SECRET&from=0812330$1$((10 + i))&to=1708&text=JALAN+rusak+nomor+$i&coding=0&charset=UTF-8&id=c$1-$i"
		"$TOOL_HTTP" "$url" >/dev/null 2>&1
	done
}
pids=""
for n in 1 2 3 4 5 6; do
	client "$n" &
	pids="$pids $!"
done
# Flip the config a dozen times while they run: SIGHUP and aduan reload.
for ((k = 0; k < 12; k++)); do
	# Replaced whole (as an operator's editor does), never read half-written.
	if ((k % 2 == 0)); then cp "$B" "$ADUAN_CONF.new"; else cp "$A" "$ADUAN_CONF.new"; fi
	mv -f "$ADUAN_CONF.new" "$ADUAN_CONF"
	if ((k % 3 == 0)); then
		"$ADUAN_BIN" reload -c "$ADUAN_CONF" --admin-port "$APORT" >/dev/null 2>"$IT_TMP/reload.err" ||
			true
	else
		kill -HUP "$ADUAN_PID"
	fi
	nap 0.05
done
for p in $pids; do wait "$p"; done
HASH_B=$(sed -n 's/.*configuration reloaded: version \([0-9a-f]\{16\}\) .*/\1/p' "$ADUAN_LOG" |
	grep -v "^$HASH_A\$" | head -n 1)
[ -n "$HASH_B" ] || fail "no reload to config B in the log"
reloads=$(grep -c "configuration reloaded" "$ADUAN_LOG")
[ "$reloads" -ge 6 ] || fail "only $reloads reloads took effect (expected at least 6 of 12)"

total=$(sql "SELECT count(*) FROM complaints")
expect_eq "every complaint of the burst stored" 150 "$total"
by_a=$(sql "SELECT count(*) FROM complaints WHERE config_hash = '$HASH_A'")
by_b=$(sql "SELECT count(*) FROM complaints WHERE config_hash = '$HASH_B'")
expect_eq "every complaint carries version A or B" "$total" "$((by_a + by_b))"
expect_eq "version A always gave dpupr" 0 \
	"$(sql "SELECT count(*) FROM complaints WHERE config_hash = '$HASH_A' AND agency <> 'dpupr'")"
expect_eq "version B always gave dishub" 0 \
	"$(sql "SELECT count(*) FROM complaints WHERE config_hash = '$HASH_B' AND agency <> 'dishub'")"
ok "$total complaints during $reloads reloads: $by_a by version A (dpupr), $by_b by B (dishub), none mixed"

# A broken config: refused with its line, the last good one stays.
cp "$B" "$ADUAN_CONF"
"$ADUAN_BIN" reload -c "$ADUAN_CONF" --admin-port "$APORT" >/dev/null || fail "reload of B refused"
conf_set "$ADUAN_CONF" server port 70000
if "$ADUAN_BIN" reload -c "$ADUAN_CONF" --admin-port "$APORT" >"$IT_TMP/out" 2>"$IT_TMP/err"; then
	fail "a broken config was accepted: $(cat "$IT_TMP/out")"
fi
# aduan reload checks the file first and shows the errors with their lines.
expect_match "broken config: the error and its line" "aduan.conf:[0-9]+: server.port" "$(cat "$IT_TMP/err")"
# SIGHUP: the service refuses it and says why in its log.
kill -HUP "$ADUAN_PID"
log_has_refusal() { grep -q "reload refused: .*aduan.conf:[0-9]*: server.port" "$ADUAN_LOG"; }
wait_for 5 "SIGHUP with a broken config: refusal logged with the line" log_has_refusal
http_must "after the broken reload" "$ADUAN_URL/kannel/sms?secret=$ADUAN_SECRET&from=081299990000&to=1708&text=JALAN+ambles&coding=0&charset=UTF-8&id=after-broken"
expect_eq "after the broken reload: status" 200 "$RESP_STATUS"
expect_eq "after the broken reload: routed by the last good config (B)" "dishub|$HASH_B" \
	"$(sql "SELECT agency || '|' || config_hash FROM complaints WHERE phone = '+6281299990000'")"
ok "a broken config is refused with its line (aduan reload and SIGHUP); B stays in force"

# A config path that is a FIFO (or /dev/zero) is refused at once: aduan
# check and a SIGHUP reload used to wait on it forever.
mkfifo "$IT_TMP/fifo.conf"
T0=$SECONDS
timeout 20 "$ADUAN_BIN" check -c "$IT_TMP/fifo.conf" >"$IT_TMP/out" 2>"$IT_TMP/err"
rc=$?
expect_ne "aduan check -c FIFO: still waiting after 20 s (killed by timeout)" 124 "$rc"
expect_eq "aduan check -c FIFO: exit status" 1 "$rc"
expect_le "aduan check -c FIFO: seconds to answer" 2 "$((SECONDS - T0))"
expect_match "aduan check -c FIFO: the error names the file" "fifo.conf: not a regular file" \
	"$(cat "$IT_TMP/err")"
timeout 20 "$ADUAN_BIN" check -c /dev/zero >"$IT_TMP/out" 2>"$IT_TMP/err"
expect_eq "aduan check -c /dev/zero: exit status" 1 "$?"
expect_match "aduan check -c /dev/zero: the error names the file" "/dev/zero: not a regular file" \
	"$(cat "$IT_TMP/err")"
# The served config replaced by a FIFO: SIGHUP is refused, intake goes on.
rm -f "$ADUAN_CONF"
mkfifo "$ADUAN_CONF"
kill -HUP "$ADUAN_PID"
log_has_fifo_refusal() { grep -q "reload refused: .*aduan.conf: not a regular file" "$ADUAN_LOG"; }
wait_for 5 "SIGHUP with a FIFO as config: refusal logged" log_has_fifo_refusal
http_must "after the FIFO reload" "$ADUAN_URL/kannel/sms?secret=$ADUAN_SECRET&from=081299990001&to=1708&text=JALAN+ambles&coding=0&charset=UTF-8&id=after-fifo"
expect_eq "after the FIFO reload: status" 200 "$RESP_STATUS"
rm -f "$ADUAN_CONF"
cp "$A" "$ADUAN_CONF"
kill -HUP "$ADUAN_PID"
wait_for 5 "SIGHUP with the config back: reloaded" \
	sh -c "tail -n 1 '$ADUAN_LOG' | grep -q 'configuration reloaded'"
ok "a FIFO or /dev/zero as config: aduan check answers at once, SIGHUP is refused, intake goes on"

# aduan reload -c names a file: the answer says which file was loaded, and
# another file than the one served is refused, nothing reloaded.
"$ADUAN_BIN" reload -c "$ADUAN_CONF" --admin-port "$APORT" >"$IT_TMP/out" 2>"$IT_TMP/err" ||
	fail "reload of the served file: $(cat "$IT_TMP/err")"
expect_match "reload of the served file: the answer names it" \
	"^reloaded: version [0-9a-f]+ .*, from $(realpath "$ADUAN_CONF")\$" "$(cat "$IT_TMP/out")"
before=$(grep -c "configuration reloaded" "$ADUAN_LOG")
if "$ADUAN_BIN" reload -c "$B" --admin-port "$APORT" >"$IT_TMP/out" 2>"$IT_TMP/err"; then
	fail "reload -c of another file than the served one succeeded: $(cat "$IT_TMP/out")"
fi
expect_match "reload -c another file: refused, naming both" \
	"serves .*aduan.conf, not $(realpath "$B"): nothing reloaded" "$(cat "$IT_TMP/err")"
expect_eq "reload -c another file: nothing reloaded" "$before" "$(grep -c "configuration reloaded" "$ADUAN_LOG")"
ok "aduan reload names the file loaded and refuses another file than the served one"

# A reload that changes what only a restart changes says so, by name, on
# the command's output and in the log; the rest of the reload takes effect.
sed -e 's/^  port = 8080;/  port = 8091;/' -e 's/^  threads = 8; /  threads = 16;/' "$A" >"$ADUAN_CONF.new"
cmp -s "$A" "$ADUAN_CONF.new" && fail "could not change server.port in the config"
mv -f "$ADUAN_CONF.new" "$ADUAN_CONF"
"$ADUAN_BIN" reload -c "$ADUAN_CONF" --admin-port "$APORT" >"$IT_TMP/out" 2>"$IT_TMP/err" ||
	fail "reload with a new port: $(cat "$IT_TMP/err")"
expect_match "reload with a new port and threads: the answer names them" \
	"not in effect until a restart: server.port, server.threads" "$(cat "$IT_TMP/out")"
expect_match "reload with a new port: the log names it" \
	"not in effect until a restart: server.port, server.threads" "$(cat "$ADUAN_LOG")"
cp "$A" "$ADUAN_CONF.new"
mv -f "$ADUAN_CONF.new" "$ADUAN_CONF"
"$ADUAN_BIN" reload -c "$ADUAN_CONF" --admin-port "$APORT" >"$IT_TMP/out" 2>"$IT_TMP/err" ||
	fail "reload back to A: $(cat "$IT_TMP/err")"
ok "a reload changing server.port and server.threads says they need a restart"

check_log_errors "$ADUAN_LOG" "aduan log" "reload refused"
ok "no unexpected ERROR lines"

# A service started without --demo refuses a reload that brings a published
# demo secret back, and keeps the secret it has.
REAL=$IT_TMP/real.conf
sed -e 's/ganti-rahasia-kannel/it-reload-kannel-7f3a9c21/' \
	-e 's/ganti-rahasia-ussd/it-reload-ussd-7f3a9c21/' \
	-e 's/ganti-sandi-sendsms/it-reload-sendsms-7f3a9c21/' \
	-e "s/d183b9340f93f4cfec0f6c56abf2974f4d518f48f4ec912adc02220ef1f74709/$(printf %s it-token-1 | sha256sum | cut -c1-64)/" \
	-e "s/742f68a37c533b3b5cfaf5c209bab354be4d21be6890a2e1e459bb7e8a20b06e/$(printf %s it-token-2 | sha256sum | cut -c1-64)/" \
	"$A" >"$REAL"
"$ADUAN_BIN" check -c "$REAL" >"$IT_TMP/out" 2>&1 || fail "check of $REAL (no demo values): $(cat "$IT_TMP/out")"
free_port RPORT
free_port RAPORT
RLOG=$IT_TMP/real.log
"$ADUAN_BIN" serve -c "$REAL" -p "$RPORT" --admin-port "$RAPORT" -d "$IT_TMP/real.db" \
	</dev/null >"$RLOG" 2>&1 &
RPID=$!
track "$RPID" "aduan (no --demo)"
add_log "$RLOG"
wait_port "$RPORT" 15 "$RPID" "aduan serve without --demo"
wait_port "$RAPORT" 15 "$RPID" "its admin listener"
grep -q 'DEMO MODE' "$RLOG" && fail "serve without --demo logged DEMO MODE: $(cat "$RLOG")"
sed -i 's/it-reload-kannel-7f3a9c21/ganti-rahasia-kannel/' "$REAL"
if "$ADUAN_BIN" reload -c "$REAL" --admin-port "$RAPORT" >"$IT_TMP/out" 2>"$IT_TMP/err"; then
	fail "reload with the demo kannel secret was accepted by a service without --demo: $(cat "$IT_TMP/out")"
fi
expect_match "reload with a demo secret: refused with the setting and its line" \
	"real.conf:[0-9]+: gateways.kannel.secret: 'ganti-rahasia-kannel' is a demo secret" "$(cat "$IT_TMP/err")"
http_must "after the refused reload, the demo secret" \
	"http://127.0.0.1:$RPORT/kannel/sms?secret=ganti-rahasia-kannel&from=081299990001&to=1708&text=JALAN+ambles&coding=0&charset=UTF-8&id=demo-after"
expect_eq "after the refused reload: the demo secret is still refused" 403 "$RESP_STATUS"
http_must "after the refused reload, the real secret" \
	"http://127.0.0.1:$RPORT/kannel/sms?secret=it-reload-kannel-7f3a9c21&from=081299990001&to=1708&text=JALAN+ambles&coding=0&charset=UTF-8&id=real-after"
expect_eq "after the refused reload: the real secret still works" 200 "$RESP_STATUS"
check_log_errors "$RLOG" "aduan log (no --demo)" "reload refused"
ok "without --demo, a reload bringing back a demo secret is refused with its line; the real secret stays"

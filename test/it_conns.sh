#!/bin/bash
# it_conns: one client cannot take every connection.
#
# Linux answers on all of 127.0.0.0/8, so 127.0.0.1, .2 and .3 are three
# clients here (tool_conns binds its source address).  127.0.0.1 opens
# 1100 idle connections, more than the server's 1024 in all: before
# server.connections_per_address existed, that locked every client out.
# Now 127.0.0.1 keeps 64 (the default), the others are closed at once,
# and 127.0.0.2 and 127.0.0.3 are answered, an SMS callback included.
# Then, with the limit at 8 and server.idle_timeout at 2 s, slowloris
# clients (headers begun, never finished) are cut to 8 and then dropped.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init conns
TOOL_CONNS=$ADUAN_TOOLS/tool_conns
[ -x "$TOOL_CONNS" ] || fail "missing executable: $TOOL_CONNS (run make first)"
start_aduan

# first_line FILE: the first line tool_conns printed (empty until then).
first_line() { head -n 1 "$1" 2>/dev/null; }
has_line() { [ -n "$(first_line "$1")" ]; }

"$TOOL_CONNS" -s 127.0.0.1 -n 1100 -w 1000 -t 5 127.0.0.1 "$ADUAN_PORT" >"$IT_TMP/flood.out" \
	2>"$IT_TMP/flood.err" &
FLOOD_PID=$!
track "$FLOOD_PID" "tool_conns flood"
wait_for 15 "the flood's first count" has_line "$IT_TMP/flood.out"
# While the 1100 are held: another address, a health check and an SMS.
"$TOOL_CONNS" -s 127.0.0.2 -g /healthz -w 3000 127.0.0.1 "$ADUAN_PORT" >"$IT_TMP/probe2.out"
SMS="/kannel/sms?secret=$(urlencode "$ADUAN_SECRET")&from=081234500001&to=1708&text=JALAN+rusak+depan+pasar&coding=0&charset=UTF-8&id=it-conns-1"
"$TOOL_CONNS" -s 127.0.0.3 -g "$SMS" -w 3000 127.0.0.1 "$ADUAN_PORT" >"$IT_TMP/probe3.out"
"$TOOL_CONNS" -s 127.0.0.1 -g /healthz -w 2000 127.0.0.1 "$ADUAN_PORT" >"$IT_TMP/probe1.out"
expect_eq "127.0.0.2 while 127.0.0.1 holds 1100 idle connections: /healthz answered" \
	"answered=1 status=200" "$(cat "$IT_TMP/probe2.out")"
expect_eq "127.0.0.3 meanwhile: an SMS callback answered" "answered=1 status=200" \
	"$(cat "$IT_TMP/probe3.out")"
expect_eq "127.0.0.3's complaint stored" 1 \
	"$(sql "SELECT count(*) FROM messages WHERE gw_id = 'it-conns-1' AND complaint_id IS NOT NULL")"
expect_eq "127.0.0.1's 1100: 64 kept (server.connections_per_address), the rest closed at once" \
	"connected=1100 open=64 closed=1036" "$(first_line "$IT_TMP/flood.out")"
expect_eq "127.0.0.1, over its limit: not answered" "answered=0 status=0" \
	"$(cat "$IT_TMP/probe1.out")"
ok "1100 idle connections from 127.0.0.1: 64 kept, 1036 closed; 127.0.0.2 and .3 answered"
wait "$FLOOD_PID"
refusals=$(grep -c "connections\? closed at once" "$ADUAN_LOG")
expect_le "log lines about the 1037 refused connections (one per 10 s at most)" 2 "$refusals"
ok "1037 refused connections, $refusals log line(s)"

# The limit and the idle timeout come from the config.
stop_pid "$ADUAN_PID"
cp "$ADUAN_CONF" "$IT_TMP/aduan.conf"
ADUAN_CONF=$IT_TMP/aduan.conf
conf_set "$ADUAN_CONF" server connections_per_address 8
conf_set "$ADUAN_CONF" server idle_timeout 2
start_aduan
# Slowloris: each sends "GET / HTTP/1.1" and a Host header, never the end.
"$TOOL_CONNS" -s 127.0.0.1 -n 20 -p -w 500 -t 5 127.0.0.1 "$ADUAN_PORT" >"$IT_TMP/slow.out" \
	2>"$IT_TMP/slow.err" || fail "tool_conns: $(cat "$IT_TMP/slow.err")"
expect_eq "20 half-sent requests from 127.0.0.1, limit 8: 8 kept" \
	"connected=20 open=8 closed=12" "$(sed -n 1p "$IT_TMP/slow.out")"
expect_eq "5 s later (idle_timeout 2 s): every one dropped" \
	"after 5 s: connected=20 open=0 closed=20" "$(sed -n 2p "$IT_TMP/slow.out")"
"$TOOL_CONNS" -s 127.0.0.1 -g /healthz -w 2000 127.0.0.1 "$ADUAN_PORT" >"$IT_TMP/probe1.out"
expect_eq "127.0.0.1 afterwards: answered again" "answered=1 status=200" "$(cat "$IT_TMP/probe1.out")"
ok "connections_per_address 8, idle_timeout 2: slowloris cut to 8, then dropped; the address served again"

check_log_errors "$ADUAN_LOG" "aduan log"
ok "no unexpected ERROR lines"

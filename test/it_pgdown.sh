#!/bin/bash
# it_pgdown: PostgreSQL stopped and started again under a running `aduan
# serve` (issue 17: "A PostgreSQL that is down or restarting gives 503 (the
# gateway retries), reconnects by itself when it is back, and /healthz says
# so").
#
#   a service on a PostgreSQL server of the test's own takes an SMS;
#       /metrics has the store's gauges (last inbound, outbox, overdue);
#   the server is stopped (pg_ctl stop -m fast: every connection cut): an
#       SMS gets 503 within seconds (not a hang, not a 200 with nothing
#       stored), /healthz answers 503 naming the store, and the service
#       process stays up;
#   the server is started again: without touching the service, the
#       gateway's retry of the refused SMS (same id) gets its ticket, and
#       /healthz is 200 again; the message is stored once; the SMS
#       acknowledged before the outage is still there once.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh
. test/pg.sh

it_init pgdown
# A server of its own: the run's shared one must not be stopped.
pg_start || fail "PostgreSQL: $PG_ERR"
IT_ATEXIT+=(pg_stop)
pg_createdb aduan_down || fail "$PG_ERR"

free_port PORT
free_port APORT
ADUAN_SECRET=$(conf_kannel_secret "$ADUAN_CONF")
ADUAN_LOG=$IT_TMP/aduan.log
ADUAN_URL=http://127.0.0.1:$PORT
"$ADUAN_BIN" serve --demo -c "$ADUAN_CONF" -p "$PORT" --admin-port "$APORT" -d "$PG_URI" </dev/null >>"$ADUAN_LOG" 2>&1 &
ADUAN_PID=$!
track "$ADUAN_PID" aduan
add_log "$ADUAN_LOG"
wait_port "$PORT" 15 "$ADUAN_PID" "aduan serve on PostgreSQL"

sms_url() {  # sms_url FROM TEXT ID
	echo "$ADUAN_URL/kannel/sms?secret=$ADUAN_SECRET&from=$1&to=1708&text=$(urlencode "$2")&coding=0&charset=UTF-8&id=$3"
}
psq() { pg_psql aduan_down -tA -c "$1" || fail "psql: $1"; }

http_must "SMS before the outage" "$(sms_url 081277700001 "Jalan berlubang di Jl. Merdeka" pd-1)"
expect_eq "SMS before the outage: status" 200 "$RESP_STATUS"
T1=$(ticket_in "$RESP_BODY")
[ -n "$T1" ] || fail "no ticket before the outage: $RESP_BODY"
http_must "/healthz before the outage" "$ADUAN_URL/healthz"
expect_eq "/healthz before the outage" 200 "$RESP_STATUS"
# /metrics reads the store as on SQLite (the last inbound message, the outbox, overdue).
http_must "/metrics on PostgreSQL" "http://127.0.0.1:$APORT/metrics"
expect_eq "/metrics on PostgreSQL: status" 200 "$RESP_STATUS"
for m in 'aduan_last_inbound_message_time_seconds [1-9]' 'aduan_outbox_rows\{' \
	'aduan_tickets_overdue\{agency="dpupr"\} 0' 'aduan_complaints_created_total'; do
	expect_match "/metrics on PostgreSQL: $m" "$m" "$RESP_BODY"
done
ok "on PostgreSQL: ticket $T1, /healthz 200, /metrics with the store's gauges"

# ---- the database goes away -------------------------------------------------
DOWN_LINE=$(($(wc -l <"$ADUAN_LOG") + 1))
pg_down || fail "$PG_ERR"
t0=$(ms_now)
http "$(sms_url 081277700002 "Lampu jalan mati di Jl. Merdeka" pd-2)" ||
	fail "SMS while PostgreSQL is down: no HTTP response at all ($(cat "$IT_TMP/http.err"))"
took=$(($(ms_now) - t0))
expect_eq "SMS while PostgreSQL is down: status (the gateway retries a 503)" 503 "$RESP_STATUS"
expect_le "SMS while PostgreSQL is down: answered within 10 s (ms)" 10000 "$took"
http_must "/healthz while PostgreSQL is down" "$ADUAN_URL/healthz"
expect_eq "/healthz while PostgreSQL is down" 503 "$RESP_STATUS"
expect_match "/healthz while PostgreSQL is down: names the store" "store" "$RESP_BODY"
pid_alive "$ADUAN_PID" || fail "aduan exited when PostgreSQL went down"
ok "PostgreSQL down: SMS 503 in $took ms, /healthz 503 ($(echo "$RESP_BODY" | head -n 1))"

# ---- and comes back ----------------------------------------------------------
pg_up || fail "$PG_ERR"
retry_ok() {
	http "$(sms_url 081277700002 "Lampu jalan mati di Jl. Merdeka" pd-2)" && [ "$RESP_STATUS" = 200 ]
}
wait_for 15 "the gateway's retry of the refused SMS answered 200 after PostgreSQL is back" retry_ok
T2=$(ticket_in "$RESP_BODY")
[ -n "$T2" ] || fail "the retry after the outage: no ticket in the reply: $RESP_BODY"
http_must "/healthz after the outage" "$ADUAN_URL/healthz"
expect_eq "/healthz after PostgreSQL is back" 200 "$RESP_STATUS"
pid_alive "$ADUAN_PID" || fail "aduan is not the same process after the outage"
expect_eq "the refused-then-retried SMS: messages stored" 1 \
	"$(psq "SELECT count(*) FROM messages WHERE gw_id = 'pd-2'")"
expect_eq "the refused-then-retried SMS: complaints stored" 1 \
	"$(psq "SELECT count(*) FROM complaints WHERE ticket = '$T2'")"
expect_eq "the SMS acknowledged before the outage: still stored once" 1 \
	"$(psq "SELECT count(*) FROM complaints WHERE ticket = '$T1'")"
http_must "SMS after the outage" "$(sms_url 081277700003 "Sampah menumpuk di pasar" pd-3)"
expect_eq "a new SMS after the outage: status" 200 "$RESP_STATUS"
ok "PostgreSQL back: the retry got ticket $T2, a new SMS 200, /healthz 200, the same aduan process"

stop_checked "$ADUAN_PID" aduan
# The outage itself is logged as errors; nothing else may be.
check_log_errors "$ADUAN_LOG" "aduan log" \
	"server closed the connection|terminating connection|connection to server|Connection refused|No such file or directory|database unavailable|store unavailable|no connection to the server"
exit 0

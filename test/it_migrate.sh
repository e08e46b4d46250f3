#!/bin/bash
# it_migrate: `aduan migrate --to URI` moves a SQLite database that has
# served into an empty PostgreSQL one, and the service goes on there
# (issue 17, "Moving and running").
#
#   a real service on SQLite takes SMS complaints (some with the same text
#       from one phone: the guard's rows), a STATUS query, an agency's
#       update through the API (events, event details, the SMS queued to
#       the citizen) and a web inbox account;
#   aduan migrate --to a new PostgreSQL database: exit 0, says how many
#       rows and that the sample matched; every table holds the same number
#       of rows on both sides; a complaint's fields are the same; aduan
#       stats and route --replay print the same on both;
#   the service started on PostgreSQL: a citizen's STATUS of a migrated
#       ticket gets its status, the agency's listing has it, a new complaint
#       gets a ticket and a row id past the migrated ones (the sequence was
#       moved on), and the account logs in;
#   refusals, exit 1 and nothing changed: a second migrate into the same
#       (now non-empty) database; a target that is not a postgresql:// URI.
#
# PostgreSQL: the server test/run.sh started (ADUAN_TEST_PG), else one of
# its own (test/pg.sh).
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh
. test/pg.sh

it_init migrate
if ! pg_use_env; then
	pg_start || fail "PostgreSQL: $PG_ERR"
	IT_ATEXIT+=(pg_stop)
fi

DPUPR_TOKEN=demo-token-dpupr-ganti

# ---- the SQLite service's life ----------------------------------------------
start_aduan
sms() {  # sms FROM TEXT ID: the reply's body in $RESP_BODY
	http_must "SMS $3" "$ADUAN_URL/kannel/sms?secret=$ADUAN_SECRET&from=$1&to=1708&text=$(urlencode "$2")&coding=0&charset=UTF-8&id=$3"
	expect_eq "SMS $3: status" 200 "$RESP_STATUS"
}
for i in $(seq 1 12); do
	sms "0812555000$((i % 4))" "JALAN berlubang di Jl. Pemuda no $i" "mg-$i"
done
sms 081255500001 "Jalan amblas dekat jembatan Kali Tuntang" mg-amblas
TICKET=$(ticket_in "$RESP_BODY")
[ -n "$TICKET" ] || fail "no ticket in the reply: $RESP_BODY"
sms 081255500001 "Jalan amblas dekat jembatan Kali Tuntang" mg-amblas-again
sms 081255500001 "STATUS $TICKET" mg-status
STATUS_BEFORE=$RESP_BODY
http_must "agency update" -H "Authorization: Bearer $DPUPR_TOKEN" -H 'Content-Type: application/json' \
	-d '{"status":"in_progress","note":"Petugas dijadwalkan besok pagi"}' \
	"$ADUAN_URL/api/v1/tickets/$TICKET/events"
expect_eq "the road complaint's agency (its token is dpupr's)" dpupr \
	"$(sql "SELECT agency FROM complaints WHERE ticket = '$TICKET'")"
expect_eq "agency update on SQLite: status" 200 "$RESP_STATUS"
cli user add petugas1 --agency dpupr --name "Petugas Satu" -c "$ADUAN_CONF" -d "$ADUAN_DB" <<<"kata-sandi-panjang-1"
stop_checked "$ADUAN_PID" aduan

TABLES=$(sql "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
MAXID=$(sql "SELECT max(id) FROM complaints")
NCOMPLAINTS=$(sql "SELECT count(*) FROM complaints")
ok "on SQLite: $NCOMPLAINTS complaints, tables: $(echo $TABLES)"

# ---- migrate ----------------------------------------------------------------
pg_createdb aduan_migrate || fail "createdb: $PG_ERR"
URL=$PG_URI
cli migrate --to "$URL" -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_eq "aduan migrate: exit status (stderr: $CLI_ERR)" 0 "$CLI_RC"
expect_match "aduan migrate: says what it copied" "[0-9]+ tables, [0-9]+ rows \\($NCOMPLAINTS complaints\\)" "$CLI_OUT"
expect_match "aduan migrate: says the sample matched" "read back and compared: same" "$CLI_OUT"
ok "aduan migrate: $(echo "$CLI_OUT" | head -n 1)"

psq() { pg_psql aduan_migrate -tA -c "$1" || fail "psql: $1"; }
for t in $TABLES; do
	expect_eq "table $t: rows on PostgreSQL = rows on SQLite" \
		"$(sql "SELECT count(*) FROM $t")" "$(psq "SELECT count(*) FROM $t")"
done
ROW="ticket, phone, agency, status, description, created_at, config_hash"
expect_eq "complaint $TICKET: the same fields on both" \
	"$(sql "SELECT $ROW FROM complaints WHERE ticket = '$TICKET'")" \
	"$(psq "SELECT $(echo "$ROW" | sed 's/, / || '"'|'"' || /g') FROM complaints WHERE ticket = '$TICKET'")"
ok "every table has the same rows on both sides; complaint $TICKET the same"

# The reports read PostgreSQL as they read SQLite: the same figures.  Each
# prints the start of its period, "now - 30d" to the minute, which moves on
# when the two runs straddle a minute: that line alone is not compared.
report() {
	echo "$1" | grep -v '^database:' |
		sed -E 's/^(since: +|complaints since )[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}( UTC)?/\1<30 days ago>/'
}
for rep in "stats --since 30d" "route --replay --since 30d"; do
	# shellcheck disable=SC2086
	cli $rep -c "$ADUAN_CONF" -d "$ADUAN_DB"
	expect_eq "aduan $rep on SQLite: exit status (stderr: $CLI_ERR)" 0 "$CLI_RC"
	ON_SQLITE=$(report "$CLI_OUT")
	# shellcheck disable=SC2086
	cli $rep -c "$ADUAN_CONF" -d "$URL"
	expect_eq "aduan $rep on PostgreSQL: exit status (stderr: $CLI_ERR)" 0 "$CLI_RC"
	expect_match "aduan $rep on PostgreSQL: names the database, password hidden" \
		"database: +postgresql://" "$CLI_OUT"
	expect_eq "aduan $rep: the same report from both databases" "$ON_SQLITE" \
		"$(report "$CLI_OUT")"
done
ok "aduan stats and route --replay on PostgreSQL: the same as on SQLite"

# ---- the service on PostgreSQL -----------------------------------------------
free_port PGPORT
"$ADUAN_BIN" serve --demo -c "$ADUAN_CONF" -p "$PGPORT" -d "$URL" </dev/null >>"$ADUAN_LOG" 2>&1 &
PGPID=$!
track "$PGPID" "aduan on PostgreSQL"
wait_port "$PGPORT" 15 "$PGPID" "aduan serve on PostgreSQL"
ADUAN_URL=http://127.0.0.1:$PGPORT
sms 081255500001 "STATUS $TICKET" mg-status-pg
expect_match "a migrated ticket's STATUS on PostgreSQL: names the ticket" "$TICKET" "$RESP_BODY"
expect_no_match "a migrated ticket's STATUS on PostgreSQL: not 'not found'" "tidak ditemukan|not found" "$RESP_BODY"
expect_match "a migrated ticket's STATUS on PostgreSQL: the agency's update and note show" "sedang ditangani.*Petugas dijadwalkan besok pagi" "$RESP_BODY"
sms 081255500001 "STATUS $TICKET" mg-status
expect_eq "a gateway retry of a message stored on SQLite: the stored reply" "$STATUS_BEFORE" "$RESP_BODY"
http_must "agency listing on PostgreSQL" -H "Authorization: Bearer $DPUPR_TOKEN" "$ADUAN_URL/api/v1/tickets/$TICKET"
expect_eq "agency reads a migrated ticket: status" 200 "$RESP_STATUS"
sms 081255500009 "Saluran air tersumbat di Jl. Diponegoro" mg-new-on-pg
NEW=$(ticket_in "$RESP_BODY")
[ -n "$NEW" ] || fail "a new complaint on PostgreSQL: no ticket in the reply: $RESP_BODY"
NEWID=$(psq "SELECT id FROM complaints WHERE ticket = '$NEW'")
[ -n "$NEWID" ] && [ "$NEWID" -gt "$MAXID" ] ||
	fail "the new complaint's id is '$NEWID', not past the migrated ones (max $MAXID): the sequence was not moved on"
expect_eq "complaints on PostgreSQL after one more" $((NCOMPLAINTS + 1)) "$(psq "SELECT count(*) FROM complaints")"
ok "on PostgreSQL: STATUS of a migrated ticket, a retry answered from the copy, a new ticket $NEW (id $NEWID > $MAXID)"
stop_checked "$PGPID" "aduan on PostgreSQL"
untrack "$PGPID"

# ---- refusals ---------------------------------------------------------------
BEFORE=$(psq "SELECT count(*) FROM complaints")
cli migrate --to "$URL" -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_eq "migrate into a database with rows: exit status" 1 "$CLI_RC"
expect_match "migrate into a database with rows: says so" "not empty" "$CLI_ERR"
expect_eq "migrate into a database with rows: nothing added" "$BEFORE" "$(psq "SELECT count(*) FROM complaints")"
ok "a non-empty target is refused: $CLI_ERR"

cli migrate --to "$IT_TMP/other.db" -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_eq "migrate --to a file: exit status" 1 "$CLI_RC"
expect_match "migrate --to a file: says what it takes" "postgresql://" "$CLI_ERR"
[ ! -e "$IT_TMP/other.db" ] || fail "migrate --to a file created $IT_TMP/other.db"
ok "a target that is not a PostgreSQL URL is refused: $CLI_ERR"

check_log_errors "$ADUAN_LOG" "aduan log"
exit 0

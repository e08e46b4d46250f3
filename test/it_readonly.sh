#!/bin/bash
# it_readonly: the reports (`aduan stats`, `aduan outbox`, `aduan route
# --replay`) only read.  An operator runs them with a new aduan while the
# old one still serves: they must never migrate or write the database.
#
#   a real service stores complaints, and is stopped;
#   the database is taken back to schema 5 as an older aduan left it (the
#       one index migration 6 drops is put back, user_version = 5);
#   each report refuses with "database schema 5 is older than this aduan's
#       N" and a non-zero exit, and the file is byte for byte the same
#       (sha256), user_version still 5, nothing in a -wal file;
#   aduan serve migrates it (that is its job); the reports then work on the
#       current schema, while a service runs and after, still writing
#       nothing.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init readonly

# db_state: the database file's sha256.
db_state() {
	echo "sha256=$(sha256sum "$ADUAN_DB" | cut -c1-64)"
}

# wal_clean: no -wal, or an empty one (SQLite's read-only WAL readers may
# leave an empty file behind; frames in it would be writes).
wal_clean() {
	[ ! -e "$ADUAN_DB-wal" ] || [ "$(stat -c %s "$ADUAN_DB-wal")" = 0 ]
}

start_aduan
for i in 1 2 3; do
	http_must "complaint $i" "$ADUAN_URL/kannel/sms?secret=$ADUAN_SECRET&from=08123450000$i&to=1708&text=JALAN+rusak+nomor+$i&coding=0&charset=UTF-8&id=ro-$i"
	expect_eq "complaint $i: status" 200 "$RESP_STATUS"
done
stop_checked "$ADUAN_PID" aduan
LATEST=$(sql "PRAGMA user_version")
[ "$LATEST" -ge 6 ] || fail "expected a schema of at least 6 after serve, got $LATEST"

# As an older aduan (schema 5) left it: migration 6 dropped complaints_phone.
sql "CREATE INDEX complaints_phone ON complaints(phone); PRAGMA user_version = 5;" >/dev/null
expect_eq "the old database: user_version" 5 "$(sql "PRAGMA user_version")"
wal_clean || fail "the sqlite3 CLI left frames in $ADUAN_DB-wal"

for cmd in "stats" "outbox" "outbox --dead" "route --replay"; do
	BEFORE=$(db_state)
	# shellcheck disable=SC2086 # the words of $cmd are separate arguments
	cli $cmd -c "$ADUAN_CONF" -d "$ADUAN_DB"
	expect_ne "aduan $cmd on a schema-5 database: exit status" 0 "$CLI_RC"
	expect_match "aduan $cmd on a schema-5 database: says why" \
		"database schema 5 is older than this aduan's $LATEST" "$CLI_ERR"
	expect_match "aduan $cmd on a schema-5 database: says what to do" "aduan.*serve" "$CLI_ERR"
	expect_eq "aduan $cmd on a schema-5 database: the file is unchanged" "$BEFORE" "$(db_state)"
	expect_eq "aduan $cmd on a schema-5 database: user_version" 5 "$(sql "PRAGMA user_version")"
	wal_clean || fail "aduan $cmd on a schema-5 database: frames in $ADUAN_DB-wal ($(stat -c %s "$ADUAN_DB-wal") bytes)"
	ok "aduan $cmd on a schema-5 database: exit $CLI_RC, \"${CLI_ERR#aduan: database: }\" (cut), file unchanged"
done

# The service migrates; the reports then read the current schema, during
# and after it, and still write nothing.
restart_aduan
expect_eq "serve migrated the old database: user_version" "$LATEST" "$(sql "PRAGMA user_version")"
cli stats -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_eq "aduan stats while serving: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "aduan stats while serving: the three complaints" 'complaints since .*: 3' "$CLI_OUT"
ok "aduan stats next to a running service: exit 0"
stop_checked "$ADUAN_PID" aduan
for cmd in "stats" "outbox" "route --replay"; do
	BEFORE=$(db_state)
	# shellcheck disable=SC2086
	cli $cmd -c "$ADUAN_CONF" -d "$ADUAN_DB"
	expect_eq "aduan $cmd on the current schema: exit status ($CLI_ERR)" 0 "$CLI_RC"
	expect_eq "aduan $cmd on the current schema: the file is unchanged" "$BEFORE" "$(db_state)"
	wal_clean || fail "aduan $cmd on the current schema: frames in $ADUAN_DB-wal"
done
expect_match "route --replay on the current schema: reads the complaints" 'database: ' "$CLI_OUT"
ok "stats, outbox, route --replay on the current schema: exit 0, the file unchanged"

check_log_errors "$ADUAN_LOG" "aduan log"
exit 0

#!/bin/bash
# it_readonly: the reports (`aduan stats`, `aduan outbox`, `aduan route
# --replay`, `aduan user list`, `aduan purge --dry-run`) only read, and
# only serve migrates (`aduan purge` refuses an old schema too).  An
# operator runs them with a new aduan while the old one still serves: they
# must never migrate or write the database.
#
#   a real service stores complaints, and is stopped;
#   the database is taken back to schema 10 (migration 11's indexes
#       dropped), then to schema 5 as an older aduan left it (the one index
#       migration 6 drops is put back, user_version = 5);
#   on each, each report and purge refuses with "database schema N is older
#       than this aduan's M" and a non-zero exit, and the file is byte for
#       byte the same (sha256), user_version still N, nothing in a -wal file;
#   check, rules lint and route TEXT (which never open it) leave it so;
#   aduan serve migrates it (that is its job), logging each step ("store:
#       migrating schema 5 -> 6: ...") and a summary (a new database: "store:
#       created schema N"); the reports then work on the current schema,
#       while a service runs and after, still writing nothing;
#   a schema newer than this aduan's is refused by every command that opens
#       the database, serve too, the file unchanged; backup copies it.
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
expect_match "a new database: serve logs the schema it created" \
	"INFO store: created schema [0-9]+ in $ADUAN_DB" "$(cat "$ADUAN_LOG")"
for i in 1 2 3; do
	http_must "complaint $i" "$ADUAN_URL/kannel/sms?secret=$ADUAN_SECRET&from=08123450000$i&to=1708&text=JALAN+rusak+nomor+$i&coding=0&charset=UTF-8&id=ro-$i"
	expect_eq "complaint $i: status" 200 "$RESP_STATUS"
done
stop_checked "$ADUAN_PID" aduan
LATEST=$(sql "PRAGMA user_version")
[ "$LATEST" -ge 6 ] || fail "expected a schema of at least 6 after serve, got $LATEST"

# refused_on OLD: every command that opens the database, but serve, refuses
# a database of schema OLD and leaves it as it was.
refused_on() {
	local old=$1 cmd
	for cmd in "stats" "outbox" "outbox --dead" "route --replay" "user list" \
		"purge --dry-run" "purge"; do
		BEFORE=$(db_state)
		# shellcheck disable=SC2086 # the words of $cmd are separate arguments
		cli $cmd -c "$ADUAN_CONF" -d "$ADUAN_DB"
		expect_ne "aduan $cmd on a schema-$old database: exit status" 0 "$CLI_RC"
		expect_match "aduan $cmd on a schema-$old database: says why" \
			"database schema $old is older than this aduan's $LATEST" "$CLI_ERR"
		expect_match "aduan $cmd on a schema-$old database: says what to do" "aduan.*serve" \
			"$CLI_ERR"
		expect_eq "aduan $cmd on a schema-$old database: the file is unchanged" "$BEFORE" \
			"$(db_state)"
		expect_eq "aduan $cmd on a schema-$old database: user_version" "$old" \
			"$(sql "PRAGMA user_version")"
		wal_clean || fail "aduan $cmd on a schema-$old database: frames in $ADUAN_DB-wal ($(stat -c %s "$ADUAN_DB-wal") bytes)"
		ok "aduan $cmd on a schema-$old database: exit $CLI_RC, \"${CLI_ERR#aduan: database: }\" (cut), file unchanged"
	done
}

# As the aduan before migration 11 (schema 10) left it: without the two
# indexes by complaint.
sql "DROP INDEX messages_complaint; DROP INDEX outbox_complaint; PRAGMA user_version = 10;" \
	>/dev/null
wal_clean || fail "the sqlite3 CLI left frames in $ADUAN_DB-wal"
refused_on 10

# As an older aduan (schema 5) left it: migration 6 dropped complaints_phone
# (7 on create only what is missing: the indexes of 11 come back).
sql "CREATE INDEX complaints_phone ON complaints(phone); PRAGMA user_version = 5;" >/dev/null
expect_eq "the old database: user_version" 5 "$(sql "PRAGMA user_version")"
wal_clean || fail "the sqlite3 CLI left frames in $ADUAN_DB-wal"
refused_on 5

# The commands that never open the database work as ever beside it.
for cmd in "check --demo" "rules lint" "route JALAN"; do
	BEFORE=$(db_state)
	# shellcheck disable=SC2086
	cli ${cmd%% *} -c "$ADUAN_CONF" ${cmd#* }
	expect_ne "aduan $cmd beside a schema-5 database: exit status ($CLI_ERR)" 2 "$CLI_RC"
	expect_eq "aduan $cmd beside a schema-5 database: the file is unchanged" "$BEFORE" "$(db_state)"
done
ok "check, rules lint, route TEXT beside a schema-5 database: the file unchanged"

# The service migrates, and says so: each step, then a summary.
restart_aduan
expect_eq "serve migrated the old database: user_version" "$LATEST" "$(sql "PRAGMA user_version")"
LOG=$(cat "$ADUAN_LOG")
for ((v = 5; v < LATEST; v++)); do
	expect_match "serve's log: the step $v -> $((v + 1))" \
		"INFO store: migrating schema $v -> $((v + 1)): [a-z].*, in $ADUAN_DB" "$LOG"
done
expect_match "serve's log: the summary" \
	"INFO store: $ADUAN_DB migrated from schema 5 to $LATEST in $((LATEST - 5)) steps, [0-9.]+ s" "$LOG"
ok "serve on the schema-5 database logged its $((LATEST - 5)) steps and a summary"
cli stats -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_eq "aduan stats while serving: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "aduan stats while serving: the three complaints" 'complaints since .*: 3' "$CLI_OUT"
ok "aduan stats next to a running service: exit 0"
stop_checked "$ADUAN_PID" aduan
for cmd in "stats" "outbox" "route --replay" "purge --dry-run"; do
	BEFORE=$(db_state)
	# shellcheck disable=SC2086
	cli $cmd -c "$ADUAN_CONF" -d "$ADUAN_DB"
	expect_eq "aduan $cmd on the current schema: exit status ($CLI_ERR)" 0 "$CLI_RC"
	expect_eq "aduan $cmd on the current schema: the file is unchanged" "$BEFORE" "$(db_state)"
	wal_clean || fail "aduan $cmd on the current schema: frames in $ADUAN_DB-wal"
done
expect_match "route --replay on the current schema: reads the complaints" 'database: ' "$CLI_OUT"
ok "stats, outbox, route --replay, purge --dry-run on the current schema: exit 0, the file unchanged"

# Downgrade protection: a database of a schema newer than this aduan's
# (written by a newer aduan) is refused by every command that opens it,
# serve included; nothing is written.  backup alone copies it (a rollback
# keeps the newer database aside that way).
sql "PRAGMA user_version = $((LATEST + 1))" >/dev/null
NEWER=$((LATEST + 1))
free_port NPORT
for cmd in "stats" "outbox" "outbox --dead" "outbox retry 1" "route --replay" "user list" \
	"purge --dry-run" "purge" "serve --demo -p $NPORT"; do
	BEFORE=$(db_state)
	# shellcheck disable=SC2086
	cli $cmd -c "$ADUAN_CONF" -d "$ADUAN_DB"
	expect_ne "aduan $cmd on a schema-$NEWER database: exit status" 0 "$CLI_RC"
	expect_match "aduan $cmd on a schema-$NEWER database: says why" \
		"database schema $NEWER is newer than this aduan knows \\($LATEST\\)" "$CLI_ERR"
	expect_match "aduan $cmd on a schema-$NEWER database: says what to do" \
		"restore the backup taken before the upgrade" "$CLI_ERR"
	expect_eq "aduan $cmd on a schema-$NEWER database: the file is unchanged" "$BEFORE" "$(db_state)"
	expect_eq "aduan $cmd on a schema-$NEWER database: user_version" "$NEWER" \
		"$(sql "PRAGMA user_version")"
	wal_clean || fail "aduan $cmd on a schema-$NEWER database: frames in $ADUAN_DB-wal"
done
ok "every command refuses a schema-$NEWER database, the file unchanged: \"$(printf '%s' "$CLI_ERR" | tail -n 1 | cut -c1-120)...\""
BEFORE=$(db_state)
cli backup "$IT_TMP/newer-copy.db" -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_eq "aduan backup of a schema-$NEWER database: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "aduan backup of a schema-$NEWER database: the copy's schema" \
	"schema version $NEWER" "$CLI_OUT"
expect_eq "aduan backup of a schema-$NEWER database: the file is unchanged" "$BEFORE" "$(db_state)"
ok "aduan backup copies a schema-$NEWER database as it is"

check_log_errors "$ADUAN_LOG" "aduan log"
exit 0

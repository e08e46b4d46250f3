#!/bin/bash
# it_backup: `aduan backup DEST` takes a consistent copy while the service
# writes, and the README's restore steps bring every acknowledged ticket
# back (issue 14: `cp aduan.db` beside a running service copied 4 KB and no
# tables, the rest being in the -wal file).
#
#   a real service, its database padded to some MB (a filler table) so the
#       copy takes many backup steps;
#   a burst of SMS in the background, each ticket written down once the
#       gateway got its 200; aduan backup runs in the middle of it;
#   the backup says what it wrote; the copy is one file (no -wal beside it),
#       integrity_check ok, the source's user_version;
#   restored as README says into a new place (the file alone, no stale
#       -wal/-shm) and served: every ticket acknowledged before the backup
#       began is there exactly once, and the restored service takes a new
#       complaint;
#   errors, exit 1 with a reason: DEST exists (left as it was), DEST's
#       directory missing, the source missing (no file created there, none
#       at DEST).
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init backup

# A schema, then filler pages the copy must go through.
start_aduan
stop_checked "$ADUAN_PID" aduan
sql "CREATE TABLE filler(b BLOB);
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
     INSERT INTO filler SELECT randomblob(4000) FROM n;" >/dev/null
start_aduan_on "$ADUAN_PORT"
SCHEMA=$(sql "PRAGMA user_version")

ACKED=$IT_TMP/acked.txt
STOP=$IT_TMP/burst.stop
: >"$ACKED"
(
	trap - EXIT
	i=0
	while [ ! -e "$STOP" ] && [ "$i" -lt 2000 ]; do
		i=$((i + 1))
		code=$(curl -s -m 10 -o "$IT_TMP/burst.body" -w '%{http_code}' \
			"$ADUAN_URL/kannel/sms?secret=$ADUAN_SECRET&from=0812$(printf %07d "$i")&to=1708&text=JALAN+rusak+$i&coding=0&charset=UTF-8&id=bk-$i")
		if [ "$code" = 200 ]; then
			t=$(ticket_in "$(cat "$IT_TMP/burst.body")")
			[ -n "$t" ] && echo "$t" >>"$ACKED"
		fi
	done
) &
BURST=$!
track "$BURST" burst

acked_20() { [ "$(wc -l <"$ACKED")" -ge 20 ]; }
wait_for 10 "20 SMS of the burst acknowledged" acked_20
BEFORE=$IT_TMP/acked-before.txt
cp "$ACKED" "$BEFORE"
BACKUP=$IT_TMP/backups/aduan-backup.db
mkdir "$IT_TMP/backups"
cli backup "$BACKUP" -c "$ADUAN_CONF" -d "$ADUAN_DB"
DURING=$(wc -l <"$ACKED")
expect_eq "aduan backup during the burst: exit status (stderr: $CLI_ERR)" 0 "$CLI_RC"
expect_match "aduan backup: names what it wrote" "$BACKUP" "$CLI_OUT"
expect_match "aduan backup: says the schema version" "schema version $SCHEMA" "$CLI_OUT"
expect_match "aduan backup: counts the complaints" "[0-9]+ complaints" "$CLI_OUT"
expect_match "aduan backup: says its size" "[0-9]+ bytes" "$CLI_OUT"
ok "aduan backup during a burst: $CLI_OUT"
nap 0.5
: >"$STOP"
wait "$BURST" 2>/dev/null
untrack "$BURST"
NB=$(wc -l <"$BEFORE")
NA=$(wc -l <"$ACKED")
[ "$NA" -gt "$DURING" ] || fail "no SMS acknowledged after the backup: the burst did not overlap it"
ok "burst: $NB SMS acknowledged before the backup began, $((DURING - NB)) during it, $NA in all"
stop_checked "$ADUAN_PID" aduan

for s in -wal -shm -journal; do
	[ ! -e "$BACKUP$s" ] || fail "the backup left $BACKUP$s beside the copy"
done
[ -z "$(ls "$IT_TMP/backups" | grep -v '^aduan-backup.db$')" ] ||
	fail "files beside the copy: $(ls "$IT_TMP/backups")"
bsql() {
	sqlite3 -batch -noheader "$1" "$2" || fail "sqlite3 $1 failed: $2"
}
expect_eq "the copy: integrity_check" ok "$(bsql "$BACKUP" "PRAGMA integrity_check")"
expect_eq "the copy: user_version" "$SCHEMA" "$(bsql "$BACKUP" "PRAGMA user_version")"
ok "the copy is one file, integrity ok, schema $SCHEMA"

# Restore as README says, into a new place: the file alone, then serve.
RESTORED=$IT_TMP/restored/aduan.db
mkdir "$IT_TMP/restored"
cp "$BACKUP" "$RESTORED"
rm -f "$RESTORED-wal" "$RESTORED-shm"
free_port RPORT
"$ADUAN_BIN" serve --demo -c "$ADUAN_CONF" -p "$RPORT" -d "$RESTORED" </dev/null >>"$ADUAN_LOG" 2>&1 &
RPID=$!
track "$RPID" "aduan on the restored database"
wait_port "$RPORT" 15 "$RPID" "aduan serve on the restored database"
http_must "a complaint to the restored service" "http://127.0.0.1:$RPORT/kannel/sms?secret=$ADUAN_SECRET&from=081299999999&to=1708&text=JALAN+rusak+baru&coding=0&charset=UTF-8&id=bk-after"
expect_eq "a complaint to the restored service: status" 200 "$RESP_STATUS"
NEW=$(ticket_in "$RESP_BODY")
[ -n "$NEW" ] || fail "the restored service replied with no ticket: $RESP_BODY"
stop_checked "$RPID" "aduan on the restored database"
untrack "$RPID"

missing=0
while read -r t; do
	n=$(bsql "$RESTORED" "SELECT count(*) FROM complaints WHERE ticket = '$t'")
	[ "$n" = 1 ] || { echo "ticket $t: $n rows in the restored database" >&2; missing=$((missing + 1)); }
done <"$BEFORE"
expect_eq "tickets acknowledged before the backup, not exactly once in the restore" 0 "$missing"
expect_eq "the restored database: integrity_check" ok "$(bsql "$RESTORED" "PRAGMA integrity_check")"
expect_eq "the new complaint on the restored service" 1 \
	"$(bsql "$RESTORED" "SELECT count(*) FROM complaints WHERE ticket = '$NEW'")"
DUPS=$(bsql "$RESTORED" "SELECT count(*) FROM (SELECT ticket FROM complaints GROUP BY ticket HAVING count(*) > 1)")
expect_eq "the restored database: tickets held twice" 0 "$DUPS"
ok "restored: all $NB tickets acknowledged before the backup, once each; a new one taken ($NEW)"

# Errors.
SUM=$(sha256sum "$BACKUP" | cut -c1-64)
cli backup "$BACKUP" -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_eq "DEST exists: exit status" 1 "$CLI_RC"
expect_match "DEST exists: says so" "already exists" "$CLI_ERR"
expect_eq "DEST exists: left as it was" "$SUM" "$(sha256sum "$BACKUP" | cut -c1-64)"
ok "DEST exists: $CLI_ERR"

cli backup "$IT_TMP/no-such-dir/b.db" -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_eq "DEST's directory missing: exit status" 1 "$CLI_RC"
expect_match "DEST's directory missing: says so" "no-such-dir.*No such file or directory" "$CLI_ERR"
[ ! -e "$IT_TMP/no-such-dir" ] || fail "DEST's directory missing: it was created"
ok "DEST's directory missing: $CLI_ERR"

cli backup "$IT_TMP/backups/b2.db" -c "$ADUAN_CONF" -d "$IT_TMP/missing.db"
expect_eq "source missing: exit status" 1 "$CLI_RC"
expect_match "source missing: says so" "missing.db: No such file or directory" "$CLI_ERR"
[ ! -e "$IT_TMP/missing.db" ] || fail "source missing: aduan backup created $IT_TMP/missing.db"
[ ! -e "$IT_TMP/backups/b2.db" ] || fail "source missing: a DEST was written"
[ -z "$(ls "$IT_TMP/backups" | grep -v '^aduan-backup.db$')" ] ||
	fail "source missing: files left in DEST's directory: $(ls "$IT_TMP/backups")"
ok "source missing: $CLI_ERR; nothing created"

check_log_errors "$ADUAN_LOG" "aduan log"
exit 0

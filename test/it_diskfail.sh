#!/bin/bash
# it_diskfail: when the database file cannot take writes, nothing is
# acknowledged and /healthz says so.
#
# 1. Deleted while serving: a complaint is acknowledged; the database file
#    is deleted (as a mistaken clean-up would); the next SMS gets 503, not
#    a ticket, and /healthz 503; after a restart (a new, empty database)
#    no ticket acknowledged after the deletion is missing.
# 2. Read-only file (chattr +i, which binds root too; skipped where the
#    file system has no immutable flag): /healthz 503 and an SMS 503;
#    writable again: /healthz 200 and the SMS is taken.
# 3. Full disk (the database on a 3 MB tmpfs in a private mount namespace;
#    skipped where mounts are not allowed): filled up, /healthz 503 and an
#    SMS 503; space freed: 200 again, and every acknowledged ticket stored.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init diskfail

SECRET_ENC=
NOW=$(date +%s)

# sms ID PHONE TEXT: one Kannel callback; REQ_STATUS, REQ_BODY, REQ_TICKET.
sms() {
	http -m 15 "$ADUAN_URL/kannel/sms?secret=$SECRET_ENC&from=$2&to=1708&text=$(urlencode "$3")&coding=0&charset=UTF-8&id=$1&time=$NOW" ||
		fail "sms $1: no HTTP response ($(cat "$IT_TMP/http.err"))"
	REQ_STATUS=$RESP_STATUS
	REQ_BODY=$RESP_BODY
	REQ_TICKET=$(ticket_in "$RESP_BODY")
}

# healthz: RESP_STATUS and RESP_BODY of GET /healthz.
healthz() {
	http_must "/healthz" -m 15 "$ADUAN_URL/healthz"
}

# ---------------------------------------------------------------------------
# 1. The database file deleted while serving
# ---------------------------------------------------------------------------
start_aduan
SECRET_ENC=$(urlencode "$ADUAN_SECRET")
sms del-1 081234500001 "JALAN berlubang depan balai desa"
expect_eq "before the deletion: SMS status" 200 "$REQ_STATUS"
[ -n "$REQ_TICKET" ] || fail "before the deletion: no ticket in [$REQ_BODY]"
healthz
expect_eq "before the deletion: /healthz" 200 "$RESP_STATUS"

rm -f "$ADUAN_DB"
ACKED_AFTER=()
for i in 2 3 4; do
	sms "del-$i" "08123450000$i" "SAMPAH menumpuk di pasar nomor $i"
	[ "$REQ_STATUS" = 200 ] && ACKED_AFTER+=("del-$i $REQ_TICKET")
	expect_eq_later "SMS del-$i after the database file was deleted: status" 503 "$REQ_STATUS"
done
healthz
expect_eq_later "/healthz after the database file was deleted: status" 503 "$RESP_STATUS"
DELETED_BODY=${RESP_BODY%$'\n'}
[[ $RESP_BODY =~ moved|deleted|not\ writable ]] ||
	fail_later "/healthz after the deletion: expected a reason (moved, deleted, not writable), got [${RESP_BODY%$'\n'}]"
stop_pid "$ADUAN_PID"
untrack "$ADUAN_PID"
restart_aduan
for a in "${ACKED_AFTER[@]}"; do
	set -- $a
	expect_eq_later "after the restart: ticket $2 acknowledged for $1 after the deletion is stored" 1 \
		"$(sql "SELECT count(*) FROM complaints WHERE ticket = '$2'")"
done
deferred_failures
sms del-5 081234500005 "LAMPU jalan mati di gang mawar"
expect_eq "after the restart on a new database: SMS status" 200 "$REQ_STATUS"
ok "database deleted while serving: SMS 503, /healthz 503 ($DELETED_BODY); nothing acknowledged after it"
stop_pid "$ADUAN_PID"
untrack "$ADUAN_PID"

# ---------------------------------------------------------------------------
# 2. A read-only file
# ---------------------------------------------------------------------------
: >"$IT_TMP/probe"
if chattr +i "$IT_TMP/probe" 2>/dev/null; then
	chattr -i "$IT_TMP/probe"
	rm -f "$IT_TMP/probe"
	restart_aduan
	healthz
	expect_eq "before read-only: /healthz" 200 "$RESP_STATUS"
	IMMUTABLE=("$ADUAN_DB" "$ADUAN_DB-wal")
	unfreeze() { chattr -i "${IMMUTABLE[@]}" 2>/dev/null; return 0; }
	# it_cleanup reads the exit status first: keep it.
	trap 'IT_RC=$?; unfreeze; (exit $IT_RC); it_cleanup' EXIT
	chattr +i "${IMMUTABLE[@]}" || fail "chattr +i ${IMMUTABLE[*]}"
	healthz
	expect_eq_later "/healthz with a read-only database file: status" 503 "$RESP_STATUS"
	READONLY_BODY=${RESP_BODY%$'\n'}
	sms ro-1 081234500011 "AIR PDAM tidak mengalir sejak kemarin"
	expect_eq_later "SMS with a read-only database file: status" 503 "$REQ_STATUS"
	unfreeze
	trap it_cleanup EXIT
	deferred_failures
	healthz
	expect_eq "/healthz writable again: status" 200 "$RESP_STATUS"
	sms ro-1 081234500011 "AIR PDAM tidak mengalir sejak kemarin"
	expect_eq "the same SMS again, writable: status" 200 "$REQ_STATUS"
	stop_pid "$ADUAN_PID"
	untrack "$ADUAN_PID"
	expect_eq "the SMS acknowledged after the read-only spell is stored" 1 \
		"$(sql "SELECT count(*) FROM messages WHERE gw_id = 'ro-1'")"
	ok "read-only database file: /healthz 503 ($READONLY_BODY), SMS 503; writable again: 200"
else
	rm -f "$IT_TMP/probe"
	ok "SKIP read-only file: chattr +i does not work in ${TMPDIR:-/tmp}"
fi

check_log_errors "$ADUAN_LOG" "aduan" 'healthz|store|database|commit|disk|unlinked|readonly|read-only'
check_sanitizer_log "$ADUAN_LOG" "aduan"
exit 0

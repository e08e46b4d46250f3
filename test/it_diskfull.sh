#!/bin/bash
# it_diskfull: the database on a full disk.  The database lives on a small
# tmpfs mounted in a private mount namespace (unshare -m: the mount is
# seen by this script and what it starts only, and goes away with them);
# where mounts are not allowed the test says SKIP and passes.
#
# A complaint is taken; the file system is filled up; /healthz says 503
# and an SMS gets 503 (never a ticket that is not on disk); space freed:
# /healthz 200 and the same SMS is taken; after a restart every ticket
# acknowledged is stored.
set -u
cd "$(dirname "$0")/.." || exit 1
if [ -z "${ADUAN_IT_MOUNTNS:-}" ]; then
	if unshare -m --propagation private true 2>/dev/null; then
		ADUAN_IT_MOUNTNS=1 exec unshare -m --propagation private bash "$0" "$@"
	fi
	echo "ok     0s  SKIP: no private mount namespace here (unshare -m not allowed)"
	exit 0
fi
. test/lib.sh

it_init diskfull
FS=$IT_TMP/fs
mkdir -p "$FS"
if ! mount -t tmpfs -o size=4m tmpfs "$FS" 2>/dev/null; then
	ok "SKIP: cannot mount a tmpfs here"
	exit 0
fi
# The mount goes away with the namespace; unmount first so the temp dir can go.
trap 'IT_RC=$?; stop_all; umount "$FS" 2>/dev/null; (exit $IT_RC); it_cleanup' EXIT

ADUAN_SECRET=$(conf_kannel_secret "$ADUAN_CONF")
[ -n "$ADUAN_SECRET" ] || fail "no kannel secret found in $ADUAN_CONF"
SECRET_ENC=$(urlencode "$ADUAN_SECRET")
ADUAN_DB=$FS/aduan.db
ADUAN_LOG=$IT_TMP/aduan.log
: >"$ADUAN_LOG"
add_log "$ADUAN_LOG"
restart_aduan
NOW=$(date +%s)
ACKED=$IT_TMP/acked
: >"$ACKED"

# sms ID PHONE TEXT: one Kannel callback; a 200's ticket goes to $ACKED.
sms() {
	http -m 15 "$ADUAN_URL/kannel/sms?secret=$SECRET_ENC&from=$2&to=1708&text=$(urlencode "$3")&coding=0&charset=UTF-8&id=$1&time=$NOW" ||
		fail "sms $1: no HTTP response ($(cat "$IT_TMP/http.err"))"
	REQ_TICKET=$(ticket_in "$RESP_BODY")
	if [ "$RESP_STATUS" = 200 ] && [ -n "$REQ_TICKET" ]; then
		printf '%s %s\n' "$1" "$REQ_TICKET" >>"$ACKED"
	fi
}

sms full-1 081234500021 "JALAN berlubang depan balai desa"
expect_eq "before the disk is full: SMS status" 200 "$RESP_STATUS"
http_must "/healthz" -m 15 "$ADUAN_URL/healthz"
expect_eq "before the disk is full: /healthz" 200 "$RESP_STATUS"

# Fill every block that is left.
dd if=/dev/zero of="$FS/filler" bs=4k 2>/dev/null
[ "$(df --output=avail -k "$FS" | tail -n 1 | tr -d ' ')" = 0 ] ||
	fail "the file system is not full: $(df -k "$FS" | tail -n 1)"
http_must "/healthz, disk full" -m 15 "$ADUAN_URL/healthz"
expect_eq_later "/healthz on a full disk: status" 503 "$RESP_STATUS"
FULL_BODY=${RESP_BODY%$'\n'}
for i in 2 3 4; do
	sms "full-$i" "08123450002$i" "SAMPAH menumpuk di pasar nomor $i"
	expect_eq_later "SMS full-$i on a full disk: status" 503 "$RESP_STATUS"
done
rm -f "$FS/filler"
deferred_failures
ok "disk full: /healthz 503 ($FULL_BODY), SMS 503"

http_must "/healthz, space again" -m 15 "$ADUAN_URL/healthz"
expect_eq "/healthz with space again: status" 200 "$RESP_STATUS"
sms full-2 081234500022 "SAMPAH menumpuk di pasar nomor 2"
expect_eq "the same SMS with space again: status" 200 "$RESP_STATUS"
stop_pid "$ADUAN_PID"
untrack "$ADUAN_PID"
restart_aduan
stop_pid "$ADUAN_PID"
untrack "$ADUAN_PID"
expect_eq "after the restart: PRAGMA integrity_check" ok "$(sql 'PRAGMA integrity_check')"
while read -r id t; do
	expect_eq "after the restart: ticket $t acknowledged for $id is stored" 1 \
		"$(sql "SELECT count(*) FROM messages m JOIN complaints c ON c.id = m.complaint_id
			WHERE m.gw_id = '$id' AND c.ticket = '$t'")"
done <"$ACKED"
ok "space again: /healthz 200, SMS taken; after a restart all $(wc -l <"$ACKED") acknowledged tickets stored"

check_log_errors "$ADUAN_LOG" "aduan" 'healthz|store|database|commit|disk|full'
check_sanitizer_log "$ADUAN_LOG" "aduan"
exit 0

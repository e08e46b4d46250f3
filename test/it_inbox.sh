#!/bin/bash
# it_inbox: the web inbox in a real browser.
#
#   aduan user add (three accounts) -> aduan serve -> Chromium (Selenium,
#   test/inbox_browser.py) and urllib -> /inbox/...
#   aduan sms -> /kannel/sms (the citizen's side)
#
# The config is conf/aduan.conf with the guard relaxed (test/lib.sh) and
# its outgoing SMS pointed at a port nothing listens on, with a back-off of
# an hour: status SMS stay in the outbox, where the test reads them.  The
# accounts: the triage desk's supervisor (diskominfo), a DPUPR and a DLH
# officer (staff).  TZ=Asia/Jakarta as in production.  What the browser
# test checks is listed in test/inbox_browser.py; here: the accounts, the
# service, no unexpected ERROR in its log, a clean stop (sanitizer builds:
# no report).  Screenshots of the main pages are kept as artifacts in
# <build dir>/screenshots/ (ADUAN_SCREENSHOTS=DIR: there instead, e.g.
# doc/screenshots to refresh README's).
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init inbox
for t in /usr/bin/chromium /usr/bin/chromedriver /usr/bin/python3; do
	[ -x "$t" ] || fail "missing $t (make check installs chromium, chromium-driver, python3-selenium)"
done
/usr/bin/python3 -c 'import selenium' 2>/dev/null ||
	fail "python3-selenium is not installed (make check installs it)"

export TZ=Asia/Jakarta
free_port PORT
free_port NOWHERE
CONF=$IT_TMP/aduan.conf
cp "$ADUAN_CONF" "$CONF"
conf_set "$CONF" sms_sender url "\"http://127.0.0.1:$NOWHERE/cgi-bin/sendsms\""
conf_set "$CONF" delivery backoff_initial 3600
conf_set "$CONF" delivery backoff_max 3600
ADUAN_CONF=$CONF
ADUAN_DB=$IT_TMP/aduan.db

SHOTS=${ADUAN_SCREENSHOTS:-$(dirname "$ADUAN_BIN")/screenshots}
mkdir -p "$SHOTS" || fail "mkdir $SHOTS"

# user_add LOGIN AGENCY ROLE NAME PASSWORD: `aduan user add`, the password on stdin.
user_add() {
	local out
	out=$(printf '%s\n' "$5" | timeout -k 2 20 "$ADUAN_BIN" user add "$1" --agency "$2" \
		--role "$3" --name "$4" -c "$ADUAN_CONF" -d "$ADUAN_DB" 2>&1) ||
		fail "aduan user add $1: $out"
}
user_add sari diskominfo supervisor "Sari Verifikator" "kopi-tubruk-ungaran-7"
user_add budi dpupr staff "Budi Santoso" "jembatan-bawen-2026"
user_add dewi dlh staff "Dewi Lestari" "tps-lerep-bersih-3"
expect_eq "accounts in the store" 3 "$(sql "SELECT count(*) FROM accounts")"
ok "three accounts made with aduan user add"

start_aduan_on "$PORT"
ok "aduan serve on port $PORT"

env ADUAN_URL="$ADUAN_URL" ADUAN_DB="$ADUAN_DB" ADUAN_BIN="$ADUAN_BIN" ADUAN_CONF="$ADUAN_CONF" \
	INBOX_SHOTS="$SHOTS" HOME="$IT_TMP" \
	INBOX_TRIAGE_USER=sari INBOX_TRIAGE_PASSWORD="kopi-tubruk-ungaran-7" \
	INBOX_DPUPR_USER=budi INBOX_DPUPR_PASSWORD="jembatan-bawen-2026" \
	INBOX_DLH_USER=dewi INBOX_DLH_PASSWORD="tps-lerep-bersih-3" \
	timeout -k 5 300 /usr/bin/python3 test/inbox_browser.py ||
	fail "test/inbox_browser.py failed (screenshot: $SHOTS/failure.png)"
for page in login queue ticket dashboard; do
	[ -s "$SHOTS/$page.png" ] || fail "no screenshot of the $page page in $SHOTS"
done
ok "screenshots in $SHOTS"

# Every POST the test refused was logged as a warning, never as an ERROR.
check_log_errors "$ADUAN_LOG" "aduan serve"
stop_checked "$ADUAN_PID" "aduan serve"
check_sanitizer_log "$ADUAN_LOG" "aduan serve"
ok "no ERROR in the log, a clean stop"

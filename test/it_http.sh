#!/bin/bash
# it_http: Aduan's Kannel endpoint over real HTTP, no Kannel.
#
# `aduan serve` on a free port with a fresh database; tool_http sends the
# requests smsbox would send (and some it never should); the sqlite3 CLI
# looks at what was stored.  After every refused request the row counts
# must be unchanged: a bad request touches nothing.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init http
start_aduan

PHONE=081234567890
PHONE_E164=+6281234567890
CTYPE_RE='^text/plain; ?charset="?(UTF|utf)-8"?$'
NOW=$(date +%s)

# kannel_url FROM TEXT ID [extra &k=v...]: the GET URL smsbox would call;
# TEXT is URL-encoded here.
kannel_url() {
	printf '%s/kannel/sms?secret=%s&from=%s&to=1708&text=%s&coding=0&charset=UTF-8&id=%s&time=%s%s' \
		"$ADUAN_URL" "$(urlencode "$ADUAN_SECRET")" "$(urlencode "$1")" "$(urlencode "$2")" \
		"$3" "$NOW" "${4:-}"
}

# expect_refused WHAT STATUS COUNTS_BEFORE: the last response had STATUS, a
# plain-text reason, and nothing was stored.
expect_refused() {
	expect_eq "$1: status" "$2" "$RESP_STATUS"
	expect_match "$1: a reason in the body" '[A-Za-z]' "$RESP_BODY"
	expect_eq "$1: row counts unchanged" "$3" "$(row_counts)"
}

# ---------------------------------------------------------------------------
# A good callback.
# ---------------------------------------------------------------------------
TEXT1="JALAN Jl. Pemuda depan SMP 3 berlubang"
URL1=$(kannel_url "$PHONE" "$TEXT1" it-http-1)
http_must "good GET" "$URL1"
expect_eq "good GET: status" 200 "$RESP_STATUS"
expect_match "good GET: content type" "$CTYPE_RE" "$RESP_CTYPE"
expect_match "good GET: the reply has an 8-digit ticket" '[0-9]{8}' "$RESP_BODY"
BODY1=$RESP_BODY
TICKET1=$(ticket_in "$BODY1")
expect_eq "good GET: ticket $TICKET1 has a correct Damm check digit (interim)" 0 \
	"$(damm_interim "$TICKET1")"
expect_eq "good GET: ticket $TICKET1 stored for" "$PHONE_E164" \
	"$(sql "SELECT phone FROM complaints WHERE ticket = '$TICKET1'")"
expect_eq "good GET: stored message text" "$TEXT1" \
	"$(sql "SELECT $MSG_TEXT FROM messages WHERE gw_id = 'it-http-1'")"
ok "GET callback -> 200 $RESP_CTYPE, ticket $TICKET1"

# The same id again (a Kannel retry): the same answer, nothing new.
BEFORE=$(row_counts)
http_must "repeated id" "$URL1"
expect_eq "repeated id: status" 200 "$RESP_STATUS"
expect_eq "repeated id: the very same body" "$BODY1" "$RESP_BODY"
expect_eq "repeated id: row counts unchanged" "$BEFORE" "$(row_counts)"
expect_eq "repeated id: complaints" 1 "$(sql "SELECT count(*) FROM complaints")"
ok "same id again -> identical body, still one complaint"

# The same parameters as a POST form.
TEXT2="LAMPU lampu jalan mati di Jl. Ahmad Yani"
FORM2=$(kannel_url "$PHONE" "$TEXT2" it-http-2)
FORM2=${FORM2#*\?}
http_must "POST form" -d "$FORM2" "$ADUAN_URL/kannel/sms"
expect_eq "POST form: status" 200 "$RESP_STATUS"
expect_match "POST form: content type" "$CTYPE_RE" "$RESP_CTYPE"
expect_match "POST form: the reply has a ticket" '[0-9]{8}' "$RESP_BODY"
TICKET2=$(ticket_in "$RESP_BODY")
expect_ne "POST form: a new ticket" "$TICKET1" "$TICKET2"
expect_eq "POST form: complaints" 2 "$(sql "SELECT count(*) FROM complaints")"
expect_eq "POST form: stored message text" "$TEXT2" \
	"$(sql "SELECT $MSG_TEXT FROM messages WHERE gw_id = 'it-http-2'")"
ok "POST form callback -> ticket $TICKET2"

# A form whose last field is empty ("...&text="): an empty SMS, which gets the help text.
http_must "POST form ending in an empty text" \
	-d "secret=$ADUAN_SECRET&from=$PHONE&to=1708&id=it-http-empty&text=" "$ADUAN_URL/kannel/sms"
expect_eq "POST form ending in text=: status" 200 "$RESP_STATUS"
expect_match "POST form ending in text=: the help text" 'KATA KUNCI' "$RESP_BODY"
ok "POST form ending in an empty field -> help"

# ---------------------------------------------------------------------------
# Refused requests: nothing stored.
# ---------------------------------------------------------------------------
BEFORE=$(row_counts)
URL=$(kannel_url "$PHONE" "JALAN rusak" it-http-bad-1)
http_must "wrong secret" "${URL/secret=$(urlencode "$ADUAN_SECRET")/secret=salah}"
expect_eq "wrong secret: status" 403 "$RESP_STATUS"
expect_eq "wrong secret: row counts unchanged" "$BEFORE" "$(row_counts)"
http_must "no secret" "${URL/secret=$(urlencode "$ADUAN_SECRET")&/}"
expect_eq "missing secret: status" 403 "$RESP_STATUS"
expect_eq "missing secret: row counts unchanged" "$BEFORE" "$(row_counts)"
ok "bad or missing secret -> 403, nothing stored"

URL=$(kannel_url "$PHONE" "JALAN rusak" it-http-bad-2)
http_must "missing from" "${URL/from=$PHONE&/}"
expect_refused "missing from" 400 "$BEFORE"
ok "missing from -> 400 \"${RESP_BODY%$'\n'}\""

URL=$(kannel_url "$PHONE" "JALAN rusak" it-http-bad-3)
http_must "invalid UTF-8" "${URL/text=JALAN%20rusak/text=JALAN+%FF%FE+rusak}"
expect_refused "text not valid UTF-8 (%FF%FE)" 400 "$BEFORE"
ok "invalid UTF-8 text -> 400 \"${RESP_BODY%$'\n'}\""

URL=$(kannel_url "$PHONE" "JALAN rusak" it-http-bad-4)
http_must "coding 7" "${URL/coding=0/coding=7}"
expect_refused "coding=7" 400 "$BEFORE"
ok "coding=7 -> 400 \"${RESP_BODY%$'\n'}\""

LONG=JALAN
while [ "${#LONG}" -lt 5000 ]; do LONG+=" jalan rusak parah"; done
LONG=${LONG:0:5000}
http_must "5000-byte text" "$(kannel_url "$PHONE" "$LONG" it-http-bad-5)"
expect_refused "5000-byte text" 413 "$BEFORE"
ok "5000-byte text -> 413"

FORM=$(kannel_url "$PHONE" "JALAN rusak" it-http-bad-6)
FORM="${FORM#*\?}&pad="
while [ "${#FORM}" -lt 20480 ]; do FORM+=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done
printf '%s' "$FORM" >"$IT_TMP/big.form"
http_must "20 KB body" -d "@$IT_TMP/big.form" "$ADUAN_URL/kannel/sms"
expect_eq "20 KB POST body: status" 413 "$RESP_STATUS"
expect_eq "20 KB POST body: row counts unchanged" "$BEFORE" "$(row_counts)"
ok "20 KB POST body -> 413"

# ---------------------------------------------------------------------------
# HEAD: never runs a handler that writes.  Raw HTTP/1.1 over bash's
# /dev/tcp, to see every header and no body.
# ---------------------------------------------------------------------------
# raw_http REQUEST: sends REQUEST as is; RAW_RESP gets the whole answer
# (status line, headers, body) with the CRs removed.
raw_http() {
	local fd
	exec {fd}<>"/dev/tcp/127.0.0.1/$ADUAN_PORT" || fail "cannot connect to port $ADUAN_PORT"
	printf '%s' "$1" >&"$fd"
	RAW_RESP=$(timeout 10 cat <&"$fd" | tr -d '\r')
	exec {fd}>&-
}
BEFORE=$(row_counts)
URL=$(kannel_url "$PHONE" "JALAN rusak parah depan pasar" it-http-head)
raw_http "HEAD /kannel/sms?${URL#*\?} HTTP/1.1"$'\r\n'"Host: x"$'\r\n'"Connection: close"$'\r\n\r\n'
expect_match "HEAD on the SMS callback: refused with 405" '^HTTP/1\.1 405 ' "$RAW_RESP"
expect_match_i "HEAD on the SMS callback: Allow names what is allowed" \
	'^allow: GET, POST$' "$RAW_RESP"
expect_eq "HEAD on the SMS callback: row counts unchanged" "$BEFORE" "$(row_counts)"
expect_eq "HEAD on the SMS callback: no message stored for its id" 0 \
	"$(sql "SELECT count(*) FROM messages WHERE gw_id = 'it-http-head'")"
raw_http "HEAD /kannel/sms HTTP/1.1"$'\r\n'"Host: x"$'\r\n'"Content-Type: application/x-www-form-urlencoded"$'\r\n'"Content-Length: ${#URL}"$'\r\n'"Connection: close"$'\r\n\r\n'"${URL#*\?}"
expect_match "HEAD with a form body: refused with 405" '^HTTP/1\.1 405 ' "$RAW_RESP"
expect_eq "HEAD with a form body: row counts unchanged" "$BEFORE" "$(row_counts)"
raw_http "HEAD /healthz HTTP/1.1"$'\r\n'"Host: x"$'\r\n'"Connection: close"$'\r\n\r\n'
expect_match "HEAD /healthz (read-only): answered like GET" '^HTTP/1\.1 200 ' "$RAW_RESP"
expect_eq "HEAD /healthz: no body after the headers" "" "$(printf '%s' "$RAW_RESP" | sed '1,/^$/d')"
ok "HEAD on an intake endpoint -> 405 with Allow, nothing stored; HEAD /healthz -> 200, no body"

# ---------------------------------------------------------------------------
# Control characters in a request cannot forge a log line.
# ---------------------------------------------------------------------------
MARK=$(log_lines "$ADUAN_LOG")
raw_http "GET /kannel/sms%0D%0A2026-01-01T00:00:00Z%20INFO%20forged%1B[31m HTTP/1.1"$'\r\n'"Host: x"$'\r\n'"Connection: close"$'\r\n\r\n'
expect_match "URL with %0D%0A: refused" '^HTTP/1\.1 404 ' "$RAW_RESP"
wait_for 5 "the refusal of the URL with %0D%0A logged" grep -q 'forged' "$ADUAN_LOG"
NEW=$(tail -n +"$((MARK + 1))" "$ADUAN_LOG")
expect_eq "URL with %0D%0A: the log grew by exactly one line" 1 "$(printf '%s\n' "$NEW" | grep -c .)"
expect_match "URL with %0D%0A: one WARN line, the controls escaped" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z WARN http GET /kannel/sms\\r\\n2026-01-01T00:00:00Z INFO forged\\x1b\[31m from 127\.0\.0\.1 refused with 404: not found$' "$NEW"
ok "a URL with CR LF and ESC is logged on one line, escaped"

# ---------------------------------------------------------------------------
# UCS-2 without mo-recode: coding=2, the text is UTF-16BE bytes.
# ---------------------------------------------------------------------------
TEXT3="JALAN lampu mati di Jl. Ahmad Yani – gelap gulita 😟"
ENC3=$(printf '%s' "$TEXT3" | iconv -f UTF-8 -t UTF-16BE | od -An -v -tx1 | tr -d ' \n' |
	sed 's/../%&/g')
URL=$(kannel_url "$PHONE" x it-http-3)
URL=${URL/text=x/"text=$ENC3"}
URL=${URL/coding=0&charset=UTF-8/"coding=2&charset=UTF-16BE"}
http_must "coding=2" "$URL"
expect_eq "coding=2 UTF-16BE: status" 200 "$RESP_STATUS"
expect_match "coding=2 UTF-16BE: the reply has a ticket" '[0-9]{8}' "$RESP_BODY"
expect_eq "coding=2 UTF-16BE: stored as UTF-8 (hex)" "$(hex_of "$TEXT3")" \
	"$(sql "SELECT hex($MSG_TEXT) FROM messages WHERE gw_id = 'it-http-3'")"
ok "coding=2 UTF-16BE text decoded and stored as UTF-8"

# ---------------------------------------------------------------------------
# An alphanumeric sender: stored, never answered, no complaint.
# ---------------------------------------------------------------------------
BEFORE_C=$(sql "SELECT count(*) FROM complaints")
http_must "TELKOMSEL" "$(kannel_url TELKOMSEL "Paket internet Anda hampir habis" it-http-4)"
expect_eq "alphanumeric sender: status" 200 "$RESP_STATUS"
expect_eq "alphanumeric sender: empty body (no reply SMS)" "" "$RESP_BODY"
expect_eq "alphanumeric sender: message stored" 1 \
	"$(sql "SELECT count(*) FROM messages WHERE gw_id = 'it-http-4'")"
expect_eq "alphanumeric sender: no complaint linked" "" \
	"$(sql "SELECT complaint_id FROM messages WHERE gw_id = 'it-http-4'")"
expect_eq "alphanumeric sender: complaints unchanged" "$BEFORE_C" \
	"$(sql "SELECT count(*) FROM complaints")"
ok "TELKOMSEL -> 200, empty body, message stored, no complaint"

# ---------------------------------------------------------------------------
# The database locked by another process for ~4 s: 503, then success.
# ---------------------------------------------------------------------------
check_log_errors "$ADUAN_LOG" "aduan (before the lock test)"
MARK=$(log_lines "$ADUAN_LOG")
BEFORE=$(row_counts)
mkfifo "$IT_TMP/lock.fifo"
sqlite3 "$ADUAN_DB" <"$IT_TMP/lock.fifo" >"$IT_TMP/lock.out" 2>&1 &
LOCK_PID=$!
track "$LOCK_PID" "sqlite3 lock holder"
exec {LOCK_FD}>"$IT_TMP/lock.fifo"
# (.timeout: aduan's writer may be finishing a batch; wait for it, then hold.)
printf '.timeout 10000\nBEGIN EXCLUSIVE;\n' >&"$LOCK_FD"
LOCK_START=$SECONDS
# the lock is held once another writer gets "database is locked"
for ((i = 0; ; i++)); do
	if ! sqlite3 -cmd '.timeout 50' "$ADUAN_DB" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1; then
		break
	fi
	[ "$i" -ge 100 ] && fail "sqlite3 never took the lock: $(cat "$IT_TMP/lock.out")"
	nap 0.05
done
URL5=$(kannel_url "$PHONE" "SAMPAH menumpuk di Jl. Veteran" it-http-5)
T0=${EPOCHREALTIME/./}
http_must "locked database" -m 20 "$URL5"
expect_eq "database locked: status" 503 "$RESP_STATUS"
WAITED=$(((${EPOCHREALTIME/./} - T0) / 1000))
# One busy timeout: the clock's housekeeping gives way (250 ms) rather than
# make the message queued behind it wait a second timeout (3.9 s once).
expect_le "database locked: ms until the 503 (busy timeout 2000 ms)" 3000 "$WAITED"
# hold the lock ~4 s in all, then let it go
while [ $((SECONDS - LOCK_START)) -lt 4 ]; do nap 0.1; done
printf 'COMMIT;\n.quit\n' >&"$LOCK_FD"
exec {LOCK_FD}>&-
for ((i = 0; i < 40; i++)); do pid_alive "$LOCK_PID" || break; nap 0.05; done
stop_pid "$LOCK_PID"
expect_eq "database locked: row counts unchanged" "$BEFORE" "$(row_counts)"
http_must "after the lock" "$URL5"
expect_eq "after the lock: status" 200 "$RESP_STATUS"
expect_match "after the lock: the reply has a ticket" '[0-9]{8}' "$RESP_BODY"
expect_eq "after the lock: exactly one new complaint" \
	"$(( $(printf '%s' "$BEFORE" | sed 's/^complaints=\([0-9]*\).*/\1/') + 1 ))" \
	"$(sql "SELECT count(*) FROM complaints")"
expect_eq "after the lock: one message row for the id" 1 \
	"$(sql "SELECT count(*) FROM messages WHERE gw_id = 'it-http-5'")"
check_log_errors_from "$ADUAN_LOG" "$((MARK + 1))" "aduan (during the lock test)" \
	'[Ll]ock|[Bb]usy|SQLITE_BUSY|503'
MARK=$(log_lines "$ADUAN_LOG")
ok "database locked -> 503 after ~${WAITED}s; after the lock -> 200 and exactly one complaint"

# ---------------------------------------------------------------------------
# aduan sms: the command-line phone.
# ---------------------------------------------------------------------------
OUT=$("$ADUAN_BIN" sms -c "$ADUAN_CONF" --url "$ADUAN_URL" "$PHONE" "SAMPAH numpuk" 2>"$IT_TMP/sms.err") ||
	fail "aduan sms exited $?: $(cat "$IT_TMP/sms.err")"
expect_match "aduan sms prints the reply with a ticket" '[0-9]{8}' "$OUT"
expect_eq "aduan sms: the ticket it printed is stored for" "$PHONE_E164" \
	"$(sql "SELECT phone FROM complaints WHERE ticket = '$(ticket_in "$OUT")'")"
ok "aduan sms -> $OUT"

check_log_errors_from "$ADUAN_LOG" "$((MARK + 1))" "aduan"
ok "no unexpected ERROR in the aduan log"
exit 0

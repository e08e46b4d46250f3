#!/bin/bash
# it_email: email to agencies, as an agency receives it, through a real SMTP
# server (Debian's python3-aiosmtpd, AUTH required, every message kept whole).
#
#   aduan sms -> aduan serve -> outbox -> SMTP (libcurl) -> aiosmtpd -> N.eml
#
# The config is conf/aduan.conf with its commented email group and dpupr's
# commented email and head_email made active (so the shipped example is
# what is tested), pointed at the test's server with starttls "off" (it
# offers none) and the example's user name and demo password; dlh gets an
# address, a head's address and email_mode "digest" (digest_hour 7); the
# server has a public_url; delivery backs off 1..2 s, 3 attempts.
#
# The digest hour without waiting for it: aduan runs in a time zone made
# for the test (a POSIX TZ with a whole offset in seconds) where the local
# clock reads 06:59:35 when the service starts, so 07:00 comes 25 s later
# on the real clock.  Nothing sleeps: every wait polls for what it waits
# for, with a bound.
#
# Scenarios:
#   (a) a complaint for dpupr (immediate) -> one email: the envelope (MAIL
#       FROM, RCPT TO, AUTH done), the raw message (7-bit, CRLF, no line
#       over 78, Subject in RFC 2047, Content-Type, QP), the headers decoded
#       (the UTF-8 Subject, From, To, Date, Message-ID), the body (ticket,
#       link to /inbox/t/<number>, the masked reporter) and no full phone
#       number anywhere, raw or decoded, though the citizen typed it
#   (b) a complaint for dlh (digest) -> nothing sent; one email row waiting
#       for 07:00, listed by `aduan outbox`
#   (c) dpupr's ticket past its due date -> the overdue reminder reaches
#       both dpupr's address and its head's; dlh's ticket overdue too -> it
#       joins dlh's digest and starts the head's digest
#   (d) 07:00 -> dlh's digest (both tickets) and the head's (the overdue
#       one), not before; dated 07:00
#   (e) SMTP server down, a complaint, aduan killed (SIGKILL) after the
#       reply, server up, aduan started again -> the email arrives
#   (f) server down: the row is retried, dead after 3 attempts, listed by
#       `aduan outbox --dead`; server up, `aduan outbox retry` -> sent
#   (g) /metrics counts email attempts by outcome
#   (h) starttls "required" (reloaded) against a server without STARTTLS
#       -> dead at the first attempt, saying why; nothing sent in clear
# and at the end: no unexpected ERROR in the log, clean stops.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init email

PHONE_A=081234567890            # (a): dpupr, typed again in the complaint text
PHONE_D=081298765432            # (b): dlh
PHONE_E=087800000001            # (e), (f), (h)
SMTP_USER=aduan
DIGEST_HOUR=7
LEAD=25                         # seconds from start to the digest hour
MAILDIR=$IT_TMP/mail
FROM=aduan@semarangkab.go.id
DPUPR=pengaduan@dpupr.semarangkab.go.id
DPUPR_HEAD=kadis@dpupr.semarangkab.go.id
DLH=pengaduan@dlh.semarangkab.go.id
DLH_HEAD=kadis@dlh.semarangkab.go.id
PUBLIC=https://aduan.semarangkab.go.id

# ---------------------------------------------------------------------------
# The config
# ---------------------------------------------------------------------------
free_port SMTP_PORT
CONF=$IT_TMP/aduan.conf
cp "$ADUAN_CONF" "$CONF"
conf_uncomment_group "$CONF" email
conf_set "$CONF" email smtp_url "\"smtp://127.0.0.1:$SMTP_PORT\""
conf_set "$CONF" email starttls '"off"'
conf_set "$CONF" email timeout 5
conf_agency_uncomment "$CONF" dpupr email
conf_agency_uncomment "$CONF" dpupr head_email
conf_agency_add "$CONF" dlh "email = \"$DLH\"; head_email = \"$DLH_HEAD\"; email_mode = \"digest\"; digest_hour = $DIGEST_HOUR;"
sed -i "/^server = {/a\\  public_url = \"$PUBLIC/\";" "$CONF"
conf_set "$CONF" delivery backoff_initial 1
conf_set "$CONF" delivery backoff_max 2
conf_set "$CONF" delivery max_attempts 3
conf_set "$CONF" delivery timeout 2
expect_eq "the example's email.from" "$FROM" "$(conf_get "$CONF" email from)"
expect_eq "dpupr's example address" "$DPUPR" "$(conf_agency_value "$CONF" dpupr email)"
expect_eq "dpupr's example head address" "$DPUPR_HEAD" "$(conf_agency_value "$CONF" dpupr head_email)"
SMTP_PASSWORD=$(conf_get "$CONF" email password)
expect_eq "the example's email.username" "$SMTP_USER" "$(conf_get "$CONF" email username)"
cli check -c "$CONF"
expect_eq "check without --demo: refused" 1 "$CLI_RC"
expect_match "check without --demo: the example's SMTP password is a demo one" \
	"email\.password: '$SMTP_PASSWORD' is a demo password" "$CLI_ERR"
cli check --demo -c "$CONF"
expect_eq "check --demo: the test config: $CLI_ERR" 0 "$CLI_RC"
ok "config: the example's email group and dpupr's addresses made active, dlh on a digest; $CLI_OUT"

# ---------------------------------------------------------------------------
# The clock: local time DIGEST_HOUR:00:00 comes LEAD seconds from now.
# ---------------------------------------------------------------------------
NOW0=$(date +%s)
DIGEST_AT=$((NOW0 + LEAD))
OFF=$(( ((DIGEST_HOUR * 3600 - LEAD - NOW0 % 86400) % 86400 + 86400) % 86400 ))
[ "$OFF" -gt 43200 ] && OFF=$((OFF - 86400))
# POSIX counts west positive: local = UTC + OFF is "ADU-<OFF>".
if [ "$OFF" -ge 0 ]; then SIGN=-; ABS=$OFF; else SIGN=+; ABS=$((-OFF)); fi
printf -v TZ 'ADU%s%02d:%02d:%02d' "$SIGN" $((ABS / 3600)) $((ABS % 3600 / 60)) $((ABS % 60))
export TZ
expect_eq "TZ=$TZ: the digest hour is $LEAD s away" \
	"$(printf '%02d:00:00' "$DIGEST_HOUR")" "$(date -d "@$DIGEST_AT" +%H:%M:%S)"

# ---------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------
smtp_start "$SMTP_PORT" "$MAILDIR" "$SMTP_USER" "$SMTP_PASSWORD"
: >"$IT_TMP/aduan.log"
ADUAN_DB=$IT_TMP/aduan.db
ADUAN_LOG=$IT_TMP/aduan.log
add_log "$ADUAN_LOG"
# serve: aduan on new free ports (service and admin), the log appended.
serve() {
	free_port ADUAN_PORT
	free_port APORT
	ADUAN_URL=http://127.0.0.1:$ADUAN_PORT
	ADMIN_URL=http://127.0.0.1:$APORT
	"$ADUAN_BIN" serve --demo -c "$CONF" -p "$ADUAN_PORT" --admin-port "$APORT" \
		-d "$ADUAN_DB" </dev/null >>"$ADUAN_LOG" 2>&1 &
	ADUAN_PID=$!
	track "$ADUAN_PID" aduan
	wait_port "$ADUAN_PORT" 15 "$ADUAN_PID" "aduan serve"
	wait_port "$APORT" 15 "$ADUAN_PID" "admin listener"
}
serve
ok "aiosmtpd (AUTH required) on $SMTP_PORT, aduan serve in TZ=$TZ: it is $(date +%H:%M:%S) there"

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
SMS_REPLY=
# complaint FROM TEXT VAR: `aduan sms` to the service; VAR = the ticket.
complaint() {
	local t
	SMS_REPLY=$("$ADUAN_BIN" sms -c "$CONF" --url "$ADUAN_URL" "$1" "$2" 2>"$IT_TMP/sms.err") ||
		fail "aduan sms $1 '$2' exited $?: $(cat "$IT_TMP/sms.err")"
	t=$(ticket_in "$SMS_REPLY")
	[ -n "$t" ] || fail "complaint '$2' from $1: no ticket in the reply: $SMS_REPLY"
	printf -v "$3" '%s' "$t"
}

# mail_to ADDR ERE: the newest message with RCPT TO ADDR whose raw bytes match ERE.
mail_to() {
	local f found=
	for f in "$MAILDIR"/*.eml; do
		[ -e "$f" ] || continue
		grep -qx "to $1" "${f%.eml}.env" && grep -Eq -- "$2" "$f" && found=$f
	done
	printf '%s' "$found"
}
has_mail_to() {
	[ -n "$(mail_to "$1" "$2")" ]
}
# wait_mail TIMEOUT_S ADDR ERE WHAT: until such a message came; MAIL = its file.
wait_mail() {
	wait_for "$1" "$4" has_mail_to "$2" "$3"
	MAIL=$(mail_to "$2" "$3")
}
# count_mail_to ADDR ERE
count_mail_to() {
	local f n=0
	for f in "$MAILDIR"/*.eml; do
		[ -e "$f" ] || continue
		grep -qx "to $1" "${f%.eml}.env" && grep -Eq -- "$2" "$f" && n=$((n + 1))
	done
	echo "$n"
}
# header NAME: a header of $DECODED (decoded by mail_decode).
header() {
	printf '%s\n' "$DECODED" | sed -n '/^$/q; s/^'"$1"': //p' | head -n 1
}
# check_raw WHAT FILE: 7-bit, CRLF line ends, no line over 78 characters.
check_raw() {
	local lines crlf long
	lines=$(wc -l <"$2")
	crlf=$(grep -c $'\r$' "$2")
	expect_eq "$1: every line ends in CRLF" "$lines" "$crlf"
	long=$(tr -d '\r' <"$2" | awk 'length > 78 { n++ } END { print n + 0 }')
	expect_eq "$1: lines over 78 characters" 0 "$long"
	if LC_ALL=C grep -q '[^[:print:][:space:]]' "$2"; then
		fail "$1: a byte outside 7-bit printable text in $(basename "$2")"
	fi
}
# no_phone WHAT FILE: neither the raw message nor its decoded text holds the number.
no_phone() {
	local digits=${PHONE_A#0}
	grep -q -- "$digits" "$2" && fail "$1: the full phone number in the raw message"
	printf '%s' "$(mail_decode "$2")" | grep -q -- "$digits" &&
		fail "$1: the full phone number in the decoded message"
	return 0
}
email_row() {
	sql "SELECT id FROM outbox WHERE kind = 'email' AND idem_key LIKE 'email:created:dpupr:$1:%'"
}
row_state_is() {
	[ "$(sql "SELECT state FROM outbox WHERE id = $1")" = "$2" ]
}

# ---------------------------------------------------------------------------
# (a) a new ticket for an agency that takes email at once
# ---------------------------------------------------------------------------
complaint "$PHONE_A" "JALAN#Jl. Diponegoro depan Kafé Ñoño#lubang besar, kalau perlu hubungi saya $PHONE_A" TA
wait_mail 15 "$DPUPR" "X-Aduan-Ticket: $TA" "(a) the email for ticket $TA"
A_MAIL=$MAIL
ENV=$(cat "${A_MAIL%.eml}.env")
expect_eq "(a) envelope" "from $FROM
to $DPUPR
auth yes" "$ENV"
check_raw "(a) raw message" "$A_MAIL"
RAW=$(tr -d '\r' <"$A_MAIL")
expect_match "(a) raw Subject: plain while ASCII" "^Subject: \\[Aduan\\] Tiket baru $TA: Jalan & jembatan" "$RAW"
expect_match "(a) raw Subject: RFC 2047 from the first word that is not" \
	'^ =\?UTF-8\?Q\?Kaf=C3=A9_=C3=91o=C3=B1o\?=$' "$RAW"
expect_match "(a) raw Content-Type" '^Content-Type: text/plain; charset=UTF-8$' "$RAW"
expect_match "(a) raw Content-Transfer-Encoding" '^Content-Transfer-Encoding: quoted-printable$' "$RAW"
expect_match "(a) raw MIME-Version" '^MIME-Version: 1\.0$' "$RAW"
DECODED=$(mail_decode "$A_MAIL")
expect_eq "(a) Subject, decoded" "[Aduan] Tiket baru $TA: Jalan & jembatan - Jl. Diponegoro depan Kafé Ñoño" \
	"$(header Subject)"
expect_eq "(a) From" "Aduan <$FROM>" "$(header From)"
expect_eq "(a) To" "$DPUPR" "$(header To)"
expect_match "(a) Date (RFC 5322, local time)" \
	'^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$' \
	"$(header Date)"
expect_match "(a) Message-ID" '^<[0-9a-f]{32}@semarangkab\.go\.id>$' "$(header Message-ID)"
expect_eq "(a) Auto-Submitted" auto-generated "$(header Auto-Submitted)"
BODY=$(printf '%s\n' "$DECODED" | sed '1,/^$/d')
expect_match "(a) body: the ticket" "^Nomor tiket / Ticket: +$TA\$" "$BODY"
expect_match "(a) body: the category" '^Kategori / Category: +Jalan & jembatan \(JALAN\)$' "$BODY"
expect_match "(a) body: the link into the inbox" "^$PUBLIC/inbox/t/$TA\$" "$BODY"
expect_match "(a) body: the reporter, masked" '^Pelapor / Reporter: +\+62812\*\*\*\*890 \(sms\)$' "$BODY"
expect_match "(a) body: the citizen's text, number masked" 'lubang besar, kalau perlu hubungi saya \*\*\*' "$BODY"
no_phone "(a)" "$A_MAIL"
expect_eq "(a) one email for $TA" 1 "$(count_mail_to "$DPUPR" "X-Aduan-Ticket: $TA")"
OUT=$("$ADUAN_BIN" outbox -c "$CONF" -d "$ADUAN_DB" 2>&1) || fail "aduan outbox: $OUT"
expect_match "(a) aduan outbox: the row, sent, with its subject" \
	"^[0-9]+ +email +sent +dpupr +1 .* Subject: \\[Aduan\\] Tiket baru $TA: Jalan" "$OUT"
ok "(a) ticket $TA: one email to $DPUPR, AUTH, 7-bit, <= 78 columns, UTF-8 Subject, link, number masked"

# ---------------------------------------------------------------------------
# (b) a new ticket for an agency on a digest: nothing at once
# ---------------------------------------------------------------------------
complaint "$PHONE_D" "SAMPAH#depan pasar#sampah menumpuk tiga hari" TD
ROW=$(sql "SELECT id || ' ' || state || ' ' || next_attempt_at || ' ' || recipient FROM outbox
	WHERE kind = 'email' AND idem_key LIKE 'email:digest:dlh:%'")
DIGEST_ID=${ROW%% *}
[ -n "$ROW" ] || fail "(b) no digest row for dlh"
[ "$(date +%s)" -lt "$DIGEST_AT" ] ||
	fail "(b) the digest hour passed before the test got here (a very slow machine?)"
expect_eq "(b) dlh's digest row: pending, due at 07:00 local" "$DIGEST_ID pending $DIGEST_AT dlh" "$ROW"
OUT=$("$ADUAN_BIN" outbox -c "$CONF" -d "$ADUAN_DB" 2>&1) || fail "aduan outbox: $OUT"
expect_match "(b) aduan outbox shows it with its subject" \
	"^$DIGEST_ID +email +pending +dlh +0 +[0-9-]+ 07:00:00 Subject: \[Aduan\] Ringkasan harian DLH" "$OUT"
expect_eq "(b) nothing sent to dlh yet" 0 "$(grep -lx "to $DLH" "$MAILDIR"/*.env 2>/dev/null | wc -l)"
ok "(b) ticket $TD for dlh: no email now, one digest row due $(date -d "@$DIGEST_AT" '+%H:%M:%S') local"

# ---------------------------------------------------------------------------
# (c) overdue: to the agency and its head; on a digest, into the digests
# ---------------------------------------------------------------------------
PAST=$(($(date +%s) - 60))
sql "UPDATE complaints SET followup_due = $PAST WHERE ticket IN ('$TA', '$TD')"
wait_mail 15 "$DPUPR_HEAD" "X-Aduan-Ticket: $TA" "(c) the overdue reminder for $TA at the head's address"
C_MAIL=$MAIL
expect_eq "(c) envelope: the agency and its head" "from $FROM
to $DPUPR
to $DPUPR_HEAD
auth yes" "$(cat "${C_MAIL%.eml}.env")"
check_raw "(c) raw message" "$C_MAIL"
DECODED=$(mail_decode "$C_MAIL")
expect_eq "(c) Subject" "[Aduan] Terlambat: tiket $TA (Jalan & jembatan)" "$(header Subject)"
expect_eq "(c) To" "$DPUPR, $DPUPR_HEAD" "$(header To)"
expect_match "(c) body" 'melewati batas waktu' "$DECODED"
expect_ne "(c) a Message-ID of its own" "$(DECODED=$(mail_decode "$A_MAIL"); header Message-ID)" \
	"$(header Message-ID)"
no_phone "(c)" "$C_MAIL"
digest_has_overdue() {
	[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'email' AND state = 'pending'
		AND idem_key LIKE 'email:digest%:dlh:$DIGEST_AT' AND body LIKE '%TERLAMBAT / OVERDUE: $TD%'")" = 2 ]
}
wait_for 15 "(c) ticket $TD in dlh's digest and its head's" digest_has_overdue
[ "$(date +%s)" -lt "$DIGEST_AT" ] ||
	fail "(c) the digest hour passed before the overdue ticket joined the digest (a very slow machine?)"
expect_eq "(c) still nothing sent to dlh" 0 "$(grep -lxE "to ($DLH|$DLH_HEAD)" "$MAILDIR"/*.env | wc -l)"
ok "(c) overdue $TA: one reminder to $DPUPR and $DPUPR_HEAD; overdue $TD waits in dlh's two digests"

# ---------------------------------------------------------------------------
# (d) the digest hour
# ---------------------------------------------------------------------------
wait_mail $((LEAD + 15)) "$DLH" "Ringkasan harian DLH" "(d) dlh's digest"
D_MAIL=$MAIL
wait_mail 10 "$DLH_HEAD" "Ringkasan harian pimpinan DLH" "(d) the head's digest"
H_MAIL=$MAIL
ARRIVED=$(basename "$D_MAIL" .eml)
ARRIVED=$((10#$ARRIVED / 1000000000))
[ "$ARRIVED" -ge "$DIGEST_AT" ] || fail "(d) the digest came at $ARRIVED, before its hour ($DIGEST_AT)"
check_raw "(d) raw digest" "$D_MAIL"
check_raw "(d) raw head digest" "$H_MAIL"
DECODED=$(mail_decode "$D_MAIL")
expect_eq "(d) Subject" "[Aduan] Ringkasan harian DLH $(date -d "@$DIGEST_AT" +%d/%m/%Y)" "$(header Subject)"
expect_match "(d) Date: the digest hour" ' 07:00:00 [+-][0-9]{4}$' "$(header Date)"
expect_match "(d) the new ticket" "== BARU / NEW: $TD ==" "$DECODED"
expect_match "(d) the same ticket overdue" "== TERLAMBAT / OVERDUE: $TD ==" "$DECODED"
expect_match "(d) its link" "^$PUBLIC/inbox/t/$TD\$" "$DECODED"
expect_eq "(d) envelope" "from $FROM
to $DLH
auth yes" "$(cat "${D_MAIL%.eml}.env")"
DECODED=$(mail_decode "$H_MAIL")
expect_match "(d) head's digest: the overdue ticket" "== TERLAMBAT / OVERDUE: $TD ==" "$DECODED"
expect_no_match "(d) head's digest: no new-ticket list" "BARU / NEW" "$DECODED"
expect_eq "(d) one digest each" "1 1" "$(count_mail_to "$DLH" Ringkasan) $(count_mail_to "$DLH_HEAD" Ringkasan)"
expect_eq "(d) the digest row: sent" sent "$(sql "SELECT state FROM outbox WHERE id = $DIGEST_ID")"
ok "(d) at 07:00: dlh's digest (new and overdue $TD) and its head's (overdue only)"

# ---------------------------------------------------------------------------
# (e) the server down, aduan killed after the reply: nothing lost
# ---------------------------------------------------------------------------
smtp_stop
complaint "$PHONE_E" "JALAN#Jl. Pemuda 12#trotoar amblas" TE
kill9_pid "$ADUAN_PID"
smtp_start "$SMTP_PORT" "$MAILDIR" "$SMTP_USER" "$SMTP_PASSWORD"
serve
wait_mail 20 "$DPUPR" "X-Aduan-Ticket: $TE" "(e) the email of $TE after SIGKILL and restart"
expect_eq "(e) sent once" 1 "$(count_mail_to "$DPUPR" "X-Aduan-Ticket: $TE")"
ok "(e) server down, aduan SIGKILLed after ticket $TE's reply, both back: its email arrives once"

# ---------------------------------------------------------------------------
# (f) the server down: retried, dead, `aduan outbox retry`
# ---------------------------------------------------------------------------
smtp_stop
complaint "$PHONE_E" "JALAN#Jl. Pemuda 14#gorong-gorong tersumbat" TF
F_ID=$(email_row "$TF")
[ -n "$F_ID" ] || fail "(f) no email row for $TF"
wait_for 20 "(f) row $F_ID dead" row_state_is "$F_ID" dead
expect_eq "(f) attempts" 3 "$(sql "SELECT attempts FROM outbox WHERE id = $F_ID")"
expect_match "(f) last error" "gave up after 3 attempts: .*(connect|Connection refused)" \
	"$(sql "SELECT last_error FROM outbox WHERE id = $F_ID")"
DEAD=$("$ADUAN_BIN" outbox --dead -c "$CONF" -d "$ADUAN_DB" 2>&1) || fail "aduan outbox --dead: $DEAD"
expect_match "(f) aduan outbox --dead lists it" "^$F_ID +email +dead +dpupr +3 " "$DEAD"
smtp_start "$SMTP_PORT" "$MAILDIR" "$SMTP_USER" "$SMTP_PASSWORD"
OUT=$("$ADUAN_BIN" outbox retry "$F_ID" -c "$CONF" -d "$ADUAN_DB" 2>&1) ||
	fail "aduan outbox retry $F_ID: $OUT"
wait_mail 15 "$DPUPR" "X-Aduan-Ticket: $TF" "(f) the email of $TF after aduan outbox retry"
wait_for 5 "(f) row $F_ID sent" row_state_is "$F_ID" sent
ok "(f) server down: row $F_ID retried, dead after 3 attempts, listed; outbox retry -> sent"

# ---------------------------------------------------------------------------
# (g) /metrics
# ---------------------------------------------------------------------------
http_must "(g) /metrics" "$ADMIN_URL/metrics"
expect_match "(g) email attempts sent" '^aduan_delivery_attempts_total\{kind="email",outcome="sent"\} [1-9]' "$RESP_BODY"
expect_match "(g) email attempts retried" '^aduan_delivery_attempts_total\{kind="email",outcome="retry"\} 2$' "$RESP_BODY"
expect_match "(g) email attempts dead" '^aduan_delivery_attempts_total\{kind="email",outcome="dead"\} 1$' "$RESP_BODY"
ok "(g) /metrics counts email attempts: sent, retry 2, dead 1 (since the restart)"

# ---------------------------------------------------------------------------
# (h) STARTTLS required, the server offers none
# ---------------------------------------------------------------------------
conf_set "$CONF" email starttls '"required"'
http_must "(h) reload" -X POST "$ADMIN_URL/admin/reload"
expect_eq "(h) reload: status ($RESP_BODY)" 200 "$RESP_STATUS"
N_BEFORE=$(smtp_count "$MAILDIR")
complaint "$PHONE_E" "JALAN#Jl. Pemuda 16#jembatan retak" TH
H_ID=$(email_row "$TH")
wait_for 10 "(h) row $H_ID dead" row_state_is "$H_ID" dead
expect_eq "(h) one attempt" 1 "$(sql "SELECT attempts FROM outbox WHERE id = $H_ID")"
expect_match "(h) last error" 'offers no STARTTLS .*email\.starttls is "required"' \
	"$(sql "SELECT last_error FROM outbox WHERE id = $H_ID")"
expect_eq "(h) nothing reached the server" "$N_BEFORE" "$(smtp_count "$MAILDIR")"
ok "(h) starttls required, none offered: row $H_ID dead at once ($(sql "SELECT last_error FROM outbox WHERE id = $H_ID"))"

# ---------------------------------------------------------------------------
# The end
# ---------------------------------------------------------------------------
check_log_errors "$ADUAN_LOG" "aduan log"
stop_checked "$ADUAN_PID" aduan
check_sanitizer_log "$ADUAN_LOG" "aduan"
smtp_stop
ok "no ERROR in the log, aduan and aiosmtpd stopped cleanly"

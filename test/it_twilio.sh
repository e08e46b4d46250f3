#!/bin/bash
# it_twilio: Aduan's Twilio endpoints over real HTTP, no Twilio.
#
# `aduan serve` on a free port with the example config plus a twilio
# gateway; tool_http sends what Twilio sends (every parameter of a real
# incoming-SMS webhook, form-encoded with '+' for spaces), signed the way
# Twilio signs: Base64(HMAC-SHA1(auth token, URL + the parameters sorted by
# name, name + value)), computed here with the openssl CLI.  The sqlite3
# CLI looks at what was stored; every refusal leaves the row counts alone.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init twilio
command -v openssl >/dev/null || fail "the openssl CLI is not installed"

TOKEN=it-twilio-auth-token-0123456789
ACCOUNT=ACit0123456789abcdef0123456789abcd
PHONE=+6281234567890
SHORT=+14155550100
PORT=
free_port PORT
SMS_URL=http://127.0.0.1:$PORT/twilio/sms
STATUS_URL=http://127.0.0.1:$PORT/twilio/status

# The example config, a twilio gateway inside `gateways`, and the port in
# server.port so the default public_url is this service's address.
CONF=$IT_TMP/aduan.conf
cp "$ADUAN_CONF" "$CONF" || fail "cp $ADUAN_CONF"
sed -i "s|^gateways = {\$|&\n  twilio = { auth_token = \"$TOKEN\"; url = \"$SMS_URL\"; };|" "$CONF"
expect_eq "the twilio group is in the test config" 1 "$(grep -c "twilio = { auth_token" "$CONF")"
conf_set "$CONF" server port "$PORT"
"$ADUAN_BIN" check --demo -c "$CONF" >"$IT_TMP/check.out" 2>&1 ||
	fail "aduan check: $(cat "$IT_TMP/check.out")"
ADUAN_CONF=$CONF
start_aduan_on "$PORT"

# twilio_sign URL NAME=VALUE...: the X-Twilio-Signature of a POST to URL.
twilio_sign() {
	local url=$1 s pair
	shift
	s=$url
	while IFS= read -r -d '' pair; do
		s+=${pair%%=*}${pair#*=}
	done < <(printf '%s\0' "$@" | LC_ALL=C sort -z -t = -k 1,1)
	printf '%s' "$s" | openssl dgst -sha1 -hmac "$TOKEN" -binary | base64
}

# twilio_form NAME=VALUE...: the form body, values encoded, '+' for spaces.
twilio_form() {
	local out='' pair v
	for pair in "$@"; do
		v=$(urlencode "${pair#*=}")
		out+=${out:+&}${pair%%=*}=${v//%20/+}
	done
	printf '%s' "$out"
}

# twilio_post PATH URL_SIGNED NAME=VALUE...: a signed POST to PATH.
twilio_post() {
	local path=$1 signed=$2 sig
	shift 2
	sig=$(twilio_sign "$signed" "$@")
	http_must "POST $path" -H "X-Twilio-Signature: $sig" -d "$(twilio_form "$@")" \
		"$ADUAN_URL$path"
}

# sms_params SID BODY: every parameter of a Twilio incoming-SMS webhook, in
# Twilio's order.
SMS_PARAMS=()
sms_params() {
	SMS_PARAMS=(ToCountry=US ToState=CA "SmsMessageSid=$1" NumMedia=0 ToCity=
		FromZip= "SmsSid=$1" FromState= SmsStatus=received FromCity= "Body=$2"
		FromCountry=ID "To=$SHORT" ToZip= NumSegments=1 "MessageSid=$1"
		"AccountSid=$ACCOUNT" "From=$PHONE" ApiVersion=2010-04-01)
}

# expect_refused WHAT STATUS COUNTS_BEFORE
expect_refused() {
	expect_eq "$1: status" "$2" "$RESP_STATUS"
	expect_match "$1: a reason in the body" '[A-Za-z]' "$RESP_BODY"
	expect_eq "$1: row counts unchanged" "$3" "$(row_counts)"
}

TWIML_HEAD='<?xml version="1.0" encoding="UTF-8"?>'

# ---------------------------------------------------------------------------
# A complaint by SMS, answered with TwiML.
# ---------------------------------------------------------------------------
SID1=SM0123456789abcdef0123456789abcdef
TEXT1="JALAN Jl. Pemuda depan SMP 3 berlubang & \"dalam\" <50cm> ü"
sms_params "$SID1" "$TEXT1"
twilio_post /twilio/sms "$SMS_URL" "${SMS_PARAMS[@]}"
expect_eq "signed SMS: status" 200 "$RESP_STATUS"
expect_eq "signed SMS: content type" text/xml "$RESP_CTYPE"
expect_match "signed SMS: TwiML with the ticket" \
	"^<\?xml version=\"1.0\" encoding=\"UTF-8\"\?><Response><Message>[^<>]*[0-9]{8}[^<>]*</Message></Response>\$" \
	"$RESP_BODY"
BODY1=$RESP_BODY
TICKET1=$(ticket_in "$BODY1")
expect_eq "signed SMS: ticket $TICKET1 has a correct Damm check digit" 0 "$(damm_interim "$TICKET1")"
expect_eq "signed SMS: ticket stored for" "$PHONE" \
	"$(sql "SELECT phone FROM complaints WHERE ticket = '$TICKET1'")"
expect_eq "signed SMS: message stored byte for byte, under the MessageSid" "$TEXT1" \
	"$(sql "SELECT $MSG_TEXT FROM messages WHERE gateway = 'twilio' AND gw_id = '$SID1'")"
expect_eq "signed SMS: the short code" "$SHORT" \
	"$(sql "SELECT receiver FROM messages WHERE gw_id = '$SID1'")"
expect_eq "signed SMS: complaints" 1 "$(sql "SELECT count(*) FROM complaints")"
ok "signed Twilio webhook -> 200 text/xml TwiML, ticket $TICKET1"

# Twilio sends the webhook again (its answer was lost): the same TwiML.
BEFORE=$(row_counts)
twilio_post /twilio/sms "$SMS_URL" "${SMS_PARAMS[@]}"
expect_eq "repeated MessageSid: status" 200 "$RESP_STATUS"
expect_eq "repeated MessageSid: the very same TwiML" "$BODY1" "$RESP_BODY"
expect_eq "repeated MessageSid: row counts unchanged" "$BEFORE" "$(row_counts)"
expect_eq "repeated MessageSid: complaints" 1 "$(sql "SELECT count(*) FROM complaints")"
ok "same MessageSid again -> identical TwiML, still one complaint"

# STATUS for that ticket: the reply comes back as TwiML too.
sms_params SM0123456789abcdef0123456789abc002 "STATUS $TICKET1"
twilio_post /twilio/sms "$SMS_URL" "${SMS_PARAMS[@]}"
expect_eq "STATUS: status" 200 "$RESP_STATUS"
expect_match "STATUS: TwiML naming the ticket" "^${TWIML_HEAD//\?/\\?}<Response><Message>[^<>]*$TICKET1" \
	"$RESP_BODY"
ok "STATUS $TICKET1 -> TwiML status reply"

# A network sender gets no reply: an empty <Response/>.
sms_params SM0123456789abcdef0123456789abc003 "Promo paket data"
SMS_PARAMS[17]=From=TELKOMSEL
twilio_post /twilio/sms "$SMS_URL" "${SMS_PARAMS[@]}"
expect_eq "network sender: status" 200 "$RESP_STATUS"
expect_eq "network sender: empty TwiML" "$TWIML_HEAD<Response/>" "$RESP_BODY"
ok "network sender -> <Response/>"

# ---------------------------------------------------------------------------
# Refused requests: nothing stored.
# ---------------------------------------------------------------------------
BEFORE=$(row_counts)
sms_params SM0123456789abcdef0123456789abc004 "JALAN rusak parah"
FORM=$(twilio_form "${SMS_PARAMS[@]}")
SIG=$(twilio_sign "$SMS_URL" "${SMS_PARAMS[@]}")

http_must "bad signature" -H "X-Twilio-Signature: ${SIG:0:10}AAAA${SIG:14}" -d "$FORM" \
	"$ADUAN_URL/twilio/sms"
expect_refused "bad signature" 403 "$BEFORE"
http_must "no signature" -d "$FORM" "$ADUAN_URL/twilio/sms"
expect_refused "missing signature" 403 "$BEFORE"
http_must "signed, then the text changed" -H "X-Twilio-Signature: $SIG" \
	-d "${FORM/JALAN+rusak/SAMPAH+numpuk}" "$ADUAN_URL/twilio/sms"
expect_refused "signed, then the text changed" 403 "$BEFORE"
# Signed over another URL than the configured one.
twilio_post /twilio/sms "http://localhost:$PORT/twilio/sms" "${SMS_PARAMS[@]}"
expect_refused "signed over another URL" 403 "$BEFORE"
ok "bad, missing or stale signature -> 403, nothing stored"

# Missing Body, correctly signed.
NOBODY=()
for p in "${SMS_PARAMS[@]}"; do
	case "$p" in Body=*) ;; *) NOBODY+=("$p") ;; esac
done
twilio_post /twilio/sms "$SMS_URL" "${NOBODY[@]}"
expect_refused "missing Body" 400 "$BEFORE"
expect_match "missing Body: says which" 'Body' "$RESP_BODY"
ok "missing Body -> 400 \"${RESP_BODY%$'\n'}\""

# GET: its signature would cover a raw query string Aduan cannot see.
http_must "GET" "$ADUAN_URL/twilio/sms?$FORM"
expect_refused "GET" 405 "$BEFORE"
ok "GET -> 405 \"${RESP_BODY%$'\n'}\""

# ---------------------------------------------------------------------------
# Status callbacks update the outbox row with that provider id.
# ---------------------------------------------------------------------------
DLR_SID=SMdlr0123456789abcdef0123456789ab
NOW=$(date +%s)
sql "INSERT INTO outbox (kind, recipient, body, idem_key, state, attempts, provider_id,
	created_at, updated_at) VALUES ('sms', '$PHONE', 'it-twilio', 'it-twilio-dlr', 'sent', 1,
	'$DLR_SID', $NOW, $NOW)"

status_params() {
	SMS_PARAMS=("SmsSid=$DLR_SID" "SmsStatus=$1" "MessageStatus=$1" "To=$PHONE"
		"MessageSid=$DLR_SID" "AccountSid=$ACCOUNT" "From=$SHORT" ApiVersion=2010-04-01)
}

status_params sent
twilio_post /twilio/status "$STATUS_URL" "${SMS_PARAMS[@]}"
expect_eq "status callback sent: status" 200 "$RESP_STATUS"
expect_eq "status callback sent: dlr_state" submitted \
	"$(sql "SELECT dlr_state FROM outbox WHERE provider_id = '$DLR_SID'")"

status_params delivered
SIG=$(twilio_sign "$STATUS_URL" "${SMS_PARAMS[@]}")
http_must "status callback, bad signature" -H "X-Twilio-Signature: ${SIG:0:10}AAAA${SIG:14}" \
	-d "$(twilio_form "${SMS_PARAMS[@]}")" "$ADUAN_URL/twilio/status"
expect_eq "status callback, bad signature: status" 403 "$RESP_STATUS"
expect_eq "status callback, bad signature: dlr_state unchanged" submitted \
	"$(sql "SELECT dlr_state FROM outbox WHERE provider_id = '$DLR_SID'")"
# Signed over the SMS URL rather than the status callback's.
twilio_post /twilio/status "$SMS_URL" "${SMS_PARAMS[@]}"
expect_eq "status callback signed over the SMS URL: status" 403 "$RESP_STATUS"

twilio_post /twilio/status "$STATUS_URL" "${SMS_PARAMS[@]}"
expect_eq "status callback delivered: status" 200 "$RESP_STATUS"
expect_eq "status callback delivered: dlr_state" delivered \
	"$(sql "SELECT dlr_state FROM outbox WHERE provider_id = '$DLR_SID'")"

status_params undelivered
twilio_post /twilio/status "$STATUS_URL" "${SMS_PARAMS[@]}"
expect_eq "status callback undelivered: dlr_state" failed \
	"$(sql "SELECT dlr_state FROM outbox WHERE provider_id = '$DLR_SID'")"
ok "status callbacks -> outbox dlr_state submitted, delivered, failed; bad signature 403"

# ---------------------------------------------------------------------------
# A clean stop; the log: no errors, no sanitizer report, no full phone number.
# ---------------------------------------------------------------------------
stop_checked "$ADUAN_PID" aduan
check_log_errors "$ADUAN_LOG" "aduan log"
check_sanitizer_log "$ADUAN_LOG" aduan
expect_eq "no full phone number in the log" 0 "$(grep -c -- "${PHONE#+}" "$ADUAN_LOG")"
ok "clean stop, log clean"

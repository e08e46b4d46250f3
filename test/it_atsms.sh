#!/bin/bash
# it_atsms: Africa's Talking's incoming SMS callback against aduan serve.
#
# Africa's Talking posts a form and wants 200 at once; the reply must go
# out through its messaging API, so Aduan queues it in the outbox (in the
# message's own transaction) instead of answering it in the HTTP body.
# Checks: the exact callback shape -> 200 with an empty body, a complaint
# stored, the reply (with the ticket) queued to the sender; the same id
# again -> nothing new; bad secret -> 403; missing fields and bad dates ->
# 400; nothing stored by any refused request.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init atsms
ADUAN_CONF=conf/aduan.conf
start_aduan
AT_SECRET=$(conf_at_secret "$ADUAN_CONF")
[ -n "$AT_SECRET" ] || fail "no africastalking secret in $ADUAN_CONF"
URL="$ADUAN_URL/africastalking/sms?secret=$AT_SECRET"
FORM=application/x-www-form-urlencoded

at_post() { # ID TEXT [DATE] [URL]
	local text date
	text=$(urlencode "$2")
	date=$(urlencode "${3:-2026-11-28 08:51:03}")
	http_must "AT SMS $1" -X POST -H "Content-Type: $FORM" \
		-d "from=%2B6281234567890&to=1708&text=$text&date=$date&id=$1&linkId=SampleLinkId123" \
		"${4:-$URL}"
}

at_post ATXid_1 "SAMPAH menumpuk di depan pasar Bandungan sejak seminggu"
expect_eq "AT SMS: status" 200 "$RESP_STATUS"
expect_eq "AT SMS: empty body (the reply goes by the API)" "" "$RESP_BODY"
expect_eq "AT SMS: complaints" 1 "$(sql "SELECT count(*) FROM complaints")"
TICKET=$(sql "SELECT ticket FROM complaints")
expect_eq "AT SMS: phone normalised" "+6281234567890" "$(sql "SELECT phone FROM complaints")"
expect_eq "AT SMS: message stored with AT's id" 1 \
	"$(sql "SELECT count(*) FROM messages WHERE gateway = 'africastalking' AND gw_id = 'ATXid_1'")"
expect_eq "AT SMS: receive time from date" "$(date -u -d '2026-11-28 08:51:03' +%s)" \
	"$(sql "SELECT received_at FROM messages WHERE gw_id = 'ATXid_1'")"
reply=$(sql "SELECT body FROM outbox WHERE kind = 'sms' AND recipient = '+6281234567890' AND idem_key = 'reply:africastalking:ATXid_1'")
expect_match "AT SMS: the reply with the ticket queued to the sender" "$TICKET" "$reply"
ok "AT SMS callback -> 200, ticket $TICKET, reply queued for the messaging API"

BEFORE=$(row_counts)
at_post ATXid_1 "SAMPAH menumpuk di depan pasar Bandungan sejak seminggu"
expect_eq "AT SMS retry: status" 200 "$RESP_STATUS"
expect_eq "AT SMS retry: rows unchanged" "$BEFORE" "$(row_counts)"
expect_eq "AT SMS retry: one reply queued" 1 \
	"$(sql "SELECT count(*) FROM outbox WHERE idem_key = 'reply:africastalking:ATXid_1'")"
ok "same id again -> nothing new"

at_post ATXid_2 "STATUS $TICKET" "2026-11-28T09:00:00.000Z"
expect_eq "AT SMS ISO date: status" 200 "$RESP_STATUS"
reply=$(sql "SELECT body FROM outbox WHERE idem_key = 'reply:africastalking:ATXid_2'")
expect_match "AT SMS: STATUS reply queued" "Tiket $TICKET" "$reply"
ok "STATUS by Africa's Talking -> status reply queued"

BEFORE=$(row_counts)
at_post ATXid_3 "JALAN rusak" "" "$ADUAN_URL/africastalking/sms?secret=wrong"
expect_eq "bad secret: status" 403 "$RESP_STATUS"
http_must "missing from" -X POST -H "Content-Type: $FORM" -d "to=1708&text=x&id=ATXid_4" "$URL"
expect_eq "missing from: status" 400 "$RESP_STATUS"
expect_match "missing from: reason" "from" "$RESP_BODY"
http_must "missing id" -X POST -H "Content-Type: $FORM" -d "from=%2B6281234567890&text=x" "$URL"
expect_eq "missing id: status" 400 "$RESP_STATUS"
at_post ATXid_5 "JALAN rusak" "yesterday"
expect_eq "bad date: status" 400 "$RESP_STATUS"
expect_eq "refused requests: rows unchanged" "$BEFORE" "$(row_counts)"
ok "bad secret -> 403; missing from/id, bad date -> 400; nothing stored"

check_log_errors "$ADUAN_LOG" "aduan log"
ok "no unexpected ERROR lines"

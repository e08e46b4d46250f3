#!/bin/bash
# it_ussd: the Africa's Talking USSD menu over real HTTP, whole sessions.
#
# `aduan serve` on a free port with a fresh database; tool_http plays
# Africa's Talking: a form POST per screen to /africastalking/ussd?secret=S
# with sessionId, serviceCode, phoneNumber, networkCode and text, where text
# is every input of the session joined by '*' (empty on the first request).
# The assertions are about what a citizen would see (the CON/END screens)
# and what was stored (complaints, the receipt SMS in the outbox, the
# session rows), looked at with the sqlite3 CLI.
#
# Every scenario uses its own phone number: an unfinished complaint is
# offered again to the next session of the same phone (resume), and a
# language switch is remembered per phone.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init ussd
start_aduan

# The secret of the africastalking group in gateways (not the kannel one).
AT_SECRET=$(sed -n '/africastalking[[:space:]]*[:=][[:space:]]*{/,/}/s/.*secret[[:space:]]*[:=][[:space:]]*"\([^"]*\)".*/\1/p' \
	"$ADUAN_CONF" | head -n 1)
[ -n "$AT_SECRET" ] || fail "no gateways.africastalking secret found in $ADUAN_CONF"
USSD_URL="$ADUAN_URL/africastalking/ussd?secret=$(urlencode "$AT_SECRET")"
SERVICE_CODE='*123#'

# The keyword rules, in config order: menu category N is rule N-1.
mapfile -t RULE_KW < <(sed -n '/^rules[[:space:]]*=/,/^);/p' "$ADUAN_CONF" |
	sed -n 's/.*keyword[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p')
mapfile -t RULE_LABEL < <(sed -n '/^rules[[:space:]]*=/,/^);/p' "$ADUAN_CONF" |
	sed -n 's/.*label[[:space:]]*=[[:space:]]*{[[:space:]]*id[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p')
[ "${#RULE_KW[@]}" -ge 2 ] || fail "fewer than 2 keyword rules found in $ADUAN_CONF"
expect_eq "one id label per rule in $ADUAN_CONF" "${#RULE_KW[@]}" "${#RULE_LABEL[@]}"
# Scenario 1 relies on this config fact: category 1 is JALAN, whose regional
# agency for the region "ambarawa" (region word AMBARAWA) is upt-pu-ambarawa;
# the default agency is dpupr, and for "ungaran" upt-pu-ungaran.
expect_eq "config: category 1 is" JALAN "${RULE_KW[0]}"
sed -n '/keyword[[:space:]]*=[[:space:]]*"JALAN"/,/^[[:space:]]*},/p' "$ADUAN_CONF" |
	grep -q 'region = "ambarawa"; agency = "upt-pu-ambarawa"' ||
	fail "config: the JALAN rule no longer sends region ambarawa to upt-pu-ambarawa"

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
SCREENS=()              # every CON/END screen seen (prefix removed)
SCREEN_WHAT=()          # the step that got it
ECHO_OK=()              # 1: the screen may echo the citizen's non-ASCII text
ECHO_NEXT=0
LAST_FORM=
USSD_KIND=
USSD_SCREEN=

# ussd_post FORM [URL]: one raw form POST (FORM already URL-encoded).
ussd_post() {
	LAST_FORM=$1
	http_must "USSD POST [$1]" -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
		-d "$1" "${2:-$USSD_URL}"
}

# ussd_form SESSION PHONE TEXT: the form Africa's Talking posts.
ussd_form() {
	printf 'sessionId=%s&serviceCode=%s&phoneNumber=%s&networkCode=51010&text=%s' \
		"$(urlencode "$1")" "$(urlencode "$SERVICE_CODE")" "$(urlencode "$2")" "$(urlencode "$3")"
}

# ussd WHAT SESSION PHONE TEXT: one screen of a session.  The answer must
# be 200 text/plain "CON ..." or "END ..."; sets USSD_KIND and USSD_SCREEN.
ussd() {
	local what=$1
	ussd_post "$(ussd_form "$2" "$3" "$4")"
	if [ "$RESP_STATUS" != 200 ]; then
		printf 'FAIL: %s\n  request:  text=[%s] (form %s)\n  expected: 200 CON/END\n  got:      %s [%s]\n' \
			"$what" "$4" "$LAST_FORM" "$RESP_STATUS" "$RESP_BODY" >&2
		exit 1
	fi
	expect_match "$what: content type" '^text/plain' "$RESP_CTYPE"
	case "$RESP_BODY" in
	"CON "*) USSD_KIND=CON ;;
	"END "*) USSD_KIND=END ;;
	*) fail "$what: text=[$4]: the answer is neither CON nor END: [$RESP_BODY]" ;;
	esac
	USSD_SCREEN=${RESP_BODY:4}
	SCREENS+=("$USSD_SCREEN")
	SCREEN_WHAT+=("$what (text=[${4:0:60}])")
	ECHO_OK+=("$ECHO_NEXT")
}

# expect_kind WHAT CON|END ERE: the last answer was of that kind and its
# screen matches ERE (grep -E, line by line).
expect_kind() {
	if [ "$USSD_KIND" != "$2" ] || ! printf '%s' "$USSD_SCREEN" | grep -Eq -- "$3"; then
		printf 'FAIL: %s\n  request:  %s\n  expected: %s matching /%s/\n  got:      [%s]\n' \
			"$1" "$LAST_FORM" "$2" "$3" "$RESP_BODY" >&2
		exit 1
	fi
}
expect_con() { expect_kind "$1" CON "$2"; }
expect_end() { expect_kind "$1" END "$2"; }

# expect_screen_lacks WHAT ERE
expect_screen_lacks() {
	if printf '%s' "$USSD_SCREEN" | grep -Eq -- "$2"; then
		printf 'FAIL: %s\n  request:  %s\n  expected NOT to match: /%s/\n  got:      [%s]\n' \
			"$1" "$LAST_FORM" "$2" "$RESP_BODY" >&2
		exit 1
	fi
}

# Screens a citizen sees (patterns on the default Bahasa Indonesia texts).
RE_MAIN_ID='^1 Buat aduan$'
RE_MAIN_EN='^1 New complaint$'
RE_CATS='^Pilih kategori'
RE_LOCATION='^Lokasi'
RE_DESCRIPTION='^Tulis aduan'
RE_CONFIRM='^Kirim aduan\?'
RE_TICKET_ASK='^Nomor tiket'

# cat_numbers SCREEN: the category numbers listed (not 98 next, 0 back).
cat_numbers() {
	printf '%s\n' "$1" | sed -n 's/^\([0-9][0-9]*\) .*/\1/p' | grep -vxE '98|0'
}

# Rows of a table for a phone / a session.
complaints_of() { sql "SELECT count(*) FROM complaints WHERE phone = '$1'"; }
outbox_of() { sql "SELECT count(*) FROM outbox WHERE recipient = '$1'"; }
session_row() { sql "SELECT * FROM ussd_sessions WHERE id = '$1'"; }
ussd_counts() {
	echo "complaints=$(sql 'SELECT count(*) FROM complaints')" \
		"outbox=$(sql 'SELECT count(*) FROM outbox')" \
		"sessions=$(sql 'SELECT count(*) FROM ussd_sessions')" \
		"events=$(sql 'SELECT count(*) FROM events')"
}

# expect_complaint WHAT TICKET COLUMN EXPECTED
expect_complaint() {
	expect_eq "$1: complaint $2 $3" "$4" "$(sql "SELECT $3 FROM complaints WHERE ticket = '$2'")"
}

# expect_receipt WHAT TICKET PHONE ERE: the one outbox row for PHONE is a
# pending SMS for that complaint whose body has the ticket and matches ERE.
expect_receipt() {
	local body
	expect_eq "$1: outbox rows to $3" 1 "$(outbox_of "$3")"
	expect_eq "$1: outbox row kind|state|complaint" \
		"sms|pending|$(sql "SELECT id FROM complaints WHERE ticket = '$2'")" \
		"$(sql "SELECT kind, state, complaint_id FROM outbox WHERE recipient = '$3'")"
	body=$(sql "SELECT body FROM outbox WHERE recipient = '$3'")
	expect_match "$1: the receipt SMS has ticket $2" "(^|[^0-9])$2([^0-9]|\$)" "$body"
	expect_match "$1: the receipt SMS" "$4" "$body"
}

# ---------------------------------------------------------------------------
# 0. The first request of a session, exactly as Africa's Talking sends it:
#    text is the last form field and empty.
# ---------------------------------------------------------------------------
P0=+6281200000100
ussd "first request, empty text last" ATUid_it0 "$P0" ""
expect_con "first request (text empty, the last field) -> MAIN" "$RE_MAIN_ID"
ok "first request with an empty text as the last form field -> CON MAIN"

# ---------------------------------------------------------------------------
# 1. A complaint in Bahasa Indonesia, from MAIN to the ticket.
# ---------------------------------------------------------------------------
T0=$SECONDS
P1=+6281200000101
S=ATUid_it1
LOC1="Desa Bejalen, Ambarawa"
DESC1="Jalan berlubang besar"
ussd "1: MAIN" "$S" "$P1" ""
expect_con "1: empty text -> MAIN" "$RE_MAIN_ID"
MAIN_ID_SCREEN=$USSD_SCREEN
ussd "1: new complaint" "$S" "$P1" "1"
expect_con "1: '1' -> the category list" "$RE_CATS"
expect_con "1: the category list shows category 1" "^1 ${RULE_LABEL[0]}\$"
CATS_PAGE1=$USSD_SCREEN
ussd "1: category 1" "$S" "$P1" "1*1"
expect_con "1: '1*1' -> the location prompt" "$RE_LOCATION"
ussd "1: location" "$S" "$P1" "1*1*$LOC1"
expect_con "1: location -> the description prompt" "$RE_DESCRIPTION"
ussd "1: description" "$S" "$P1" "1*1*$LOC1*$DESC1"
expect_con "1: description -> confirm" "$RE_CONFIRM"
expect_con "1: confirm shows the category label" "${RULE_LABEL[0]}"
expect_con "1: confirm shows the location" "$LOC1"
ussd "1: send" "$S" "$P1" "1*1*$LOC1*$DESC1*1"
expect_end "1: '1' on confirm -> END with the ticket" '(^|[^0-9])[0-9]{8}([^0-9]|$)'
END1=$RESP_BODY
TICKET1=$(ticket_in "$USSD_SCREEN")
expect_eq "1: ticket $TICKET1 has a correct Damm check digit" 0 "$(damm_interim "$TICKET1")"
expect_complaint "1" "$TICKET1" channel ussd
expect_complaint "1" "$TICKET1" phone "$P1"
expect_complaint "1" "$TICKET1" location "$LOC1"
expect_complaint "1" "$TICKET1" description "$DESC1"
expect_complaint "1" "$TICKET1" keyword JALAN
expect_complaint "1 (JALAN + AMBARAWA: the regional agency)" "$TICKET1" agency upt-pu-ambarawa
expect_complaint "1" "$TICKET1" region ambarawa
expect_complaint "1" "$TICKET1" lang id
expect_eq "1: complaints of $P1" 1 "$(complaints_of "$P1")"
expect_match "1: the END screen names the agency" 'UPTD PU Ambarawa' "$USSD_SCREEN"
expect_receipt "1" "$TICKET1" "$P1" '^Aduan diterima'
ok "1. Bahasa Indonesia: MAIN -> category -> location -> description -> confirm -> END, ticket $TICKET1 for upt-pu-ambarawa, receipt SMS queued ($((SECONDS - T0))s)"

# ---------------------------------------------------------------------------
# 2. The same in English: "4" switches the language first.
# ---------------------------------------------------------------------------
P2=+6281200000102
S=ATUid_it2
LOC2="Jl. Diponegoro, Ungaran"
DESC2="Big pothole near the market"
ussd "2: MAIN" "$S" "$P2" ""
expect_con "2: empty text -> MAIN (Bahasa Indonesia)" "$RE_MAIN_ID"
ussd "2: language" "$S" "$P2" "4"
expect_con "2: '4' -> MAIN in English" "$RE_MAIN_EN"
ussd "2: new complaint" "$S" "$P2" "4*1"
expect_con "2: '1' -> the category list in English" '^Choose a category'
ussd "2: category 1" "$S" "$P2" "4*1*1"
expect_con "2: category -> the location prompt in English" '^Location'
ussd "2: location" "$S" "$P2" "4*1*1*$LOC2"
expect_con "2: location -> the description prompt in English" '^Describe'
ussd "2: description" "$S" "$P2" "4*1*1*$LOC2*$DESC2"
expect_con "2: description -> confirm in English" '^Send complaint\?'
expect_con "2: confirm shows the location" "$LOC2"
ussd "2: send" "$S" "$P2" "4*1*1*$LOC2*$DESC2*1"
expect_end "2: '1' -> END Complaint received" '^Complaint received.*[0-9]{8}'
TICKET2=$(ticket_in "$USSD_SCREEN")
expect_complaint "2" "$TICKET2" lang en
expect_complaint "2 (JALAN + UNGARAN)" "$TICKET2" agency upt-pu-ungaran
expect_complaint "2" "$TICKET2" description "$DESC2"
expect_receipt "2" "$TICKET2" "$P2" '^Complaint received'
ussd "2: next session" ATUid_it2b "$P2" ""
expect_con "2: the phone's next session starts in English (language remembered)" "$RE_MAIN_EN"
ok "2. English via '4': END 'Complaint received', ticket $TICKET2, English receipt SMS; next session in English"

# ---------------------------------------------------------------------------
# 3. Pagination: 98 next page, 0 previous page, a category from page 2.
# ---------------------------------------------------------------------------
P3=+6281200000103
S=ATUid_it3
ussd "3: MAIN" "$S" "$P3" ""
ussd "3: categories" "$S" "$P3" "1"
expect_con "3: page 1" "$RE_CATS"
expect_con "3: page 1 offers the next page" '^98 '
PAGE1=$USSD_SCREEN
expect_eq "3: the category list is the same in every session" "$CATS_PAGE1" "$PAGE1"
mapfile -t NUMS1 < <(cat_numbers "$PAGE1")
[ "${#NUMS1[@]}" -ge 1 ] || fail "3: no category numbers on page 1: [$PAGE1]"
expect_eq "3: page 1 starts at category" 1 "${NUMS1[0]}"
ussd "3: next page" "$S" "$P3" "1*98"
expect_con "3: '98' -> page 2" "$RE_CATS"
PAGE2=$USSD_SCREEN
expect_ne "3: page 2 differs from page 1" "$PAGE1" "$PAGE2"
mapfile -t NUMS2 < <(cat_numbers "$PAGE2")
[ "${#NUMS2[@]}" -ge 1 ] || fail "3: no category numbers on page 2: [$PAGE2]"
expect_eq "3: page 2 continues after page 1's last category" "$((NUMS1[${#NUMS1[@]} - 1] + 1))" \
	"${NUMS2[0]}"
ussd "3: back" "$S" "$P3" "1*98*0"
expect_eq "3: '0' on page 2 -> page 1 again (screen)" "$PAGE1" "$USSD_SCREEN"
expect_eq "3: '0' on page 2 -> page 1 again (CON)" CON "$USSD_KIND"
ussd "3: next again" "$S" "$P3" "1*98*0*98"
expect_eq "3: '98' again -> page 2" "$PAGE2" "$USSD_SCREEN"
N3=${NUMS2[${#NUMS2[@]} - 1]}
expect_con "3: page 2 lists category $N3 with its label" "^$N3 ${RULE_LABEL[N3 - 1]}\$"
ussd "3: category $N3" "$S" "$P3" "1*98*0*98*$N3"
expect_con "3: category $N3 from page 2 -> the location prompt" "$RE_LOCATION"
ussd "3: location" "$S" "$P3" "1*98*0*98*$N3*Pasar Bandarjo"
expect_con "3: -> description" "$RE_DESCRIPTION"
ussd "3: description" "$S" "$P3" "1*98*0*98*$N3*Pasar Bandarjo*Pedagang di trotoar"
expect_con "3: -> confirm with the page-2 category" "${RULE_LABEL[N3 - 1]}"
ussd "3: send" "$S" "$P3" "1*98*0*98*$N3*Pasar Bandarjo*Pedagang di trotoar*1"
expect_end "3: -> END with a ticket" '[0-9]{8}'
TICKET3=$(ticket_in "$USSD_SCREEN")
expect_complaint "3: category $N3" "$TICKET3" keyword "${RULE_KW[N3 - 1]}"
ok "3. pagination: page 1 (${NUMS1[*]}), '98' page 2 (${NUMS2[*]}), '0' back; category $N3 -> ticket $TICKET3, keyword ${RULE_KW[N3 - 1]}"

# ---------------------------------------------------------------------------
# 4. Back: "0" on the location prompt -> categories; on page 1 -> MAIN.
# ---------------------------------------------------------------------------
P4=+6281200000104
S=ATUid_it4
ussd "4: MAIN" "$S" "$P4" ""
ussd "4: categories" "$S" "$P4" "1"
ussd "4: category 1" "$S" "$P4" "1*1"
expect_con "4: the location prompt" "$RE_LOCATION"
ussd "4: back" "$S" "$P4" "1*1*0"
expect_con "4: '0' on the location prompt -> the category list" "$RE_CATS"
expect_eq "4: ... its first page" "$PAGE1" "$USSD_SCREEN"
ussd "4: back again" "$S" "$P4" "1*1*0*0"
expect_con "4: '0' on the first category page -> MAIN" "$RE_MAIN_ID"
expect_eq "4: ... the MAIN screen" "$MAIN_ID_SCREEN" "$USSD_SCREEN"
expect_eq "4: no complaint" 0 "$(complaints_of "$P4")"
ok "4. back: location -0-> categories -0-> MAIN"

# ---------------------------------------------------------------------------
# 5. Invalid input never ends a session.
# ---------------------------------------------------------------------------
P5=+6281200000105
S=ATUid_it5
ussd "5: MAIN" "$S" "$P5" ""
ussd "5: invalid choice" "$S" "$P5" "7"
expect_con "5: '7' on MAIN -> an error line" '^Pilihan salah'
expect_con "5: ... and the main menu again" "$RE_MAIN_ID"
ussd "5: go on" "$S" "$P5" "7*1"
expect_con "5: the session goes on: '1' -> categories" "$RE_CATS"
ussd "5: category" "$S" "$P5" "7*1*1"
expect_con "5: the location prompt" "$RE_LOCATION"
LOC_PROMPT=$USSD_SCREEN
ussd "5: empty answer" "$S" "$P5" "7*1*1*"
expect_con "5: an empty location -> the prompt again" "$RE_LOCATION"
expect_ne "5: ... with an error line on top" "$LOC_PROMPT" "$USSD_SCREEN"
expect_con "5: ... saying it was empty" 'kosong'
ussd "5: location after the empty one" "$S" "$P5" "7*1*1**Dusun Krajan"
expect_con "5: the session goes on: location -> description" "$RE_DESCRIPTION"
expect_eq "5: the location kept" "Dusun Krajan" \
	"$(sql "SELECT location FROM ussd_sessions WHERE id = '$S'")"
ok "5. invalid input: '7' on MAIN and an empty location -> CON with an error, session continues"

# ---------------------------------------------------------------------------
# 6. A description with '*' in it (the citizen typed a star).
# ---------------------------------------------------------------------------
P6=+6281200000106
S=ATUid_it6
ussd "6: MAIN" "$S" "$P6" ""
ussd "6: categories" "$S" "$P6" "1"
ussd "6: category 1" "$S" "$P6" "1*1"
ussd "6: location" "$S" "$P6" "1*1*Desa Bejalen"
ussd "6: description with a star" "$S" "$P6" "1*1*Desa Bejalen*lubang*besar"
expect_con "6: 'lubang*besar' -> confirm" "$RE_CONFIRM"
expect_con "6: confirm shows it whole" 'lubang\*besar'
ussd "6: send" "$S" "$P6" "1*1*Desa Bejalen*lubang*besar*1"
expect_end "6: -> END with a ticket" '[0-9]{8}'
TICKET6=$(ticket_in "$USSD_SCREEN")
expect_complaint "6" "$TICKET6" description 'lubang*besar'
expect_complaint "6" "$TICKET6" location 'Desa Bejalen'
expect_complaint "6 (no region word)" "$TICKET6" agency dpupr
ok "6. description 'lubang*besar' stored exactly, ticket $TICKET6"

# ---------------------------------------------------------------------------
# 7. Dial-through: *123*1# and *123*1*2# make the first text non-empty.
# ---------------------------------------------------------------------------
P7=+6281200000107
ussd "7: dial-through 1" ATUid_it7a "$P7" "1"
expect_con "7: a new session with text '1' -> the category list" "$RE_CATS"
expect_eq "7: ... page 1" "$PAGE1" "$USSD_SCREEN"
S=ATUid_it7b
ussd "7: dial-through 1*2" "$S" "$P7" "1*2"
expect_con "7: a new session with text '1*2' -> the location prompt" "$RE_LOCATION"
expect_eq "7: the session's category is rule index 1 (category 2)" "location|1" \
	"$(sql "SELECT state, rule FROM ussd_sessions WHERE id = '$S'")"
ussd "7: location" "$S" "$P7" "1*2*Kelurahan Sidomulyo"
expect_con "7: -> description" "$RE_DESCRIPTION"
ussd "7: description" "$S" "$P7" "1*2*Kelurahan Sidomulyo*Sampah menumpuk"
expect_con "7: confirm shows category 2" "${RULE_LABEL[1]}"
ussd "7: send" "$S" "$P7" "1*2*Kelurahan Sidomulyo*Sampah menumpuk*1"
expect_end "7: -> END with a ticket" '[0-9]{8}'
expect_complaint "7" "$(ticket_in "$USSD_SCREEN")" keyword "${RULE_KW[1]}"
ok "7. dial-through: '1' -> categories, '1*2' -> location for category 2 (${RULE_KW[1]})"

# ---------------------------------------------------------------------------
# 8. Repeats (the gateway sends the same request again).
# ---------------------------------------------------------------------------
S=ATUid_it1
BEFORE=$(ussd_counts)
ROW_BEFORE=$(session_row "$S")
ussd "8: repeat of the final request" "$S" "$P1" "1*1*$LOC1*$DESC1*1"
expect_eq "8: the repeated END answer, byte for byte" "$END1" "$RESP_BODY"
expect_eq "8: complaints of $P1" 1 "$(complaints_of "$P1")"
expect_eq "8: outbox rows to $P1" 1 "$(outbox_of "$P1")"
expect_eq "8: row counts" "$BEFORE" "$(ussd_counts)"
expect_eq "8: the session row" "$ROW_BEFORE" "$(session_row "$S")"
# More input after END: the session is over, the last screen again.
ussd "8: input after END" "$S" "$P1" "1*1*$LOC1*$DESC1*1*1"
expect_eq "8: input after END -> the END answer again" "$END1" "$RESP_BODY"
expect_eq "8: row counts after input after END" "$BEFORE" "$(ussd_counts)"

P8=+6281200000108
S=ATUid_it8
ussd "8: MAIN" "$S" "$P8" ""
ussd "8: categories" "$S" "$P8" "1"
ussd "8: category 1" "$S" "$P8" "1*1"
MID=$RESP_BODY
BEFORE=$(ussd_counts)
ROW_BEFORE=$(session_row "$S")
ussd "8: repeat of a middle request" "$S" "$P8" "1*1"
expect_eq "8: the repeated CON answer, byte for byte" "$MID" "$RESP_BODY"
expect_eq "8: row counts after the middle repeat" "$BEFORE" "$(ussd_counts)"
expect_eq "8: the session row after the middle repeat" "$ROW_BEFORE" "$(session_row "$S")"
ussd "8: next step after the repeat" "$S" "$P8" "1*1*Desa Lopait"
expect_con "8: the session goes on where it was: location -> description" "$RE_DESCRIPTION"
expect_eq "8: the location" "Desa Lopait" "$(sql "SELECT location FROM ussd_sessions WHERE id = '$S'")"
ok "8. repeats: END and CON answered byte-identically, nothing stored twice"

# ---------------------------------------------------------------------------
# 9. Expiry.  The session is made to look old by moving its updated_at back
#    1000 s with the sqlite3 CLI (timeout 180 s by default): a legitimate
#    way to simulate the passing of time here without waiting for it.
# ---------------------------------------------------------------------------
P9=+6281200000109
S=ATUid_it9
ussd "9: MAIN" "$S" "$P9" ""
ussd "9: categories" "$S" "$P9" "1"
ussd "9: category 1" "$S" "$P9" "1*1"
expect_con "9: the location prompt" "$RE_LOCATION"
# aduan keeps the sessions it serves in memory (intake/ussd_cache.c): a row
# moved back behind a running aduan's back is read only once it restarted
# (its last steps written at its stop).  A session expiring in a running
# aduan: test_intake's test_ussd_session_idle_past_the_timeout_*.
stop_checked "$ADUAN_PID" "aduan serve"
sql "UPDATE ussd_sessions SET updated_at = updated_at - 1000 WHERE gateway = 'africastalking' AND id = '$S'"
restart_aduan
USSD_URL="$ADUAN_URL/africastalking/ussd?secret=$(urlencode "$AT_SECRET")"
ussd "9: after the timeout" "$S" "$P9" "1*1*Desa Kupang"
expect_con "9: a request on an expired session -> a fresh MAIN (CON)" "$RE_MAIN_ID"
expect_eq "9: ... the MAIN screen" "$MAIN_ID_SCREEN" "$USSD_SCREEN"
expect_eq "9: nothing kept from the expired session" "main|-1|" \
	"$(sql "SELECT state, rule, location FROM ussd_sessions WHERE id = '$S'")"
ussd "9: the fresh session works" "$S" "$P9" "1*1*Desa Kupang*1"
expect_con "9: '1' on the fresh MAIN -> categories" "$RE_CATS"
ok "9. expired session (updated_at moved back 1000 s) -> fresh MAIN, then carries on"

# ---------------------------------------------------------------------------
# 10. Resume after a dropped call.
# ---------------------------------------------------------------------------
P10=+6281200000110
SA=ATUid_it10a
SB=ATUid_it10b
ussd "10: A MAIN" "$SA" "$P10" ""
ussd "10: A categories" "$SA" "$P10" "1"
ussd "10: A category 1" "$SA" "$P10" "1*1"
ussd "10: A location" "$SA" "$P10" "1*1*$LOC1"
expect_con "10: A stops at the description prompt" "$RE_DESCRIPTION"
# ... the call drops: no END.  The same phone dials again.
ussd "10: B start" "$SB" "$P10" ""
expect_con "10: a new session of the same phone -> resume offer" '^Lanjutkan aduan sebelumnya\?'
expect_con "10: the offer shows the location" "$LOC1"
ussd "10: B yes" "$SB" "$P10" "1"
expect_con "10: '1' -> continues at the description prompt" "$RE_DESCRIPTION"
ussd "10: B description" "$SB" "$P10" "1*Jalan amblas"
expect_con "10: -> confirm with session A's location" "$LOC1"
ussd "10: B send" "$SB" "$P10" "1*Jalan amblas*1"
expect_end "10: -> END with a ticket" '[0-9]{8}'
TICKET10=$(ticket_in "$USSD_SCREEN")
expect_complaint "10" "$TICKET10" location "$LOC1"
expect_complaint "10" "$TICKET10" description "Jalan amblas"
expect_complaint "10" "$TICKET10" agency upt-pu-ambarawa
expect_eq "10: complaints of $P10" 1 "$(complaints_of "$P10")"
ussd "10: C start after the resumed one ended" ATUid_it10c "$P10" ""
expect_con "10: the finished complaint is not offered again -> MAIN" "$RE_MAIN_ID"
expect_screen_lacks "10: no resume offer" 'Lanjutkan'

P10B=+6281200000111
ussd "10: D MAIN" ATUid_it10d "$P10B" ""
ussd "10: D categories" ATUid_it10d "$P10B" "1"
ussd "10: D category 1" ATUid_it10d "$P10B" "1*1"
ussd "10: D location" ATUid_it10d "$P10B" "1*1*Desa Pojoksari"
expect_con "10: D stops at the description prompt" "$RE_DESCRIPTION"
ussd "10: E start" ATUid_it10e "$P10B" ""
expect_con "10: E -> resume offer" '^Lanjutkan aduan sebelumnya\?'
ussd "10: E no" ATUid_it10e "$P10B" "2"
expect_con "10: '2' -> MAIN" "$RE_MAIN_ID"
ussd "10: F start" ATUid_it10f "$P10B" ""
expect_con "10: a third session after '2' -> MAIN" "$RE_MAIN_ID"
expect_screen_lacks "10: the declined complaint is not offered again" 'Lanjutkan'
expect_eq "10: no complaint from $P10B" 0 "$(complaints_of "$P10B")"
ok "10. resume: offered to the next session, '1' finishes it (ticket $TICKET10, A's location), '2' -> MAIN, never offered again"

# ---------------------------------------------------------------------------
# 11. Check status.
# ---------------------------------------------------------------------------
S=ATUid_it11a
ussd "11: MAIN" "$S" "$P1" ""
expect_con "11: MAIN for $P1 (no resume: its complaint ended)" "$RE_MAIN_ID"
ussd "11: check status" "$S" "$P1" "2"
expect_con "11: '2' -> the ticket prompt" "$RE_TICKET_ASK"
ussd "11: the ticket" "$S" "$P1" "2*$TICKET1"
expect_end "11: own ticket -> END with the status" "^Tiket $TICKET1: "
expect_match "11: the status names the agency" 'UPTD PU Ambarawa' "$USSD_SCREEN"
expect_no_match "11: the status is not 'not found'" 'tidak ditemukan' "$USSD_SCREEN"

P11=+6281200000112
ussd "11: other phone MAIN" ATUid_it11b "$P11" ""
ussd "11: other phone status" ATUid_it11b "$P11" "2"
ussd "11: other phone's ticket" ATUid_it11b "$P11" "2*$TICKET1"
expect_end "11: someone else's ticket -> END" "$TICKET1"
OTHER=$USSD_SCREEN
valid_unissued_ticket UNISSUED
ussd "11: unissued MAIN" ATUid_it11c "$P11" ""
ussd "11: unissued status" ATUid_it11c "$P11" "2"
ussd "11: unissued ticket" ATUid_it11c "$P11" "2*$UNISSUED"
expect_end "11: a never-issued valid ticket -> END" "$UNISSUED"
expect_eq "11: someone else's ticket reads as one that does not exist (numbers blanked)" \
	"$(printf '%s' "$USSD_SCREEN" | sed 's/[0-9]\{8\}/NNNNNNNN/g')" \
	"$(printf '%s' "$OTHER" | sed 's/[0-9]\{8\}/NNNNNNNN/g')"

# One digit wrong: the Damm check digit catches it.
TYPO=${TICKET1:0:7}$(((${TICKET1:7:1} + 1) % 10))
S=ATUid_it11d
ussd "11: typo MAIN" "$S" "$P1" ""
ussd "11: typo status" "$S" "$P1" "2"
ussd "11: mistyped ticket" "$S" "$P1" "2*$TYPO"
expect_con "11: a mistyped ticket -> CON with a typo error" 'salah ketik'
expect_con "11: ... and the ticket prompt again" "$RE_TICKET_ASK"
ussd "11: right ticket after the typo" "$S" "$P1" "2*$TYPO*$TICKET1"
expect_end "11: the right number after the typo -> END with the status" "^Tiket $TICKET1: "
ok "11. status: own ticket -> END status; other phone == unissued ticket; typo $TYPO -> CON 'salah ketik'"

# ---------------------------------------------------------------------------
# 12. Bad requests: refused, nothing stored.
# ---------------------------------------------------------------------------
P12=+6281200000113
BEFORE=$(ussd_counts)
F_SID=sessionId=ATUid_it12
F_SVC=serviceCode=$(urlencode "$SERVICE_CODE")
F_PHONE=phoneNumber=$(urlencode "$P12")
F_NET=networkCode=51010
F_TEXT=text=1

# form FIELD...: the fields joined by '&'.
form() {
	local IFS='&'
	printf '%s' "$*"
}

# expect_refused WHAT STATUS ERE: the last answer had STATUS, a plain-text
# reason matching ERE, and the row counts did not change.
expect_refused() {
	expect_eq "$1: status (request: $LAST_FORM)" "$2" "$RESP_STATUS"
	expect_match "$1: a reason in the body" "$3" "$RESP_BODY"
	expect_eq "$1: row counts unchanged" "$BEFORE" "$(ussd_counts)"
}

ussd_post "$(form "$F_SVC" "$F_PHONE" "$F_NET" "$F_TEXT")"
expect_refused "12: missing sessionId" 400 'sessionId'
ussd_post "$(form "$F_SID" "$F_SVC" "$F_NET" "$F_TEXT")"
expect_refused "12: missing phoneNumber" 400 'phoneNumber'
ussd_post "$(form "$F_SID" "$F_SVC" "$F_PHONE" "$F_NET" "$F_TEXT")" \
	"$ADUAN_URL/africastalking/ussd?secret=salah-rahasia-ussd"
expect_refused "12: wrong secret" 403 '[A-Za-z]'
ussd_post "$(form "$F_SID" "$F_SVC" "$F_PHONE" "$F_NET" "$F_TEXT")" "$ADUAN_URL/africastalking/ussd"
expect_refused "12: no secret" 403 '[A-Za-z]'
ussd_post "$(form "$F_SID" "$F_SVC" "$F_PHONE" "$F_NET" "text=1%2A%FF")"
expect_refused "12: text with %FF" 400 'UTF-8'
ussd_post "$(form "$F_SID" "$F_SVC" "$F_PHONE" "$F_NET" "text=1%2Aa%00b")"
expect_refused "12: text with %00" 400 'NUL|UTF-8'
ussd_post "$(form "$F_SID" "$F_SVC" "phoneNumber=TELKOMSEL" "$F_NET" "$F_TEXT")"
expect_refused "12: phoneNumber not a number" 400 'phone'

LONG="1*1*"
while [ "${#LONG}" -lt 3000 ]; do LONG+="jalan rusak parah "; done
LONG=${LONG:0:3000}
ussd "12: 3000-byte text" ATUid_it12long "$P12" "$LONG"
expect_end "12: 3000-byte text -> END (too long)" '[A-Za-z]'
expect_eq "12: 3000-byte text: no session row" "" "$(session_row ATUid_it12long)"
expect_eq "12: 3000-byte text: row counts unchanged" "$BEFORE" "$(ussd_counts)"

HUGE="1*1*"
while [ "${#HUGE}" -lt 10240 ]; do HUGE+="jalan rusak parah "; done
HUGE=${HUGE:0:10240}
ussd_post "$(ussd_form ATUid_it12huge "$P12" "$HUGE")"
expect_refused "12: 10 KB text" 413 '[A-Za-z]'
expect_eq "12: after all bad requests: nothing for $P12" "0|0" \
	"$(sql "SELECT (SELECT count(*) FROM ussd_sessions WHERE phone = '$P12'), (SELECT count(*) FROM complaints WHERE phone = '$P12')")"
ok "12. bad requests: 400 (no sessionId, no phoneNumber, %FF, %00, TELKOMSEL), 403 (secret), 3000 B -> END, 10 KB -> 413; nothing stored"

# ---------------------------------------------------------------------------
# 13a. Long and non-GSM citizen text echoed on a screen.
# ---------------------------------------------------------------------------
P13=+6281200000114
S=ATUid_it13
LOC13="Desa Bejalen – RT 3 😟"
DESC13=
while [ "${#DESC13}" -lt 300 ]; do DESC13+="jalan rusak parah dan berlubang "; done
DESC13=${DESC13:0:300}
ussd "13: MAIN" "$S" "$P13" ""
ussd "13: categories" "$S" "$P13" "1"
ussd "13: category" "$S" "$P13" "1*1"
ussd "13: non-GSM location" "$S" "$P13" "1*1*$LOC13"
ECHO_NEXT=1
ussd "13: 300-byte description" "$S" "$P13" "1*1*$LOC13*$DESC13"
ECHO_NEXT=0
expect_con "13: -> confirm" "$RE_CONFIRM"
ussd "13: send" "$S" "$P13" "1*1*$LOC13*$DESC13*1"
expect_end "13: -> END with a ticket" '[0-9]{8}'
TICKET13=$(ticket_in "$USSD_SCREEN")
expect_eq "13: the location stored exactly (hex)" "$(hex_of "$LOC13")" \
	"$(sql "SELECT hex(location) FROM complaints WHERE ticket = '$TICKET13'")"

# ---------------------------------------------------------------------------
# aduan phone: the command-line USSD phone.
# ---------------------------------------------------------------------------
PHONE_OUT=$IT_TMP/phone.out
"$ADUAN_BIN" phone --ussd "$SERVICE_CODE" --url "$ADUAN_URL" --from 081234567890 \
	-c "$ADUAN_CONF" >"$PHONE_OUT" 2>"$IT_TMP/phone.err" <<'EOF'
1
1
Desa Bejalen
Jalan rusak parah
1
EOF
RC=$?
OUT=$(cat "$PHONE_OUT" "$IT_TMP/phone.err")
expect_eq "aduan phone: exit status (output: $OUT)" 0 "$RC"
expect_match "aduan phone: shows MAIN" "$RE_MAIN_ID" "$OUT"
expect_match "aduan phone: shows the categories" "$RE_CATS" "$OUT"
expect_match "aduan phone: shows the END with a ticket" '^Aduan diterima.*[0-9]{8}' "$OUT"
TICKETP=$(ticket_in "$(grep -a '^Aduan diterima' "$PHONE_OUT")")
expect_eq "aduan phone: ticket $TICKETP stored for" "+6281234567890|ussd|Desa Bejalen|Jalan rusak parah" \
	"$(sql "SELECT phone, channel, location, description FROM complaints WHERE ticket = '$TICKETP'")"

printf '1\n1\n' | "$ADUAN_BIN" phone --ussd "$SERVICE_CODE" --url "$ADUAN_URL" \
	--from 081234567891 -c "$ADUAN_CONF" >"$PHONE_OUT" 2>"$IT_TMP/phone.err"
RC=$?
OUT=$(cat "$PHONE_OUT" "$IT_TMP/phone.err")
expect_eq "aduan phone, stdin ending early: exit status (output: $OUT)" 0 "$RC"
expect_match "aduan phone, stdin ending early: reports the dropped call" 'call dropped' "$OUT"
expect_match "aduan phone, stdin ending early: got to the location prompt" "$RE_LOCATION" "$OUT"
ok "aduan phone: a whole session -> ticket $TICKETP, exit 0; stdin ending early -> 'call dropped', exit 0"

# ---------------------------------------------------------------------------
# 13. Every screen: at most 160 characters, GSM-7 only.
# ---------------------------------------------------------------------------
# GSM 03.38: the basic table's ASCII part is every printable character but
# '`', plus LF and CR; the extension table's ^ { } \ [ ~ ] | cost two septets
# each.  The default screens are plain ASCII; a screen that echoes the
# citizen's own text may also carry the basic table's other letters (an
# emoji or a curly quote the citizen typed must come back as GSM-7).
GSM7_NON_ASCII='£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà€'

# gsm7_outside TEXT ECHO: the characters of TEXT outside GSM-7 (ECHO 0:
# outside its ASCII part), each on a line, shell-quoted.
gsm7_outside() {
	local LC_ALL=C.UTF-8 s=$1 j c
	for ((j = 0; j < ${#s}; j++)); do
		c=${s:j:1}
		case "$c" in
		$'\n' | $'\r' | [\ -_] | [a-~]) continue ;;
		esac
		if [ "$2" = 1 ] && [[ $GSM7_NON_ASCII == *"$c"* ]]; then
			continue
		fi
		printf '%q\n' "$c"
	done
}

# plain_gsm_ascii TEXT: only LF, CR and printable ASCII but '`' (the quick
# check; gsm7_outside then names what is wrong).
plain_gsm_ascii() {
	local LC_ALL=C nl=$'\n' cr=$'\r'
	[[ $1 != *[!"$nl$cr"\ -_a-~]* ]]
}

for ((i = 0; i < ${#SCREENS[@]}; i++)); do
	s=${SCREENS[i]}
	chars=$(printf '%s' "$s" | LC_ALL=C tr -d '\200-\277' | wc -c)
	expect_le "13: characters on the screen of ${SCREEN_WHAT[i]}: [$s]" 160 "$chars"
	ext=$(printf '%s' "$s" | LC_ALL=C tr -cd '^{}\\[]~|' | wc -c)
	expect_le "13: septets on the screen of ${SCREEN_WHAT[i]}: [$s]" 160 "$((chars + ext))"
	bad=
	plain_gsm_ascii "$s" || bad=$(gsm7_outside "$s" "${ECHO_OK[i]}")
	expect_eq "13: characters outside GSM-7 on the screen of ${SCREEN_WHAT[i]}: [$s]" "" "$bad"
done
ok "13. ${#SCREENS[@]} screens: each at most 160 characters and GSM-7 only"

check_log_errors "$ADUAN_LOG" "aduan"
ok "no unexpected ERROR in the aduan log"
exit 0

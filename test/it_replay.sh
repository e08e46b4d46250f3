#!/bin/bash
# it_replay: `aduan route --replay` and `aduan stats` on complaints a real
# running service stored.
#
#   nine complaints reach `aduan serve` with conf/aduan.conf: eight SMS
#       through `aduan sms --url` (three with no keyword: triage) and one
#       USSD through `aduan phone`; an agency answers one of them through
#       the API; the service is stopped;
#   a candidate config with SELOKAN moved from JALAN to SAMPAH and a new
#       rule MENARA: exactly the three complaints that move, from -> to;
#   the bundled config as the candidate: nothing moves;
#   a candidate without the rule JALAN: the USSD complaint of that
#       category goes to triage, and so does the SMS that began with JALAN;
#   --examples, --since (a date to come: nothing), a broken candidate
#       (exit 2, FILE:LINE), a database that does not exist;
#   stats: per agency, keyword and channel, the triage share, the median
#       response, an overdue complaint, the candidate word MENARA and no
#       function word;
#   neither command changes the database.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init replay

# line_of ERE: the first line of $CLI_OUT matching ERE, squeezed blanks.
line_of() {
	printf '%s\n' "$CLI_OUT" | grep -E -- "$1" | head -n 1 | tr -s ' '
}

# dump_sum: a checksum of the whole database's content.
dump_sum() {
	sqlite3 -batch "$ADUAN_DB" .dump | sha256sum | cut -d' ' -f1
}

# ---------------------------------------------------------------------------
# Complaints through the running service
# ---------------------------------------------------------------------------
start_aduan

declare -A TICKET
# send NAME FROM TEXT: one SMS through the service; TICKET[NAME] is its ticket.
send() {
	local out
	out=$("$ADUAN_BIN" sms -c "$ADUAN_CONF" --url "$ADUAN_URL" "$2" "$3" 2>"$IT_TMP/sms.err") ||
		fail "aduan sms '$3': $(cat "$IT_TMP/sms.err")"
	TICKET[$1]=$(ticket_in "$out")
	[ -n "${TICKET[$1]}" ] || fail "aduan sms '$3': no ticket in the reply: $out"
}

send jalan   081234567801 "JALAN Jl. Pemuda depan SMP 3 berlubang"
send sampah  081234567802 "SAMPAH menumpuk di pasar Bandungan"
send pju     081234567803 "lampu jalan mati sejak seminggu"
send menara1  081234567804 "menara BTS di depan balai desa tidak terurus"
send menara2  081234567805 "Menara tua mau jatuh di pinggir pasar"
send selokan 081234567806 "Selokan mampet bau sekali di Bergas"
send air     081234567807 "AIR#Ambarawa#air keruh sejak kemarin"
send anjing  081234567808 "anjing liar berkeliaran tiap malam"

"$ADUAN_BIN" phone --ussd '*123#' --url "$ADUAN_URL" --from 081234567809 -c "$ADUAN_CONF" \
	>"$IT_TMP/phone.out" 2>"$IT_TMP/phone.err" <<'EOF'
1
1
Desa Bejalen, Ambarawa
Jalan berlubang besar
1
EOF
[ $? = 0 ] || fail "aduan phone: $(cat "$IT_TMP/phone.out" "$IT_TMP/phone.err")"
TICKET[ussd]=$(ticket_in "$(grep -a '^Aduan diterima' "$IT_TMP/phone.out")")
[ -n "${TICKET[ussd]}" ] || fail "aduan phone: no ticket: $(cat "$IT_TMP/phone.out")"

# Where the bundled config sent them: the old decisions replay compares with.
expect_eq "stored agencies" \
	"dpupr dlh dishub diskominfo diskominfo upt-pu-ungaran pdam-ambarawa diskominfo upt-pu-ambarawa" \
	"$(for n in jalan sampah pju menara1 menara2 selokan air anjing ussd; do
		sql "SELECT agency FROM complaints WHERE ticket = '${TICKET[$n]}'"
	done | tr '\n' ' ' | sed 's/ $//')"
ok "9 complaints stored by the running service (8 SMS, 1 USSD, 3 to triage)"

# DPUPR answers its ticket: the one agency response.
http_must "agency event" -H "Authorization: Bearer demo-token-dpupr-ganti" \
	-H 'Content-Type: application/json' -d '{"status":"in_progress","note":"Tim datang besok"}' \
	"$ADUAN_URL/api/v1/tickets/${TICKET[jalan]}/events"
expect_eq "agency event: HTTP status ($RESP_BODY)" 200 "$RESP_STATUS"

stop_checked "$ADUAN_PID" "aduan serve"
check_log_errors "$ADUAN_LOG" "aduan serve" 'sms_sender|kannel|sendsms|deliver'

# The routed SELOKAN complaint is past its follow-up date (the one overdue).
sql "UPDATE complaints SET followup_due = 1000 WHERE ticket = '${TICKET[selokan]}'"
SUM_BEFORE=$(dump_sum)

# ---------------------------------------------------------------------------
# A candidate: SELOKAN moved from JALAN to SAMPAH, and a new rule MENARA.
# ---------------------------------------------------------------------------
CAND=$IT_TMP/candidate.conf
awk '
	/^  \{ keyword = "JALAN";/ { injalan = 1 }
	injalan && /"SELOKAN",/ { sub(/"SELOKAN", ?/, ""); moved++ }
	/^  \{ keyword = "SAMPAH";/ { injalan = 0 }
	/aliases = \[ "SAMPA", / { sub(/"SAMPA", /, "\"SAMPA\", \"SELOKAN\", "); added++ }
	/^  \{ keyword = "PKL";/ {
		print "  { keyword = \"MENARA\";"
		print "    aliases = [ \"BTS\" ];"
		print "    agency = \"dlh\";"
		print "    label = { id = \"Menara\"; en = \"Towers\"; };"
		print "  },"
		rule++
	}
	{ print }
	END { exit (moved == 1 && added == 1 && rule == 1) ? 0 : 3 }' "$ADUAN_CONF" >"$CAND" ||
	fail "could not derive the candidate config from $ADUAN_CONF"
cli check --demo -c "$CAND"
expect_eq "candidate: aduan check ($CLI_ERR)" 0 "$CLI_RC"

cli route --replay -c "$CAND" -d "$ADUAN_DB"
expect_eq "replay: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "replay: names the candidate and database" "^candidate: $CAND \\(version [0-9a-f]{16}\\)" "$CLI_OUT"
expect_eq "replay: replayed" "replayed: 9 complaints (8 SMS, 1 USSD)" "$(line_of '^replayed:')"
expect_eq "replay: would move" "would move: 3 (33.3%)" "$(line_of '^would move:')"
expect_eq "replay: same agency, other rule" "same agency, other rule: 0" "$(line_of '^same agency')"
expect_eq "replay: first move (most complaints)" "diskominfo -> dlh 2" \
	"$(printf '%s\n' "$CLI_OUT" | sed -n '/^moves /,/^$/p' | grep -E -- '^  .* -> ' | head -n 1 | tr -s ' ' | sed 's/^ //')"
expect_eq "replay: second move" "upt-pu-ungaran -> dlh 1" \
	"$(printf '%s\n' "$CLI_OUT" | sed -n '/^moves /,/^$/p' | grep -E -- '^  .* -> ' | sed -n 2p | tr -s ' ' | sed 's/^ //')"
expect_eq "replay: two moves in the table" 2 \
	"$(printf '%s\n' "$CLI_OUT" | sed -n '/^moves /,/^$/p' | grep -cE -- '^  .* -> ')"
for n in menara1 menara2 selokan; do
	expect_match "replay: $n (${TICKET[$n]}) is an example" "^    ${TICKET[$n]} " "$CLI_OUT"
done
for n in jalan sampah pju air anjing ussd; do
	expect_no_match "replay: $n (${TICKET[$n]}) does not move" "${TICKET[$n]}" "$CLI_OUT"
done
expect_match "replay: the SELOKAN example" 'JALAN -> SAMPAH \(.SELOKAN.\)' "$CLI_OUT"
expect_match "replay: the MENARA example" 'triage -> MENARA \(.MENARA.\)' "$CLI_OUT"
expect_match "replay: the new explanation" 'why: rule MENARA -> dlh' "$CLI_OUT"
expect_match "replay: the text of an example" '"Selokan mampet bau sekali di Bergas"' "$CLI_OUT"
ok "candidate (SELOKAN moved, rule MENARA): 9 replayed, 3 move: diskominfo -> dlh 2, upt-pu-ungaran -> dlh 1"

cli route --replay -c "$CAND" -d "$ADUAN_DB" --examples 1
expect_eq "replay --examples 1: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_eq "replay --examples 1: one example per move" 2 \
	"$(printf '%s\n' "$CLI_OUT" | grep -cE '^    [0-9]{8} ')"
cli route --replay -c "$CAND" -d "$ADUAN_DB" --examples 0
expect_no_match "replay --examples 0: no examples" '^examples' "$CLI_OUT"
expect_eq "replay --examples 0: still the counts" "would move: 3 (33.3%)" "$(line_of '^would move:')"
ok "--examples 1: one per move; --examples 0: none"

# ---------------------------------------------------------------------------
# The bundled config as the candidate: nothing moves.
# ---------------------------------------------------------------------------
cli route --replay -c "$ADUAN_CONF" -d "$ADUAN_DB" --since 1d
expect_eq "replay, same config: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_eq "replay, same config: replayed" "replayed: 9 complaints (8 SMS, 1 USSD)" "$(line_of '^replayed:')"
expect_eq "replay, same config: would move" "would move: 0 (0.0%)" "$(line_of '^would move:')"
expect_match "replay, same config: says so" 'no complaint would go to another agency' "$CLI_OUT"
ok "the bundled config replayed on itself: 0 move"

# ---------------------------------------------------------------------------
# A candidate without the rule JALAN (renamed JALANRAYA): the USSD complaint
# of category JALAN goes to triage; so does the SMS that began with JALAN.
# Stems off in it: with them, JALAN would still reach the alias JALANAN by
# its stem (README "Routing", word forms).
# ---------------------------------------------------------------------------
CAND2=$IT_TMP/no-jalan.conf
sed -e 's/^  { keyword = "JALAN";/  { keyword = "JALANRAYA";/' \
	-e 's/^    weak = \[ "JALAN", /    weak = [ /' \
	-e 's/^  stemming = true;/  stemming = false;/' "$ADUAN_CONF" >"$CAND2"
grep -q 'keyword = "JALANRAYA"' "$CAND2" || fail "could not rename the rule JALAN"
grep -q '^  stemming = false;' "$CAND2" || fail "could not turn stems off"
cli route --replay -c "$CAND2" -d "$ADUAN_DB"
expect_eq "replay, no JALAN: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_eq "replay, no JALAN: would move" "would move: 2 (22.2%)" "$(line_of '^would move:')"
expect_eq "replay, no JALAN: the SMS" "dpupr -> diskominfo 1" "$(line_of '^  dpupr +-> ' | sed 's/^ //')"
expect_eq "replay, no JALAN: the USSD" "upt-pu-ambarawa -> diskominfo 1" \
	"$(line_of '^  upt-pu-ambarawa +-> ' | sed 's/^ //')"
expect_match "replay, no JALAN: why the USSD one" 'menu category JALAN is no rule of this config' "$CLI_OUT"
expect_match "replay, no JALAN: the USSD example's text" '"\[menu JALAN\] Desa Bejalen, Ambarawa: Jalan berlubang besar"' "$CLI_OUT"
expect_eq "replay, no JALAN: SELOKAN stays (rule renamed, same agency)" "same agency, other rule: 1" \
	"$(line_of '^same agency')"
ok "candidate without rule JALAN: the USSD JALAN complaint and the JALAN SMS go to triage"

# ---------------------------------------------------------------------------
# --since, errors
# ---------------------------------------------------------------------------
TOMORROW=$(date -d tomorrow +%Y-%m-%d)
cli route --replay -c "$CAND" -d "$ADUAN_DB" --since "$TOMORROW"
expect_eq "replay --since $TOMORROW: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_eq "replay --since $TOMORROW: nothing" "replayed: 0 complaints (0 SMS, 0 USSD)" "$(line_of '^replayed:')"
cli route --replay -c "$CAND" -d "$ADUAN_DB" --since 2h
expect_eq "replay --since 2h: all" "replayed: 9 complaints (8 SMS, 1 USSD)" "$(line_of '^replayed:')"
cli route --replay -c "$CAND" -d "$ADUAN_DB" --since yesterday
expect_eq "replay --since yesterday: exit status" 2 "$CLI_RC"
expect_match "replay --since yesterday: says what it takes" '--since yesterday: not understood' "$CLI_ERR"
ok "--since: a date to come replays nothing, 2h all, a word is refused (exit 2)"

BROKEN=$IT_TMP/broken.conf
sed 's/^  { keyword = "SAMPAH";/  { keyword = "SAMPAH"; agency = "no-such-agency";/' "$CAND" >"$BROKEN"
cli route --replay -c "$BROKEN" -d "$ADUAN_DB"
expect_eq "replay, broken candidate: exit status" 2 "$CLI_RC"
expect_eq "replay, broken candidate: nothing on stdout" "" "$CLI_OUT"
expect_match "replay, broken candidate: FILE:LINE: message" "^$BROKEN:[0-9]+: " "$CLI_ERR"
expect_match "replay, broken candidate: the summary line" 'configuration not usable' "$CLI_ERR"
cli route --replay -c "$CAND" -d "$IT_TMP/no-such.db"
expect_eq "replay, no such database: exit status" 1 "$CLI_RC"
expect_match "replay, no such database: says so" 'no-such.db' "$CLI_ERR"
[ -e "$IT_TMP/no-such.db" ] && fail "replay created the database it was pointed at"
ok "a broken candidate: FILE:LINE on stderr, exit 2; a missing database is not created"

# ---------------------------------------------------------------------------
# stats
# ---------------------------------------------------------------------------
cli stats -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_eq "stats: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "stats: the total" '^complaints since .*: 9$' "$CLI_OUT"
expect_eq "stats: diskominfo" "diskominfo 3 33.3% Dinas Komunikasi dan Informatika" \
	"$(line_of '^  diskominfo ' | sed 's/^ //')"
expect_eq "stats: dpupr" "dpupr 1 11.1% Dinas Pekerjaan Umum dan Penataan Ruang" \
	"$(line_of '^  dpupr ' | sed 's/^ //')"
expect_eq "stats: keyword JALAN (SMS, SELOKAN, USSD)" "JALAN 3 33.3%" "$(line_of '^  JALAN ' | sed 's/^ //')"
expect_eq "stats: keyword none" "(no rule: triage) 3 33.3%" "$(line_of '^  \(no rule' | sed 's/^ //')"
expect_eq "stats: channel sms" "sms 8 88.9%" "$(line_of '^  sms ' | sed 's/^ //')"
expect_eq "stats: channel ussd" "ussd 1 11.1%" "$(line_of '^  ussd ' | sed 's/^ //')"
expect_eq "stats: triage share" "no rule matched: 3 of 9 (33.3%), sent to diskominfo" \
	"$(line_of 'no rule matched:' | sed 's/^ //')"
expect_match "stats: median over the one response" '^  median: .* over 1 complaint$' "$CLI_OUT"
expect_eq "stats: no response yet" "no response yet: 8" "$(line_of 'no response yet:' | sed 's/^ //')"
expect_match "stats: overdue routed" 'routed, not followed up by its follow-up date: +1$' "$CLI_OUT"
expect_match "stats: overdue received" 'received, not routed by its route due date: +0$' "$CLI_OUT"
expect_eq "stats: the top candidate keyword" "MENARA 2" \
	"$(printf '%s\n' "$CLI_OUT" | sed -n '/^candidate keywords/,$p' | sed -n 3p | tr -s ' ' | sed 's/^ //')"
expect_match "stats: three triage messages read" 'words of the 3 triage messages' "$CLI_OUT"
CANDS=$(printf '%s\n' "$CLI_OUT" | sed -n '/^candidate keywords/,$p')
for w in JATUH TERURUS ANJING; do
	expect_match "stats: candidate $w" "^  $w +1$" "$CANDS"
done
for w in DEPAN DI MAU PASAR; do
	# a function word, a short one, ... and PASAR is no rule's word: it stays.
	case $w in
	PASAR) expect_match "stats: candidate $w" "^  $w +1$" "$CANDS" ;;
	*) expect_no_match "stats: no candidate $w" "^  $w " "$CANDS" ;;
	esac
done
ok "stats: per agency/keyword/channel, triage 33.3%, median over 1, 1 overdue, MENARA first"

cli stats -c "$ADUAN_CONF" -d "$ADUAN_DB" --since "$TOMORROW"
expect_eq "stats --since $TOMORROW: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "stats --since $TOMORROW: no complaints" '^complaints since .*: 0$' "$CLI_OUT"
expect_match "stats --since $TOMORROW: overdue is of every age" \
	'routed, not followed up by its follow-up date: +1$' "$CLI_OUT"
ok "stats --since a date to come: 0 complaints, the overdue one still shown"

expect_eq "the database is unchanged by replay and stats" "$SUM_BEFORE" "$(dump_sum)"
ok "replay and stats only read"

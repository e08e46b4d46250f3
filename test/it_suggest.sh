#!/bin/bash
# it_suggest: `aduan rules suggest` learns from what triage routed by hand.
#
#   SMS reach a real `aduan serve` (example config, temp database) through
#       its Kannel endpoint (`aduan sms --url`, as Kannel posts them):
#       eight no rule knows (triage), three routed by a rule;
#   the triage agency (diskominfo) moves seven of them, by the agency API
#       and by its web inbox (a desk officer's "Route to" form):
#       three "sigapkes ..." (a local health app) to dinkes, two "embung
#       mangkrak ..." (a village reservoir) to dpupr, one of them through
#       the inbox, two "dana sipanda" to an
#       agency no rule names (added to the config); one "sigapkes" text stays
#       with triage (no person decided it: it is no evidence);
#   the service is stopped;
#   `aduan rules suggest`: SIGAPKES for rule KESEHATAN (3 of 3 hand-routed
#       texts, nothing moves), EMBUNG for rule JALAN; MANGKRAK (in both dpupr
#       texts, but also in three routed texts of other agencies, which it
#       would pull into a tie: triage) is not suggested, with the reason; a
#       word of one text is not a candidate; --min 4: nothing; --since
#       a date to come: nothing; a bad --min: exit 2; the agency without
#       a rule: its words and a rule block to write;
#   the database file is byte-identical afterwards (reads only).
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init suggest

TRIAGE_TOKEN=demo-token-diskominfo-ganti

# An agency no rule names (a new one the operator has not written rules for).
awk '{ print } /^agencies = \(/ { print "  { id = \"dinas-baru\"; name = \"Dinas Baru\"; short_name = \"Dinas Baru\"; }," ; n++ }
	END { exit n == 1 ? 0 : 3 }' "$ADUAN_CONF" >"$IT_TMP/with-new.conf" ||
	fail "could not add an agency to $ADUAN_CONF"
mv -f "$IT_TMP/with-new.conf" "$ADUAN_CONF"

# The triage desk's officer, who routes by hand in the web inbox.
out=$(printf '%s\n' "kopi-tubruk-ungaran-7" | timeout -k 2 20 "$ADUAN_BIN" user add sari \
	--agency diskominfo --role staff --name "Sari" -c "$ADUAN_CONF" -d "$IT_TMP/aduan.db" 2>&1) ||
	fail "aduan user add sari: $out"

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

# agency_of NAME: the agency the stored complaint is with.
agency_of() {
	sql "SELECT agency FROM complaints WHERE ticket = '${TICKET[$1]}'"
}

send h1 081234567801 "sigapkes sy blm aktif sdh sebulan"
send h2 081234567802 "daftar SIGAPKES ditolak terus gmn ini"
send h3 081234567803 "Sigapkes ibu sy hilang mohon dibantu"
send h4 081234567804 "proyek embung mangkrak di desa kami"
send h5 081234567805 "embung mangkrak, sdh setahun"
send t1 081234567806 "sigapkes tetangga blm jadi juga"
send n1 081234567810 "kapan dana sipanda cair pak"
send n2 081234567811 "dana SIPANDA tdk sampai ke warga"
send r1 081234567807 "tolong tps di pasar mangkrak tdk diangkut"
send r2 081234567808 "di perumahan kami pdam mangkrak"
send r3 081234567809 "di dusun kami posyandu mangkrak tak ada kegiatan"

# What the router did: the premises of the test (a config that routes these
# texts differently needs other texts here).
for n in h1 h2 h3 h4 h5 t1 n1 n2; do
	expect_eq "router: '$n' goes to triage" "diskominfo|" \
		"$(sql "SELECT agency || '|' || keyword FROM complaints WHERE ticket = '${TICKET[$n]}'")"
done
expect_eq "router: routed texts" "dlh pdam dinkes" "$(agency_of r1) $(agency_of r2) $(agency_of r3)"
ok "11 SMS through the running service: 8 to triage, 3 routed by a rule"

# move NAME AGENCY: the triage agency routes the ticket by hand (agency API).
move() {
	http_must "move ${TICKET[$1]}" -H "Authorization: Bearer $TRIAGE_TOKEN" \
		-H 'Content-Type: application/json' -d "{\"status\":\"routed\",\"agency\":\"$2\"}" \
		"$ADUAN_URL/api/v1/tickets/${TICKET[$1]}/events"
	expect_eq "move $1 to $2: HTTP status ($RESP_BODY)" 200 "$RESP_STATUS"
}
# inbox_move NAME AGENCY: the same, by the triage officer in the web inbox:
# log in, read the form's CSRF token, post the "route" action.
inbox_move() {
	local jar=$IT_TMP/cookies code csrf
	code=$(curl -s -m 10 -c "$jar" -o /dev/null -w '%{http_code}' \
		--data-urlencode login=sari --data-urlencode password=kopi-tubruk-ungaran-7 \
		"$ADUAN_URL/inbox/login")
	expect_eq "inbox login as sari: HTTP status" 303 "$code"
	csrf=$(curl -s -m 10 -b "$jar" "$ADUAN_URL/inbox/t/${TICKET[$1]}" |
		sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1)
	[ -n "$csrf" ] || fail "inbox: no CSRF token on ticket ${TICKET[$1]}'s page"
	code=$(curl -s -m 10 -b "$jar" -o "$IT_TMP/inbox.body" -w '%{http_code}' \
		--data-urlencode action=route --data-urlencode "agency=$2" \
		--data-urlencode "csrf=$csrf" "$ADUAN_URL/inbox/t/${TICKET[$1]}/act")
	expect_eq "inbox: route ${TICKET[$1]} to $2: HTTP status ($(head -c 300 "$IT_TMP/inbox.body"))" \
		303 "$code"
}
move h1 dinkes
move h2 dinkes
move h3 dinkes
move h4 dpupr
inbox_move h5 dpupr
move n1 dinas-baru
move n2 dinas-baru
expect_eq "moved" "dinkes dinkes dinkes dpupr dpupr diskominfo" \
	"$(agency_of h1) $(agency_of h2) $(agency_of h3) $(agency_of h4) $(agency_of h5) $(agency_of t1)"
ok "triage moved seven of them, six by the agency API and one in the web inbox; one stays"

stop_checked "$ADUAN_PID" "aduan serve"
check_log_errors "$ADUAN_LOG" "aduan serve" 'sms_sender|kannel|sendsms|deliver'

# The database file itself.  (A read-only SQLite reader of a WAL database
# leaves SQLite's side files, an empty -wal and the -shm index, as `aduan
# stats` and `route --replay` do: no content.)
db_sum() {
	sha256sum <"$ADUAN_DB" | cut -d' ' -f1
}
dump_sum() {
	sqlite3 -batch "$ADUAN_DB" .dump | sha256sum | cut -d' ' -f1
}
SUM_BEFORE=$(db_sum)
DUMP_BEFORE=$(dump_sum)

# ---------------------------------------------------------------------------
# aduan rules suggest
# ---------------------------------------------------------------------------
KES_LINE=$(grep -n 'keyword = "KESEHATAN"' "$ADUAN_CONF" | head -n 1 | cut -d: -f1)
JALAN_LINE=$(grep -n 'keyword = "JALAN"' "$ADUAN_CONF" | head -n 1 | cut -d: -f1)

cli rules suggest -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_eq "suggest: exit status ($CLI_ERR)" 0 "$CLI_RC"
printf '%s\n' "$CLI_OUT" >"$IT_TMP/suggest.out"
add_log "$IT_TMP/suggest.out"
expect_match "suggest: the evidence it read" \
	"^# 7 complaints the router sent to triage and a person moved to an agency; 3 routed by a rule; words seen in 2 texts or more$" \
	"$CLI_OUT"
# dinkes first: it gains the most.
expect_eq "suggest: the first group" \
	"# dinkes (rule KESEHATAN, $ADUAN_CONF:$KES_LINE): 3 of 3 hand-routed texts would go there (now 0), 0 routed texts would move" \
	"$(grep -m1 '^# [a-z]* (rule ' "$IT_TMP/suggest.out")"
expect_match "suggest: KESEHATAN's aliases line with SIGAPKES last" \
	'^aliases = \[ "PUSKESMAS", .*"SIGAPKES" \];$' "$CLI_OUT"
expect_match "suggest: SIGAPKES's evidence" \
	'^#   "SIGAPKES": 3 triaged texts -> dinkes, 0 elsewhere, 0 routed texts would move; seen in 3 texts to dinkes; e\.g\. "sigapkes sy blm aktif sdh sebulan"$' \
	"$CLI_OUT"
expect_match "suggest: dpupr's group" \
	"^# dpupr \\(rule JALAN, $ADUAN_CONF:$JALAN_LINE\\): 2 of 2 hand-routed texts would go there \\(now 0\\), 0 routed texts would move$" \
	"$CLI_OUT"
expect_match "suggest: EMBUNG's evidence" \
	'^#   "EMBUNG": 2 triaged texts -> dpupr, 0 elsewhere, 0 routed texts would move; seen in 2 texts to dpupr; e\.g\. "proyek embung mangkrak di desa kami"$' \
	"$CLI_OUT"
expect_match "suggest: JALAN's aliases line with EMBUNG" '^aliases = \[ "JLN", .*"EMBUNG" \];$' "$CLI_OUT"
expect_no_match "suggest: MANGKRAK is in no aliases line" '^aliases = .*"MANGKRAK"' "$CLI_OUT"
expect_match "suggest: MANGKRAK is left out, with why" \
	'^#   "MANGKRAK" for dpupr \(seen in 2 texts\): it would route 2 hand-routed texts there but move 3 routed and send 0 elsewhere$' \
	"$CLI_OUT"
expect_match "suggest: an agency without a rule" \
	'^# dinas-baru: no rule sends complaints there; 2 hand-routed texts went there; words seen: "DANA" \(2\), "SIPANDA" \(2\)$' \
	"$CLI_OUT"
expect_match "suggest: its rule block" '^#   \{ keyword = "DANA"; aliases = \[ "SIPANDA" \]; agency = "dinas-baru";$' \
	"$CLI_OUT"
expect_no_match "suggest: a word of one text is no candidate" 'SEBULAN|DITOLAK|PROYEK' "$CLI_OUT"
expect_no_match "suggest: short and common words are none" '"(SY|SDH|BLM|DI)"' "$CLI_OUT"
ok "rules suggest: SIGAPKES and EMBUNG with their evidence, MANGKRAK left out (moves 3 routed)"

# The aliases line pastes: the config with it is accepted and routes the texts.
awk -v line="$KES_LINE" -v new="$(grep -m1 '^aliases = ' "$IT_TMP/suggest.out")" '
	NR > line && !done && /^ *aliases = \[/ { print "    " new; skip = !/\];/; done = 1; next }
	skip { if (/\];/) skip = 0; next }
	{ print }' "$ADUAN_CONF" >"$IT_TMP/pasted.conf"
cli check --demo -c "$IT_TMP/pasted.conf"
expect_eq "pasted: aduan check ($CLI_ERR)" 0 "$CLI_RC"
cli route -c "$IT_TMP/pasted.conf" "daftar SIGAPKES ditolak terus gmn ini"
expect_match "pasted: the text routes to dinkes" '^agency: +dinkes ' "$CLI_OUT"
ok "the suggested aliases line pastes into the config and routes the texts"

cli rules suggest -c "$ADUAN_CONF" -d "$ADUAN_DB" --min 4
expect_eq "--min 4: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "--min 4: nothing" '^no word to suggest$' "$CLI_OUT"
expect_no_match "--min 4: no aliases line" '^aliases' "$CLI_OUT"

cli rules suggest -c "$ADUAN_CONF" -d "$ADUAN_DB" --since 2099-01-01
expect_eq "--since later: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "--since later: no evidence" '^# 0 complaints the router sent to triage' "$CLI_OUT"

cli rules suggest -c "$ADUAN_CONF" -d "$ADUAN_DB" --min 0
expect_eq "--min 0: exit status" 2 "$CLI_RC"
expect_match "--min 0: says why" 'min 0' "$CLI_ERR"
cli rules suggest -c "$ADUAN_CONF" -d "$IT_TMP/none.db"
expect_eq "no database: exit status" 1 "$CLI_RC"
expect_eq "no database: not created" "" "$(ls "$IT_TMP/none.db"* 2>/dev/null)"
ok "rules suggest: --min, --since, bad arguments"

expect_eq "the database is byte-identical" "$SUM_BEFORE" "$(db_sum)"
expect_eq "the -wal file is empty" 0 "$(stat -c %s "$ADUAN_DB-wal" 2>/dev/null || echo 0)"
expect_eq "the content is the same" "$DUMP_BEFORE" "$(dump_sum)"
ok "rules suggest reads only"

#!/bin/bash
# it_cli: the aduan binary as an operator uses it.
#
#   --help / --version / no arguments / an unknown command: exit codes,
#       which stream, what they say;
#   check: the bundled config is OK; every error of a bad config is
#       FILE:LINE: message with the right line; a missing file;
#   serve refuses to start on a bad config, a missing database directory,
#       a port another program holds (nothing left listening);
#   route: leading keyword, typo, region, leading keyword over a keyword
#       later in the text, a real tie (triage), most words wins, the "note:"
#       for short text, a command;
#   sms against a running serve: the reply on stdout, the part count on
#       stderr; nothing listening; --id twice;
#   SIGHUP keeps serving; SIGTERM and SIGINT stop it with exit 0, a clean
#       log and a consistent database;
#   the log never holds a full phone number;
#   last: a second `aduan serve` on the port of a running one must refuse.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init cli

VERSION_WANT=$(tr -d ' \t\r\n' <VERSION)
TRIAGE=$(sed -n 's/^triage[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$ADUAN_CONF" | head -n 1)
[ -n "$TRIAGE" ] || fail "no triage agency found in $ADUAN_CONF"

# has_word WORD TEXT
has_word() {
	printf '%s\n' "$2" | grep -qw -- "$1"
}

# ---------------------------------------------------------------------------
# --help, --version, usage errors
# ---------------------------------------------------------------------------
cli --help
expect_eq "aduan --help: exit status" 0 "$CLI_RC"
for w in serve check route sms; do
	has_word "$w" "$CLI_OUT" || fail "aduan --help: the text on stdout does not mention '$w':
$CLI_OUT"
done
cli -h
expect_eq "aduan -h: exit status" 0 "$CLI_RC"
expect_match "aduan -h: usage on stdout" '^usage: ' "$CLI_OUT"
has_word "--demo" "$CLI_OUT" || fail "aduan --help: the text does not mention --demo:
$CLI_OUT"
ok "--help / -h: exit 0, mentions serve, check, route, sms, --demo"

cli --version
expect_eq "aduan --version: exit status" 0 "$CLI_RC"
# The release, and the commit it was built from when known (it_build checks which).
expect_match "aduan --version: matches the VERSION file" \
	"^aduan ${VERSION_WANT//./\\.}( \\(commit [0-9a-f]+(-dirty)?\\))?\$" "$CLI_OUT"
ok "--version: $CLI_OUT"

cli
expect_eq "aduan (no arguments): exit status" 2 "$CLI_RC"
expect_eq "aduan (no arguments): nothing on stdout" "" "$CLI_OUT"
expect_match "aduan (no arguments): usage on stderr" '^usage: ' "$CLI_ERR"
ok "no arguments: usage on stderr, exit 2"

cli frobnicate
expect_eq "aduan frobnicate: exit status" 2 "$CLI_RC"
expect_eq "aduan frobnicate: nothing on stdout" "" "$CLI_OUT"
expect_match "aduan frobnicate: the message names the command" 'frobnicate' "$CLI_ERR"
cli check --no-such-option
expect_eq "aduan check --no-such-option: exit status" 2 "$CLI_RC"
expect_match "aduan check --no-such-option: a message" '[A-Za-z]' "$CLI_ERR"
cli route
expect_eq "aduan route (no TEXT): exit status" 2 "$CLI_RC"
ok "unknown command, unknown option, missing argument: exit 2 with a message"

# ---------------------------------------------------------------------------
# aduan check
# ---------------------------------------------------------------------------

# check_error_lines FILE OUTPUT: every line but the last is FILE:LINE: msg
# with LINE a non-blank, non-comment line of FILE; the last is FILE: summary.
# Sets ERR_LINES (the distinct line numbers, sorted).
ERR_LINES=
check_error_lines() {
	local file=$1 out=$2 n total line num text last
	n=$(printf '%s\n' "$out" | wc -l)
	[ "$n" -ge 2 ] || fail "check $file: expected error lines and a summary, got: [$out]"
	total=$(wc -l <"$file")
	last=$(printf '%s\n' "$out" | tail -n 1)
	expect_match "check $file: the last line is the summary" \
		"^$file: [0-9]+ errors?; configuration not usable\$" "$last"
	while IFS= read -r line; do
		case "$line" in
		"$file:"[0-9]*": "?*) ;;
		*) fail "check $file: a line not of the form FILE:LINE: message:
  [$line]" ;;
		esac
		num=${line#"$file:"}
		num=${num%%:*}
		case "$num" in *[!0-9]*) fail "check $file: bad line number in [$line]" ;; esac
		if [ "$num" -lt 1 ] || [ "$num" -gt "$total" ]; then
			fail "check $file: line $num is outside the file (1..$total): [$line]"
		fi
		text=$(sed -n "${num}p" "$file")
		case "$text" in
		*[![:space:]]*) ;;
		*) fail "check $file: the error points at a blank line $num: [$line]" ;;
		esac
		case "$text" in
		[[:space:]]*'#'* | '#'*) fail "check $file: the error points at comment line $num: [$line]" ;;
		esac
	done < <(printf '%s\n' "$out" | head -n $((n - 1)))
	ERR_LINES=$(printf '%s\n' "$out" | head -n $((n - 1)) | sed "s|^$file:\([0-9]*\):.*|\1|" |
		sort -n -u | tr '\n' ' ')
	ERR_LINES=${ERR_LINES% }
}

# line_of FILE FIXED_STRING: the number of the first line containing it.
line_of() {
	local n
	n=$(grep -n -F -- "$2" "$1" | head -n 1 | cut -d: -f1)
	[ -n "$n" ] || fail "line_of: '$2' not in $1"
	echo "$n"
}

# expect_error_at FILE OUTPUT LINE ERE: OUTPUT has FILE:LINE: <matching ERE>
expect_error_at() {
	printf '%s\n' "$2" | grep -Eq -- "^$1:$3: .*$4" ||
		fail "check $1: expected an error at line $3 matching /$4/; got:
$2"
}

# The example ships with the demo secrets and tokens README publishes:
# without --demo each is an error at its line, saying how to make a real one.
cli check -c "$ADUAN_CONF"
expect_eq "check $ADUAN_CONF without --demo: exit status" 1 "$CLI_RC"
expect_eq "check $ADUAN_CONF without --demo: nothing on stdout" "" "$CLI_OUT"
for demo in 'secret = "ganti-rahasia-kannel"|gateways\.kannel\.secret' \
	'secret = "ganti-rahasia-ussd"|gateways\.africastalking\.secret' \
	'password = "ganti-sandi-sendsms"|sms_sender\.password' \
	'd183b9340f93f4cfec0f6c56abf2974f4d518f48f4ec912adc02220ef1f74709|agencies\[diskominfo\]\.token_sha256' \
	'742f68a37c533b3b5cfaf5c209bab354be4d21be6890a2e1e459bb7e8a20b06e|agencies\[dpupr\]\.token_sha256'; do
	expect_error_at "$ADUAN_CONF" "$CLI_ERR" "$(line_of "$ADUAN_CONF" "${demo%%|*}")" \
		"${demo#*|}: .*(openssl rand -hex 16).*--demo"
done
ok "check $ADUAN_CONF without --demo: exit 1, each demo secret and token refused at its line"
cli check --demo -c "$ADUAN_CONF"
expect_eq "check --demo $ADUAN_CONF: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "check --demo $ADUAN_CONF: stdout" '^configuration OK' "$CLI_OUT"
expect_match "check --demo $ADUAN_CONF: a loud warning on stderr" '^aduan: DEMO MODE' "$CLI_ERR"
ok "check --demo $ADUAN_CONF: $CLI_OUT, with the DEMO MODE warning"

BAD=test/conf/bad-many.conf
cli check -c "$BAD"
expect_eq "check $BAD: exit status" 1 "$CLI_RC"
expect_eq "check $BAD: nothing on stdout" "" "$CLI_OUT"
check_error_lines "$BAD" "$CLI_ERR"
NDISTINCT=$(wc -w <<<"$ERR_LINES")
[ "$NDISTINCT" -ge 5 ] ||
	fail "check $BAD: expected errors on at least 5 distinct lines, got lines: $ERR_LINES"
expect_error_at "$BAD" "$CLI_ERR" "$(line_of "$BAD" 'port = 70000')" 'server\.port'
expect_error_at "$BAD" "$CLI_ERR" "$(line_of "$BAD" 'lisen')" "'lisen'"
expect_error_at "$BAD" "$CLI_ERR" "$(line_of "$BAD" 'agency = "dpu";')" "unknown agency 'dpu'"
BAD_ERRORS=$CLI_ERR
ok "check $BAD: exit 1, $(($(printf '%s\n' "$CLI_ERR" | wc -l) - 1)) errors as FILE:LINE: message on lines $ERR_LINES"

# A config with exactly three mistakes, written here.
THREE=$IT_TMP/three.conf
cat >"$THREE" <<'EOF'
# Three mistakes: port 0, an unknown setting, a rule for an unknown agency.
server = {
  listen = "127.0.0.1";
  port = 0;
  threads = 2;
  colour = "blue";
};
gateways = { kannel = { secret = "0123456789abcdef"; }; };
agencies = (
  { id = "diskominfo"; name = "Dinas Komunikasi dan Informatika"; short_name = "Diskominfo"; },
  { id = "dpupr"; name = "Dinas Pekerjaan Umum"; short_name = "DPUPR"; }
);
triage = "diskominfo";
rules = (
  { keyword = "JALAN";
    aliases = [ "JLN" ];
    agency = "dinas-jalan";
    label = { id = "Jalan"; en = "Roads"; };
  }
);
EOF
cli check -c "$THREE"
expect_eq "check three.conf: exit status" 1 "$CLI_RC"
check_error_lines "$THREE" "$CLI_ERR"
L_PORT=$(line_of "$THREE" 'port = 0;')
L_COLOUR=$(line_of "$THREE" 'colour')
L_AGENCY=$(line_of "$THREE" 'agency = "dinas-jalan"')
expect_eq "check three.conf: the lines with errors" "$L_PORT $L_COLOUR $L_AGENCY" "$ERR_LINES"
expect_eq "check three.conf: error lines" 3 "$(($(printf '%s\n' "$CLI_ERR" | wc -l) - 1))"
expect_error_at "$THREE" "$CLI_ERR" "$L_PORT" 'port.*0'
expect_error_at "$THREE" "$CLI_ERR" "$L_COLOUR" "colour"
expect_error_at "$THREE" "$CLI_ERR" "$L_AGENCY" "dinas-jalan"
expect_match "check three.conf: summary" ": 3 errors;" "$CLI_ERR"
# ...and with those three fixed, nothing else is wrong.
sed -e 's/port = 0;/port = 8080;/' -e '/colour/d' -e 's/dinas-jalan/dpupr/' "$THREE" >"$IT_TMP/fixed.conf"
cli check -c "$IT_TMP/fixed.conf"
expect_eq "check three.conf with the three fixed: exit status ($CLI_ERR)" 0 "$CLI_RC"
ok "check three.conf: exactly port (line $L_PORT), colour (line $L_COLOUR), unknown agency (line $L_AGENCY); fixed -> OK"

cli check -c "$IT_TMP/no-such.conf"
expect_eq "check a missing file: exit status" 1 "$CLI_RC"
expect_eq "check a missing file: nothing on stdout" "" "$CLI_OUT"
expect_match "check a missing file: the message names the file" 'no-such\.conf' "$CLI_ERR"
expect_match_i "check a missing file: the message says why" 'cannot read|no such file|not found|does not exist' "$CLI_ERR"
ok "check a missing file: exit 1, \"$(printf '%s\n' "$CLI_ERR" | head -n 1)\""

# ---------------------------------------------------------------------------
# aduan serve refuses to start
# ---------------------------------------------------------------------------
# serve_refusal WHAT ARGS...: `aduan serve ARGS` in the background; it must
# end by itself (10 s) without ever logging "serving on".  SR_RC, SR_ERR.
SR_RC=
SR_ERR=
serve_refusal() {
	local what=$1 pid end
	shift
	"$ADUAN_BIN" serve "$@" </dev/null >"$IT_TMP/refuse.out" 2>"$IT_TMP/refuse.err" &
	pid=$!
	track "$pid" "aduan serve ($what)"
	end=$((SECONDS + 10))
	while pid_alive "$pid"; do
		if grep -q 'serving on' "$IT_TMP/refuse.err"; then
			printf 'FAIL: %s: aduan serve %s\n  expected: a refusal to start, exit status non-zero\n  got:      it started and serves:\n%s\n' \
				"$what" "$*" "$(cat "$IT_TMP/refuse.err")" >&2
			exit 1
		fi
		[ "$SECONDS" -ge "$end" ] && fail "$what: aduan serve $* neither started nor exited within 10 s"
		nap 0.02
	done
	wait_exit "$pid" 1 SR_RC
	SR_ERR=$(cat "$IT_TMP/refuse.out" "$IT_TMP/refuse.err")
	if grep -q 'serving on' "$IT_TMP/refuse.err"; then
		fail "$what: aduan serve logged 'serving on' before exiting: $SR_ERR"
	fi
}

# The example config without --demo: refused like any config error.
free_port P_DEMO
serve_refusal "demo secrets without --demo" -c "$ADUAN_CONF" -p "$P_DEMO" -d "$IT_TMP/demo.db"
expect_eq "serve on $ADUAN_CONF without --demo: exit status" 1 "$SR_RC"
expect_match "serve on $ADUAN_CONF without --demo: names the kannel secret" \
	"gateways\.kannel\.secret: 'ganti-rahasia-kannel' is a demo secret" "$SR_ERR"
port_open "$P_DEMO" && fail "serve without --demo: something listens on port $P_DEMO"
[ -e "$IT_TMP/demo.db" ] && fail "serve without --demo: it created the database $IT_TMP/demo.db"
ok "serve on the example config without --demo: exit 1, the demo secrets named, nothing listening"

free_port P_BAD
serve_refusal "bad config" -c "$BAD" -p "$P_BAD" -d "$IT_TMP/bad.db"
expect_eq "serve on $BAD: exit status" 1 "$SR_RC"
expect_eq "serve on $BAD: the same errors as check" "$BAD_ERRORS" "$SR_ERR"
port_open "$P_BAD" && fail "serve on $BAD: something listens on port $P_BAD"
[ -e "$IT_TMP/bad.db" ] && fail "serve on $BAD: it created the database $IT_TMP/bad.db"
ok "serve on a bad config: exit 1, the errors with their lines, nothing listening, no database"

free_port P_NODIR
serve_refusal "database in a missing directory" --demo -c "$ADUAN_CONF" -p "$P_NODIR" -d "$IT_TMP/no-such-dir/aduan.db"
expect_ne "serve with -d in a missing directory: exit status" 0 "$SR_RC"
expect_match "serve with -d in a missing directory: the message names the database" \
	'no-such-dir/aduan\.db' "$SR_ERR"
port_open "$P_NODIR" && fail "serve with -d in a missing directory: something listens on port $P_NODIR"
[ -e "$IT_TMP/no-such-dir" ] && fail "serve with -d in a missing directory: it created the directory"
ok "serve with a database in a missing directory: exit $SR_RC, \"$(printf '%s\n' "$SR_ERR" | tail -n 1)\""

# A port held by another program (tool_flakyproxy: a plain listening socket).
free_port P_HELD
free_port P_UPSTREAM
"$TOOL_FLAKYPROXY" "$P_HELD" "$P_UPSTREAM" 0 </dev/null >"$IT_TMP/holder.log" 2>&1 &
HOLDER_PID=$!
track "$HOLDER_PID" "port holder (tool_flakyproxy)"
wait_port "$P_HELD" 10 "$HOLDER_PID" "tool_flakyproxy"
serve_refusal "port held by another program" --demo -c "$ADUAN_CONF" -p "$P_HELD" -d "$IT_TMP/held.db"
expect_ne "serve on a port another program holds: exit status" 0 "$SR_RC"
expect_match "serve on a port another program holds: the message names port $P_HELD" \
	"(^|[^0-9])$P_HELD([^0-9]|$)" "$SR_ERR"
stop_pid "$HOLDER_PID"
untrack "$HOLDER_PID"
ok "serve on a port in use: exit $SR_RC, \"$(printf '%s\n' "$SR_ERR" | grep "$P_HELD" | tail -n 1)\""

# ---------------------------------------------------------------------------
# aduan route
# ---------------------------------------------------------------------------
# route TEXT: runs `aduan route`; R_AGENCY, R_RULE, R_HOW, R_REGION, R_WHY, R_NOTE.
route() {
	cli route -c "$ADUAN_CONF" "$1"
	expect_eq "route '$1': exit status ($CLI_ERR)" 0 "$CLI_RC"
	R_AGENCY=$(printf '%s\n' "$CLI_OUT" | sed -n 's/^agency: *\([^ ]*\).*/\1/p')
	R_RULE=$(printf '%s\n' "$CLI_OUT" | sed -n 's/^rule: *//p')
	R_HOW=$(printf '%s\n' "$CLI_OUT" | sed -n 's/^how: *//p')
	R_REGION=$(printf '%s\n' "$CLI_OUT" | sed -n 's/^region: *//p')
	R_WHY=$(printf '%s\n' "$CLI_OUT" | sed -n 's/^why: *//p')
	R_NOTE=$(printf '%s\n' "$CLI_OUT" | sed -n 's/^note: *//p')
}

T="JALAN Jl. Pemuda depan SMP 3 berlubang"
route "$T"
expect_eq "route '$T': agency" dpupr "$R_AGENCY"
expect_eq "route '$T': rule" JALAN "$R_RULE"
expect_eq "route '$T': how" "leading keyword, exact" "$R_HOW"
expect_eq "route '$T': region" - "$R_REGION"
expect_eq "route '$T': no note" "" "$R_NOTE"
ok "route leading keyword: '$T' -> $R_AGENCY ($R_HOW)"

T="Sampha menumpuk"
route "$T"
expect_eq "route '$T': agency" dlh "$R_AGENCY"
expect_eq "route '$T': rule" SAMPAH "$R_RULE"
expect_match "route '$T': how says typo" 'typo' "$R_HOW"
expect_match "route '$T': why says typo" 'typo' "$R_WHY"
ok "route typo: '$T' -> $R_AGENCY ($R_HOW)"

T="JLN rusak di Ambarawa"
route "$T"
expect_eq "route '$T': agency" upt-pu-ambarawa "$R_AGENCY"
expect_eq "route '$T': rule" JALAN "$R_RULE"
expect_match "route '$T': region" '^ambarawa .*regional agency' "$R_REGION"
ok "route region: '$T' -> $R_AGENCY (region $R_REGION)"

# README "Routing", step 2 before step 3: the leading keyword decides even
# when another rule's keyword comes later in the text.
T="jalan rusak dan sampah menumpuk di pasar"
route "$T"
expect_eq "route '$T': agency" dpupr "$R_AGENCY"
expect_eq "route '$T': rule" JALAN "$R_RULE"
expect_match "route '$T': how" '^leading keyword' "$R_HOW"
ok "route leading keyword beats a later keyword: '$T' -> $R_RULE"

# Step 3: keywords inside the text, one word each for two rules: a tie, triage.
T="tolong ada sampah dan lubang"
route "$T"
expect_eq "route '$T': agency (triage)" "$TRIAGE" "$R_AGENCY"
expect_eq "route '$T': rule" "- (triage)" "$R_RULE"
expect_eq "route '$T': how" "triage: keywords of several rules tied" "$R_HOW"
expect_match "route '$T': why names both rules" 'JALAN.*SAMPAH|SAMPAH.*JALAN' "$R_WHY"
expect_eq "route '$T': no note (a ticket is opened)" "" "$R_NOTE"
ok "route tie: '$T' -> $R_AGENCY ($R_HOW)"

# Step 3: the rule with the most distinct matched words wins.
T="tolong ada sampah dan jln jalan rusak"
route "$T"
expect_eq "route '$T': agency" dpupr "$R_AGENCY"
expect_eq "route '$T': rule" JALAN "$R_RULE"
expect_match "route '$T': how" '^keyword found inside the text' "$R_HOW"
ok "route most words wins: '$T' -> $R_RULE ($R_HOW)"

# Word forms: stems meet rule words (README "Routing", word forms).
T="jalannya berlubang"
route "$T"
expect_eq "route '$T': agency" dpupr "$R_AGENCY"
expect_eq "route '$T': rule" JALAN "$R_RULE"
expect_eq "route '$T': how" "leading keyword, stem" "$R_HOW"
expect_match "route '$T': why names the stem" \
	"leading word 'JALANNYA' has the stem JALAN of the keyword JALAN" "$R_WHY"
ok "route by stem: '$T' -> $R_RULE ($R_HOW)"
T="jalan rusak, perbaikan tidak berjalan"
route "$T"
expect_eq "route '$T': agency" diskominfo "$R_AGENCY"
expect_eq "route '$T': how says a rule was ruled out" \
	"triage: no keyword found of a rule not ruled out" "$R_HOW"
expect_match "route '$T': why names the unless entry" \
	"JALAN ruled out: 'TIDAK BERJALAN' is in its unless list" "$R_WHY"
T="tolong PJU di jalan lingkar Ambarawa mati"
route "$T"
expect_eq "route '$T': agency (JALAN is a weak word)" dishub "$R_AGENCY"
expect_match "route '$T': why says JALAN did not count" \
	"'JALAN' not counted: a weak word of JALAN, and other keywords were found" "$R_WHY"
ok "route: unless and weak words say what they did"
T="banyak lubang2 di gang"
route "$T"
expect_eq "route '$T': rule" JALAN "$R_RULE"
expect_match "route '$T': why names the stem" \
	"word 'LUBANG2' has the stem LUBANG of JALAN's alias LUBANG" "$R_WHY"
ok "route by reduplication: '$T' -> $R_RULE"

# Without the dictionary: check says so (and passes); -nya is still cut.
sed 's|dictionary = "/usr/share/hunspell/id_ID";|dictionary = "'"$IT_TMP"'/none/id_ID";|' \
	"$ADUAN_CONF" >"$IT_TMP/nodict.conf"
grep -q "$IT_TMP/none/id_ID" "$IT_TMP/nodict.conf" || fail "nodict.conf: dictionary not replaced"
cli check --demo -c "$IT_TMP/nodict.conf"
expect_eq "check without dictionary: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "check without dictionary: warns" \
	"warning: routing: dictionary $IT_TMP/none/id_ID.aff/.dic not readable \(Debian package hunspell-id\)" \
	"$CLI_ERR"
cli route -c "$IT_TMP/nodict.conf" "lubangnya dalam sekali"
expect_match "route without dictionary: -nya cut" "^rule: *JALAN" "$CLI_OUT"
ok "check without the dictionary warns; route still cuts -nya"

T="tolong pak"
route "$T"
expect_eq "route '$T': agency (triage)" "$TRIAGE" "$R_AGENCY"
expect_eq "route '$T': how" "triage: no keyword found" "$R_HOW"
expect_match "route '$T': note" 'help text' "$R_NOTE"
T="ada banyak masalah di desa kami"
route "$T"
expect_eq "route '$T': agency (triage)" "$TRIAGE" "$R_AGENCY"
expect_eq "route '$T': no note for 3+ words" "" "$R_NOTE"
ok "route triage: short text has a note:, 3+ words have none"

T="STATUS 18892251"
route "$T"
expect_match "route '$T': a command" '^command: STATUS' "$CLI_OUT"
expect_no_match "route '$T': no agency line" '^agency:' "$CLI_OUT"
ok "route command: '$T' -> $CLI_OUT"

# ---------------------------------------------------------------------------
# aduan sms against a running aduan serve
# ---------------------------------------------------------------------------
start_aduan
demo_logged() { grep -q 'WARN.*DEMO MODE (--demo)' "$ADUAN_LOG"; }
wait_for 5 "aduan serve --demo: a DEMO MODE warning in the log at start" demo_logged
ok "serve --demo: the DEMO MODE warning is logged at start"
PHONE_A=081234567890
PHONE_B=+6281298765432
PARTS_RE='^\([0-9]+ SMS parts?, (GSM-7|UCS-2), [0-9]+ (septets|UTF-16 units)\)$'

cli sms -c "$ADUAN_CONF" --url "$ADUAN_URL" "$PHONE_A" "JALAN Jl. Pemuda depan SMP 3 berlubang"
expect_eq "aduan sms: exit status ($CLI_ERR)" 0 "$CLI_RC"
TICKET_A=$(ticket_in "$CLI_OUT")
expect_match "aduan sms: stdout is the reply with a ticket" '[0-9]{8}' "$CLI_OUT"
expect_eq "aduan sms: stdout is exactly the stored reply" \
	"$(sql "SELECT reply FROM messages WHERE sender = '+6281234567890' ORDER BY id DESC LIMIT 1")" "$CLI_OUT"
expect_match "aduan sms: the part count on stderr" "$PARTS_RE" "$CLI_ERR"
expect_match "aduan sms: a ticket confirmation is one GSM-7 part" '^\(1 SMS part, GSM-7' "$CLI_ERR"
ok "aduan sms: stdout \"$CLI_OUT\", stderr \"$CLI_ERR\""

BEFORE=$(sql "SELECT count(*) FROM complaints")
ID=it-cli-$RANDOM$RANDOM
cli sms -c "$ADUAN_CONF" --url "$ADUAN_URL" --id "$ID" "$PHONE_B" "SAMPAH menumpuk di pasar Bandungan"
expect_eq "aduan sms --id (1st): exit status ($CLI_ERR)" 0 "$CLI_RC"
OUT1=$CLI_OUT
ERR1=$CLI_ERR
cli sms -c "$ADUAN_CONF" --url "$ADUAN_URL" --id "$ID" "$PHONE_B" "SAMPAH menumpuk di pasar Bandungan"
expect_eq "aduan sms --id (2nd): exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_eq "aduan sms --id twice: identical stdout" "$OUT1" "$CLI_OUT"
expect_eq "aduan sms --id twice: identical stderr" "$ERR1" "$CLI_ERR"
expect_eq "aduan sms --id twice: one new complaint" $((BEFORE + 1)) "$(sql "SELECT count(*) FROM complaints")"
expect_eq "aduan sms --id twice: one message row for the id" 1 \
	"$(sql "SELECT count(*) FROM messages WHERE gateway = 'kannel' AND gw_id = '$ID'")"
ok "aduan sms --id $ID twice: identical output, one complaint"

free_port P_NONE
cli sms -c "$ADUAN_CONF" --url "http://127.0.0.1:$P_NONE" "$PHONE_A" "JALAN rusak"
expect_eq "aduan sms, nothing listening: exit status" 1 "$CLI_RC"
expect_eq "aduan sms, nothing listening: nothing on stdout" "" "$CLI_OUT"
expect_match "aduan sms, nothing listening: suggests aduan serve" 'aduan serve' "$CLI_ERR"
ok "aduan sms, nothing listening: exit 1, \"$CLI_ERR\""

# ---------------------------------------------------------------------------
# Signals
# ---------------------------------------------------------------------------
# wait_log_from FILE FIRST_LINE ERE TIMEOUT_S WHAT
wait_log_from() {
	local end=$((SECONDS + $4))
	until tail -n +"$2" "$1" | grep -Eq -- "$3"; do
		[ "$SECONDS" -ge "$end" ] && fail "$5: no log line matching /$3/ within $4 s:
$(tail -n +"$2" "$1")"
		nap 0.02
	done
}

MARK=$(log_lines "$ADUAN_LOG")
kill -HUP "$ADUAN_PID"
wait_log_from "$ADUAN_LOG" "$((MARK + 1))" 'SIGHUP' 5 "SIGHUP"
pid_alive "$ADUAN_PID" || fail "SIGHUP killed aduan serve: $(tail -n 5 "$ADUAN_LOG")"
cli sms -c "$ADUAN_CONF" --url "$ADUAN_URL" "$PHONE_B" "AIR PDAM mati tiga hari di Ungaran"
expect_eq "after SIGHUP: aduan sms exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "after SIGHUP: a ticket" '[0-9]{8}' "$CLI_OUT"
http_must "after SIGHUP: /healthz" "$ADUAN_URL/healthz"
expect_eq "after SIGHUP: /healthz status" 200 "$RESP_STATUS"
ok "SIGHUP: logged \"$(tail -n +"$((MARK + 1))" "$ADUAN_LOG" | grep SIGHUP | head -n 1 | cut -d' ' -f3-)\", still serving"

# stop_with SIG: signal the running aduan serve; exit 0, the log lines, the
# port closed, the database consistent and still holding COMPLAINTS.
stop_with() {
	local sig=$1 mark rc complaints
	complaints=$(sql "SELECT count(*) FROM complaints")
	mark=$(log_lines "$ADUAN_LOG")
	kill -"$sig" "$ADUAN_PID"
	wait_exit "$ADUAN_PID" 10 rc
	expect_eq "SIG$sig: exit status of aduan serve" 0 "$rc"
	expect_match "SIG$sig: a 'shutting down' log line" 'shutting down' \
		"$(tail -n +"$((mark + 1))" "$ADUAN_LOG")"
	expect_match "SIG$sig: a 'stopped' log line" 'stopped' "$(tail -n +"$((mark + 1))" "$ADUAN_LOG")"
	port_open "$ADUAN_PORT" && fail "SIG$sig: port $ADUAN_PORT still open after exit"
	expect_eq "SIG$sig: PRAGMA integrity_check" ok "$(sql 'PRAGMA integrity_check')"
	expect_eq "SIG$sig: complaints kept" "$complaints" "$(sql "SELECT count(*) FROM complaints")"
	ok "SIG$sig: exit 0, \"$(tail -n +"$((mark + 1))" "$ADUAN_LOG" | grep -m1 'shutting down' | cut -d' ' -f3-)\", \"stopped\", integrity ok, $complaints complaints"
}
stop_with TERM

# The log of that whole run: no full phone number, the masked forms.
LOG=$(cat "$ADUAN_LOG")
expect_no_match "the log holds no full phone number (1234567890)" '1234567890' "$LOG"
expect_no_match "the log holds no full phone number (1298765432)" '1298765432' "$LOG"
grep -qF '+62812****890' "$ADUAN_LOG" || fail "log: the masked form +62812****890 is missing:
$LOG"
grep -qF '+62812****432' "$ADUAN_LOG" || fail "log: the masked form +62812****432 is missing:
$LOG"
check_log_errors "$ADUAN_LOG" "aduan"
ok "log: no full phone numbers; +62812****890 and +62812****432 present; no ERROR"

# SIGINT (what Ctrl-C sends).  A background job of a non-interactive shell
# starts with SIGINT ignored; aduan blocks it and takes it with sigwait(),
# which on Linux receives a blocked signal whatever its disposition.
restart_aduan
cli sms -c "$ADUAN_CONF" --url "$ADUAN_URL" "$PHONE_A" "LISTRIK padam sejak pagi di Bergas"
expect_eq "before SIGINT: aduan sms exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_eq "after a restart: the ticket of the first run is still there" 1 \
	"$(sql "SELECT count(*) FROM complaints WHERE ticket = '$TICKET_A'")"
stop_with INT
check_log_errors "$ADUAN_LOG" "aduan"

# ---------------------------------------------------------------------------
# Last: a second aduan serve on the port a running aduan serve listens on.
# ---------------------------------------------------------------------------
restart_aduan
serve_refusal "port held by a running aduan serve" --demo -c "$ADUAN_CONF" -p "$ADUAN_PORT" -d "$IT_TMP/second.db"
expect_ne "a second aduan serve on port $ADUAN_PORT: exit status" 0 "$SR_RC"
expect_match "a second aduan serve on port $ADUAN_PORT: the message names the port" \
	"(^|[^0-9])$ADUAN_PORT([^0-9]|$)" "$SR_ERR"
ok "a second aduan serve on a port in use by aduan: exit $SR_RC"

exit 0

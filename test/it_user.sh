#!/bin/bash
# it_user: `aduan user` as an operator uses it, on a real database.
#
#   add: the password from stdin, hashed (never stored as given, never
#       listed), role and name kept, the audit row; list shows the account;
#   refused, each with exit 1 (2 for wrong arguments), a message naming
#       the problem, and the database file byte for byte as it was: a short
#       password, the login as password, a published demo password, no
#       password, an agency not in the config, an unknown role, a bad
#       login, a login taken, no --agency; passwd, disable, enable of an
#       unknown login; list, passwd on a database that is not there (and
#       still is not);
#   passwd: a new hash, the account's sessions ended; disable: the flag,
#       the sessions ended, a second disable says so; enable;
#   on a terminal: asked twice without echo, a mismatch refused;
#   serve --demo: a demo account per agency and the triage supervisor;
#   --help lists the command.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init user

DB=$IT_TMP/users.db
ADUAN_DB=$DB
C=(-c "$ADUAN_CONF" -d "$DB")
GOOD="kata sandi yang panjang"

# user INPUT ARGS...: aduan user ARGS with INPUT (a line, or "" for none) on stdin.
user() {
	local input=$1
	shift
	if [ -n "$input" ]; then
		printf '%s\n' "$input" | timeout -k 2 20 "$ADUAN_BIN" user "$@" \
			>"$IT_TMP/cli.out" 2>"$IT_TMP/cli.err"
	else
		timeout -k 2 20 "$ADUAN_BIN" user "$@" </dev/null \
			>"$IT_TMP/cli.out" 2>"$IT_TMP/cli.err"
	fi
	CLI_RC=$?
	CLI_OUT=$(cat "$IT_TMP/cli.out")
	CLI_ERR=$(cat "$IT_TMP/cli.err")
}

# The database's bytes (the main file and a WAL if one is left).
db_sum() {
	cat "$DB" "$DB-wal" 2>/dev/null | sha256sum | cut -d' ' -f1
}

# refused WHAT RC ERE INPUT ARGS...: exit RC, a message matching ERE, the file untouched.
refused() {
	local what=$1 rc=$2 ere=$3 input=$4 before
	shift 4
	before=$(db_sum)
	user "$input" "$@"
	expect_eq "$what: exit status" "$rc" "$CLI_RC"
	expect_match "$what: the message" "$ere" "$CLI_ERR"
	expect_eq "$what: nothing on stdout" "" "$CLI_OUT"
	expect_eq "$what: the database is untouched" "$before" "$(db_sum)"
}

# ---------------------------------------------------------------------------
# add, list
# ---------------------------------------------------------------------------
user "$GOOD" add budi --agency dpupr --name "Budi Santoso" "${C[@]}"
expect_eq "user add budi: exit status" 0 "$CLI_RC"
expect_eq "user add budi: says so" "user budi added: agency dpupr, role staff" "$CLI_OUT"
# the first write makes the database: one line says so, nothing else
expect_match "user add budi: stderr is only the new database's line" \
	'^[^ ]+ INFO store: created schema [0-9]+ in [^ ]*users\.db$' "$CLI_ERR"
HASH=$(sql "SELECT pw_hash FROM accounts WHERE login = 'budi'")
expect_match "user add: the password is kept as an scrypt hash" '^scrypt\$N=32768,r=8,p=1\$' "$HASH"
expect_no_match "user add: never the password itself" "$GOOD" "$HASH"
expect_eq "user add: one audit row" "operator|user_add|budi: agency dpupr, role staff" \
	"$(sql "SELECT login, action, detail FROM audit_log")"

user "$GOOD kedua" add ani --agency diskominfo --role supervisor --name "Ani Wulandari, S.Kom." \
	"${C[@]}"
expect_eq "user add ani (supervisor): exit status" 0 "$CLI_RC"
# Options may come first, too.
user "$GOOD ketiga" add "${C[@]}" --agency dlh citra
expect_eq "user add citra (options first): exit status" 0 "$CLI_RC"

user "" list "${C[@]}"
expect_eq "user list: exit status" 0 "$CLI_RC"
expect_match "user list: a header" '^login +agency +role +disabled +created +name' "$CLI_OUT"
expect_match "user list: budi" '^budi +dpupr +staff +no +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{5} Budi Santoso$' \
	"$CLI_OUT"
expect_match "user list: ani, supervisor of the triage agency" \
	'^ani +diskominfo +supervisor +no .* Ani Wulandari, S\.Kom\.$' "$CLI_OUT"
expect_eq "user list: three accounts and the header" 4 "$(printf '%s\n' "$CLI_OUT" | wc -l)"
expect_no_match "user list: no hashes" 'scrypt' "$CLI_OUT"
ok "add (stdin, scrypt hash, audited), list (no hashes)"

# ---------------------------------------------------------------------------
# refusals leave the database as it was
# ---------------------------------------------------------------------------
refused "a short password" 1 'shorter than 10 characters' "pendek" add dedi --agency dpupr "${C[@]}"
refused "the login as password" 1 'password is the login' "dedisantoso" \
	add dedisantoso --agency dpupr "${C[@]}"
refused "a published demo password" 1 'demo password' "demo-dpupr-ganti" \
	add dedi --agency dpupr "${C[@]}"
refused "no password on stdin" 1 'no password' "" add dedi --agency dpupr "${C[@]}"
refused "an agency not in the config" 1 'agency dinpar is not in' "$GOOD" \
	add dedi --agency dinpar "${C[@]}"
refused "an unknown role" 1 'staff or supervisor' "$GOOD" \
	add dedi --agency dpupr --role admin "${C[@]}"
refused "a login with capitals and spaces" 1 'a login is 1 to 63 of' "$GOOD" \
	add "Dedi S" --agency dpupr "${C[@]}"
refused "a login taken" 1 'user budi exists' "$GOOD lagi" add budi --agency dlh "${C[@]}"
refused "no --agency" 2 'agency ID is needed' "$GOOD" add dedi "${C[@]}"
refused "passwd of an unknown login" 1 'no such account' "$GOOD" passwd nobody "${C[@]}"
refused "disable of an unknown login" 1 'no such account' "" disable nobody "${C[@]}"
refused "enable of an unknown login" 1 'no such account' "" enable nobody "${C[@]}"
refused "passwd with a short password" 1 'shorter than' "pendek" passwd budi "${C[@]}"
refused "an unknown subcommand" 2 'wrong arguments: user' "" frob budi "${C[@]}"
expect_eq "after the refusals: still three accounts" 3 "$(sql "SELECT count(*) FROM accounts")"
expect_eq "budi's hash as it was" "$HASH" "$(sql "SELECT pw_hash FROM accounts WHERE login = 'budi'")"

user "" list -c "$ADUAN_CONF" -d "$IT_TMP/none.db"
expect_eq "list on a missing database: exit status" 1 "$CLI_RC"
expect_match "list on a missing database: says so" 'none.db: cannot read it' "$CLI_ERR"
user "$GOOD" passwd budi -c "$ADUAN_CONF" -d "$IT_TMP/none.db"
expect_eq "passwd on a missing database: exit status" 1 "$CLI_RC"
[ -e "$IT_TMP/none.db" ] && fail "passwd on a missing database created it"
ok "refused: each with its reason and the database untouched; no database made"

# ---------------------------------------------------------------------------
# passwd, disable, enable; sessions end
# ---------------------------------------------------------------------------
BUDI=$(sql "SELECT id FROM accounts WHERE login = 'budi'")
NOW=$(date +%s)
add_session() {
	sql "INSERT INTO sessions VALUES ('$1', $BUDI, 'c', $NOW, $NOW, $((NOW + 3600)))"
}
add_session s1
add_session s2
user "$GOOD baru" passwd budi "${C[@]}"
expect_eq "passwd: exit status" 0 "$CLI_RC"
expect_eq "passwd: says so" "user budi: password changed; 2 sessions ended" "$CLI_OUT"
NEW=$(sql "SELECT pw_hash FROM accounts WHERE login = 'budi'")
expect_ne "passwd: a new hash" "$HASH" "$NEW"
expect_match "passwd: scrypt" '^scrypt\$' "$NEW"
expect_eq "passwd: budi's sessions are gone" 0 "$(sql "SELECT count(*) FROM sessions")"

add_session s3
user "" disable budi "${C[@]}"
expect_eq "disable: exit status" 0 "$CLI_RC"
expect_eq "disable: says so" "user budi disabled; 1 session ended" "$CLI_OUT"
expect_eq "disable: the flag" 1 "$(sql "SELECT disabled FROM accounts WHERE login = 'budi'")"
expect_eq "disable: the session is gone" 0 "$(sql "SELECT count(*) FROM sessions")"
user "" list "${C[@]}"
expect_match "list: budi disabled" '^budi +dpupr +staff +yes ' "$CLI_OUT"
user "" disable budi "${C[@]}"
expect_eq "disable twice: exit status" 0 "$CLI_RC"
expect_eq "disable twice: says so" "user budi is disabled already" "$CLI_OUT"
user "" enable budi "${C[@]}"
expect_eq "enable: exit status" 0 "$CLI_RC"
expect_eq "enable: says so" "user budi enabled" "$CLI_OUT"
expect_eq "enable: the flag" 0 "$(sql "SELECT disabled FROM accounts WHERE login = 'budi'")"
expect_eq "the audit log, in order" \
	"user_add user_add user_add user_passwd user_disable user_enable" \
	"$(sql "SELECT group_concat(action, ' ') FROM (SELECT action FROM audit_log ORDER BY id)")"
ok "passwd and disable end the sessions; enable; audited"

# ---------------------------------------------------------------------------
# on a terminal: asked twice, without echo
# ---------------------------------------------------------------------------
# tty ANSWER1 ANSWER2 ARGS...: aduan user ARGS on a pseudo-terminal; the
# transcript (what the terminal showed) in $TTY_OUT, the status in $CLI_RC.
tty() {
	local a1=$1 a2=$2
	shift 2
	TTY_OUT=$(/usr/bin/python3 - "$ADUAN_BIN" "$a1" "$a2" "$@" <<'EOF'
import os, pty, select, signal, sys, time
binary, a1, a2, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(binary, [binary, "user"] + args)
out = b""
def until(what, limit=10):
    """Reads the terminal until what shows (None: until it closes), limit seconds at most."""
    global out
    end = time.time() + limit
    while (what is None or what not in out) and time.time() < end:
        if not select.select([fd], [], [], max(0.0, end - time.time()))[0]:
            break
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            return
        if not chunk:
            return
        out += chunk
until(b"New password")
os.write(fd, a1.encode() + b"\n")
until(b"Again")
os.write(fd, a2.encode() + b"\n")
until(None, 20)
done, status = os.waitpid(pid, os.WNOHANG)
if done == 0:
    os.kill(pid, signal.SIGKILL)
    out += b"\n[still running after 20 s: killed]"
    _, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
EOF
)
	CLI_RC=$?
}
if [ -x /usr/bin/python3 ]; then
	tty "$GOOD tty" "$GOOD tty" add dewi --agency dlh "${C[@]}"
	expect_eq "on a terminal: exit status" 0 "$CLI_RC"
	expect_match "on a terminal: asked" 'New password for dewi: ' "$TTY_OUT"
	expect_match "on a terminal: asked again" 'Again: ' "$TTY_OUT"
	expect_match "on a terminal: added" 'user dewi added' "$TTY_OUT"
	expect_no_match "on a terminal: the password is not echoed" "$GOOD tty" "$TTY_OUT"
	before=$(db_sum)
	tty "$GOOD satu" "$GOOD dua" passwd dewi "${C[@]}"
	expect_eq "on a terminal, two different passwords: exit status" 1 "$CLI_RC"
	expect_match "on a terminal, two different passwords: says so" 'differ' "$TTY_OUT"
	expect_eq "on a terminal, two different passwords: untouched" "$before" "$(db_sum)"
	ok "on a terminal: asked twice without echo; a mismatch changes nothing"
fi

# ---------------------------------------------------------------------------
# serve --demo: the demo accounts
# ---------------------------------------------------------------------------
start_aduan
user "" list -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_eq "serve --demo: list exit status" 0 "$CLI_RC"
expect_match "serve --demo: dpupr's account" '^dpupr +dpupr +staff +no ' "$CLI_OUT"
expect_match "serve --demo: the triage supervisor" '^verifikator +diskominfo +supervisor +no ' \
	"$CLI_OUT"
cli check --demo -c "$ADUAN_CONF"
AGENCIES=$(printf '%s\n' "$CLI_OUT" | sed -n 's/^configuration OK: \([0-9]*\) agencies.*/\1/p')
expect_eq "serve --demo: one account per agency and the supervisor" "$((AGENCIES + 1))" \
	"$(sql "SELECT count(*) FROM accounts")"
expect_match "serve --demo: a DEMO warning" 'WARN DEMO: inbox accounts' "$(cat "$ADUAN_LOG")"
check_log_errors "$ADUAN_LOG" "serve --demo"
ok "serve --demo: $((AGENCIES + 1)) demo accounts, a DEMO warning"

cli --help
expect_match "--help: user add" 'user add LOGIN --agency ID' "$CLI_OUT"
expect_match "--help: passwd, disable, enable, list" 'user passwd\|disable\|enable LOGIN \| user list' \
	"$CLI_OUT"
ok "--help lists the user command"

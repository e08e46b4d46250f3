#!/bin/bash
# it_install: `make install` as an operator and a packager use it.
#
#   make install DESTDIR=... PREFIX=/usr lays out the binary, the man pages,
#       the unit, the config (0640, database in /var/lib/aduan) and this
#       release's example; a second install keeps an edited config;
#   an installed aduan (PREFIX and SYSCONFDIR in the temp dir, no DESTDIR)
#       reads SYSCONFDIR/aduan/aduan.conf without -c; -c and $ADUAN_CONF
#       still win; ./aduan of a plain make keeps conf/aduan.conf;
#   make uninstall leaves the config;
#   the man pages render without a warning and hold README's sections;
#   systemd-analyze verify passes on the unit and systemd-analyze security
#       rates it 4.9 or better;
#   as root: the unit's ExecStartPre and ExecStart, run by hand as the user
#       aduan (setpriv, as systemd would: no capabilities, UMask 0027), with
#       $NOTIFY_SOCKET: READY=1 comes once /healthz answers, ExecReload
#       succeeds on a good config and fails on a bad one, SIGTERM sends
#       STOPPING=1.  The database is created aduan-owned, 0640.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init install
unset MAKEFLAGS MFLAGS MAKELEVEL
root=$(pwd)
build=${ADUAN_BIN%/aduan}
build=${build#"$root"/}
sanitize=
case "$build" in
build/san-*) sanitize=${build#build/san-}; sanitize=${sanitize//-/,} ;;
esac
mk() { make --no-print-directory SANITIZE="$sanitize" "$@" 2>&1; }

mode_of() { stat -c '%a' "$1" 2>/dev/null || echo missing; }

# 1. The layout under DESTDIR with PREFIX=/usr (the package's).
D=$IT_TMP/dest
out=$(mk install DESTDIR="$D" PREFIX=/usr) || fail "make install DESTDIR PREFIX=/usr: $out"
for f in usr/sbin/aduan:755 usr/share/man/man8/aduan.8:644 usr/share/man/man5/aduan.conf.5:644 \
	usr/lib/systemd/system/aduan.service:644 usr/share/aduan/aduan.conf:644 \
	etc/aduan/aduan.conf:640; do
	expect_eq "mode of $D/${f%:*}" "${f#*:}" "$(mode_of "$D/${f%:*}")"
done
expect_eq "database in the installed config" "/var/lib/aduan/aduan.db" \
	"$(conf_get "$D/etc/aduan/aduan.conf" store database)"
# The installed config is the example, but for the database line.
changed=$(diff conf/aduan.conf "$D/etc/aduan/aduan.conf" | grep -c '^[<>]')
expect_eq "lines of the installed config that differ from conf/aduan.conf" 2 "$changed"
unit=$D/usr/lib/systemd/system/aduan.service
expect_match "the unit's ExecStart" "^ExecStart=/usr/sbin/aduan serve -c /etc/aduan/aduan.conf$" \
	"$(grep '^ExecStart=' "$unit")"
expect_match "the unit's ExecStartPre" "^ExecStartPre=/usr/sbin/aduan check -c /etc/aduan/aduan.conf$" \
	"$(grep '^ExecStartPre=' "$unit")"
expect_match "the installed aduan's --help" "else /etc/aduan/aduan\.conf\)" \
	"$("$D/usr/sbin/aduan" --help)"
ok "make install DESTDIR PREFIX=/usr: binary, man pages, unit, config 0640, example"

# 2. An operator's config is never overwritten.
echo "# edited by the operator" >>"$D/etc/aduan/aduan.conf"
out=$(mk install DESTDIR="$D" PREFIX=/usr) || fail "second make install: $out"
expect_match "second make install says it kept the config" "keeping $D/etc/aduan/aduan.conf" "$out"
expect_eq "the operator's line after a second install" "# edited by the operator" \
	"$(tail -n 1 "$D/etc/aduan/aduan.conf")"
ok "a second make install keeps the operator's config"

# 3. The default config of an installed aduan: SYSCONFDIR/aduan/aduan.conf.
L=$IT_TMP/local
out=$(mk install PREFIX="$L") || fail "make install PREFIX=$L: $out"
expect_eq "mode of $L/etc/aduan/aduan.conf" 640 "$(mode_of "$L/etc/aduan/aduan.conf")"
expect_eq "make install PREFIX=$L: unit in" 644 "$(mode_of "$L/lib/systemd/system/aduan.service")"
out=$(cd "$IT_TMP" && env -u ADUAN_CONF "$L/sbin/aduan" check --demo 2>&1)
expect_match "installed aduan check without -c (from another directory)" \
	"configuration OK" "$out"
printf 'server = { port = 70000; };\n' >"$IT_TMP/bad.conf"
out=$(cd "$IT_TMP" && ADUAN_CONF=$IT_TMP/bad.conf "$L/sbin/aduan" check --demo 2>&1)
expect_match "ADUAN_CONF wins over the installed default" "bad\.conf:1: server\.port" "$out"
out=$(cd "$IT_TMP" && env -u ADUAN_CONF "$L/sbin/aduan" check --demo -c "$IT_TMP/bad.conf" 2>&1)
expect_match "-c wins over the installed default" "bad\.conf:1: server\.port" "$out"
out=$(cd "$IT_TMP" && env -u ADUAN_CONF "$ADUAN_BIN" check --demo 2>&1)
expect_match "the plain build's aduan, without -c, in another directory" \
	"conf/aduan\.conf: cannot read conf/aduan\.conf" "$out"
ok "installed aduan reads $L/etc/aduan/aduan.conf by default; -c and ADUAN_CONF win"

# 4. The man pages: no warning, README's sections in them.
for page in "$L/share/man/man8/aduan.8" "$L/share/man/man5/aduan.conf.5"; do
	warn=$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null)
	expect_eq "warnings rendering $page" "" "$warn"
	warn=$(groff -man -ww -z -t "$page" 2>&1 | grep -v 'table will not fit on one page')
	expect_eq "groff -ww warnings on $page" "" "$warn"
done
text8=$(MANWIDTH=200 man -l "$L/share/man/man8/aduan.8" 2>/dev/null)
text5=$(MANWIDTH=200 man -l "$L/share/man/man5/aduan.conf.5" 2>/dev/null)
expect_match "aduan(8) has README's Commands" "aduan backup DEST" "$text8"
expect_match "aduan(8) has README's Install on a server" "Port 8080 needs no capability" "$text8"
expect_match "aduan.conf(5) has README's Configuration table" "server\.connections_per_address" "$text5"
ok "man pages render without warnings and hold README's sections"

# 5. make uninstall: the config stays.
out=$(mk uninstall PREFIX="$L") || fail "make uninstall: $out"
for f in sbin/aduan share/man/man8/aduan.8 lib/systemd/system/aduan.service share/aduan/aduan.conf; do
	[ -e "$L/$f" ] && fail "make uninstall left $L/$f"
done
[ -f "$L/etc/aduan/aduan.conf" ] || fail "make uninstall removed the config"
ok "make uninstall removes the files and keeps the config"

# 6. systemd-analyze on the unit: with its paths in the temp install (verify
# checks that ExecStart exists; its man: pages must be found too).
command -v systemd-analyze >/dev/null || fail "systemd-analyze missing (Debian package systemd)"
mkdir -p "$IT_TMP/unit"
sed "s|/usr/sbin/aduan|$D/usr/sbin/aduan|g" "$unit" >"$IT_TMP/unit/aduan.service"
out=$(MANPATH=$D/usr/share/man systemd-analyze verify "$IT_TMP/unit/aduan.service" 2>&1)
expect_eq "systemd-analyze verify rc" 0 "$?"
expect_eq "systemd-analyze verify says" "" "$out"
out=$(systemd-analyze security --offline=yes --threshold=49 "$IT_TMP/unit/aduan.service" 2>&1)
rc=$?
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for aduan.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
expect_eq "systemd-analyze security --threshold=49 rc (exposure: $score)" 0 "$rc"
expect_match "exposure rating" "^[0-9.]+ (OK|SAFE)$" "$score"
ok "systemd-analyze verify passes; security exposure $score"

# 7. The unit's commands, by hand, as the user aduan.
if [ "$(id -u)" -ne 0 ]; then
	ok "SKIPPED (not root): the unit's commands as the user aduan"
	exit 0
fi
created_user=
if ! id aduan >/dev/null 2>&1; then
	adduser --system --group --quiet --no-create-home --home /nonexistent aduan ||
		fail "adduser aduan"
	created_user=1
fi
drop_user() { [ -n "$created_user" ] && deluser --quiet --system aduan >/dev/null 2>&1; :; }
trap 'rc=$?; drop_user; (exit $rc); it_cleanup' EXIT
chmod 0755 "$IT_TMP"
out=$(mk install PREFIX="$L") || fail "make install PREFIX=$L again: $out"
CONF=$L/etc/aduan/aduan.conf
STATE=$IT_TMP/state
install -d -o aduan -g aduan -m 0750 "$STATE"
free_port ADUAN_PORT
free_port APORT
# The operator's edit: a config without demo values, this test's ports.
{
	cat test/conf/good.conf
	printf 'admin = { listen = "127.0.0.1"; port = %s; };\n' "$APORT"
} >"$CONF"
conf_set "$CONF" server listen '"127.0.0.1"'
conf_set "$CONF" server port "$ADUAN_PORT"
conf_set "$CONF" store database "\"$STATE/aduan.db\""
chown root:aduan "$CONF"
chmod 0640 "$CONF"
unit=$L/lib/systemd/system/aduan.service
cmd_of() { sed -n "s/^$1=//p" "$unit"; }
as_aduan() { (cd "$STATE" && umask 0027 && exec setpriv --reuid=aduan --regid=aduan --init-groups \
	--inh-caps=-all --bounding-set=-all --no-new-privs env -u ADUAN_CONF "$@"); }

# shellcheck disable=SC2046
out=$(as_aduan $(cmd_of ExecStartPre) 2>&1)
expect_eq "ExecStartPre as aduan: rc ($out)" 0 "$?"

# A notify socket like systemd's: every datagram is logged with what
# /healthz answered at the moment it came.
SOCK=$IT_TMP/notify.sock
python3 -u - "$SOCK" "$ADUAN_PORT" >"$IT_TMP/notify.log" 2>&1 <<'EOF' &
import os, socket, sys, urllib.request
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
print("listening", flush=True)
while True:
    msg = s.recv(4096).decode()
    try:
        st = urllib.request.urlopen("http://127.0.0.1:%s/healthz" % sys.argv[2], timeout=2).status
    except Exception as e:
        st = "none (%s)" % e
    print("%s healthz=%s" % (msg.replace("\n", " "), st), flush=True)
EOF
track $! notify-reader
wait_for 5 "notify reader listening" grep -q listening "$IT_TMP/notify.log"
# shellcheck disable=SC2046
(cd "$STATE" && umask 0027 && NOTIFY_SOCKET=$SOCK exec setpriv --reuid=aduan --regid=aduan \
	--init-groups --inh-caps=-all --bounding-set=-all --no-new-privs env -u ADUAN_CONF \
	$(cmd_of ExecStart)) >"$IT_TMP/serve.log" 2>&1 &
SERVE=$!
track $SERVE "aduan serve as aduan"
add_log "$IT_TMP/serve.log"
add_log "$IT_TMP/notify.log"
wait_for 10 "READY=1 on the notify socket" grep -q '^READY=1' "$IT_TMP/notify.log"
expect_match "what /healthz answered when READY=1 came" "^READY=1 healthz=200$" \
	"$(grep '^READY=1' "$IT_TMP/notify.log" | head -n 1)"
expect_eq "owner of the database" "aduan:aduan" "$(stat -c %U:%G "$STATE/aduan.db")"
expect_eq "mode of the database (UMask=0027)" 640 "$(mode_of "$STATE/aduan.db")"
ok "ExecStart as aduan: READY=1 once /healthz answers; database aduan-owned 0640"

# shellcheck disable=SC2046
out=$(as_aduan $(cmd_of ExecReload) 2>&1)
expect_eq "ExecReload on a good config: rc ($out)" 0 "$?"
expect_match "ExecReload on a good config says" "^reloaded: version" "$out"
cp -p "$CONF" "$IT_TMP/good.conf"
printf 'sms = { short_code = 42; };\n' >>"$CONF"
# shellcheck disable=SC2046
out=$(as_aduan $(cmd_of ExecReload) 2>&1)
rc=$?
expect_ne "ExecReload on a bad config: rc ($out)" 0 "$rc"
expect_match "ExecReload on a bad config says" "aduan\.conf:[0-9]+:" "$out"
cp -p "$IT_TMP/good.conf" "$CONF"
ok "ExecReload as aduan: exit 0 on a good config, 1 with the error on a bad one"

kill -TERM "$SERVE"
wait_exit "$SERVE" 10 st
expect_eq "aduan serve's exit status after SIGTERM" 0 "$st"
wait_for 5 "STOPPING=1 on the notify socket" grep -q '^STOPPING=1' "$IT_TMP/notify.log"
check_log_errors "$IT_TMP/serve.log" "aduan serve as aduan" "reload refused"
ok "SIGTERM: STOPPING=1, then a clean stop"

#!/bin/sh
# scripts/layers.sh: the include graph has no edge that runs up the layers.
#
# Each folder may include its own headers and those of the folders listed
# after it below (everything a folder may use, not only its neighbours):
# the edges -> core -> store order of README's "Layout".  A few headers of
# outside libraries have exactly one includer, so that an HTTP server, an
# HTTP client or a crypto library could be swapped in one file.  Prints
# every offending #include as file:line and exits 1 when there is one.
# Run by test/it_layers.sh in `make check`; `sh scripts/layers.sh` alone.
set -u
cd "$(dirname "$0")/.." || exit 1

# folder: the folders it may include (besides itself)
allowed() {
	case "$1" in
	util)    echo "" ;;
	sms)     echo "util" ;;
	net)     echo "util" ;;
	conf)    echo "sms util" ;;
	store)   echo "util" ;;
	routing) echo "conf store sms util" ;;
	gateway) echo "conf net sms util" ;;
	outbox)  echo "gateway conf store net sms util" ;;
	ticket)  echo "outbox routing conf store sms util" ;;
	intake)  echo "ticket gateway outbox routing conf store net sms util" ;;
	agency)  echo "ticket outbox routing conf store net sms util" ;;
	web)     echo "ticket outbox routing conf store net sms util" ;;
	ops)     echo "routing conf store net sms util" ;;
	cli)     echo "intake agency web ops ticket gateway outbox routing conf store net sms util" ;;
	*)       echo "-" ;;
	esac
}

# outside header (a prefix of the name in <...>): the files that may include it
only_includer() {
	case "$1" in
	microhttpd.h) echo "net/http.c" ;;
	curl/*)       echo "net/fetch.c" ;;
	openssl/*)    echo "util/crypto.c" ;;
	hunspell/*)   echo "routing/stem.c" ;;
	# the backend, and aduan migrate's connection of its own (as backup.c's to SQLite)
	libpq-fe.h)   echo "store/pg.c store/migrate.c" ;;
	*)            echo "" ;;
	esac
}

bad=0
files=$(git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^test/\|^fuzz/\|^bench/')
[ -n "$files" ] || files=$(find . -name '*.[ch]' ! -path './test/*' ! -path './fuzz/*' \
	! -path './bench/*' ! -path './build/*' | sed 's#^\./##')
for f in $files; do
	case "$f" in */*) dir=${f%%/*} ;; *) dir=cli ;; esac
	ok=$(allowed "$dir")
	if [ "$ok" = "-" ]; then
		echo "$f: folder $dir/ has no place in scripts/layers.sh"
		bad=1
		continue
	fi
	grep -n '^[[:space:]]*#[[:space:]]*include' "$f" | while IFS= read -r line; do
		n=${line%%:*}
		inc=$(printf '%s\n' "$line" | sed -n 's/.*#[[:space:]]*include[[:space:]]*\([<"]\)\([^>"]*\)[>"].*/\1\2/p')
		name=${inc#?}
		case "$inc" in
		\"*/*)
			to=${name%%/*}
			[ "$to" = "$dir" ] && continue
			case " $ok " in *" $to "*) continue ;; esac
			echo "$f:$n: $dir/ includes $name: $to/ is not below $dir/"
			;;
		\<*)
			for pat in microhttpd.h curl/ openssl/ hunspell/ libpq-fe.h; do
				case "$name" in "$pat"*) ;; *) continue ;; esac
				one=$(only_includer "$name")
				case " $one " in *" $f "*) ;; *) echo "$f:$n: includes <$name>: only $one may" ;; esac
			done
			;;
		esac
	done
done > /tmp/layers.$$
if [ -s /tmp/layers.$$ ]; then
	cat /tmp/layers.$$
	echo "scripts/layers.sh: $(wc -l < /tmp/layers.$$) include(s) against the layers"
	bad=1
fi
rm -f /tmp/layers.$$
[ "$bad" -eq 0 ] && echo "scripts/layers.sh: no include runs up the layers"
exit "$bad"

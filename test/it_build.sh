#!/bin/bash
# it_build: the Makefile as a packager and a releaser use it.
#
#   touching VERSION rebuilds cli/main.o and nothing else (make -n, instant);
#   a bare `make` (no goal) builds ./aduan;
#   in a copy of the tree with this build's objects (timestamps kept), a
#   bumped VERSION is what the rebuilt `aduan --version` prints;
#   CPPFLAGS reach every compile and LDFLAGS every link;
#   a library whose .pc pkg-config cannot find stops make at once with the
#       library's and the Debian package's name.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init build
# The outer make's jobserver and flags are not ours.
unset MAKEFLAGS MFLAGS MAKELEVEL

root=$(pwd)
build=${ADUAN_BIN%/aduan}
build=${build#"$root"/}
sanitize=
case "$build" in
build/san-*) sanitize=${build#build/san-}; sanitize=${sanitize//-/,} ;;
esac
mk() { make --no-print-directory SANITIZE="$sanitize" "$@" 2>&1; }

# 1. VERSION is a prerequisite of cli/main.o alone.
out=$(mk -n -W VERSION "$build/aduan")
expect_match "make -n after touching VERSION compiles cli/main.c" \
	"-DADUAN_VERSION=.* -o $build/cli/main.o cli/main.c" "$out"
compiles=$(printf '%s\n' "$out" | grep -c -- ' -c -o ')
expect_eq "compiles after touching VERSION (cli/main.c only)" 1 "$compiles"
expect_match "make -n after touching VERSION relinks aduan" "-o $build/aduan " "$out"
ok "touching VERSION rebuilds cli/main.o only"

# 1b. A bare make builds ./aduan: the VERSION rule, the Makefile's first,
# must not become the default goal (.DEFAULT_GOAL := all).
out=$(mk -n -W VERSION)
expect_match "bare make -n after touching VERSION links aduan" "-o $build/aduan " "$out"
if [ -z "$sanitize" ]; then
	expect_match "bare make -n after touching VERSION replaces ./aduan" \
		"mv -f aduan\.tmp aduan" "$out"
fi
ok "a bare make builds aduan"

# 2. A bumped VERSION is what --version prints, in a copy of the tree.
tree=$IT_TMP/tree
mkdir -p "$tree/$build" || fail "mkdir $tree"
tar -c --exclude=./build --exclude=./aduan --exclude=./.git . | tar -x -C "$tree" ||
	fail "copy the tree"
for f in "$build"/libaduan.a "$build"/aduan "$build"/cli "$build"/util "$build"/sms \
	"$build"/net "$build"/conf "$build"/store "$build"/routing "$build"/gateway \
	"$build"/outbox "$build"/ticket "$build"/intake "$build"/agency "$build"/ops; do
	[ -e "$f" ] && { cp -a "$f" "$tree/$build/" || fail "copy $f"; }
done
# Up to date (a source edited since the last build is compiled here, not
# counted below).
out=$(cd "$tree" && make --no-print-directory SANITIZE="$sanitize" "$build/aduan" 2>&1) ||
	fail "make in the copy before the bump: $out"
old=$("$tree/$build/aduan" --version)
expect_eq "aduan --version in the copy" "aduan $(tr -d ' \t\r\n' <VERSION)" "$old"
echo 9.8.7-itbuild >"$tree/VERSION"
out=$(cd "$tree" && make --no-print-directory SANITIZE="$sanitize" "$build/aduan" 2>&1) ||
	fail "make in the copy after the bump: $out"
compiles=$(printf '%s\n' "$out" | grep -c -- ' -c -o ')
expect_eq "compiles in the copy after the bump (cli/main.c only)" 1 "$compiles"
expect_eq "aduan --version after the bump" "aduan 9.8.7-itbuild" \
	"$("$tree/$build/aduan" --version)"
ok "a bumped VERSION is printed by the rebuilt aduan"

# 2b. The commit: a tree without .git takes the one a packager recorded in
# COMMIT, and a new one rebuilds cli/main.o alone, as VERSION does.
echo cafe123 >"$tree/COMMIT"
out=$(cd "$tree" && make --no-print-directory SANITIZE="$sanitize" "$build/aduan" 2>&1) ||
	fail "make in the copy with a COMMIT file: $out"
compiles=$(printf '%s\n' "$out" | grep -c -- ' -c -o ')
expect_eq "compiles in the copy after COMMIT appeared (cli/main.c only)" 1 "$compiles"
expect_eq "aduan --version with a COMMIT file" "aduan 9.8.7-itbuild (commit cafe123)" \
	"$("$tree/$build/aduan" --version)"
out=$(cd "$tree" && make --no-print-directory SANITIZE="$sanitize" "$build/aduan" 2>&1) ||
	fail "make in the copy again: $out"
expect_eq "compiles when nothing changed" 0 "$(printf '%s\n' "$out" | grep -c -- ' -c -o ')"
ok "a commit recorded in COMMIT is printed; a new one rebuilds cli/main.o only"

# 2c. In a git checkout, the release and git's commit ("-dirty" with changes).
if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$root" ]; then
	head=$(git rev-parse --short=7 HEAD)
	rel=$(tr -d ' \t\r\n' <VERSION)
	expect_match "aduan --version in the git checkout" \
		"^aduan ${rel//./\\.} \\(commit [0-9a-f]{7,}(-dirty)?\\)\$" "$("$ADUAN_BIN" --version)"
	out=$(mk -n -W VERSION "$build/aduan")
	expect_match "make -n in the git checkout passes git's commit" \
		"-DADUAN_COMMIT='\"$head(-dirty)?\"'" "$out"
	ok "aduan --version in the git checkout: $("$ADUAN_BIN" --version)"
fi

# 3. CPPFLAGS and LDFLAGS.
out=$(mk -n -B CPPFLAGS=-DIT_BUILD_CPP LDFLAGS=-Wl,-O1,--it-build-ld "$build/aduan" \
	"$build/test/test_route" "$build/test/tool_http")
n_cc=$(printf '%s\n' "$out" | grep -c -- ' -c -o ')
n_cpp=$(printf '%s\n' "$out" | grep -- ' -c -o ' | grep -c -- '-DIT_BUILD_CPP')
expect_eq "compiles with CPPFLAGS (of $n_cc)" "$n_cc" "$n_cpp"
n_ld=$(printf '%s\n' "$out" | grep -c -- ' -o [^ ]*/\(aduan\|test_route\|tool_http\) ')
n_ldf=$(printf '%s\n' "$out" | grep -- ' -o [^ ]*/\(aduan\|test_route\|tool_http\) ' |
	grep -c -- '--it-build-ld')
expect_eq "links" 3 "$n_ld"
expect_eq "links with LDFLAGS" 3 "$n_ldf"
ok "CPPFLAGS in every compile, LDFLAGS in every link"

# 4. A missing .pc stops make with the package names.
out=$(PKG_CONFIG_LIBDIR=$IT_TMP/no-pc PKG_CONFIG_PATH= mk -n "$build/aduan")
rc=$?
expect_ne "make with no .pc files: exit status" 0 "$rc"
expect_match "make with no .pc files names the library" "pkg-config finds no libmicrohttpd" "$out"
expect_match "make with no .pc files names the Debian package" \
	"install the Debian package libmicrohttpd-dev" "$out"
expect_no_match "make with no .pc files compiles nothing" " -c -o " "$out"
mkdir -p "$IT_TMP/pc" || fail "mkdir pc"
# Every .pc file pkg-config knows but jansson's.
pcpath=$(pkg-config --variable pc_path pkg-config)
for d in ${pcpath//:/ }; do
	for f in "$d"/*.pc; do [ -f "$f" ] && cp "$f" "$IT_TMP/pc/"; done
done
rm -f "$IT_TMP/pc/jansson.pc"
out=$(PKG_CONFIG_LIBDIR=$IT_TMP/pc PKG_CONFIG_PATH= mk -n "$build/aduan")
expect_match "make without jansson.pc names it" \
	"pkg-config finds no jansson .*install the Debian package libjansson-dev" "$out"
ok "a missing .pc stops make with the library and the Debian package"

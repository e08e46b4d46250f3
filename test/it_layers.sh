#!/bin/sh
# it_layers: no #include runs up the layers of README's "Layout", and the
# headers of libmicrohttpd, libcurl and OpenSSL each have their one includer
# (scripts/layers.sh says which edge is wrong).
cd "$(dirname "$0")/.." || exit 1
exec sh scripts/layers.sh

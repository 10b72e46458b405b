#!/bin/sh
# Detects optional libraries; writes $1/config.h and $1/config.mk.
out=$1
cc=${CC:-cc}
h=$out/config.h
mk=$out/config.mk
libs=""
: > "$h.tmp"
probe() { # macro header lib
	if printf '#include <%s>\nint main(void){return 0;}\n' "$2" |
	   $cc -x c - -o "$out/.probe" "$3" >/dev/null 2>&1; then
		echo "#define $1 1" >> "$h.tmp"; libs="$libs $3"
	else
		echo "/* $1: $2 / $3 not found */" >> "$h.tmp"
	fi
}
probe HAVE_ZLIB zlib.h -lz
probe HAVE_ZSTD zstd.h -lzstd
probe HAVE_LZMA lzma.h -llzma
rm -f "$out/.probe"
mv "$h.tmp" "$h"
echo "DEP_LIBS =$libs" > "$mk"

#!/bin/sh
# Detects optional libraries; writes $1/config.h and $1/config.mk.
out=$1
cc=${CC:-cc}
h=$out/config.h
mk=$out/config.mk
libs=""
: > "$h.tmp"
# COR_WITHOUT="zlib zstd lzma lz4 libdeflate debuginfod libiberty cxa capstone" leaves those out
# (to build and test what a machine without them gets).
without() {
	case " ${COR_WITHOUT:-} " in *" $1 "*) return 0 ;; esac
	return 1
}
probe() { # macro header lib
	name=$(echo "$1" | sed 's/^HAVE_//' | tr 'A-Z' 'a-z')
	if without "$name"; then
		echo "/* $1: left out (COR_WITHOUT) */" >> "$h.tmp"; return 1
	fi
	if printf '#include <%s>\nint main(void){return 0;}\n' "$2" |
	   $cc -x c - -o "$out/.probe" "$3" >/dev/null 2>&1; then
		echo "#define $1 1" >> "$h.tmp"; libs="$libs $3"
	else
		echo "/* $1: $2 / $3 not found */" >> "$h.tmp"
	fi
}
# macro libs: stdin must link into a shared object (so a static library
# such as libiberty.a must be PIC), with no undefined symbols left.
probe_so() {
	name=$(echo "$1" | sed 's/^HAVE_//; s/_DEMANGLE$//' | tr 'A-Z' 'a-z')
	if without "$name"; then
		cat >/dev/null
		echo "/* $1: left out (COR_WITHOUT) */" >> "$h.tmp"; return 1
	fi
	if $cc -x c - -shared -fPIC -Wl,-z,defs -o "$out/.probe" $2 >/dev/null 2>&1; then
		echo "#define $1 1" >> "$h.tmp"; libs="$libs $2"; return 0
	fi
	echo "/* $1: not usable with $2 */" >> "$h.tmp"; return 1
}
probe HAVE_ZLIB zlib.h -lz
probe HAVE_ZSTD zstd.h -lzstd
probe HAVE_LZMA lzma.h -llzma
# lz4 frames: compressed cores (systemd-coredump's .lz4)
probe HAVE_LZ4 lz4frame.h -llz4
# libdeflate: faster one-shot inflate of zlib sections of known size
probe HAVE_LIBDEFLATE libdeflate.h -ldeflate
# capstone: decodes the faulting instruction for the crash diagnosis
probe HAVE_CAPSTONE capstone/capstone.h -lcapstone
# libdebuginfod: fetching missing executables and debug info by build-id.
# Only its header: lib/debuginfod.c loads libdebuginfod.so.1 with dlopen at
# the first fetch (it has no static archive, and linked it would load
# libcurl's whole tree at every start). -ldl only where dlopen is not in the
# C library (glibc before 2.34). dlopen needs a dynamic CLI: from a static
# one the library gets a C library of its own, and libcurl's name lookups
# (NSS, the resolver thread) crash there.
dynamic_for=""
if without debuginfod; then
	echo "/* HAVE_DEBUGINFOD: left out (COR_WITHOUT) */" >> "$h.tmp"
elif ! printf '#include <elfutils/debuginfod.h>\nint main(void){return 0;}\n' |
     $cc -x c - -c -o "$out/.probe" >/dev/null 2>&1; then
	echo "/* HAVE_DEBUGINFOD: elfutils/debuginfod.h not found */" >> "$h.tmp"
elif printf '#include <dlfcn.h>\nint main(void){return !dlopen("x", RTLD_NOW);}\n' |
     $cc -x c - -o "$out/.probe" >/dev/null 2>&1; then
	echo "#define HAVE_DEBUGINFOD 1" >> "$h.tmp"; dynamic_for=libdebuginfod
elif printf '#include <dlfcn.h>\nint main(void){return !dlopen("x", RTLD_NOW);}\n' |
     $cc -x c - -o "$out/.probe" -ldl >/dev/null 2>&1; then
	echo "#define HAVE_DEBUGINFOD 1" >> "$h.tmp"; libs="$libs -ldl"; dynamic_for=libdebuginfod
else
	echo "/* HAVE_DEBUGINFOD: no dlopen */" >> "$h.tmp"
fi
# Demangler: libiberty (C++ and Rust, callback API: no xmalloc), else
# libstdc++'s __cxa_demangle (C++ only). libiberty's symbols stay private.
if ! probe_so HAVE_LIBIBERTY "-liberty -Wl,--exclude-libs,libiberty.a" <<'EOF'
#include <libiberty/demangle.h>
static void cb(const char *s, size_t n, void *o) { (void)s; (void)n; (void)o; }
int f(const char *s) { return rust_demangle_callback(s, DMGL_PARAMS, cb, 0) +
	cplus_demangle_v3_callback(s, DMGL_PARAMS, cb, 0); }
EOF
then probe_so HAVE_CXA_DEMANGLE -lstdc++ <<'EOF'
#include <stddef.h>
char *__cxa_demangle(const char *, char *, size_t *, int *);
char *f(const char *s) { int st; return __cxa_demangle(s, 0, 0, &st); }
EOF
fi
# The CLI links statically where the C library and every library found have
# static archives: it starts twice as fast (no shared objects to load and
# relocate) and can be copied to the machine where the core is. Not with
# the debuginfod client (dlopen, above): COR_WITHOUT=debuginfod keeps it.
static=""
if [ -n "$dynamic_for" ]; then
	echo "configure: the coroner command is linked dynamically (it loads $dynamic_for" \
	     "with dlopen; COR_WITHOUT=debuginfod links it statically)" >&2
elif ! without static && printf 'int main(void){return 0;}\n' |
   $cc -x c - -static -o "$out/.probe" $libs >/dev/null 2>&1; then
	static=-static
fi
rm -f "$out/.probe"
mv "$h.tmp" "$h"
echo "DEP_LIBS =$libs" > "$mk"
echo "CLI_STATIC = $static" >> "$mk"

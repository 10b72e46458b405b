#!/bin/sh
# tests/fuzz/build.sh [SECONDS [TARGET...]] - `make fuzz`.
#
# Builds the library with clang, ASan+UBSan and libFuzzer coverage
# (fuzzer-no-link) into build-fuzz/, links each harness tests/fuzz/fuzz_*.c,
# and generates the seed corpora into build-fuzz/seeds/<target>/ (small cores
# made here and shrunk, sections extracted with objcopy; never committed).
# With SECONDS > 0 it then runs each target (or the TARGETs named) for that
# long on build-fuzz/corpus/<target>/ (seeded from the seeds), and copies
# any crash-*, timeout-* or oom-* file into tests/regress/<target>/.
set -eu

secs=${1:-0}
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/build-fuzz
cd "$repo"

CC=${FUZZ_CC:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-std=gnu11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE $SAN -Wall -Wno-unused-function -Wno-unused-parameter"
INC="-Iinclude -Ilib -I$out"

mkdir -p "$out/obj" "$out/seeds"
targets="fuzz_core fuzz_elf fuzz_cfi fuzz_line fuzz_memory"
# FUZZ_NO_BUILD=1: run the binaries already built (another run may be linking)
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
[ -f "$out/config.mk" ] || CC=$CC sh scripts/configure.sh "$out"
DEP_LIBS=$(sed -n 's/^DEP_LIBS *=//p' "$out/config.mk")

# library objects, rebuilt when the source or any header is newer
newest_hdr=$(ls -t include/*.h lib/*.h lib/*/*.h "$out/config.h" | head -n 1)
objs="" todo=""
for src in lib/*.c lib/arch/*.c lib/dwarf/*.c; do
	obj=$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	objs="$objs $obj"
	if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_hdr" -nt "$obj" ]; then
		todo="$todo $src"
	fi
done
# two compilers at a time: the machine is shared
export CC CFLAGS INC out
for src in $todo; do echo "$src"; done | xargs -r -P 2 -I{} sh -c \
	'o=$out/obj/$(echo {} | tr / _ | sed "s/\\.c\$/.o/"); echo "$CC {}"; $CC $CFLAGS -fsanitize=fuzzer-no-link $INC -c -o "$o" {}'
rm -f "$out/libcoroner-fuzz.a"
ar rcs "$out/libcoroner-fuzz.a" $objs

for t in $targets; do
	echo "link $t"
	$CC $CFLAGS -fsanitize=fuzzer $INC -o "$out/$t" "tests/fuzz/$t.c" \
		"$out/libcoroner-fuzz.a" $DEP_LIBS
done
fi

# ---- seeds (FUZZ_KEEP_SEEDS=1 keeps those of an earlier build) ----
seeds=$out/seeds
tmp=$seeds/tmp
if { [ "${FUZZ_KEEP_SEEDS:-0}" = 1 ] || [ "${FUZZ_NO_BUILD:-0}" = 1 ]; } && [ -d "$seeds/fuzz_core" ]; then
	make_seeds=0
else
	make_seeds=1
fi
[ "$make_seeds" = 1 ] && rm -rf "$seeds"
mkdir -p "$tmp"
for t in $targets; do mkdir -p "$seeds/$t"; done
if [ "$make_seeds" = 1 ]; then
cc -std=gnu11 -O1 -o "$tmp/mkseeds" tests/fuzz/mkseeds.c
"$tmp/mkseeds" "$seeds"

# small programs: dynamic, static, -m32, with DWARF 4/5, compressed debug
cat > "$tmp/tiny.c" <<'EOF'
#include <stdlib.h>
static int depth(volatile int *p, int n) { return n ? depth(p, n - 1) + 1 : *p; }
__attribute__((noinline)) int crash(int n) { volatile int *p = (int *)(long)n; return depth(p, 3); }
int main(int argc, char **argv) { return crash(argc > 5 ? 1 : 0) + (argv[0] != 0); }
EOF
bins=""
build() { # name flags...
	name=$1
	shift
	if cc "$@" -o "$tmp/$name" "$tmp/tiny.c" 2>/dev/null; then bins="$bins $tmp/$name"; fi
}
build tiny-g5 -O1 -g -gdwarf-5
build tiny-g4 -O1 -g -gdwarf-4 -fno-asynchronous-unwind-tables
build tiny-g2 -O0 -g -gdwarf-2 -m32
build tiny-static -O1 -g -static
build tiny-nodebug -O2
for b in $tmp/tiny-g5 $tmp/tiny-g4; do
	[ -f "$b" ] || continue
	objcopy --compress-debug-sections=zlib "$b" "$b.zlib" 2>/dev/null && bins="$bins $b.zlib"
	objcopy --compress-debug-sections=zstd "$b" "$b.zstd" 2>/dev/null && bins="$bins $b.zstd"
done
cc -c -g -O1 -o "$tmp/tiny.o" "$tmp/tiny.c" && bins="$bins $tmp/tiny.o"
for b in $bins; do
	sz=$(wc -c < "$b")
	# fuzz_elf seeds stay small: the static binary only feeds cfi/line
	[ "$sz" -le 65536 ] && cp "$b" "$seeds/fuzz_elf/"
	python3 tests/fuzz/seeds.py cfi "$b" "$seeds/fuzz_cfi" || true
	python3 tests/fuzz/seeds.py line "$b" "$seeds/fuzz_line" || true
done

# real cores: the tiny programs crashed here, plus any the e2e tests cached
if (cd "$tmp" && ulimit -c unlimited && for b in tiny-g5 tiny-static tiny-g2; do
	[ -x "$b" ] || continue
	rm -f core core.*
	./$b 1 2 3 4 5 6 >/dev/null 2>&1 || true
	c=$(ls core core.* 2>/dev/null | head -n 1)
	[ -n "$c" ] && mv "$c" "$b.core"
done); then :; fi
for c in "$tmp"/*.core tests/tmp/cache/run-*/core tests/tmp/cache/corpus/*.core; do
	[ -f "$c" ] || continue
	name=$(echo "$c" | tr / _ | sed 's/^_*//')
	python3 tests/fuzz/seeds.py shrink "$c" "$seeds/fuzz_core/$name" 2>/dev/null ||
		echo "seed: cannot shrink $c"
done
fi
rm -rf "$tmp"
for t in $targets; do
	echo "seeds $t: $(ls "$seeds/$t" | wc -l) files, $(du -sk "$seeds/$t" | cut -f1) KiB"
done

# ---- runs ----
[ "$secs" -gt 0 ] 2>/dev/null || exit 0
[ $# -gt 0 ] && targets=$*
status=0
for t in $targets; do
	corpus=$out/corpus/$t
	art=$out/artifacts/$t
	mkdir -p "$corpus" "$art"
	regress=""
	[ -d "$repo/tests/regress/$t" ] && regress=$repo/tests/regress/$t
	echo "== $t for $secs s"
	# fork mode keeps going after a crash, timeout or OOM (each is saved)
	(cd "$art" && ASAN_OPTIONS=detect_leaks=1 "$out/$t" -max_total_time="$secs" \
		-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
		-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$art/" "$corpus" "$seeds/$t" $regress \
		> "$out/$t.log" 2>&1) || true
	tail -n 12 "$out/$t.log"
	for f in "$art"/crash-* "$art"/timeout-* "$art"/oom-* "$art"/leak-*; do
		[ -f "$f" ] || continue
		mkdir -p "tests/regress/$t"
		cp "$f" "tests/regress/$t/"
		echo "FOUND $t: tests/regress/$t/$(basename "$f")"
		status=1
	done
done
exit $status

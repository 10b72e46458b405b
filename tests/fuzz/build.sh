#!/bin/sh
# tests/fuzz/build.sh [SECONDS [TARGET...]] - `make fuzz`.
#
# Builds the library with clang, ASan+UBSan and libFuzzer coverage
# (fuzzer-no-link) into build-fuzz/, links each harness tests/fuzz/fuzz_*.c,
# and generates the seed corpora into build-fuzz/seeds/<target>/ (small cores
# made here and shrunk, sections extracted with objcopy; never committed).
# With SECONDS > 0 it then runs each target (or the TARGETs named) for that
# long on build-fuzz/corpus/<target>/ (plus the seeds and tests/regress), and
# copies any crash-*, timeout-*, oom-* or leak-* file into
# tests/regress/<target>/. Exits 1 if a run found something.
#
#   FUZZ_KEEP_SEEDS=1  reuse the seeds of an earlier build
#   FUZZ_NO_BUILD=1    run the binaries as built
#   FUZZ_CC            compiler (clang)
#   FUZZ_OUT           build directory (build-fuzz)
#
# Everything runs from main(), which sh parses whole before it starts: the
# script can be edited while a long run is going.
set -eu

setup() {
	here=$(cd "$(dirname "$0")" && pwd)
	repo=$(cd "$here/../.." && pwd)
	out=${FUZZ_OUT:-$repo/build-fuzz}
	cd "$repo"
	CC=${FUZZ_CC:-clang}
	SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
	CFLAGS="-std=gnu11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE $SAN -Wall -Wno-unused-function -Wno-unused-parameter"
	INC="-Iinclude -Ilib -I$out"
	all_targets="fuzz_core fuzz_elf fuzz_cfi fuzz_line fuzz_memory fuzz_exe fuzz_debug fuzz_gopclntab"
	targets=$all_targets
	mkdir -p "$out/obj" "$out/seeds"
	# optional libraries, detected again when the probe script changes
	if [ ! -f "$out/config.mk" ] || [ scripts/configure.sh -nt "$out/config.mk" ]; then
		CC=$CC sh scripts/configure.sh "$out"
	fi
	DEP_LIBS=$(sed -n 's/^DEP_LIBS *=//p' "$out/config.mk")
}

# Library objects, rebuilt when the source or any header is newer; two
# compilers at a time (the machine is shared).
compile() {
	newest_hdr=$(ls -t include/*.h lib/*.h lib/*/*.h "$out/config.h" | head -n 1)
	objs="" todo=""
	for src in lib/*.c lib/arch/*.c lib/dwarf/*.c; do
		obj=$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
		objs="$objs $obj"
		if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_hdr" -nt "$obj" ]; then
			todo="$todo $src"
		fi
	done
	export CC CFLAGS INC out
	for src in $todo; do echo "$src"; done | xargs -r -P 2 -I{} sh -c \
		'o=$out/obj/$(echo {} | tr / _ | sed "s/\\.c\$/.o/"); echo "$CC {}"; $CC $CFLAGS -fsanitize=fuzzer-no-link $INC -c -o "$o" {} || { rm -f "$o"; exit 1; }' ||
		return 1
	rm -f "$out/libcoroner-fuzz.a"
	ar rcs "$out/libcoroner-fuzz.a" $objs
}

# Links the harnesses named. Only those about to run are relinked: a
# fork-mode fuzzer whose binary is replaced under it loses every later job.
link() {
	for t in "$@"; do
		echo "link $t"
		$CC $CFLAGS -fsanitize=fuzzer $INC -o "$out/$t" "tests/fuzz/$t.c" \
			"$out/libcoroner-fuzz.a" $DEP_LIBS || return 1
	done
}

seeds() {
	seeds=$out/seeds
	tmp=$seeds/tmp
	if { [ "${FUZZ_KEEP_SEEDS:-0}" = 1 ] || [ "${FUZZ_NO_BUILD:-0}" = 1 ]; } &&
	   [ -d "$seeds/fuzz_core" ]; then
		return 0
	fi
	rm -rf "$seeds"
	mkdir -p "$tmp"
	for t in $all_targets; do mkdir -p "$seeds/$t"; done
	cc -std=gnu11 -O1 -o "$tmp/mkseeds" tests/fuzz/mkseeds.c
	"$tmp/mkseeds" "$seeds"

	# small programs: dynamic, static, -m32, DWARF 2/4/5, compressed debug
	cat > "$tmp/tiny.c" <<'EOF'
#include <stdlib.h>
static int depth(volatile int *p, int n) { return n ? depth(p, n - 1) + 1 : *p; }
__attribute__((noinline)) int crash(int n) { volatile int *p = (int *)(long)n; return depth(p, 3); }
int main(int argc, char **argv) { return crash(argc > 5 ? 1 : 0) + (argv[0] != 0); }
EOF
	bins=""
	tiny tiny-g5 -O1 -g -gdwarf-5
	tiny tiny-g4 -O1 -g -gdwarf-4 -fno-asynchronous-unwind-tables
	tiny tiny-g2 -O0 -g -gdwarf-2 -m32
	tiny tiny-static -O1 -g -static
	tiny tiny-nodebug -O2
	for b in "$tmp/tiny-g5" "$tmp/tiny-g4"; do
		[ -f "$b" ] || continue
		objcopy --compress-debug-sections=zlib "$b" "$b.zlib" 2>/dev/null && bins="$bins $b.zlib"
		objcopy --compress-debug-sections=zstd "$b" "$b.zstd" 2>/dev/null && bins="$bins $b.zstd"
	done
	cc -c -g -O1 -o "$tmp/tiny.o" "$tmp/tiny.c" && bins="$bins $tmp/tiny.o"
	for b in $bins; do
		# fuzz_elf seeds stay small: the static binary only feeds cfi/line
		[ "$(wc -c < "$b")" -le 65536 ] && cp "$b" "$seeds/fuzz_elf/"
		python3 tests/fuzz/seeds.py cfi "$b" "$seeds/fuzz_cfi" || true
		python3 tests/fuzz/seeds.py line "$b" "$seeds/fuzz_line" || true
	done

	# fuzz_exe / fuzz_debug: tests/fuzz/prog.c laid out as targets.h's
	# fixed core expects, with DWARF 5/4, .eh_frame or .debug_frame,
	# compressed debug sections; the debug files by objcopy --only-keep-debug
	prog prog-g5 -gdwarf-5
	prog prog-g4 -gdwarf-4
	prog prog-dframe -gdwarf-4 -fno-asynchronous-unwind-tables
	prog prog-g2 -gdwarf-2
	for b in prog-g5 prog-dframe; do
		[ -f "$tmp/$b" ] || continue
		objcopy --compress-debug-sections=zlib "$tmp/$b" "$seeds/fuzz_exe/$b.zlib" 2>/dev/null || true
		objcopy --only-keep-debug --compress-debug-sections=zlib "$tmp/$b" \
			"$seeds/fuzz_debug/$b.zlib.debug" 2>/dev/null || true
	done
	if [ -f "$tmp/prog-g5" ]; then
		strip -g -o "$seeds/fuzz_exe/prog-symtab" "$tmp/prog-g5" || true
	fi

	# fuzz_gopclntab: tests/programs/go_crash.go's .gopclntab (when Go is
	# installed) behind the 33-byte header (flags 0, pcs in its text)
	if command -v go >/dev/null 2>&1; then
		mkdir -p "$tmp/go" && cp tests/programs/go_crash.go "$tmp/go/main.go" &&
		printf 'module crash\n\ngo 1.19\n' > "$tmp/go/go.mod" &&
		(cd "$tmp/go" && GOCACHE=$tmp/go/cache GOPROXY=off GOFLAGS=-mod=mod \
			CGO_ENABLED=0 go build -o prog main.go) &&
		objcopy -O binary --only-section=.gopclntab "$tmp/go/prog" "$tmp/go/pcln" &&
		python3 -c 'import struct, sys
pcs = [0x401000, 0x401234, 0x420000, 0x457c60]
d = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(b"\0" + struct.pack("<4Q", *pcs) + d)' \
			"$tmp/go/pcln" "$seeds/fuzz_gopclntab/go_crash" || true
	fi

	# real cores: the tiny programs crashed here, and any the e2e tests cached
	(cd "$tmp" && ulimit -c unlimited && for b in tiny-g5 tiny-static tiny-g2; do
		[ -x "$b" ] || continue
		rm -f core core.*
		"./$b" 1 2 3 4 5 6 >/dev/null 2>&1 || true
		c=$(ls core core.* 2>/dev/null | head -n 1) || true
		[ -n "$c" ] && mv "$c" "$b.core"
	done) || true
	for c in "$tmp"/*.core tests/tmp/cache/run-*/core tests/tmp/cache/corpus/*.core; do
		[ -f "$c" ] || continue
		name=$(echo "$c" | sed "s|^$tmp/||" | tr / _)
		python3 tests/fuzz/seeds.py shrink "$c" "$seeds/fuzz_core/$name" 2>/dev/null ||
			echo "seed: cannot shrink $c"
		# many threads make big seeds, and slow fuzzing
		[ ! -f "$seeds/fuzz_core/$name" ] ||
			[ "$(wc -c < "$seeds/fuzz_core/$name")" -le 262144 ] ||
			rm -f "$seeds/fuzz_core/$name"
	done
	rm -rf "$tmp"
	for t in $all_targets; do
		echo "seeds $t: $(ls "$seeds/$t" | wc -l) files, $(du -sk "$seeds/$t" | cut -f1) KiB"
	done
}

# prog.c: ET_EXEC, one R+X PT_LOAD at 0x400000 from offset 0, .text at
# 0x400200, build-id c0de... (what fz_prog_core in targets.h maps)
prog() { # name flags...
	name=$1
	shift
	bid=0x$(printf 'c0de%.0s' 1 2 3 4 5 6 7 8 9 10)
	if cc -g -O0 "$@" -fcf-protection=none -fno-pie -no-pie -nostdlib -static \
		-fno-stack-protector -Wl,-z,noseparate-code -Wl,--build-id="$bid" \
		-Wl,-Ttext=0x400200 -o "$tmp/$name" tests/fuzz/prog.c 2>/dev/null; then
		cp "$tmp/$name" "$seeds/fuzz_exe/"
		objcopy --only-keep-debug "$tmp/$name" "$seeds/fuzz_debug/$name.debug" || true
	fi
}

tiny() { # name flags...
	name=$1
	shift
	if cc "$@" -o "$tmp/$name" "$tmp/tiny.c" 2>/dev/null; then bins="$bins $tmp/$name"; fi
}

# Runs one target for secs seconds in fork mode, which keeps going after a
# crash, timeout or OOM (each is saved as an artifact).
run() {
	t=$1
	corpus=$out/corpus/$t
	art=$out/artifacts/$t
	mkdir -p "$corpus" "$art"
	regress=""
	[ -d "$repo/tests/regress/$t" ] && regress=$repo/tests/regress/$t
	dict=""
	[ -f "$repo/tests/fuzz/$t.dict" ] && dict=-dict=$repo/tests/fuzz/$t.dict
	echo "== $t for $secs s"
	(cd "$art" && ASAN_OPTIONS=detect_leaks=1 "$out/$t" -max_total_time="$secs" \
		-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
		-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
		$dict -artifact_prefix="$art/" "$corpus" "$out/seeds/$t" $regress \
		> "$out/$t.log" 2>&1) || true
	grep -E '^#' "$out/$t.log" | tail -n 1 || true
	for f in "$art"/crash-* "$art"/timeout-* "$art"/oom-* "$art"/leak-*; do
		[ -f "$f" ] || continue
		mkdir -p "tests/regress/$t"
		cp "$f" "tests/regress/$t/"
		echo "FOUND $t: tests/regress/$t/$(basename "$f")"
		status=1
	done
}

main() {
	secs=${1:-0}
	[ $# -gt 0 ] && shift
	setup
	[ "$secs" -gt 0 ] 2>/dev/null && [ $# -gt 0 ] && targets=$*
	if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
		# lib/ may be mid-edit by someone else: retry a failed build
		tries=0
		until compile && link $targets; do
			tries=$((tries + 1))
			[ "$tries" -ge 3 ] && { echo "build failed"; exit 1; }
			echo "build failed; retrying in 60 s"
			sleep 60
		done
	fi
	seeds
	[ "$secs" -gt 0 ] 2>/dev/null || exit 0
	status=0
	for t in $targets; do run "$t"; done
	exit $status
}

main "$@"; exit

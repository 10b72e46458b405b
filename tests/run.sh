#!/bin/sh
# tests/run.sh BUILD_DIR - the `make check` driver.
#
# Runs every unit test binary BUILD_DIR/tests/test_* (closing line
# "N passed, N failed") and every tests/e2e/*.py as `python3 FILE BUILD_DIR`
# (lines "ok NAME" / "FAIL NAME: why" / "skip NAME: why", closing line
# "N passed, N failed, N skipped"), summing the counts. Then, unless
# COR_NO_ASAN=1, builds the ASan+UBSan variant (`make asan`, build-asan) and
# runs the whole suite again against it. A test program that dies, or exits
# nonzero without a closing line (or with one but no failure counted, e.g. a
# leak report at exit), counts as one failure. Prints FAIL lines as they come
# and the closing line "N passed, N failed, N skipped"; exits 1 if any failed.
set -u

build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
cd "$repo" || exit 1
case $build in /*) ;; *) build=$repo/$build ;; esac

P=0 F=0 S=0

# No test asks a debuginfod server but the one test_debuginfod.py starts
# (at 127.0.0.1 in its own network namespace), whatever the user's
# environment says (Debian's /etc/profile.d sets DEBUGINFOD_URLS).
unset DEBUGINFOD_URLS DEBUGINFOD_PROGRESS DEBUGINFOD_VERBOSE

mkdir -p "$repo/tests/tmp"
if [ -z "${COR_TEST_CACHE:-}" ]; then
	COR_TEST_CACHE=$(mktemp -d "$repo/tests/tmp/run.XXXXXX") || exit 1
	own_cache=1
else
	own_cache=0
fi
export COR_TEST_CACHE
logdir=$(mktemp -d "${TMPDIR:-/tmp}/coroner-check.XXXXXX") || exit 1
cleanup() {
	rm -rf "$logdir"
	[ "$own_cache" = 1 ] && rm -rf "$COR_TEST_CACHE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_one LABEL CMD...: runs one test program, adds its counts.
run_one() {
	label=$1
	shift
	out=$logdir/out err=$logdir/err
	"$@" >"$out" 2>"$err"
	rc=$?
	# FAIL lines and their indented continuation lines.
	awk '/^FAIL /{p=1; print; next} /^    /{if (p) print; next} {p=0}' "$out"
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -z "$last" ]; then
		F=$((F + 1))
		echo "FAIL $label: exit status $rc without a closing line"
		tail -n 30 "$err" "$out" | sed 's/^/    /'
		return
	fi
	p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$last" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p')
	s=$(echo "$last" | sed -n 's/.*failed, \([0-9]*\) skipped.*/\1/p')
	P=$((P + p))
	F=$((F + f))
	S=$((S + ${s:-0}))
	if [ "$f" -gt 0 ]; then
		# Unit tests say what failed on stderr.
		grep -E 'FAIL|ERROR|runtime error' "$err" | head -n 40 | sed 's/^/    /'
	elif [ "$rc" -ne 0 ]; then
		F=$((F + 1))
		echo "FAIL $label: exit status $rc after \"$last\""
		tail -n 30 "$err" | sed 's/^/    /'
	fi
	echo "   $label: $last"
}

run_suite() {
	b=$1
	echo "== suite against $b"
	found=0
	for t in "$b"/tests/test_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		found=1
		run_one "unit/$(basename "$t")" "$t"
	done
	[ "$found" = 1 ] || echo "   (no unit test binaries in $b/tests)"
	for t in "$repo"/tests/e2e/*.py; do
		[ -f "$t" ] || continue
		run_one "e2e/$(basename "$t" .py)" python3 "$t" "$b"
	done
}

run_suite "$build"
# the fuzzing regression corpus once more, under valgrind's memcheck
run_one "valgrind/regress" sh "$repo/tests/valgrind.sh" "$build"

if [ "${COR_NO_ASAN:-0}" != 1 ]; then
	echo "== building the ASan+UBSan variant (make asan)"
	if make -s asan >"$logdir/asan.log" 2>&1; then
		ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0:exitcode=86
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
		export ASAN_OPTIONS UBSAN_OPTIONS
		run_suite "$repo/build-asan"
	else
		F=$((F + 1))
		echo "FAIL asan: make asan failed"
		tail -n 30 "$logdir/asan.log" | sed 's/^/    /'
	fi
fi

echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]

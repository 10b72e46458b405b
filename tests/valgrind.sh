#!/bin/sh
# tests/valgrind.sh BUILD_DIR - replays the fuzz regression corpus
# (tests/regress/, via BUILD_DIR/tests/test_regress) under valgrind memcheck
# with full leak checking. Prints the replay's lines and a closing
# "N passed, N failed": a valgrind error or leak counts as one failure.
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
cd "$repo" || exit 1
bin=$build/tests/test_regress
if ! command -v valgrind >/dev/null 2>&1; then
	echo "skip valgrind: not installed"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
if [ ! -x "$bin" ]; then
	echo "FAIL valgrind: $bin not built"
	echo "0 passed, 1 failed"
	exit 1
fi
log=$(mktemp "${TMPDIR:-/tmp}/coroner-valgrind.XXXXXX") || exit 1
out=$(COR_REGRESS_DIR=$repo/tests/regress valgrind -q --error-exitcode=1 \
	--leak-check=full --errors-for-leak-kinds=definite,indirect \
	--log-file="$log" "$bin" 2>/dev/null)
rc=$?
last=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
f=$(echo "$last" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p')
p=${p:-0}
f=${f:-0}
if [ -z "$last" ] || [ "$rc" -ne 0 ]; then
	[ "$f" -eq 0 ] && f=1
	echo "FAIL valgrind: exit status $rc${last:+ after \"$last\"}"
	head -n 60 "$log" | sed 's/^/    /'
fi
rm -f "$log"
echo "$p passed, $f failed"
[ "$f" -eq 0 ]

#!/bin/sh
# bench/run.sh BUILD_DIR: coroner against eu-stack, gdb and drgn on the same
# kernel cores in the same run; prints a table, writes bench/results.md.
# Knobs (COR_BENCH_*): see the header of bench/bench.py.
set -e
if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
py=$(command -v python3 || true)
if [ -z "$py" ]; then
	echo "bench: python3 not found; skipped" >&2
	exit 0
fi
exec "$py" "$here/bench.py" "$1"

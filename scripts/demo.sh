#!/bin/sh
# make demo: builds the example, crashes it for a real kernel core and prints
# coroner's report of it.
set -e
build=${1:-build}
dir=$build/demo
mkdir -p "$dir"
cc -g -O2 -pthread -o "$dir/demo" examples/demo.c
rm -f "$dir/core" "$dir"/core.*
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || echo core)
echo "crashing $dir/demo (examples/demo.c) on purpose for a kernel core..."
# the shell's own "Segmentation fault" message goes to /dev/null too
sh -c 'cd "$1" && ulimit -c unlimited && exec ./demo' sh "$dir" >/dev/null 2>&1 || true
core=$(ls "$dir"/core "$dir"/core.* 2>/dev/null | head -n 1)
if [ -z "$core" ] && command -v gdb >/dev/null; then
	# core_pattern pipes cores elsewhere: let gdb write one instead
	echo "(core_pattern is '$pattern': using gdb's gcore)"
	gdb -batch -ex run -ex "gcore $dir/core" "$dir/demo" >/dev/null 2>&1 || true
	core=$dir/core
fi
if [ ! -s "$core" ]; then
	echo "make demo: no core was written (core_pattern '$pattern', ulimit -c $(ulimit -c))" >&2
	exit 1
fi
echo "\$ coroner $core"
"$build/coroner" "$core" || [ $? -eq 3 ]

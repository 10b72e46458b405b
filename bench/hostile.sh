#!/bin/sh
# bench/hostile.sh BUILD_DIR: wall time and peak memory (/usr/bin/time -v)
# of coroner on the hostile inputs of tests/e2e/test_hostile.py that are
# about work, not behaviour: NT_FILE with 25k and 100k distinct paths. The
# tests assert that these finish and what they say; the figures are here
# (issue 15's bound: under 2 s and 256 MiB each).
set -e
if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time not found; skipped" >&2; exit 0; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/coroner-hostile.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/root"
python3 - "$here/../tests/e2e/test_hostile.py" "$tmp" <<'PY'
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location("hostile", sys.argv[1])
h = importlib.util.module_from_spec(spec)
spec.loader.exec_module(h)
for n in (25000, 100000):
    with open(os.path.join(sys.argv[2], "nt-file-%d.core" % n), "wb") as f:
        f.write(h.nt_file_core(n))
PY
printf '%-28s %10s %12s\n' input seconds "peak KiB"
for n in 25000 100000; do
	/usr/bin/time -v "$build/coroner" maps "$tmp/nt-file-$n.core" --sysroot "$tmp/root" \
		>/dev/null 2>"$tmp/time" || true
	s=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$tmp/time")
	k=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time")
	printf '%-28s %10s %12s\n' "NT_FILE, $n paths" "$s" "$k"
done

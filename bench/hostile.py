#!/usr/bin/env python3
"""bench/hostile.py BUILD_DIR: time and peak memory of issue 15's hostile
DWARF and CFI inputs.

Each scenario of BUILD_DIR/tests/test_hostile_dwarf (which makes its input
in memory at run time, the same generators make check runs) is run alone
with "--bench NAME" (cfi_pairs then asks for 256 rows, a thread's worth of
frames, each at its own pc) under /usr/bin/time -v, or timed through
os.wait4 when that is missing. Prints one line per scenario: wall seconds,
peak RSS in MiB, and whether it stayed under the issue's bound (2 s,
256 MiB). Exits 1 if any scenario failed its checks or its bound.
"""
import os
import re
import subprocess
import sys
import time

SCENARIOS = [
    ("abbrev_overlap", "400 units, each its own offset into one unterminated abbrev table"),
    ("abbrev_huge", "one abbreviation table of 2^18 + 10 declarations"),
    ("lines_shared", "1000 units without ranges sharing one long line program"),
    ("lines_fallback", "64 MiB zero-filled .debug_line; a million 5-byte units"),
    ("lines_v5_counts", "v5 headers claiming 2^30 / 2^20 + 1 file entries"),
    ("cfi_nested", "nested remember/restore levels"),
    ("cfi_pairs", "499,990 remember/restore pairs, 256 rows at their own pcs (long-row pool)"),
    ("api_max_depth", "cor_limits.max_depth = UINT32_MAX through the API"),
]
MAX_SECONDS = 2.0
MAX_MIB = 256


def run(binary, name):
    cmd = [binary, "--bench", name]
    if os.access("/usr/bin/time", os.X_OK):
        t0 = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
        wall = time.monotonic() - t0
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        rss_kib = int(m.group(1)) if m else 0
        return p.returncode, wall, rss_kib, p.stdout + p.stderr
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    return os.waitstatus_to_exitcode(status), wall, usage.ru_maxrss, out


def main():
    if len(sys.argv) != 2:
        print("usage: bench/hostile.py BUILD_DIR", file=sys.stderr)
        return 2
    binary = os.path.join(sys.argv[1], "tests", "test_hostile_dwarf")
    if not os.access(binary, os.X_OK):
        print(f"bench: {binary} not built (make)", file=sys.stderr)
        return 2
    bad = 0
    print(f"{'scenario':18} {'seconds':>8} {'peak MiB':>9}  verdict  input")
    for name, what in SCENARIOS:
        rc, wall, rss_kib, out = run(binary, name)
        mib = rss_kib / 1024
        ok = rc == 0 and wall < MAX_SECONDS and mib < MAX_MIB
        bad += not ok
        verdict = "ok" if ok else ("FAILED" if rc else "SLOW/BIG")
        print(f"{name:18} {wall:8.2f} {mib:9.1f}  {verdict:7}  {what}")
        if rc:
            print("    " + "\n    ".join(out.strip().splitlines()[-10:]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

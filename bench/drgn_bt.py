# drgn script: every thread's stack trace (run as `drgn -q -c CORE drgn_bt.py`).
import sys

try:
    threads = list(prog.threads())  # noqa: F821 (drgn provides prog)
except Exception as e:
    sys.exit(f"drgn: cannot list threads: {e}")
for t in threads:
    print(f"thread {t.tid}")
    try:
        print(t.stack_trace())
    except Exception as e:
        print(f"drgn: thread {t.tid}: no stack trace: {e}", file=sys.stderr)

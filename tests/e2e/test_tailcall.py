#!/usr/bin/env python3
"""End-to-end tail-call frames (issue "Frames users can trust", item 3).

tests/programs/tailcall.c built -O2: main -> a -> b -> c, which faults; a
calls b in tail position, so gcc emits a jump (checked with objdump: a `jmp`
to b in a) and a has no frame on the stack. gdb puts it back from the DWARF
call sites (main's call of a, a's tail call of b); so must coroner, marked
how "tailcall" ([tail] in the text output). With the argument "abort" the
program calls abort(): glibc 2.36's raise -> __pthread_kill (its inline
__pthread_kill_internal) -> __pthread_kill_implementation, the last a tail
call, so gdb shows __pthread_kill_internal between
__pthread_kill_implementation and raise when libc's debug file is there.

Checked, for the crashed thread:
- bttest.compare_thread: physical pcs = eu-stack's; every frame (inline and
  tail-call frames too) = gdb's in pc, inline-ness, tail-call-ness, name;
- the names in order = gdb's `bt` (a part gcc split off, main.cold, counts
  as its function), and the tail-call frames sit where gdb's are, with
  gdb's file basename:line;
- the expected chain: c, b, a [tail], main; __pthread_kill_implementation,
  __pthread_kill_internal [tail], raise;
- `--no-tailcalls` removes exactly the tail-call frames (the others keep pc,
  name, how, file:line), `--no-inline` keeps them, and the text output marks
  them [tail].

Variants: -O2 (DWARF 5: DW_TAG_call_site, DW_AT_call_tail_call), -O2 non-PIE,
-O2 -gdwarf-4 (DW_TAG_GNU_call_site, DW_AT_GNU_tail_call).

Usage: python3 tests/e2e/test_tailcall.py BUILD_DIR
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import bttest as bt  # noqa: E402
import coretest as ct  # noqa: E402
from coretest import Skip, check, check_eq  # noqa: E402

# name -> (flags, args, the chain expected in the crashed thread, signal)
SEGV_CHAIN = [("c", False), ("b", False), ("a", True), ("main", False)]
ABORT_CHAIN = [("__pthread_kill_implementation", False), ("__pthread_kill_internal", True),
               ("raise", False)]
CASES = {
    "O2": (["-g", "-O2"], [], SEGV_CHAIN, 11),
    "O2-no-pie": (["-g", "-O2", "-fno-pie", "-no-pie"], [], SEGV_CHAIN, 11),
    "O2-dwarf4": (["-gdwarf-4", "-O2"], [], SEGV_CHAIN, 11),
    "abort": (["-g", "-O2"], ["abort"], ABORT_CHAIN, 6),
}


def plain(name):
    """A name without the suffix of a part gcc split off (main.cold) and
    the glibc-internal alias prefix gdb and coroner print (__GI_raise)."""
    n = bt.norm_name(name)
    if n is None:
        return None
    n = re.sub(r"\.(cold|part\.\d+)(\.\d+)?$", "", n)
    return re.sub(r"^__GI_", "", n)


def check_jump(exe):
    """a ends in a jump to b: the tail call this test is about."""
    out = ct.run_tool(["objdump", "-d", "--no-show-raw-insn", exe])
    m = re.search(r"^[0-9a-f]+ <a>:\n(.*?)\n\n", out, re.S | re.M)
    check(m, "objdump shows no function a in %s" % exe)
    check(re.search(r"\sjmp\s+[0-9a-f]+ <b>", m.group(1)),
          "a does not jump to b (no tail call to test):\n%s" % m.group(1))


def desc(f):
    return "%s%s" % (f.get("function"), " [tail]" if bt.is_tail(f) else "")


def case(build, name):
    flags, args, chain, signo = CASES[name]
    ct.need("objdump")
    exe = bt.build(["tailcall.c"], "tailcall-" + name, flags)
    check_jump(exe)
    core, oracle = bt.crash(exe, args, "tailcall-" + name)
    doc, mine = bt.coroner_bt(build, core, exe)
    check_eq((doc.get("signal") or {}).get("number"), signo, "signal number")
    tid = oracle["main_tid"]
    check(tid in mine, "no thread %d in bt --json: %s" % (tid, sorted(mine)))
    frames = mine[tid]["frames"]
    gd, _ = bt.gdb_frames(exe, core)
    check(tid in gd, "gdb shows no thread %d" % tid)
    g = gd[tid]["frames"]
    if not any(x["type"] == bt.GDB_TAILCALL for x in g):
        raise Skip("gdb shows no tail-call frame here (no DWARF call sites: for abort, "
                   "libc's debug file, libc6-dbg, is missing?): %s" % bt.gdb_fmt(g))
    eu, _ = bt.eu_stack(core, exe)
    bt.compare_thread(tid, frames, eu.get(tid), gd[tid], modfiles=bt.module_files(doc))

    names = [plain(f.get("function")) for f in frames]
    gnames = [plain(x["name"]) for x in g]
    check_eq(names, gnames, "names in order (coroner %s vs gdb %s)"
             % ([desc(f) for f in frames], bt.gdb_fmt(g)))
    tails = [i for i, f in enumerate(frames) if bt.is_tail(f)]
    check_eq(tails, [i for i, x in enumerate(g) if x["type"] == bt.GDB_TAILCALL],
             "positions of the tail-call frames (coroner vs gdb)")
    for i in tails:
        f = frames[i]
        check_eq((f["pcv"], bt.base(f.get("file")), f.get("line")),
                 (g[i]["pc"], bt.base(g[i]["file"]), g[i]["line"]),
                 "tail-call frame #%d %s: pc, file, line (coroner vs gdb)" % (i, f.get("function")))
        check(not f.get("inline") and not f.get("signal_frame"),
              "tail-call frame #%d is marked inline or a signal frame" % i)

    want = [n for n, _ in chain]
    check(want[0] in names, "no frame %s: %s" % (want[0], [desc(f) for f in frames]))
    k = names.index(want[0])
    got = [(plain(f.get("function")), bt.is_tail(f)) for f in frames[k:k + len(chain)]]
    check_eq(got, chain, "the frames from %s on (name, tail)" % want[0])
    for n, _ in chain:
        if n in oracle["funcs"]:
            f = frames[names.index(n)]
            check_eq(f["pcv"] - f["offset"], oracle["funcs"][n],
                     "start of %s (recorded by the program)" % n)

    # --no-tailcalls: exactly the other frames
    _, off = bt.coroner_bt(build, core, exe, "--no-tailcalls")
    key = lambda f: (f["pcv"], f.get("function"), f.get("how"), f.get("inline"),
                     f.get("file"), f.get("line"))
    check_eq([key(f) for f in off[tid]["frames"]],
             [key(f) for f in frames if not bt.is_tail(f)],
             "--no-tailcalls frames vs the default ones less the tail-call frames")

    # --no-inline: the same tail-call frames (pcs), among the physical ones
    _, noinl = bt.coroner_bt(build, core, exe, "--no-inline")
    check_eq([(f["pcv"], bt.is_tail(f)) for f in noinl[tid]["frames"]],
             [(f["pcv"], bt.is_tail(f)) for f in frames if not f.get("inline")],
             "--no-inline frames (pc, tail) vs the default ones less the inline frames")

    # the text output marks them [tail]
    text = ct.coroner(build, "bt", core, "--exe", exe, "--thread", str(tid),
                      ok_codes=(0, 3)).text
    lines = [ln for ln in text.splitlines() if re.match(r"^\s+#\d+\s", ln)]
    marked = [i for i, ln in enumerate(lines) if ln.endswith(" [tail]")]
    check_eq(marked, tails, "text lines marked [tail]:\n%s" % text)
    text = ct.coroner(build, "bt", core, "--exe", exe, "--no-tailcalls",
                      ok_codes=(0, 3)).text
    check("[tail]" not in text, "--no-tailcalls still prints [tail]:\n%s" % text)


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    for name in CASES:
        rep.run("tailcall-" + name, case, build, name)
    rep.done()


if __name__ == "__main__":
    main()

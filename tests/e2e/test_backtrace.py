#!/usr/bin/env python3
"""End-to-end backtrace accuracy (issue 3): `coroner bt --json` on kernel cores
of tests/programs/bt_crash.c and bt_throw.cpp built many ways, against
independent oracles:

- eu-stack (`eu-stack --core CORE -e EXE -n 0`): for every thread the list of
  physical frame pcs (coroner's frames neither "inline": true nor how
  "tailcall": eu-stack makes neither) must be equal;
- gdb (Python frame walk, past main and the entry point): coroner's full list
  (inline and tail-call frames included) must have gdb's pcs, inline-ness,
  tail-call-ness and names: both put back frames a tail call removed from
  DW_TAG_call_site (e.g. __pthread_kill_internal,
  __futex_abstimed_wait_cancelable64 in glibc 2.36);
- names: coroner's name for a physical frame must be eu-stack's (ELF symbol,
  e.g. "raise", "pause") or gdb's (DWARF, e.g. "__GI_raise", "__libc_pause")
  for the same pc: coroner prefers DWARF names where it has debug info, eu-stack
  shows symtab names, and either is right. Two ELF symbols with the same value
  in the frame's module (its file or debug file, read with readelf -s) name the
  same function, so such an alias is accepted too (static glibc has
  __libc_start_main and __libc_start_main_impl, both GLOBAL at one address). Symbol versions (@@GLIBC_2.34) and
  C++ parameter lists are ignored (bttest.norm_name);
- the program's own oracle.txt: thread ids and roles, and the runtime address
  of its functions, which pins the frames of the crash path (function start =
  pc - offset) and any frame coroner finds past where eu-stack gives up.

Usage: python3 tests/e2e/test_backtrace.py BUILD_DIR
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import bttest as bt  # noqa: E402
import coretest as ct  # noqa: E402
from coretest import Fail, Skip, check, check_eq  # noqa: E402

BASE = ["-g", "-pthread"]

# name -> (flags, args, crash path in the crashed thread (innermost first), signal)
SEGV_PATH = ["level3", "level2", "level1", "run_mode", "main"]
C_CASES = {
    "O0": (BASE + ["-O0"], ["segv", "--threads"], SEGV_PATH, 11),
    "O2": (BASE + ["-O2"], ["segv", "--threads"], SEGV_PATH, 11),
    "O2-omit-fp": (BASE + ["-O2", "-fomit-frame-pointer"], ["segv", "--threads"], SEGV_PATH, 11),
    "pie": (BASE + ["-O2", "-fPIE", "-pie"], ["segv", "--threads"], SEGV_PATH, 11),
    "no-pie": (BASE + ["-O2", "-fno-pie", "-no-pie"], ["segv", "--threads"], SEGV_PATH, 11),
    "static": (BASE + ["-O2", "-static"], ["segv", "--threads"], SEGV_PATH, 11),
    "m32": (BASE + ["-O0", "-m32"], ["segv", "--threads"], SEGV_PATH, 11),
    "m32-O2": (BASE + ["-O2", "-m32"], ["segv", "--threads"], SEGV_PATH, 11),
    "assert": (BASE + ["-O2"], ["assert", "--threads"], ["check_value", "assert_path", "run_mode", "main"], 6),
    "sigusr1-handler": (BASE + ["-O2"], ["usr1", "--threads"],
                        ["handler_fault", "handler", None, "raise_usr1", "run_mode", "main"], 11),
    "sigalrm-handler": (BASE + ["-O2", "-fomit-frame-pointer"], ["alrm", "--threads"],
                        ["handler_fault", "handler", None, "spin", "run_mode", "main"], 11),
    "m32-sigusr1-handler": (BASE + ["-O2", "-m32"], ["usr1"],
                            ["handler_fault", "handler", None, "raise_usr1", "run_mode", "main"], 11),
    "recurse-1000": (BASE + ["-O2"], ["recurse", "1000"], None, 11),
}

ROLE_FUNC = {"cond": "waiter_cond", "sleep": "waiter_sleep", "read": "waiter_read",
             "worker": "worker_entry"}


def func_start(f):
    if f.get("function") is None or f.get("offset") is None:
        return None
    return f["pcv"] - f["offset"]


def check_path(tid, frames, path, funcs):
    """The crash path appears in the physical frames, the innermost entry
    first, each entry the caller of the one before; each named function starts
    where the program recorded it. None stands for the signal trampoline: a
    frame with signal_frame true, whose caller was interrupted (how "signal");
    between it and the next entry may lie up to three libc frames (the raise
    path: pthread_kill, raise)."""
    phys = bt.physical(frames)
    names = [bt.norm_name(f.get("function")) for f in phys]
    first = path[0]
    check(first in names, "tid %d: %s not among the physical frames %s"
          % (tid, first, bt.fmt_frames(phys)))
    j = names.index(first)
    gap = 0
    for k, want in enumerate(path):
        check(j < len(phys), "tid %d: the crash path %s is cut after %d entries: %s"
              % (tid, path, k, bt.fmt_frames(phys)))
        f = phys[j]
        if want is None:
            check(f.get("signal_frame") and j + 1 < len(phys) and phys[j + 1].get("how") == "signal",
                  "tid %d: physical frame %d (%#x %s) should be the signal trampoline "
                  "(signal_frame true) and its caller restored from the signal frame "
                  "(how \"signal\"): %s" % (tid, j, f["pcv"], f.get("function"),
                                           [(hex(x["pcv"]), x.get("function"), x.get("how"),
                                             x.get("signal_frame")) for x in phys[j:j + 3]]))
            j += 1
            gap = 3
            continue
        found = want in names[j:j + gap + 1]
        check(found, "tid %d: physical frame %d is %r, the crash path wants %r "
              "(path %s, frames %s)" % (tid, j, f.get("function"), want, path,
                                         bt.fmt_frames(phys[j:j + len(path) + 1])))
        j = names.index(want, j)
        f = phys[j]
        gap = 0
        if want in funcs:
            check(func_start(f) == funcs[want],
                  "tid %d: frame %s at pc %#x offset %r starts at %s, the program recorded %#x"
                  % (tid, want, f["pcv"], f.get("offset"),
                     "%#x" % func_start(f) if func_start(f) is not None else None, funcs[want]))
        j += 1


def pin_by_oracle(tid, funcs):
    def pin(i, f):
        name = bt.norm_name(f.get("function"))
        if name in funcs and func_start(f) == funcs[name]:
            return
        raise Fail("tid %d: coroner's physical frame #%d %#x %s (past eu-stack's last) is not "
                   "one of the program's recorded functions %s"
                   % (tid, i, f["pcv"], f.get("function"), sorted(funcs)))
    return pin


def compare_all(build, exe, core, oracle, path, signo, extra=()):
    doc, mine = bt.coroner_bt(build, core, exe, *extra)
    eu, eu_raw = bt.eu_stack(core, exe)
    gd, _ = bt.gdb_frames(exe, core)
    tids = set(oracle["tids"])
    check_eq(set(mine), tids, "thread ids in bt --json vs the program's oracle")
    crashed = [t for t in doc["threads"] if t.get("crashed")]
    check(len(crashed) == 1, "expected one crashed thread, got %s"
          % [t["tid"] for t in crashed])
    sig = doc.get("signal") or {}
    check_eq(sig.get("number"), signo, "signal number")
    for tid in sorted(tids):
        frames = mine[tid]["frames"]
        check(frames, "tid %d: no frames (stop reason %r)" % (tid, mine[tid].get("stop_reason")))
        bt.compare_thread(tid, frames, eu.get(tid), gd.get(tid),
                          pinned=pin_by_oracle(tid, oracle["funcs"]),
                          modfiles=bt.module_files(doc))
        role = oracle["tids"][tid]
        if role in ROLE_FUNC:
            check_path(tid, frames, [ROLE_FUNC[role]], oracle["funcs"])
    return doc, mine, crashed[0]


def c_case(build, name):
    flags, args, path, signo = C_CASES[name]
    exe = bt.build(["bt_crash.c"], "bt_crash-" + name, flags)
    core, oracle = bt.crash(exe, args, "bt-" + name)
    extra = ("--max-frames", "5000") if name.startswith("recurse") else ()
    doc, mine, crashed = compare_all(build, exe, core, oracle, path, signo, extra)
    want_crashed = oracle["main_tid"]
    check_eq(crashed["tid"], want_crashed, "crashed thread (the main thread faults)")
    if path:
        check_path(crashed["tid"], crashed["frames"], path, oracle["funcs"])
    if name.startswith("recurse"):
        phys = bt.physical(crashed["frames"])
        n = sum(1 for f in phys if bt.norm_name(f.get("function")) == "recurse")
        check_eq(n, oracle["depth"], "recurse frames in the crashed thread")
        for f in phys:
            if bt.norm_name(f.get("function")) == "recurse":
                check(func_start(f) == oracle["funcs"]["recurse"],
                      "recurse frame %#x starts at %s, recorded %#x"
                      % (f["pcv"], func_start(f), oracle["funcs"]["recurse"]))


def recurse_limit(build):
    flags, args, _, _ = C_CASES["recurse-1000"]
    exe = bt.build(["bt_crash.c"], "bt_crash-recurse-1000", flags)
    core, oracle = bt.crash(exe, args, "bt-recurse-1000")
    eu, _ = bt.eu_stack(core, exe)
    tid = oracle["main_tid"]
    eu_pcs = [f["pc"] for f in eu[tid]["frames"]]
    check(len(eu_pcs) > 1000, "eu-stack shows only %d frames for the 1000-deep recursion"
          % len(eu_pcs))
    for limit, extra in ((256, ()), (10, ("--max-frames", "10")), (300, ("--max-frames", "300"))):
        doc, mine = bt.coroner_bt(build, core, exe, "--thread", str(tid), *extra)
        check_eq(sorted(mine), [tid], "threads printed with --thread %d" % tid)
        t = mine[tid]
        frames = t["frames"]
        how = "default" if not extra else " ".join(extra)
        check_eq(len(frames), limit, "frames with %s (a %d-frame stack)" % (how, len(eu_pcs)))
        pcs = [f["pcv"] for f in bt.physical(frames)]
        check(pcs == eu_pcs[:len(pcs)],
              "with %s the physical pcs are not eu-stack's first %d: %s vs %s"
              % (how, len(pcs), bt.fmt_frames(bt.physical(frames)[:5]),
                 ["%#x" % x for x in eu_pcs[:5]]))
        reason = t.get("stop_reason") or ""
        check(re.search(r"\b%d\b" % limit, reason) and "limit" in reason.lower(),
              "with %s the stop reason should name the frame limit %d, got %r"
              % (how, limit, reason))


def cxx_throw(build):
    exe = bt.build(["bt_throw.cpp"], "bt_throw", ["-g", "-O2", "-pthread"], cc="g++")
    core, oracle = bt.crash(exe, [], "bt-throw")
    doc, mine, crashed = compare_all(build, exe, core, oracle, None, 6)
    worker = [t for t, r in oracle["tids"].items() if r == "worker"][0]
    check_eq(crashed["tid"], worker, "crashed thread (the worker that threw)")
    phys = bt.physical(crashed["frames"])
    names = [bt.norm_name(f.get("function")) for f in phys]
    for want in ("std::terminate", "__cxa_throw", "Thrower<int>::boom", "Thrower<int>::deeper",
                 "worker_entry"):
        check(want in names, "worker thread lacks %s: %s" % (want, bt.fmt_frames(phys)))
    order = [names.index(w) for w in ("std::terminate", "__cxa_throw", "Thrower<int>::boom",
                                      "Thrower<int>::deeper", "worker_entry")]
    check(order == sorted(order), "worker frames out of order: %s" % bt.fmt_frames(phys))
    for w in ("Thrower<int>::boom", "Thrower<int>::deeper", "worker_entry"):
        f = phys[names.index(w)]
        check_eq(func_start(f), oracle["funcs"][w], "start of %s (recorded by the program)" % w)
    main = mine[oracle["main_tid"]]
    mnames = [bt.norm_name(f.get("function")) for f in main["frames"]]
    check("std::thread::join" in mnames and "main" in mnames,
          "main thread should wait in std::thread::join <- main: %s" % bt.fmt_frames(main["frames"]))


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    for name in C_CASES:
        rep.run("bt-" + name, c_case, build, name)
    rep.run("bt-cxx-thread-throw", cxx_throw, build)
    rep.run("bt-max-frames", recurse_limit, build)
    rep.done()


if __name__ == "__main__":
    main()

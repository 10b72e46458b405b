#!/usr/bin/env python3
"""Backtraces of foreign cores (../shared/corpus, see its README.md): cores
other projects made on x86_64, aarch64, i386 (plus .fp builds, and ppc64le,
s390x, 32-bit ppc, 31-bit s390 and x32) and drgn's crashme cores.

For backtrace.ARCH cores, `coroner bt CORE --exe EXEC --json` must give:
- for the thread that took the signal: sigusr2 <- stdarg <- backtracegen <-
  start <- start_thread <- a clone entry (__clone / clone / __clone3 /
  thread_start), as the README describes; above sigusr2 at most three frames of
  the raise path (raise, pthread_kill, kill, __kernel_vsyscall in the vDSO);
- for the other thread: pthread_join <- main (above it at most
  __kernel_vsyscall / lll-wait helpers);
- physical frame pcs equal to eu-stack's (`eu-stack --core CORE -e EXEC -n 0`,
  which reads these foreign cores on this host), with these documented eu-stack
  0.188 quirks handled:
  * on aarch64 and ppc64le .fp cores eu-stack prints the frame above a leaf
    twice (same pc, its LR fallback then the frame chain): consecutive
    duplicate pcs in eu-stack's list are collapsed (the programs do not
    recurse, so a real frame never repeats its caller's pc);
  * eu-stack names some aarch64 frames after ARM mapping symbols ("$x"), which
    are not function names; such names are not compared;
  * where eu-stack stops early (no DWARF for __clone in the .fp builds),
    coroner's further frames must be the README's remaining chain;
  * where eu-stack finds more frames than coroner, the test fails.
- names of frames eu-stack names (other than mapping symbols) agree with it.

drgn-crashme.core (dynamic, libc absent) with drgn-crashme and
drgn-crashme.so (recorded as /home/osandov/crashme.so, passed with
--file REC=PATH): main -> crashme -> a -> b -> c, pcs equal gdb's (with a
sysroot holding the two files; eu-stack 0.188 has no option to find
crashme.so under another name, so gdb is the peer here).
drgn-crashme_static.core: same chain, pcs equal eu-stack's.

Skips when ../shared/corpus is absent.
Usage: python3 tests/e2e/test_foreign_bt.py BUILD_DIR
"""
import lzma
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import bttest as bt  # noqa: E402
import coretest as ct  # noqa: E402
from coretest import Fail, Skip, check, check_eq  # noqa: E402

CORPUS = os.path.join(ct.REPO, "..", "shared", "corpus")

CHAIN = ["sigusr2", "stdarg", "backtracegen", "start", "start_thread"]
CLONE = {"__clone", "clone", "__clone3", "clone3", "thread_start", "__thread_start"}
ABOVE_SIGUSR2 = {"raise", "__GI_raise", "gsignal", "pthread_kill", "__pthread_kill",
                 "__pthread_kill_implementation", "kill", "__kill", "__kernel_vsyscall",
                 "tgkill", "__GI___pthread_kill"}
ABOVE_JOIN = {"__kernel_vsyscall", "__lll_lock_wait", "__futex_abstimed_wait_common",
              "__futex_abstimed_wait_common64", "futex_wait"}

ARCHES = ["x86_64", "x86_64.fp", "aarch64", "aarch64.fp", "i386", "i386.fp",
          "ppc64le.fp", "s390x", "ppc", "s390", "x32"]
# On these the README's last frame (the clone entry) is not required: eu-stack
# does not reach it either (ppc64le: the stack ends at start_thread with a 0
# back chain; s390x: the thread entry is a label without CFI).
NO_CLONE_NEEDED = {"ppc64le.fp", "s390x"}


def unpack(names):
    if not os.path.isdir(CORPUS):
        raise Skip("no foreign corpus at %s (a fresh clone has no ../shared)" % CORPUS)
    d = os.path.join(ct.cache_dir(), "foreign-bt")
    os.makedirs(d, exist_ok=True)
    out = []
    for n in names:
        src = os.path.join(CORPUS, n + ".xz")
        if not os.path.exists(src):
            raise Skip("%s is not in the corpus" % (n + ".xz"))
        dst = os.path.join(d, n)
        if not os.path.exists(dst):
            with lzma.open(src) as f, open(dst + ".tmp", "wb") as g:
                shutil.copyfileobj(f, g)
            os.chmod(dst + ".tmp", 0o755)
            os.rename(dst + ".tmp", dst)
        out.append(dst)
    return out


def names(frames):
    return [bt.norm_name(f.get("function")) for f in frames]


def collapse(frames):
    res = []
    for f in frames:
        if res and res[-1]["pc"] == f["pc"]:
            continue
        res.append(f)
    return res


def compare_eu(tid, phys, eu, allowed_extra, stop=None):
    """Physical pcs vs eu-stack (quirks in the module docstring)."""
    check(eu is not None, "tid %d: eu-stack shows no such thread" % tid)
    ef = collapse(eu["frames"])
    mine = [f["pcv"] for f in phys]
    theirs = [f["pc"] for f in ef]
    n = min(len(mine), len(theirs))
    check(mine[:n] == theirs[:n],
          "tid %d: physical pcs differ from eu-stack's: coroner %s, eu-stack %s"
          % (tid, bt.fmt_frames(phys), ["%#x %s" % (f["pc"], f["name"]) for f in ef]))
    check(len(theirs) <= len(mine),
          "tid %d: eu-stack finds %d frames past coroner's last: %s; coroner %s stopped: %r"
          % (tid, len(theirs) - len(mine),
             ["%#x %s" % (f["pc"], f["name"]) for f in ef[len(mine):]], bt.fmt_frames(phys), stop))
    extra = names(phys[len(theirs):])
    check(all(x in allowed_extra for x in extra),
          "tid %d: coroner's frames past eu-stack's last %s are not in the README's chain %s "
          "(eu-stack: %s)" % (tid, bt.fmt_frames(phys[len(theirs):]), sorted(allowed_extra),
                              eu.get("error")))
    for f, e in zip(phys, ef):
        if e["name"] and not e["name"].startswith("$"):
            check(bt.name_ok(f.get("function"), e["name"]),
                  "tid %d frame %#x: coroner names it %r, eu-stack %r"
                  % (tid, f["pcv"], f.get("function"), e["name"]))


def backtrace_core(build, arch):
    core, exe = unpack(["backtrace.%s.core" % arch, "backtrace.%s.exec" % arch])
    doc, threads = bt.coroner_bt(build, core, exe)
    check_eq(len(threads), 2, "threads in the core")
    crashed = [t for t in threads.values() if t.get("crashed")]
    check(len(crashed) == 1, "expected one crashed thread, got %s"
          % [t["tid"] for t in crashed])
    t2 = crashed[0]
    t1 = [t for t in threads.values() if not t.get("crashed")][0]
    check(t1["tid"] < t2["tid"], "the thread that raised the signal (%d) should be thread 2, "
          "the main thread %d" % (t2["tid"], t1["tid"]))

    p2 = bt.physical(t2["frames"])
    n2 = names(p2)
    check("sigusr2" in n2, "tid %d: no sigusr2 frame: %s (stop: %s)"
          % (t2["tid"], bt.fmt_frames(p2), t2.get("stop_reason")))
    i = n2.index("sigusr2")
    check(i <= 3 and all(x in ABOVE_SIGUSR2 for x in n2[:i]),
          "tid %d: frames above sigusr2 should be the raise path (%s): %s"
          % (t2["tid"], sorted(ABOVE_SIGUSR2), bt.fmt_frames(p2[:i])))
    want = CHAIN + ([] if arch in NO_CLONE_NEEDED else ["<clone>"])
    got = n2[i:i + len(want)]
    got_cmp = [("<clone>" if x in CLONE else x) for x in got]
    check(got_cmp == want, "tid %d: expected %s, got %s (stop: %s)"
          % (t2["tid"], " <- ".join(CHAIN + ["__clone"]), bt.fmt_frames(p2[i:]),
             t2.get("stop_reason")))

    p1 = bt.physical(t1["frames"])
    n1 = names(p1)
    check("pthread_join" in n1, "tid %d: no pthread_join frame: %s"
          % (t1["tid"], bt.fmt_frames(p1)))
    j = n1.index("pthread_join")
    check(all(x in ABOVE_JOIN for x in n1[:j]), "tid %d: unexpected frames above pthread_join: %s"
          % (t1["tid"], bt.fmt_frames(p1[:j])))
    check(n1[j + 1:j + 2] == ["main"], "tid %d: pthread_join's caller should be main: %s"
          % (t1["tid"], bt.fmt_frames(p1[j:])))

    eu, _ = bt.eu_stack(core, exe)
    compare_eu(t2["tid"], p2, eu.get(t2["tid"]), set(CHAIN) | CLONE,
               t2.get("stop_reason"))
    compare_eu(t1["tid"], p1, eu.get(t1["tid"]), set(), t1.get("stop_reason"))


CRASHME = ["c", "b", "a", "crashme", "main"]


def check_crashme(t):
    phys = bt.physical(t["frames"])
    check_eq(names(phys[:5]), CRASHME, "tid %d: innermost frames" % t["tid"])
    return phys


def drgn_dynamic(build):
    core, exe, so = unpack(["drgn-crashme.core", "drgn-crashme", "drgn-crashme.so"])
    doc, threads = bt.coroner_bt(build, core, exe, "--file", "/home/osandov/crashme.so=" + so)
    check_eq(len(threads), 1, "threads")
    t = list(threads.values())[0]
    check(t.get("crashed"), "the only thread should be the crashed one")
    phys = check_crashme(t)
    mods = {m.get("name"): m for m in doc.get("modules") or []}
    m = mods.get("/home/osandov/crashme.so")
    check(m is not None and m.get("path") and os.path.samefile(m["path"], so),
          "module /home/osandov/crashme.so should be read from %s: %r" % (so, m))
    sysroot = os.path.join(ct.cache_dir(), "foreign-bt", "sysroot")
    os.makedirs(os.path.join(sysroot, "home", "osandov"), exist_ok=True)
    for src, rec in ((so, "crashme.so"), (exe, "crashme")):
        dst = os.path.join(sysroot, "home", "osandov", rec)
        if not os.path.exists(dst):
            shutil.copy(src, dst)
    gd, out = bt.gdb_frames(exe, core, pre=["set sysroot " + sysroot])
    g = bt.gdb_physical(list(gd.values())[0]["frames"])
    gn = [bt.norm_name(x["name"]) for x in g]
    check(gn[:5] == CRASHME, "gdb does not see main -> crashme -> a -> b -> c: %s" % gn)
    check_eq([f["pcv"] for f in phys[:5]], [x["pc"] for x in g[:5]], "pcs of c, b, a, crashme, main vs gdb's")


def drgn_static(build):
    core, exe = unpack(["drgn-crashme_static.core", "drgn-crashme_static"])
    doc, threads = bt.coroner_bt(build, core, exe)
    check_eq(len(threads), 1, "threads")
    t = list(threads.values())[0]
    phys = check_crashme(t)
    eu, _ = bt.eu_stack(core, exe)
    compare_eu(t["tid"], phys, eu.get(t["tid"]), set(), t.get("stop_reason"))


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    for arch in ARCHES:
        rep.run("foreign-bt-" + arch, backtrace_core, build, arch)
    rep.run("foreign-bt-drgn-crashme", drgn_dynamic, build)
    rep.run("foreign-bt-drgn-crashme-static", drgn_static, build)
    rep.done()


if __name__ == "__main__":
    main()

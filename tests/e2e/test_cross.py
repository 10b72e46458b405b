#!/usr/bin/env python3
"""Cross-architecture harness (issue 13 items 1 and 2, issue 9 item 12):
programs of ours cross-compiled for aarch64, ppc64le, ppc64 (big endian,
ELFv1: function symbols and pointers are descriptors in .opd; the test maps
the program's recorded pointers to their entries), s390x, i386, 32-bit
PowerPC, armhf (twice: ARM code, -marm, and Thumb code, -mthumb; on ARM
the function pointers the programs record carry the Thumb bit, which the
test drops) and armel (soft float, ARM code), crashed under qemu-user, and their cores read with
`coroner report CORE --json --sysroot /usr/TRIPLET --exe PROG`.

Each architecture needs TRIPLET-gcc with its libc under /usr/TRIPLET
(Debian's gcc-TRIPLET and libc6-dev-ARCH-cross; .ci/run installs them) and
qemu-ARCH (qemu-user); without them its cases skip, saying which is missing
(the throw case: TRIPLET-g++, Debian's g++-TRIPLET).
riscv64 is not here: Debian 12's qemu-riscv64 (7.2) writes no guest core
(tried: static and dynamic programs, SIGSEGV and SIGABRT).

The cores: a guest run as `qemu-ARCH -L /usr/TRIPLET -E LD_LIBRARY_PATH=/lib
PROG` (without LD_LIBRARY_PATH the i386 guest's ld.so reads the host's
ld.so.cache) that dies of a signal with RLIMIT_CORE unlimited makes qemu
write `qemu_PROG_DATE_PID.core` in its working directory. Those cores have
NT_PRSTATUS (one per thread), NT_PRPSINFO and NT_AUXV, but no NT_FILE and no
NT_SIGINFO, and qemu dumps no text pages (nor the executable's program
headers): libraries are found only through the dynamic linker's link_map,
their recorded paths (/lib/libc.so.6) looked up under --sysroot. qemu's own
host core would follow; a directory named "core" in the working directory
keeps the kernel from writing it (a 200 MB file per run otherwise).

diag.c assert, doublefree: the diagnosis's class (AbortSignal, HeapError),
  its message (glibc's __abort_msg, read through the libc found under
  --sysroot or the static executable's symbols, both byte orders and word
  sizes) = the line the guest's glibc printed on stderr (qemu_crash keeps it
  in stderr.txt), the signature from do_assert / double_free to main.

Programs, each built twice (dynamic: Debian's default PIE; static), with
-g -O2 -fomit-frame-pointer -pthread:

  bt_crash.c segv --threads  three threads blocked in libc, the main thread
      faults in main -> run_mode -> level1 -> level2 -> level3.
      bt: the thread ids the program recorded (4 threads); the crashed thread
        is the main thread, signal 11; its first physical frames are level3,
        level2, level1, run_mode, main, each starting where the program
        recorded the function, each line the source line the test finds by
        its text (the store in level3, then each call) and also the cross
        addr2line's (TRIPLET-addr2line at module_offset, less 1 for a
        caller); the chain goes on to __libc_start_main (dynamic: in the
        libc found through link_map under --sysroot, item 12); each blocked
        thread has a frame of its function (waiter_cond, waiter_sleep,
        waiter_read) that starts where the program recorded it.
      eu-stack: `eu-stack --core CORE -e PROG`'s pcs for the crashed thread
        equal coroner's physical pcs up to main (dynamic builds). Beyond main
        they may differ and are not compared: eu-stack has no --sysroot
        (0.188), so it opens the host's /lib/libc.so.6 for the link_map
        entry, rejects it and has no CFI for libc (on aarch64 it then repeats
        a pc). In static builds eu-stack ignores -e and takes the executable
        from the core's memory; where qemu dumped none of it (aarch64, s390x,
        i386, ppc: "[exe]: invalid ELF file") it has no CFI or names and
        stops after frame #0 (aarch64: guesses from x30), so only frame #0
        is required to be equal. The figures line says how many of
        eu-stack's frames equal coroner's.
      registers: every register `eu-readelf -n` prints, in every thread,
        equal coroner's (coretest.compare_registers).
  bt_crash.c usr1, usr2  raise(SIGUSR1) in main -> run_mode -> raise_usr1,
      whose handler calls handler_fault, which faults (a non-rt frame where
      the architecture has them: i386, s390x, ppc); usr2 the same through raise_usr2 and handler_info,
      installed with SA_SIGINFO (an rt_sigreturn frame everywhere).
      signal, signal-siginfo: the crashed thread's physical frames are
        handler_fault, the handler, the signal trampoline (signal_frame true,
        its caller restored from the signal frame), at most three libc frames
        (raise), the raiser, run_mode, main (test_backtrace.check_path), each
        starting where the program recorded it. qemu's trampolines have no
        CFI (the kernel's are in the vDSO, which has it): these cases check
        the architectures' signal-frame steps (lib/arch). If the unwind does
        not take the trampoline as a signal frame, the case skips, saying
        so.
  bt_crash.c lib  main -> run_mode -> in_lib -> strlen of an unmapped
      address.
      libc-crash: frame #0 is in libc (dynamic: /lib/libc.so.6 under
        --sysroot; named strlen or a variant, or unnamed in a dynamic libc,
        whose local symbols Debian strips); frame #1 is in_lib, and in_lib,
        run_mode, main follow as the program recorded them. (armhf: glibc's
        asm strlen has no unwind entry, EXIDX_CANTUNWIND, and pushes r4 and
        r5 first: the ARM prologue step reads that from its code.)
  bt_crash.c assert (armhf, armel only)  main -> run_mode -> assert_path ->
      check_value, whose assert() fails: __assert_fail, __assert_fail_base,
      abort, raise; abort and the assert functions are EXIDX_CANTUNWIND.
      abort: the chain goes through abort (the ARM prologue step, from its
        symbol); static: on through __assert_fail_base, __assert_fail,
        check_value, assert_path, run_mode, main (test_backtrace.check_path);
        dynamic: Debian's libc has no symbol for __assert_fail_base (local,
        stripped), so the unwind stops in it, saying EXIDX_CANTUNWIND.
  bt_inline.c  main -> driver, in which level_a, level_b, level_c and
      hdr_store (from bt_inline.h) are inlined, stores through NULL; a
      thread blocks in read through wait_pipe (inline in waiter), another in
      nanosleep through nap (inline in sleeper).
      inline: each thread's frames hold its chain in order, the inline ones
        marked inline, the physical one starting where the program recorded
        it; the names are TRIPLET-addr2line -f -i's at its pc (less 1 for a
        caller).
  crashme.c --threads 3
      memory: `coroner read` returns exactly the bytes the program recorded
        at its .data, .bss, heap, stack and thread-stack buffers (all dumped
        by qemu) and at its file-backed ones (.rodata, text, libc text, the
        ELF header), which qemu does not dump and no NT_FILE names: they are
        read from the files of the modules found through link_map (and the
        --exe), where their PT_LOADs put them (modules_read).
      threads and registers as for bt_crash.

  bt_throw.cpp main  main -> Thrower<int>::deeper -> Thrower<int>::boom,
      which throws a std::runtime_error nobody catches: __cxa_throw,
      std::terminate, libstdc++'s verbose terminate handler (which prints
      "terminate called after throwing an instance of 'T'" and "what(): M"
      on stderr), abort, raise.
      throw: the crashed thread is the main thread, SIGABRT; its physical
        frames hold abort, std::terminate and __cxa_throw in that order,
        and right after __cxa_throw boom, deeper and main, each starting
        where the program recorded it (main: by name), each line the source
        line the test finds by its text and the cross addr2line's (ARM:
        through abort and the libstdc++ frames with EHABI tables and
        prologue steps); the diagnosis: AbortSignal, the exception's type
        and what() = libstdc++'s two stderr lines (the type's name, in
        read-only data qemu did not dump, read from the module's file; ARM
        EHABI's exception header), the signature from Thrower<int>::boom.
  bt_throw.cpp  the same thrown in a std::thread: worker_entry -> deeper ->
      boom, while main waits in std::thread::join.
      throw-thread: thread ids = the program's; the worker is the crashed
        thread, its chain as for throw up to worker_entry (its start and
        line), the diagnosis the same; the main thread has std::thread::join
        then main (ARM dynamic: pthread_join's internals in Debian's libc
        are stripped and EXIDX_CANTUNWIND: the unwind stops in libc, saying
        so).

Lines starting with "#" are the harness's figures per architecture (threads,
frames equal to the known chain, registers equal to eu-readelf's, eu-stack's
agreement, marker reads); tests/run.sh ignores them.

Usage: python3 tests/e2e/test_cross.py BUILD_DIR
"""
import os
import re
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import bttest as bt  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_backtrace as tb  # noqa: E402
import coretest as ct  # noqa: E402
from coretest import Fail, Skip, check, check_eq  # noqa: E402

# name, GNU triplet, qemu-user binary, extra compiler flags
ARCHES = [
    ("aarch64", "aarch64-linux-gnu", "qemu-aarch64"),
    ("ppc64le", "powerpc64le-linux-gnu", "qemu-ppc64le"),
    ("ppc64", "powerpc64-linux-gnu", "qemu-ppc64"),
    ("s390x", "s390x-linux-gnu", "qemu-s390x"),
    ("i386", "i686-linux-gnu", "qemu-i386"),
    ("ppc", "powerpc-linux-gnu", "qemu-ppc"),
    ("armhf-arm", "arm-linux-gnueabihf", "qemu-arm", ["-marm"]),
    ("armhf-thumb", "arm-linux-gnueabihf", "qemu-arm", ["-mthumb"]),
    ("armel", "arm-linux-gnueabi", "qemu-arm"),
]
LINKS = {"dynamic": [], "static": ["-static"]}
FLAGS = ["-g", "-O2", "-fomit-frame-pointer", "-pthread"]

CHAIN = ["level3", "level2", "level1", "run_mode", "main"]
# the handler's fault, the trampoline (None), up to three libc frames (raise)
SIGNAL_PATHS = {
    "usr1": ["handler_fault", "handler", None, "raise_usr1", "run_mode", "main"],
    "usr2": ["handler_fault", "handler_info", None, "raise_usr2", "run_mode", "main"],
}
# the source text on each chain frame's line: the fault, then each call
CHAIN_TEXT = ["/* SIGSEGV at address 0 */", "int r = level3(x + 1);",
              "int r = level2(x + 1);", "r = level1(1);", "int r = run_mode(mode);"]
# lib: strlen(NULL) in libc, called from in_lib
LIB_PATH = ["in_lib", "run_mode", "main"]
# assert (armhf): abort, then libc's assert functions, then the program's
ABORT_PATH = ["abort", "__assert_fail_base", "__assert_fail", "check_value", "assert_path",
              "run_mode", "main"]
# bt_inline.c: per thread role, inline frames innermost first, then the
# physical frame they are in
INLINE_CHAINS = {"main": ["hdr_store", "level_c", "level_b", "level_a", "driver"],
                 "read": ["wait_pipe", "waiter"], "sleep": ["nap", "sleeper"]}
WAITER = {"cond": "waiter_cond", "sleep": "waiter_sleep", "read": "waiter_read"}
DUMPED = re.compile(r"^(data|bss|heap|stack|tstack\d+)$")

FIGURES = []


class Arch:
    def __init__(self, name, triplet, qemu, flags=()):
        self.name, self.triplet, self.qemu = name, triplet, qemu
        self.flags = list(flags)
        self.sysroot = "/usr/" + triplet
        self.cc = triplet + "-gcc"
        self.cxx = triplet + "-g++"

    def missing(self):
        """Why this architecture cannot run here, or None."""
        miss = [t for t in (self.cc, self.qemu) if not shutil.which(t)]
        if not os.path.isfile(os.path.join(self.sysroot, "lib", "libc.so.6")):
            miss.append("its libc (%s/lib/libc.so.6)" % self.sysroot)
        return ("missing " + ", ".join(miss)) if miss else None


def opd_entries(arch, exe, funcs):
    """ppc64 ELFv1: a function pointer is the address of its descriptor in
    .opd, whose first 8 bytes are the entry. FUNCS' pointers mapped to their
    entries, read from EXE's .opd (the bias: the pointer less the symbol's
    value, which is the descriptor's link-time address)."""
    with open(exe, "rb") as f:
        data = f.read()
    shoff, = struct.unpack_from(">Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from(">HHH", data, 0x3a)
    shdrs = [struct.unpack_from(">IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    stroff = shdrs[shstrndx][4]
    opd = None
    for sh in shdrs:
        if data[stroff + sh[0]:].split(b"\0", 1)[0] == b".opd":
            opd = sh
    check(opd is not None, "%s: no .opd section (not ELFv1?)" % exe)
    syms = {}
    # demangled without the parameters: the names the programs record
    for line in ct.run_tool([arch.triplet + "-nm", "-C", exe]).splitlines():
        mm = re.match(r"([0-9a-fA-F]+) \S (.*)$", line)
        if mm:
            syms[mm.group(2).split("(", 1)[0]] = int(mm.group(1), 16)
    out = {}
    for name, ptr in funcs.items():
        check(name in syms, "%s: no symbol %s" % (exe, name))
        value = syms[name]
        check(opd[3] <= value < opd[3] + opd[5], "%s: %s (%#x) is not in .opd" % (exe, name, value))
        entry, = struct.unpack_from(">Q", data, opd[4] + value - opd[3])
        out[name] = entry + ptr - value
    return out


def oracle(arch, path, exe):
    """The program's record (bt.bt_oracle); on ARM without the Thumb bit
    (bit 0) its function pointers carry; on ppc64 (ELFv1) the entries of the
    descriptors they point to."""
    o = bt.bt_oracle(path)
    if arch.name.startswith("arm"):
        o["funcs"] = {k: v & ~1 for k, v in o["funcs"].items()}
    if arch.name == "ppc64":
        o["funcs"] = opd_entries(arch, exe, o["funcs"])
    return o


def source_line(text, src="bt_crash.c"):
    with open(os.path.join(ct.PROGRAMS, src)) as f:
        for i, line in enumerate(f, 1):
            if text in line:
                return i
    raise Fail("%s has no line with %r" % (src, text))


def qemu_crash(arch, exe, args, name, timeout=120):
    """Runs EXE ARGS under qemu-user in its own directory until the guest
    dumps core. Returns (core path, oracle path); cached by exe and args."""
    d = os.path.join(ct.cache_dir(), "qemu-%s-%s" % (name, ct._key(exe, arch.qemu, *args)))
    done = os.path.join(d, "DONE")
    if os.path.exists(done):
        with open(done) as f:
            core = f.read().strip()
        return core, os.path.join(d, "oracle.txt")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    os.mkdir(os.path.join(d, "core"))  # no host core of qemu itself
    cmd = [arch.qemu, "-L", arch.sysroot, "-E", "LD_LIBRARY_PATH=/lib", exe] + list(args)
    p = subprocess.Popen(cmd, cwd=d, preexec_fn=ct._child_setup,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise Skip("%s did not crash within %ds under %s" % (name, timeout, arch.qemu))
    with open(os.path.join(d, "stderr.txt"), "wb") as f:  # what the guest's libc printed
        f.write(err)
    cores = [n for n in os.listdir(d) if n.startswith("qemu_") and n.endswith(".core")]
    for n in os.listdir(d):
        if n.startswith("core.") and n[5:].isdigit():
            os.unlink(os.path.join(d, n))
    if len(cores) != 1:
        raise Skip("`%s` (exit %d) wrote %s guest cores: %s"
                   % (" ".join(cmd), p.returncode, len(cores),
                      err.decode("utf-8", "replace").strip()[-300:]))
    core = os.path.join(d, cores[0])
    oracle = os.path.join(d, "oracle.txt")
    if not os.path.exists(oracle):
        raise Skip("%s wrote no oracle" % name)
    with open(done, "w") as f:
        f.write(core)
    return core, oracle


def report(build, arch, core, exe):
    doc, _ = ct.report(build, core, "--sysroot", arch.sysroot, "--exe", exe)
    return doc


def check_registers(doc, core, arch, fig):
    try:
        prs, _, out = ct.eu_readelf_notes(core)
    except Skip as e:
        fig.append("registers: %s" % e)
        return
    check(prs, "eu-readelf shows no PRSTATUS: %s" % out[:300])
    same, errs = ct.compare_registers(doc, prs, arch.name)
    total = sum(len(p["regs"]) for p in prs)
    fig.append("%d/%d registers equal eu-readelf's" % (same, total))
    check(not errs, "; ".join(errs[:8]) + (" ... (%d)" % len(errs) if len(errs) > 8 else ""))


def addr2line(arch, exe, offset):
    tool = arch.triplet + "-addr2line"
    if not shutil.which(tool):
        return None
    out = ct.run_tool([tool, "-e", exe, "%#x" % offset]).strip().splitlines()
    m = re.search(r":(\d+)", out[0]) if out else None
    return int(m.group(1)) if m else None


def t_bt(build, arch, link, fig):
    exe = bt.build(["bt_crash.c"], "bt_crash-%s-%s" % (arch.name, link),
                   FLAGS + arch.flags + LINKS[link], cc=arch.cc)
    core, opath = qemu_crash(arch, exe, ["segv", "--threads"], "bt-%s-%s" % (arch.name, link))
    o = oracle(arch, opath, exe)
    doc = report(build, arch, core, exe)
    threads = {t["tid"]: t for t in doc.get("threads") or []}
    fig.append("%d threads (program: %d)" % (len(threads), len(o["tids"])))
    check_eq(set(threads), set(o["tids"]), "thread ids (the program's record)")
    check_eq(doc.get("crashed_tid"), o["main_tid"], "crashed thread (the main thread)")
    check_eq((doc.get("signal") or {}).get("number"), 11, "signal number")
    frames = threads[o["main_tid"]].get("frames") or []
    for f in frames:
        f["pcv"] = ct.hexval(f.get("pc"), "frame pc")
    phys = bt.physical(frames)
    names = [bt.norm_name(f.get("function")) for f in phys]
    good = 0
    for i, want in enumerate(CHAIN):
        check(i < len(phys) and names[i] == want,
              "physical frame #%d is %r, the chain wants %s: %s"
              % (i, names[i] if i < len(names) else None, CHAIN, bt.fmt_frames(phys[:8])))
        f = phys[i]
        start = f["pcv"] - f["offset"] if f.get("offset") is not None else None
        check_eq(start, o["funcs"][want], "start of %s (recorded by the program)" % want)
        line = source_line(CHAIN_TEXT[i])
        check_eq(f.get("line"), line, "line of frame #%d %s (bt_crash.c: %r)"
                 % (i, want, CHAIN_TEXT[i]))
        a2l = addr2line(arch, exe, ct.hexval(f.get("module_offset"), "module_offset") - (i > 0))
        if a2l is not None:
            check_eq(f.get("line"), a2l, "line of frame #%d %s (%s-addr2line)"
                     % (i, want, arch.triplet))
        good += 1
    rest = names[len(CHAIN):]
    check(any(n in ("__libc_start_main", "__libc_start_main_impl") for n in rest),
          "the chain does not go on from main to __libc_start_main: %s"
          % bt.fmt_frames(phys[len(CHAIN) - 1:]))
    if link == "dynamic":
        libc = [m for m in doc.get("modules") or [] if m.get("name") == "/lib/libc.so.6"]
        check(libc and os.path.realpath(libc[0].get("path") or "") ==
              os.path.realpath(os.path.join(arch.sysroot, "lib", "libc.so.6")),
              "libc from link_map should be %s/lib/libc.so.6: %s"
              % (arch.sysroot, doc.get("modules")))
        after = phys[len(CHAIN)]
        check_eq(after.get("module"), "/lib/libc.so.6", "module of main's caller")
    fig.append("%d/%d frames of the known chain (%d physical frames, to %s)"
               % (good, len(CHAIN), len(phys), names[-1]))
    waiting = 0
    for tid, role in sorted(o["tids"].items()):
        if role not in WAITER:
            continue
        tf = bt.physical(threads[tid].get("frames") or [])
        starts = [ct.hexval(f["pc"]) - f["offset"] for f in tf
                  if bt.norm_name(f.get("function")) == WAITER[role] and f.get("offset") is not None]
        check(starts == [o["funcs"][WAITER[role]]],
              "thread %d (%s) should wait under %s (at %#x): %s"
              % (tid, role, WAITER[role], o["funcs"][WAITER[role]],
                 [(f.get("pc"), f.get("function")) for f in tf]))
        waiting += 1
    fig.append("%d/3 blocked threads under their function" % waiting)
    check_registers(doc, core, arch, fig)

    # eu-stack: the crashed thread's pcs, up to main
    try:
        eu, _ = bt.eu_stack(core, exe)
    except Skip as e:
        fig.append("eu-stack: %s" % e)
        return
    et = eu.get(o["main_tid"])
    check(et is not None, "eu-stack shows no thread %d" % o["main_tid"])
    epcs = [f["pc"] for f in et["frames"]]
    mine = [f["pcv"] for f in phys]
    n = 0
    while n < min(len(epcs), len(mine)) and epcs[n] == mine[n]:
        n += 1
    fig.append("eu-stack: first %d of its %d frames equal (coroner %d)" % (n, len(epcs), len(mine)))
    # static: eu-stack takes the executable from the core's memory, where
    # qemu dumped none of it ("[exe]: invalid ELF file"), and ignores -e; it
    # has no CFI and no names, so only its frame #0 (the pc) is compared.
    want = len(CHAIN) if link == "dynamic" else 1
    check(n >= want, "eu-stack's crashed-thread pcs differ from coroner's at #%d, "
          "within the first %d: eu-stack %s (%s), coroner %s"
          % (n, want, ["%#x %s" % (f["pc"], f["name"]) for f in et["frames"][:8]],
             et.get("error"), bt.fmt_frames(phys[:8])))


def crashed_main(build, arch, link, mode):
    """bt_crash MODE under qemu: (oracle, report's threads by tid, the main
    thread's frames with "pcv", its physical frames); the main thread must be
    the crashed one."""
    exe = bt.build(["bt_crash.c"], "bt_crash-%s-%s" % (arch.name, link),
                   FLAGS + arch.flags + LINKS[link], cc=arch.cc)
    core, opath = qemu_crash(arch, exe, [mode], "%s-%s-%s" % (mode, arch.name, link))
    o = oracle(arch, opath, exe)
    doc = report(build, arch, core, exe)
    threads = {t["tid"]: t for t in doc.get("threads") or []}
    check_eq(doc.get("crashed_tid"), o["main_tid"], "crashed thread (the main thread)")
    frames = threads[o["main_tid"]].get("frames") or []
    for f in frames:
        f["pcv"] = ct.hexval(f.get("pc"), "frame pc")
    return o, threads, frames, bt.physical(frames)


def t_signal(build, arch, link, fig, mode="usr1"):
    path = SIGNAL_PATHS[mode]
    o, threads, frames, phys = crashed_main(build, arch, link, mode)
    names = [bt.norm_name(f.get("function")) for f in phys]
    if names[:2] == path[:2] and not any(f.get("signal_frame") for f in phys):
        after = bt.fmt_frames(phys[3:6]) + " ..." if len(phys) > 3 else "none"
        fig.append("qemu's trampoline not taken as a signal frame; frames after it: %s"
                   % after)
        raise Skip("qemu's signal trampoline at %s is not unwound as a signal frame: coroner "
                   "has no signal-frame step for %s (the kernel's vDSO gives its trampoline "
                   "CFI; qemu's trampoline page has none); frames after it: %s; %s"
                   % (phys[2]["pc"] if len(phys) > 2 else "?", arch.name, after,
                      threads[o["main_tid"]].get("stop_reason")))
    tb.check_path(o["main_tid"], frames, path, o["funcs"])
    fig.append("%d/%d frames of the known chain through the signal frame"
               % (len(path), len(path)))


def t_siginfo(build, arch, link, fig):
    t_signal(build, arch, link, fig, "usr2")


def t_libcrash(build, arch, link, fig):
    o, _, frames, phys = crashed_main(build, arch, link, "lib")
    # Debian's cross libc has only .dynsym: the strlen variant the ifunc
    # chose (__strlen_asimd ...) is a local symbol, so it has no name there
    name = phys[0].get("function") if phys else None
    check(phys and ("strlen" in name if name else link == "dynamic"),
          "frame #0 should be libc's strlen (or one of its variants): %s" % bt.fmt_frames(phys[:4]))
    if link == "dynamic":
        check_eq(phys[0].get("module"), "/lib/libc.so.6", "module of frame #0")
    check_eq(bt.norm_name(phys[1].get("function")) if len(phys) > 1 else None, "in_lib",
             "caller of %s" % phys[0].get("function"))
    tb.check_path(o["main_tid"], frames, LIB_PATH, o["funcs"])
    fig.append("%s in %s, then %d/%d frames of the known chain"
               % (phys[0].get("function"), os.path.basename(phys[0].get("module") or "?"),
                  len(LIB_PATH), len(LIB_PATH)))


def t_abort(build, arch, link, fig):
    """armhf: assert() fails, abort() raises SIGABRT; abort and the
    functions around it have no unwind entry (EXIDX_CANTUNWIND)."""
    o, threads, frames, phys = crashed_main(build, arch, link, "assert")
    names = [bt.norm_name(f.get("function")) for f in phys]
    check("abort" in names, "no frame abort: %s" % bt.fmt_frames(phys[:8]))
    i = names.index("abort")
    if link == "static" or "check_value" in names:
        # the static libc has its local symbols (__assert_fail_base): each
        # prologue says where lr is
        tb.check_path(o["main_tid"], frames, ABORT_PATH, o["funcs"])
        fig.append("through abort (frame #%d) to main: %d/%d frames of the known chain"
                   % (i, len(ABORT_PATH), len(ABORT_PATH)))
        return
    # Debian strips the dynamic libc's __assert_fail_base (local): its
    # start, and so its prologue, is unknown; the unwind stops there, saying so
    stop = threads[o["main_tid"]].get("stop_reason") or ""
    check("EXIDX_CANTUNWIND" in stop and len(phys) == i + 2
          and phys[i + 1].get("module") == "/lib/libc.so.6",
          "after abort (frame #%d) the unwind should stop in libc's (stripped) "
          "__assert_fail_base, saying EXIDX_CANTUNWIND: %s; %r"
          % (i, bt.fmt_frames(phys[i:i + 4]), stop))
    fig.append("through abort (frame #%d), then stops in libc: %s" % (i, stop))


def addr2line_inlines(arch, exe, offset):
    """[function names] of TRIPLET-addr2line -f -i at offset, innermost
    first, or None without the tool."""
    tool = arch.triplet + "-addr2line"
    if not shutil.which(tool):
        return None
    out = ct.run_tool([tool, "-f", "-i", "-e", exe, "%#x" % offset]).strip().splitlines()
    return out[0::2]


def t_inline(build, arch, link, fig):
    exe = bt.build(["bt_inline.c"], "bt_inline-%s-%s" % (arch.name, link),
                   ["-g", "-O2", "-fomit-frame-pointer", "-pthread"] + arch.flags + LINKS[link],
                   cc=arch.cc)
    core, opath = qemu_crash(arch, exe, [], "inline-%s-%s" % (arch.name, link))
    o = oracle(arch, opath, exe)
    doc = report(build, arch, core, exe)
    threads = {t["tid"]: t for t in doc.get("threads") or []}
    check_eq(set(threads), set(o["tids"]), "thread ids (the program's record)")
    check_eq(doc.get("crashed_tid"), o["main_tid"], "crashed thread (the main thread)")
    good = total = 0
    for tid, role in sorted(o["tids"].items()):
        chain = INLINE_CHAINS[role]
        frames = threads[tid].get("frames") or []
        names = [bt.norm_name(f.get("function")) for f in frames]
        check(chain[0] in names, "tid %d (%s): no frame %s: %s"
              % (tid, role, chain[0], [(f.get("pc"), f.get("function"), f.get("inline"))
                                       for f in frames]))
        i = names.index(chain[0])
        got = frames[i:i + len(chain)]
        check_eq([bt.norm_name(f.get("function")) for f in got], chain,
                 "tid %d (%s): the inline chain" % (tid, role))
        check_eq([bool(f.get("inline")) for f in got], [True] * (len(chain) - 1) + [False],
                 "tid %d (%s): inline flags of %s" % (tid, role, chain))
        outer = got[-1]
        check_eq(ct.hexval(outer["pc"]) - outer["offset"], o["funcs"][chain[-1]],
                 "start of %s (recorded by the program)" % chain[-1])
        # a caller's pc is a return address: its call is the byte before
        off = ct.hexval(outer.get("module_offset"), "module_offset")
        a2l = addr2line_inlines(arch, exe, off if outer.get("how") == "context" else off - 1)
        if a2l is not None:
            check_eq(a2l[:len(chain)], chain, "tid %d (%s): %s-addr2line -f -i"
                     % (tid, role, arch.triplet))
        good += len(chain)
        total += len(chain)
    fig.append("%d/%d frames of the known inline chains (3 threads)" % (good, total))


def t_memory(build, arch, link, fig):
    exe = ct.build_program("crashme.c", "crashme", FLAGS + arch.flags + LINKS[link], cc=arch.cc)
    core, opath = qemu_crash(arch, exe, ["--threads", "3"], "cm-%s-%s" % (arch.name, link))
    o = ct.parse_oracle(opath)
    doc = report(build, arch, core, exe)
    tids = [t["tid"] for t in doc.get("threads") or []]
    check_eq(sorted(tids), sorted(o["tids"]), "thread ids (the program's record)")
    equal = from_file = 0
    for label, addr, data in o["bytes"]:
        r = ct.coroner(build, "read", core, "%#x" % addr, str(len(data)), "--raw",
                       "--sysroot", arch.sysroot, "--exe", exe)
        how = "dumped by qemu" if DUMPED.match(label) else "not dumped: the module's file"
        check(r.rc == 0 and r.out == data, "read %#x %d (%s, %s): %s, %d bytes, want %s..."
              % (addr, len(data), label, how, r.describe(), len(r.out), data[:8].hex()))
        equal += 1
        from_file += not DUMPED.match(label)
    fig.append("%d threads; %d/%d marker reads equal (%d of bytes qemu did not dump, from the "
               "link_map modules' files)" % (len(tids), equal, len(o["bytes"]), from_file))
    check_registers(doc, core, arch, fig)


def t_diagnose(build, arch, link, fig):
    """The diagnosis of tests/programs/diag.c's assert and double free: the
    class, and glibc's message (__abort_msg, read through the libc found
    under --sysroot, or the static executable's symbols) = the line the
    guest's glibc printed on stderr."""
    exe = bt.build(["diag.c"], "diag-%s-%s" % (arch.name, link), FLAGS + arch.flags + LINKS[link],
                   cc=arch.cc)
    for mode, cls, pat in (("assert", "AbortSignal", r"Assertion `.*' failed\.$"),
                           ("doublefree", "HeapError", r"double free")):
        core, _ = qemu_crash(arch, exe, [mode], "diag-%s-%s-%s" % (mode, arch.name, link))
        with open(os.path.join(os.path.dirname(core), "stderr.txt"), "rb") as f:
            err = f.read().decode("utf-8", "replace")
        line = next((l for l in err.splitlines() if re.search(pat, l)), None)
        if line is None:
            raise Skip("the guest's glibc printed no line matching %r: %r" % (pat, err[-300:]))
        dg = report(build, arch, core, exe)["diagnosis"]
        check_eq(dg["class"], cls, "%s: class (summary %r)" % (mode, dg["summary"]))
        check_eq((dg["message"] or "").rstrip("\n"), line, "%s: message (the guest's stderr)" % mode)
        if mode == "assert" and arch.name.startswith("arm") and link == "dynamic":
            # the unwind stops in Debian's stripped __assert_fail_base
            # (EXIDX_CANTUNWIND, no symbol: its prologue is unknown)
            check_eq(dg["signature"], "raise | abort", "signature (ARM, dynamic)")
        else:
            check(dg["signature"] and "do_assert" in dg["signature"] if mode == "assert" else True,
                  "signature %r" % dg["signature"])
        fig.append("%s: %s" % (mode, dg["signature"]))


def throw_core(build, arch, link, fig, args, outer):
    """bt_throw.cpp ARGS under qemu: the thread that threw (the crashed one,
    SIGABRT) goes through abort, std::terminate and __cxa_throw, then boom,
    deeper and OUTER [(function, source text of its line)]; the diagnosis's
    exception = libstdc++'s stderr. Returns (oracle, report's threads by
    tid, the crashed tid)."""
    if not shutil.which(arch.cxx):
        raise Skip("missing %s (Debian's g++-%s)" % (arch.cxx, arch.triplet))
    exe = bt.build(["bt_throw.cpp"], "bt_throw-%s-%s" % (arch.name, link),
                   FLAGS + arch.flags + LINKS[link], cc=arch.cxx)
    core, opath = qemu_crash(arch, exe, args, "throw%s-%s-%s"
                             % ("".join("-" + a for a in args), arch.name, link))
    o = oracle(arch, opath, exe)
    with open(os.path.join(os.path.dirname(core), "stderr.txt"), "rb") as f:
        err = f.read().decode("utf-8", "replace")
    m = re.search(r"terminate called after throwing an instance of '(.*)'", err)
    w = re.search(r"^\s*what\(\):\s+(.*)$", err, re.M)
    if not m or not w:
        raise Skip("the guest's libstdc++ printed no terminate/what lines: %r" % err[-300:])
    doc = report(build, arch, core, exe)
    threads = {t["tid"]: t for t in doc.get("threads") or []}
    check_eq(set(threads), set(o["tids"]), "thread ids (the program's record)")
    thrower = [t for t, r in o["tids"].items() if r == ("worker" if "worker" in
                                                            o["tids"].values() else "main")][0]
    check_eq(doc.get("crashed_tid"), thrower, "crashed thread (the one that threw)")
    check_eq((doc.get("signal") or {}).get("number"), 6, "signal number (SIGABRT)")
    frames = threads[thrower].get("frames") or []
    for f in frames:
        f["pcv"] = ct.hexval(f.get("pc"), "frame pc")
    phys = bt.physical(frames)
    names = [bt.norm_name(f.get("function")) for f in phys]
    shown = bt.fmt_frames(phys[:14])
    for want in ("abort", "std::terminate", "__cxa_throw"):
        check(want in names, "no frame %s: %s" % (want, shown))
    order = [names.index(w) for w in ("abort", "std::terminate", "__cxa_throw")]
    check(order == sorted(order), "abort, std::terminate, __cxa_throw out of order: %s" % shown)
    # from __cxa_throw on: the throwing frames, each starting where the
    # program recorded it, on the source line the test finds by its text
    # and the cross addr2line's
    chain = [("Thrower<int>::boom", "throw std::runtime_error"),
             ("Thrower<int>::deeper", "T r = boom(x + 1);")] + outer
    j = order[2] + 1
    for k, (want, text) in enumerate(chain):
        check(j + k < len(phys) and names[j + k] == want,
              "frame #%d should be %s (caller of %s): %s"
              % (j + k, want, names[j + k - 1], shown))
        f = phys[j + k]
        if want in o["funcs"]:
            start = f["pcv"] - f["offset"] if f.get("offset") is not None else None
            check_eq(start, o["funcs"][want], "start of %s (recorded by the program)" % want)
        check_eq(f.get("line"), source_line(text, "bt_throw.cpp"),
                 "line of %s (bt_throw.cpp: %r)" % (want, text))
        a2l = addr2line(arch, exe, ct.hexval(f.get("module_offset"), "module_offset") - 1)
        if a2l is not None:
            check_eq(f.get("line"), a2l, "line of %s (%s-addr2line)" % (want, arch.triplet))
    fig.append("abort at #%d, std::terminate #%d, __cxa_throw #%d, then %d/%d frames of the "
               "known chain" % (order[0], order[1], order[2], len(chain), len(chain)))
    dg = doc["diagnosis"]
    check_eq(dg["class"], "AbortSignal", "class (summary %r)" % dg["summary"])
    check(dg.get("exception") is not None, "no exception in the diagnosis (summary %r)"
          % dg["summary"])
    check_eq(dg["exception"]["type"], m.group(1), "exception type (libstdc++'s terminate line)")
    check_eq(dg["exception"]["what"], w.group(1), "what() (libstdc++'s line)")
    check((dg["signature"] or "").startswith("Thrower<int>::boom"), "signature %r" % dg["signature"])
    fig.append("exception %s, what() %r = libstdc++'s stderr"
               % (dg["exception"]["type"], dg["exception"]["what"]))
    return o, threads, thrower


def t_throw(build, arch, link, fig):
    """bt_throw.cpp main: an uncaught std::runtime_error thrown in main ->
    Thrower<int>::deeper -> Thrower<int>::boom."""
    throw_core(build, arch, link, fig, ["main"],
               [("main", "sink = Thrower<int>::deeper(1);")])


def t_throw_thread(build, arch, link, fig):
    """bt_throw.cpp: thrown in a std::thread (worker_entry -> deeper ->
    boom) while main waits in std::thread::join."""
    o, threads, thrower = throw_core(build, arch, link, fig, [],
                                     [("worker_entry", "sink = Thrower<int>::deeper(x);")])
    mt = bt.physical(threads[o["main_tid"]].get("frames") or [])
    for f in mt:
        f["pcv"] = ct.hexval(f.get("pc"), "frame pc")
    mnames = [bt.norm_name(f.get("function")) for f in mt]
    stop = threads[o["main_tid"]].get("stop_reason") or ""
    if arch.name.startswith("arm") and link == "dynamic" and "std::thread::join" not in mnames:
        # pthread_join's internals in Debian's ARM libc: local (stripped)
        # and EXIDX_CANTUNWIND, so no prologue to step over
        check("EXIDX_CANTUNWIND" in stop and all(f.get("module") == "/lib/libc.so.6" for f in mt),
              "main thread: the unwind should stop in libc saying EXIDX_CANTUNWIND: %s; %r"
              % (bt.fmt_frames(mt), stop))
        fig.append("main thread stops in libc's pthread_join: %s" % stop)
        return
    check("std::thread::join" in mnames and "main" in mnames and
          mnames.index("std::thread::join") < mnames.index("main"),
          "main thread should wait in std::thread::join <- main: %s" % bt.fmt_frames(mt))
    fig.append("main thread in std::thread::join <- main")


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    for a in ARCHES:
        arch = Arch(*a)
        why = arch.missing()
        for link in LINKS:
            pre = "cross/%s-%s/" % (arch.name, link)
            if why:
                rep.skip(pre + "*", why)
                continue
            cases = [("bt", t_bt), ("signal", t_signal), ("signal-siginfo", t_siginfo),
                     ("libc-crash", t_libcrash), ("inline", t_inline), ("memory", t_memory),
                     ("diagnose", t_diagnose), ("throw", t_throw),
                     ("throw-thread", t_throw_thread)]
            if arch.name.startswith("arm"):
                cases.append(("abort", t_abort))
            for what, fn in cases:
                fig = []
                rep.run(pre + what, fn, build, arch, link, fig)
                FIGURES.append("# %s%s: %s" % (pre, what, "; ".join(fig)))
    for line in FIGURES:
        print(line)
    rep.done()


if __name__ == "__main__":
    main()

"""The command line: invocation forms, options that match nothing, the
signal's sender, cores without a fatal signal, machines coroner does not
know.

  invocation   `coroner EXE CORE` (gdb's order) and `coroner EXE -c CORE` /
               `--core CORE` (coredumpctl debug --debugger=coroner) use EXE
               as the executable (a copy of the crashed program elsewhere:
               the executable module's path is the copy); `coroner CORE`
               and `coroner report CORE` still work; `coroner frobnicate
               CORE` says "unknown command 'frobnicate'" (exit 2)
  exe-sysroot  --exe is used as given, never under --sysroot: a core whose
               NT_FILE is gone (the executable found by AT_ENTRY), --exe
               COPY --sysroot EMPTY: the executable module is COPY
  max-frames   --max-frames 0 is no limit (the frames of the default), 1 is
               "frame limit 1"
  warnings     --file REC=PATH with no recorded REC, --file PATH whose base
               name is not recorded, a --debug-dir that does not exist, an
               --exe that does not exist (info too: exit 3, and the
               executable line is not that path), an --exe of another build
               (build-id differs): each a warning naming the option, exit 3;
               info does not show an unusable --exe as the executable
  sender       bt of an abort() core (SI_TKILL) prints "sent by: pid N,
               uid U" as info does
  gcore        no NT_SIGINFO and every pr_cursig 0: no thread is "crashed"
  m68k         a synthetic m68k core (NT_PRSTATUS laid out with m68k's
               2-byte alignment of longs: pr_pid at 22, not 24): the tid is
               not shown wrong (omitted, "?"/null), a warning says the
               machine is not supported, the signal (pr_cursig) is 11
"""
import atexit
import json
import os
import re
import shutil
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from coretest import (COMMON, warning_texts, Elf, Fail, Reporter, Skip, build_dir, build_program, check,
                      check_eq, coroner, crash_program, report, scratch_dir)


def t_invocation(build, exe, core, copy):
    for args in ([copy, core], [copy, "-c", core], [copy, "--core", core],
                 ["-c", core, copy], ["report", copy, "--core", core]):
        args = list(args)
        r = coroner(build, *(args + ["--json"]), ok_codes=(0, 3))
        doc = json.loads(r.text)
        paths = [m["path"] for m in doc["modules"]]
        check(copy in paths, "`coroner %s`: the executable %s is not a module: %r"
              % (" ".join(os.path.basename(a) for a in args), copy, paths))
        check_eq(doc["core"]["path"], core, "core path of `%s`" % " ".join(args))
    for args in ([core], ["report", core], ["bt", core]):
        coroner(build, *args, ok_codes=(0, 3))
    r = coroner(build, "frobnicate", core)
    check_eq(r.rc, 2, "exit of an unknown command")
    check("unknown command 'frobnicate'" in r.err, "message: %r" % r.err.strip())


def t_exe_sysroot(build, d, data, copy):
    elf = Elf(data=data)
    b = bytearray(data)
    for name, typ, _, hdr, _, _ in elf.notes():
        if name == "CORE" and typ == 0x46494c45:  # NT_FILE
            struct.pack_into(elf.end + "I", b, hdr + 8, 0x7ffffff0)
    p = os.path.join(d, "nofile.core")
    with open(p, "wb") as f:
        f.write(b)
    empty = os.path.join(d, "emptyroot")
    os.makedirs(empty, exist_ok=True)
    doc, _ = report(build, p, "--exe", copy, "--sysroot", empty)
    paths = [m["path"] for m in doc["modules"]]
    check(copy in paths, "--exe %s --sysroot %s: executable module not %s: %r (warnings %r)"
          % (copy, empty, copy, paths, doc["warnings"]))


def frames_of(doc):
    t = [t for t in doc["threads"] if t["crashed"]] or doc["threads"]
    return t[0]


def t_max_frames(build, core):
    d0, _ = report(build, core)
    dz, _ = report(build, core, "--max-frames", "0")
    d1, _ = report(build, core, "--max-frames", "1")
    f0, fz, f1 = frames_of(d0), frames_of(dz), frames_of(d1)
    check_eq(len(fz["frames"]), len(f0["frames"]), "frames with --max-frames 0")
    check("frame limit" not in (fz.get("stop_reason") or ""),
          "--max-frames 0 stopped at a limit: %r" % fz.get("stop_reason"))
    check_eq(len(f1["frames"]), 1, "frames with --max-frames 1")
    check("frame limit 1" in (f1.get("stop_reason") or ""), "stop reason %r" % f1.get("stop_reason"))


def t_warning(build, core, args, want):
    doc, r = report(build, core, *args)
    check_eq(r.rc, 3, "exit with %s" % " ".join(args))
    check(any(want in w for w in warning_texts(doc)),
          "%s: no warning containing %r: %r" % (" ".join(args), want, doc["warnings"]))


def t_info_bad_exe(build, core, bad, want):
    """info --exe BAD: exit 3, a warning containing want, and BAD is not
    shown as the executable."""
    r = coroner(build, "info", core, "--exe", bad)
    check_eq(r.rc, 3, "exit of info --exe %s (%s)" % (bad, r.describe()))
    check(want in r.err, "no warning containing %r: %r" % (want, r.err.strip()))
    check("executable: %s\n" % bad not in r.text,
          "info shows the unusable --exe as the executable:\n" + r.text)


def t_sender(build, core):
    info = coroner(build, "info", core, ok_codes=(0, 3)).text
    m = re.search(r"sent by:\s+(pid -?\d+, uid \d+)", info)
    check(m, "info shows no sender:\n" + info)
    bt = coroner(build, "bt", core, ok_codes=(0, 3)).text
    check("sent by: " + m.group(1) in bt, "bt lacks 'sent by: %s':\n%s" % (m.group(1), bt[:500]))


def t_gcore(build, d, data):
    elf = Elf(data=data)
    b = bytearray(data)
    for name, typ, _, hdr, doff, _ in elf.notes():
        if name == "CORE" and typ == 0x53494749:  # NT_SIGINFO: gone
            struct.pack_into(elf.end + "I", b, hdr + 8, 0x7ffffff1)
        elif name == "CORE" and typ == 1:       # NT_PRSTATUS: pr_cursig 0
            struct.pack_into(elf.end + "H", b, doff + 12, 0)
    p = os.path.join(d, "gcore.core")
    with open(p, "wb") as f:
        f.write(b)
    doc, _ = report(build, p)
    check_eq([t["tid"] for t in doc["threads"] if t["crashed"]], [], "crashed threads")
    check_eq(doc["crashed_tid"], None, "crashed_tid")
    for cmd in ("bt", "threads", "info", "report"):
        out = coroner(build, cmd, p, ok_codes=(0, 3)).text
        check("crashed" not in out, "`%s` calls a thread crashed:\n%s" % (cmd, out[:600]))


def m68k_core(path):
    """ELF32 big-endian EM_68K core: PT_NOTE with NT_PRPSINFO and one
    NT_PRSTATUS in m68k's layout (longs 2-aligned: pr_sigpend at 14,
    pr_sighold 18, pr_pid 22, pr_ppid 26, pr_pgrp 30, pr_sid 34)."""
    def note(name, typ, desc):
        n = name + b"\0"
        return (struct.pack(">III", len(n), len(desc), typ) + n + b"\0" * (-len(n) % 4)
                + desc + b"\0" * (-len(desc) % 4))
    pr = bytearray(154)
    struct.pack_into(">iii", pr, 0, 11, 0, 0)      # pr_info
    struct.pack_into(">h", pr, 12, 11)            # pr_cursig
    struct.pack_into(">I", pr, 14, 0x1234)        # pr_sigpend
    struct.pack_into(">I", pr, 18, 0x5678)        # pr_sighold
    struct.pack_into(">iiii", pr, 22, 4242, 4241, 4240, 4239)
    ps = bytearray(124)
    ps[0] = 0
    ps[1] = ord("R")
    notes = note(b"CORE", 1, bytes(pr)) + note(b"CORE", 3, bytes(ps))
    ehsize, phentsize = 52, 32
    off = ehsize + phentsize
    eh = (b"\x7fELF\x01\x02\x01" + b"\0" * 9 +
          struct.pack(">HHIIIIIHHHHHH", 4, 4, 1, 0, ehsize, 0, 0, ehsize, phentsize, 1, 0, 0, 0))
    ph = struct.pack(">IIIIIIII", 4, off, 0, 0, len(notes), 0, 0, 4)
    with open(path, "wb") as f:
        f.write(eh + ph + notes)


def t_m68k(build, d):
    p = os.path.join(d, "m68k.core")
    m68k_core(p)
    doc, _ = report(build, p)
    check(any("not supported" in w for w in warning_texts(doc)),
          "no 'not supported' warning: %r" % doc["warnings"])
    check_eq(len(doc["threads"]), 1, "threads")
    check(doc["threads"][0]["tid"] in (None, 4242), "tid shown as %r" % doc["threads"][0]["tid"])
    check(doc["crashed_tid"] in (None, 4242), "crashed_tid %r" % doc["crashed_tid"])
    check(doc["process"]["pid"] in (None, 4242), "pid %r" % doc["process"]["pid"])
    check_eq(doc["signal"]["number"], 11, "signal number")
    for cmd in ("threads", "bt", "info"):
        out = coroner(build, cmd, p, ok_codes=(0, 3)).text
        for n in re.findall(r"thread (\d+)", out):
            check_eq(int(n), 4242, "tid in `%s`" % cmd)


def main():
    build = build_dir()
    rep = Reporter()
    if not os.access(os.path.join(build, "coroner"), os.X_OK):
        rep.skip("cli", "%s/coroner not built" % build)
        rep.done()
    d = scratch_dir("cli-")
    atexit.register(shutil.rmtree, d, True)
    rep.run("cli/m68k", t_m68k, build, d)
    try:
        exe = build_program("crashme.c", "crashme-small", COMMON + ["-fno-pie", "-no-pie"])
        _, core, _ = crash_program(exe, ["--threads", "1"], "small")
        other = build_program("crashme.c", "crashme-cli-other",
                              ["-g", "-O2", "-pthread", "-fno-pie", "-no-pie"])
        aexe = build_program("crashme.c", "crashme-pie", COMMON + ["-fPIE", "-pie"])
        _, acore, _ = crash_program(aexe, ["--threads", "2", "--mode", "abort"], "abort")
    except Skip as e:
        rep.skip("cli", e)
        rep.done()
    with open(core, "rb") as f:
        data = f.read()
    copy = os.path.join(d, "exe-copy")
    shutil.copy(exe, copy)
    rep.run("cli/invocation", t_invocation, build, exe, core, copy)
    rep.run("cli/exe-sysroot", t_exe_sysroot, build, d, data, copy)
    rep.run("cli/max-frames", t_max_frames, build, core)
    rep.run("cli/warn-file-rec", t_warning, build, core,
            ["--file", "/no/such/recorded.so=" + copy], "--file /no/such/recorded.so=")
    rep.run("cli/warn-file-base", t_warning, build, core,
            ["--file", os.path.join(d, "libnomatch.so")], "--file " + os.path.join(d, "libnomatch.so"))
    rep.run("cli/warn-debug-dir", t_warning, build, core,
            ["--debug-dir", os.path.join(d, "no-such-dir")], "--debug-dir " + os.path.join(d, "no-such-dir"))
    rep.run("cli/warn-exe-missing", t_warning, build, core,
            ["--exe", os.path.join(d, "no-such-exe")], "--exe " + os.path.join(d, "no-such-exe"))
    rep.run("cli/warn-exe-build-id", t_warning, build, core, ["--exe", other], "build-id")
    rep.run("cli/info-exe-missing", t_info_bad_exe, build, core, "/nonexistent/exe",
            "--exe /nonexistent/exe")
    rep.run("cli/info-exe-build-id", t_info_bad_exe, build, core, other, "build-id")
    rep.run("cli/bt-sender", t_sender, build, acore)
    rep.run("cli/gcore", t_gcore, build, d, data)
    rep.done()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The crash diagnosis ("why it died") on kernel cores of programs that crash
in each class on purpose (tests/programs/diag.c, bt_throw.cpp), against
oracles the program cannot fake:

- the class and severity each way of dying must get (CASR's names);
- the fault address: the program's own record of the address it accessed
  (oracle.txt "target");
- the faulting instruction's bytes and mnemonic: objdump at the pc's
  offset in the executable;
- the last words: the line glibc printed on stderr (assert, double free,
  stack smashing, fortify), gdb's `p __abort_msg->msg`; libstdc++'s
  "terminate called after throwing an instance of 'T'" and "what():";
- ExternalSignal: the pid this test sent kill -SEGV from;
- NoCrash: a gcore snapshot of a live process;
- the signature: the same for two runs of one crash, different for two
  crash sites;
- "diagnosis" in every --json document, the text's "cause:" line first.

Usage: python3 tests/e2e/test_diagnose.py BUILD_DIR
"""
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Skip, check, check_eq  # noqa: E402

FLAGS = ["-O2", "-g", "-pthread", "-D_FORTIFY_SOURCE=2", "-fstack-protector-strong",
         "-fno-omit-frame-pointer", "-fPIE", "-pie"]
X86_64 = platform.machine() == "x86_64"

SEVERITY = {
    "DestAvNearNull": "PROBABLY_EXPLOITABLE", "SourceAvNearNull": "NOT_EXPLOITABLE",
    "DestAv": "EXPLOITABLE", "SourceAv": "NOT_EXPLOITABLE",
    "SegFaultOnPcNearNull": "PROBABLY_EXPLOITABLE", "SegFaultOnPc": "EXPLOITABLE",
    "CallAvNearNull": "PROBABLY_EXPLOITABLE", "StackOverflow": "NOT_EXPLOITABLE",
    "AbortSignal": "NOT_EXPLOITABLE", "HeapError": "PROBABLY_EXPLOITABLE",
    "StackGuard": "PROBABLY_EXPLOITABLE", "SafeFunctionCheck": "NOT_EXPLOITABLE",
    "FPE": "NOT_EXPLOITABLE", "CallAvTainted": "EXPLOITABLE", "BranchAvTainted": "EXPLOITABLE",
    "DestAvTainted": "EXPLOITABLE", "ExternalSignal": "NOT_EXPLOITABLE", "NoCrash": "UNDEFINED",
}


def diag_exe(m32=False, moved=False):
    flags = FLAGS + (["-m32"] if m32 else []) + (["-falign-functions=256"] if moved else [])
    return ct.build_program("diag.c", "diag-m32" if m32 else "diag-moved" if moved else "diag",
                            flags)


def crash(mode, *extra, m32=False, moved=False):
    exe = diag_exe(m32, moved)
    d, core, oracle = ct.crash_program(exe, [mode] + list(extra),
                                       "diag-%s%s%s" % (mode, "-m32" if m32 else "",
                                                        "-moved" if moved else ""))
    with open(os.path.join(d, "stderr.txt"), "rb") as f:
        err = f.read().decode("utf-8", "replace")
    target = None
    with open(oracle) as f:
        for line in f:
            if line.startswith("target "):
                target = int(line.split()[1], 16)
    return exe, core, err, target


def diagnosis(build, core):
    r = ct.coroner(build, "diagnose", core, "--json", ok_codes=(0, 3))
    doc = json.loads(r.text)
    dg = doc["diagnosis"]
    check(isinstance(dg, dict), "diagnosis is an object: %r" % dg)
    for k in ("class", "severity", "summary", "fault", "instruction", "message", "exception",
              "stack_overflow", "crash_frame", "crash_line", "signature", "signature_hash"):
        check(k in dg, "diagnosis has no %r: %r" % (k, sorted(dg)))
    check_eq(dg["severity"], SEVERITY.get(dg["class"], dg["severity"]),
             "severity of %s" % dg["class"])
    return doc, dg


def want_class(dg, cls):
    check_eq(dg["class"], cls, "class (summary %r)" % dg["summary"])


def objdump_at(exe, off):
    """(bytes, mnemonic) of the instruction at link-time address off."""
    ct.need("objdump")
    out = ct.run_tool(["objdump", "-d", "-M", "intel", "--insn-width=16", "--start-address=0x%x" % off,
                       "--stop-address=0x%x" % (off + 16), exe])
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*(\S+)?", line)
        if m and int(m.group(1), 16) == off:
            return bytes.fromhex(m.group(2).replace(" ", "")), m.group(3)
    raise Skip("objdump shows no instruction at 0x%x" % off)


def check_insn(doc, dg, exe):
    """The instruction's bytes and mnemonic are objdump's at pc's offset."""
    ins = dg["instruction"]
    check(ins is not None, "no instruction")
    pc = ct.hexval(ins["address"], "instruction address")
    crashed = [t for t in doc["threads"] if t["crashed"]][0]
    check_eq(pc, ct.hexval(crashed["pc"]), "instruction at the crashed thread's pc")
    bias = None
    for m in doc.get("modules") or []:
        if (m["name"] or "").endswith("/" + os.path.basename(exe)):
            bias = ct.hexval(m["load_bias"])
    if bias is None:
        raise Skip("no module for the executable in the document")
    raw, mnem = objdump_at(exe, pc - bias)
    got = bytes.fromhex(ins["bytes"])
    check_eq(got, raw, "instruction bytes (objdump)")
    if ins["text"] is None:
        raise Skip("built without capstone: no instruction text")
    check_eq(ins["text"].split()[0], mnem, "mnemonic (objdump -M intel)")


def full(build, core):
    """The report --json (with modules and frames) and its diagnosis."""
    doc, _ = ct.report(build, core)
    return doc, doc["diagnosis"]


def t_fault(build, mode, cls, access, check_target=True, m32=False):
    exe, core, _, target = crash(mode, m32=m32)
    doc, dg = full(build, core)
    want_class(dg, cls)
    f = dg["fault"]
    check(f is not None, "no fault")
    if check_target:
        check_eq(ct.hexval(f["address"]), target, "fault address (the program's record)")
    check_eq(f["access"], access, "access")
    check_eq(f["near_null"], ct.hexval(f["address"]) < 0x10000, "near_null")
    if mode not in ("nullcall", "jumpdata"):
        check_insn(doc, dg, exe)
        check(dg["crash_line"] and "diag.c:" in dg["crash_line"], "crash_line %r" % dg["crash_line"])
    if mode == "nullcall":
        check(dg["instruction"] is None, "an instruction at pc 0: %r" % dg["instruction"])
        check_eq(f["region"], "null page", "region")
    return dg


def t_overflow(build, mode="overflow", m32=False):
    exe, core, _, _ = crash(mode, m32=m32)
    doc, dg = full(build, core)
    want_class(dg, "StackOverflow")
    if mode == "overflowthread":
        check_eq(dg["fault"]["region"], "guard page", "region of a thread's overflow")
        check(doc["crashed_tid"] != doc["process"]["pid"], "the thread crashed, not main")
    so = dg["stack_overflow"]
    check(so is not None, "no stack_overflow")
    check_eq(so["tid"], doc["crashed_tid"], "tid")
    check(so["cycle"] and sorted(so["cycle"]) == ["rec_f", "rec_g"], "cycle %r" % so["cycle"])
    frames = [t for t in doc["threads"] if t["crashed"]][0]["frames"]
    check(so["depth"] and so["depth"] > len(frames), "depth %r beyond the frame limit (%d)"
          % (so["depth"], len(frames)))
    # every recursion level is two frames: 8 MiB of stack, at most 256 bytes a level
    check(so["depth"] > 8 * 1024 * 1024 // 256, "depth %r" % so["depth"])


def stderr_line(err, pattern):
    for line in err.splitlines():
        if re.search(pattern, line):
            return line
    raise Skip("glibc printed no line matching %r: %r" % (pattern, err[-300:]))


def gdb_abort_msg(exe, core):
    if not shutil.which("gdb"):
        return None
    out = ct.gdb(exe, core, "p __abort_msg->msg")
    m = re.search(r'^\$1 = (?:0x[0-9a-f]+ )?"(.*)"\s*$', out, re.M)
    if not m:
        return None
    return m.group(1).encode().decode("unicode_escape")


def t_abort(build, mode, cls, pattern, m32=False):
    exe, core, err, _ = crash(mode, m32=m32)
    doc, dg = full(build, core)
    want_class(dg, cls)
    if pattern is None:
        check_eq(dg["message"], None, "message of a plain abort()")
    else:
        line = stderr_line(err, pattern)
        check(dg["message"] is not None, "no message (stderr: %r)" % line)
        check_eq(dg["message"].rstrip("\n"), line, "message (glibc's stderr line)")
        g = gdb_abort_msg(exe, core)
        if g is not None:
            check_eq(dg["message"], g, "message (gdb p __abort_msg->msg)")
    check(dg["crash_frame"] is not None, "no crash_frame")
    crashed = [t for t in doc["threads"] if t["crashed"]][0]["frames"]
    f = crashed[dg["crash_frame"]]
    check(os.path.basename(f["module"] or "").startswith("diag") and (f["file"] or "").endswith("diag.c"),
          "crash frame %r is in the program" % f)
    sig = dg["signature"]
    for bad in ("abort", "raise", "__assert", "pthread_kill", "malloc_printerr", "__stack_chk"):
        check(bad not in sig.split(" | ")[0], "signature %r starts in the machinery" % sig)


def t_fpe(build):
    exe, core, _, _ = crash("fpe")
    doc, dg = full(build, core)
    want_class(dg, "FPE")
    check_insn(doc, dg, exe)
    check(dg["instruction"]["text"].startswith("idiv") or dg["instruction"]["text"].startswith("div"),
          "instruction %r" % dg["instruction"]["text"])


def d_run(name):
    d = os.path.join(ct.cache_dir(), name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def wait_oracle(d, p):
    for _ in range(500):
        if os.path.exists(os.path.join(d, "oracle.txt")):
            with open(os.path.join(d, "oracle.txt")) as f:
                if f.read().endswith("end\n"):
                    return
        if p.poll() is not None:
            raise Skip("diag wait exited with %r" % p.returncode)
        time.sleep(0.01)
    raise Skip("diag wait wrote no oracle")


def t_external(build):
    exe = diag_exe()
    d = d_run("diag-external")
    p = subprocess.Popen([exe, "wait"], cwd=d, preexec_fn=ct._child_setup,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_oracle(d, p)
    os.kill(p.pid, signal.SIGSEGV)
    p.wait(timeout=60)
    core = ct._find_core(d, p.pid)
    if core is None:
        raise Skip("no core from kill -SEGV (exit %r)" % p.returncode)
    doc, dg = diagnosis(build, core)
    want_class(dg, "ExternalSignal")
    check_eq(dg["sender_pid"], os.getpid(), "sender pid (this test)")
    check_eq(dg["fault"], None, "no fault for a sent signal")
    check(str(os.getpid()) in dg["summary"], "summary names the sender: %r" % dg["summary"])


def t_nocrash(build):
    ct.need("gdb")
    exe = diag_exe()
    d = d_run("diag-nocrash")
    p = subprocess.Popen([exe, "wait"], cwd=d, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        wait_oracle(d, p)
        out = ct.run_tool(["gdb", "-batch", "-nx", "-p", str(p.pid), "-ex",
                           "gcore " + os.path.join(d, "core")], timeout=120)
    finally:
        p.kill()
        p.wait()
    core = os.path.join(d, "core")
    if not os.path.exists(core):
        raise Skip("gcore failed: %s" % out[-300:])
    doc, dg = diagnosis(build, core)
    want_class(dg, "NoCrash")
    check_eq(dg["signature"], None, "no signature without a crash")


def t_exception(build, m32=False):
    exe = ct.build_program("bt_throw.cpp", "bt_throw-m32" if m32 else "bt_throw",
                           ["-g", "-O1", "-pthread"] + (["-m32"] if m32 else []), cc="g++")
    d, core, _ = ct.crash_program(exe, [], "diag-throw" + ("-m32" if m32 else ""))
    with open(os.path.join(d, "stderr.txt")) as f:
        err = f.read()
    m = re.search(r"terminate called after throwing an instance of '(.*)'", err)
    w = re.search(r"^\s*what\(\):\s+(.*)$", err, re.M)
    if not m or not w:
        raise Skip("libstdc++ printed no terminate/what lines: %r" % err[-300:])
    doc, dg = full(build, core)
    want_class(dg, "AbortSignal")
    check(dg["exception"] is not None, "no exception (summary %r)" % dg["summary"])
    check_eq(dg["exception"]["type"], m.group(1), "type (libstdc++'s terminate line)")
    check_eq(dg["exception"]["what"], w.group(1), "what() (libstdc++'s line)")
    crashed = [t for t in doc["threads"] if t["crashed"]][0]["frames"]
    f = crashed[dg["crash_frame"]]
    check("Thrower" in (f["function"] or ""), "crash frame %r" % f)
    check(dg["signature"].startswith("Thrower<int>::boom"), "signature %r" % dg["signature"])


def t_signature(build):
    _, c1, _, _ = crash("nullwrite")
    _, c2, _, _ = crash("nullwrite", "again")
    _, c3, _, _ = crash("nullwrite2")
    _, d1 = diagnosis(build, c1)
    _, d2 = diagnosis(build, c2)
    _, d3 = diagnosis(build, c3)
    check(d1["signature"], "no signature")
    check_eq(d2["signature"], d1["signature"], "signature of a second run")
    check_eq(d2["signature_hash"], d1["signature_hash"], "hash of a second run")
    check(d3["signature"] != d1["signature"] and d3["signature_hash"] != d1["signature_hash"],
          "two crash sites, one signature: %r" % d1["signature"])
    check(re.fullmatch(r"[0-9a-f]{16}", d1["signature_hash"]), "hash %r" % d1["signature_hash"])
    check(d1["signature"].startswith("store_null | main"), "signature %r" % d1["signature"])
    check(not re.search(r"0x[0-9a-f]{6,}", d1["signature"]), "addresses in %r" % d1["signature"])
    # a rebuild that moves the code: the same signature
    _, c4, _, _ = crash("nullwrite", moved=True)
    doc1, _ = ct.report(build, c1)
    doc4, d4 = full(build, c4)
    off = [[t for t in doc["threads"] if t["crashed"]][0]["frames"][0]["module_offset"]
           for doc in (doc1, doc4)]
    check(off[0] != off[1], "the rebuild did not move the code: %r" % off)
    check_eq(d4["signature_hash"], d1["signature_hash"], "hash after a rebuild that moves code")
    # no optimizer suffixes (check.cold, f.constprop.0) in any signature
    for mode in ("nullwrite", "overflow", "assert", "smash", "fortify", "doublefree"):
        _, c, _, _ = crash(mode)
        _, dg = diagnosis(build, c)
        check(not re.search(r"\.(constprop|isra|part|cold)\b", dg["signature"]),
              "%s: optimizer suffix in %r" % (mode, dg["signature"]))


def t_outputs(build):
    _, core, _, _ = crash("nullwrite")
    for cmd in ("info", "bt", "maps", "threads", "report", "notes", "auxv"):
        r = ct.coroner(build, cmd, core, "--json", ok_codes=(0, 3))
        doc = json.loads(r.text)
        check(doc.get("diagnosis") and doc["diagnosis"]["class"] == "DestAvNearNull",
              "%s --json: diagnosis %r" % (cmd, doc.get("diagnosis")))
    r = ct.coroner(build, "report", core, ok_codes=(0, 3))
    check(r.text.startswith("cause:      DestAvNearNull (PROBABLY_EXPLOITABLE)"),
          "report text starts with %r" % r.text[:120])
    r = ct.coroner(build, "diagnose", core, ok_codes=(0, 3))
    check(re.search(r"^=> 0x[0-9a-f]+ ", r.text.replace("  =>", "=>"), re.M) or "=>" in r.text,
          "diagnose text shows the instruction: %r" % r.text)
    check("signature:" in r.text and "look at:" in r.text, "diagnose text %r" % r.text)


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    rep.run("diagnose/null-write", t_fault, build, "nullwrite", "DestAvNearNull", "write")
    rep.run("diagnose/null-read", t_fault, build, "nullread", "SourceAvNearNull", "read")
    rep.run("diagnose/write-read-only", t_fault, build, "writero", "DestAv", "write")
    rep.run("diagnose/read-unmapped", t_fault, build, "readunmapped", "SourceAv", "read")
    rep.run("diagnose/call-null", t_fault, build, "nullcall", "SegFaultOnPcNearNull", "execute",
            False)
    if X86_64:
        rep.run("diagnose/call-through-null", t_fault, build, "callmem", "CallAvNearNull", "call",
                False)
    if X86_64:
        for how, cls in (("call", "CallAvTainted"), ("jump", "BranchAvTainted"),
                         ("store", "DestAvTainted")):
            rep.run("diagnose/tainted-" + how, t_fault, build, "taint" + how, cls, "read")
    rep.run("diagnose/jump-to-data", t_fault, build, "jumpdata", "SegFaultOnPc", "execute")
    rep.run("diagnose/stack-overflow", t_overflow, build)
    rep.run("diagnose/stack-overflow-thread", t_overflow, build, "overflowthread")
    rep.run("diagnose/assert", t_abort, build, "assert", "AbortSignal", r"Assertion `.*' failed\.$")
    rep.run("diagnose/double-free", t_abort, build, "doublefree", "HeapError", r"double free")
    rep.run("diagnose/stack-smashing", t_abort, build, "smash", "StackGuard",
            r"^\*\*\* stack smashing detected \*\*\*")
    rep.run("diagnose/fortify", t_abort, build, "fortify", "SafeFunctionCheck",
            r"^\*\*\* buffer overflow detected \*\*\*")
    rep.run("diagnose/abort", t_abort, build, "abort", "AbortSignal", None)
    rep.run("diagnose/fpe", t_fpe, build)
    rep.run("diagnose/external-signal", t_external, build)
    rep.run("diagnose/no-crash", t_nocrash, build)
    rep.run("diagnose/cxx-exception", t_exception, build)
    rep.run("diagnose/signature", t_signature, build)
    rep.run("diagnose/outputs", t_outputs, build)
    if X86_64:
        rep.run("diagnose/m32-null-write", t_fault, build, "nullwrite", "DestAvNearNull", "write",
                True, True)
        rep.run("diagnose/m32-null-read", t_fault, build, "nullread", "SourceAvNearNull", "read",
                True, True)
        rep.run("diagnose/m32-call-through-null", t_fault, build, "callmem", "CallAvNearNull",
                "call", False, True)
        rep.run("diagnose/m32-stack-overflow", t_overflow, build, "overflow", True)
        rep.run("diagnose/m32-assert", t_abort, build, "assert", "AbortSignal",
                r"Assertion `.*' failed\.$", True)
        rep.run("diagnose/m32-cxx-exception", t_exception, build, True)
        rep.run("diagnose/m32-double-free", t_abort, build, "doublefree", "HeapError",
                r"double free", True)
    return rep.done()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Go goroutines: tests/programs/go_goroutines.go parks goroutines on a
channel receive, a send, a mutex, a sleep, a select, a pipe read through the
poller and a blocking read(2), then dereferences nil; run with
GOTRACEBACK=crash, the runtime prints every goroutine to stderr and dumps
core. Oracle: that stderr. `coroner goroutines --json` lists the same
goroutines (ids), each with Go's state ("chan receive", "semacquire", ...),
Go's frames (function, file:line) and Go's "created by" (function,
file:line); the running one is on the crashed thread, from main.crash on;
the one in a system call is on a thread and ends in Go's frames (Go starts
it where it entered the call, coroner at the thread's registers). The text
output is Go's format. The same program built -ldflags="-s -w" (no symbols,
no DWARF: allgs found in its data, names, lines and inlined calls from its
pclntab) gives the same goroutines, states, creators and frames. The
struct layouts come from the binary's DWARF, and without it from Go 1.19's
known layout: both builds passing checks the one against the other.

Usage: python3 tests/e2e/test_go_goroutines.py BUILD_DIR
"""
import os
import random
import re
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import coretest as ct  # noqa: E402
from coretest import check, check_eq  # noqa: E402
import test_go  # noqa: E402

SOURCE = os.path.join(ct.PROGRAMS, "go_goroutines.go")


def go_goroutines(err):
    """{id: {"state", "frames": [(function, file, line, inline)], "created_by":
    (function, file, line) or None}} from GOTRACEBACK=crash's stderr; an
    inlined frame is printed with "(...)"."""
    lines = err.splitlines()
    out, i = {}, 0
    while i < len(lines):
        m = re.match(r"goroutine (\d+) \[([^\]]*)\]:$", lines[i])
        i += 1
        if not m:
            continue
        g = {"state": m.group(2).split(",")[0], "frames": [], "created_by": None}
        out[int(m.group(1))] = g
        while i + 1 < len(lines) and lines[i].strip():
            loc = re.match(r"\t(\S+):(\d+)", lines[i + 1])
            if lines[i].startswith("created by ") and loc:
                g["created_by"] = (lines[i][len("created by "):].split(" in goroutine")[0],
                                   loc.group(1), int(loc.group(2)))
                i += 2
                continue
            fm = re.match(r"(\S+)\(([^()]*)\)$", lines[i])
            if not fm or not loc:
                break
            g["frames"].append((fm.group(1), loc.group(1), int(loc.group(2)),
                                fm.group(2) == "..."))
            i += 2
    check(out, "no goroutines in Go's traceback: %r" % err[:400])
    return out


def name(f):
    return re.sub(r"\.abi0$", "", f["function"] or "??")


def ours(build, core, prog):
    doc, _ = ct.report(build, core, "--exe", prog)
    r = ct.coroner(build, "goroutines", core, "--json", "--exe", prog, ok_codes=(0, 3))
    gdoc = ct.json.loads(r.text)
    check_eq(len(gdoc["goroutines"]), len(doc["goroutines"]),
             "goroutines of `goroutines --json` vs `report --json`")
    check(doc["go"] and doc["go"]["version"], "no Go version: %r" % doc["go"])
    return doc, {g["id"]: g for g in gdoc["goroutines"]}


def compare(doc, got, want, crashed_tid):
    check_eq(sorted(got), sorted(want), "goroutine ids (coroner vs Go)")
    tids = {t["tid"] for t in doc["threads"]}
    for gid, w in sorted(want.items()):
        g = got[gid]
        frames = [(name(f), f["file"], f["line"]) for f in g.get("frames", [])]
        text = "goroutine %d:\n  " % gid + "\n  ".join("%s %s:%s" % f for f in frames)
        check_eq(g["wait_reason"] or g["status"], w["state"], "state of goroutine %d" % gid)
        wf = [f[:3] for f in w["frames"]]
        if w["state"] == "running":
            check_eq(g["tid"], crashed_tid, "thread of the running goroutine %d" % gid)
            first = next(i for i, f in enumerate(wf) if f[0].startswith("main."))
            k = next((i for i, f in enumerate(frames) if f[0] == wf[first][0]), None)
            check(k is not None, "no %s in %s" % (wf[first][0], text))
            check_eq(frames[k:], wf[first:], "frames of goroutine %d from %s" % (gid, wf[first][0]))
        elif w["state"] == "syscall":
            check(g["tid"] in tids, "goroutine %d in a system call is on no thread: %r"
                  % (gid, g["tid"]))
            check_eq(frames[len(frames) - len(wf) + 1:], wf[1:],
                     "frames of goroutine %d after Go's first" % gid)
        else:
            check_eq(g["tid"], None, "thread of parked goroutine %d" % gid)
            check_eq(frames, wf, "frames of goroutine %d (coroner vs Go)" % gid)
        c = g["created_by"]
        if w["created_by"]:
            check_eq((c["function"], c["file"], c["line"]), w["created_by"],
                     "created by, goroutine %d" % gid)


def test_goroutines(build):
    d, core, err = test_go.build_and_crash(source=SOURCE, args=("nil",))
    want = go_goroutines(err)
    states = {w["state"] for w in want.values()}
    for s in ("chan receive", "chan send", "semacquire", "sleep", "select", "IO wait", "syscall",
              "running"):
        check(s in states, "Go's traceback has no %r goroutine: %r" % (s, sorted(states)))
    doc, got = ours(build, core, os.path.join(d, "src", "prog"))
    compare(doc, got, want, doc["crashed_tid"])
    check_eq(doc["go"]["layout"], "dwarf", "layout source (the binary has DWARF)")


def test_dlv(build):
    """Delve (`dlv core`, `goroutines`) as a second oracle: the same goroutine
    ids, and each one's thread."""
    if not shutil.which("dlv"):
        raise ct.Skip("dlv not installed (Debian: delve)")
    d, core, err = test_go.build_and_crash(source=SOURCE, args=("nil",))
    prog = os.path.join(d, "src", "prog")
    init = os.path.join(d, "dlv.init")
    with open(init, "w") as f:
        f.write("goroutines\nexit\n")
    p = subprocess.run(["dlv", "core", prog, core, "--init", init,
                        "--allow-non-terminal-interactive=true"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=120)
    want = {int(m.group(1)): m.group(2) for m in
            re.finditer(r"^[ *] Goroutine (\d+) - .*?(?:\(thread (\d+)\))?(?: \[.*\])?$",
                        p.stdout, re.M)}
    check(want, "no goroutines from dlv: %r" % p.stdout[-400:])
    doc, got = ours(build, core, prog)
    check_eq(sorted(got), sorted(want), "goroutine ids (coroner vs dlv)")
    for gid, tid in want.items():
        check_eq(got[gid]["tid"], int(tid) if tid else None, "thread of goroutine %d (vs dlv)" % gid)


def test_text(build):
    """`coroner goroutines`: Go's header lines, frames and created-by lines."""
    d, core, err = test_go.build_and_crash(source=SOURCE, args=("nil",))
    want = go_goroutines(err)
    r = ct.coroner(build, "goroutines", core, "--exe", os.path.join(d, "src", "prog"),
                   ok_codes=(0, 3))
    got = go_goroutines(r.text)
    check_eq(sorted(got), sorted(want), "goroutine ids of the text output")
    for gid, w in want.items():
        check_eq(got[gid]["state"], w["state"], "text state of goroutine %d" % gid)
        if w["state"] not in ("running", "syscall"):
            check_eq([f[:3] for f in got[gid]["frames"]], [f[:3] for f in w["frames"]],
                     "text frames of goroutine %d" % gid)
        check_eq(got[gid]["created_by"], w["created_by"], "text created by, goroutine %d" % gid)
    r = ct.coroner(build, "bt", core, "--goroutines", "--exe", os.path.join(d, "src", "prog"),
                   ok_codes=(0, 3))
    check_eq(sorted(go_goroutines(r.text)), sorted(want), "goroutines of bt --goroutines")
    r = ct.coroner(build, "info", core, "--exe", os.path.join(d, "src", "prog"), ok_codes=(0, 3))
    check("%d goroutines" % len(want) in r.text, "info does not count %d goroutines:\n%s"
          % (len(want), r.text))


def test_stripped(build):
    d, core, err = test_go.build_and_crash(source=SOURCE, ldflags="-s -w", args=("nil",))
    want = go_goroutines(err)
    doc, got = ours(build, core, os.path.join(d, "src", "prog"))
    compare(doc, got, want, doc["crashed_tid"])
    check_eq(doc["go"]["layout"], "go1.19", "layout source (no DWARF: Go 1.19's known one)")


def go_line(err, prefix):
    """The text after prefix on the first line of Go's stderr starting with it."""
    for l in err.splitlines():
        if l.startswith(prefix):
            return l[len(prefix):].replace(" [recovered]", "")
    raise ct.Fail("no %r line in Go's stderr: %r" % (prefix, err[:400]))


def running(err):
    m = re.search(r"^goroutine (\d+) \[running\]:$", err, re.M)
    check(m, "no running goroutine in Go's traceback")
    return int(m.group(1))


def test_panic(build):
    """The panic value as Go prints it after "panic: " (Go's stderr), the
    panicking goroutine, and the diagnosis's message; a nil dereference, an
    index out of range, panic(fmt.Errorf(...)), panic("..."), failing type
    assertions (runtime.TypeAssertionError: a wrong type, a missing method,
    a nil interface)."""
    for how in ("nil", "index", "errorf", "text", "assert", "method", "assertnil"):
        d, core, err = test_go.build_and_crash(source=SOURCE, args=(how,))
        doc, _ = ct.report(build, core, "--exe", os.path.join(d, "src", "prog"))
        want = go_line(err, "panic: ")
        check_eq(doc["go"]["panic"], want, "panic value of %r (coroner vs Go)" % how)
        check_eq(doc["go"]["panic_goroutine"], running(err), "panicking goroutine (%s)" % how)
        check_eq(doc["diagnosis"]["message"], "panic: " + want, "diagnosis message (%s)" % how)


def test_panic_escaped(build):
    """A panic message with escape sequences: whole in JSON (= Go's stderr),
    escaped on the terminal (info, diagnose, report)."""
    d, core, err = test_go.build_and_crash(source=SOURCE, args=("escape",))
    exe = os.path.join(d, "src", "prog")
    doc, _ = ct.report(build, core, "--exe", exe)
    want = go_line(err, "panic: ")
    check("\x1b" in want, "Go printed the message raw: %r" % want)
    check_eq(doc["go"]["panic"], want, "the panic in JSON, whole")
    for cmd in ("info", "diagnose", "report"):
        r = ct.coroner(build, cmd, core, "--exe", exe, ok_codes=(0, 3))
        check("\x1b" not in r.text and "\x07" not in r.text,
              "%s: an escape sequence of the panic on the terminal" % cmd)
        check("\\x1b]0;pwned\\x07\\x1b[2J after" in r.text, "%s: the message escaped" % cmd)


def test_panic_held(build):
    """The value as raised (a runtime.boundsError, *errors.errorString,
    *fmt.wrapError, int, runtime.errorString, *runtime.TypeAssertionError
    in its three wordings): the program recovers it once
    and prints it ("value: ", fmt.Sprint), raises it again and sends itself
    SIGABRT from a deferred function, before the runtime turns the value into
    its message. Stripped too: the type names through the moduledata."""
    cases = [("", h) for h in ("index", "errorf", "wrapped", "number", "nil", "assert", "method",
                               "assertnil")]
    cases += [("-s -w", h) for h in ("index", "wrapped", "assert", "method", "assertnil")]
    for ldflags, how in cases:
        d, core, err = test_go.build_and_crash(source=SOURCE, ldflags=ldflags or None, args=(how, "held"))
        doc, _ = ct.report(build, core, "--exe", os.path.join(d, "src", "prog"))
        check_eq(doc["go"]["panic"], go_line(err, "value: "),
                 "panic value held by %r %s (coroner vs the program)" % (how, ldflags))


def go_panics(err):
    """[(message, recovered)] of Go's printpanics lines: "panic: first
    [recovered]", then "\tpanic: second" for each newer one."""
    lines = err.splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith("panic: ")), None)
    check(start is not None, "no panic: line in Go's stderr: %r" % err[:400])
    out = []
    for i, l in enumerate(lines[start:]):
        if not l.startswith("\tpanic: " if i else "panic: "):
            break
        m = l.split("panic: ", 1)[1]
        rec = m.endswith(" [recovered]")
        out.append((m[:-len(" [recovered]")] if rec else m, rec))
    return out


def test_panic_chain(build):
    """The chain of panics (a panic in a deferred call while panicking; a
    recovered one raised again): "panics" oldest first with the recovered
    flags = Go's "panic: ... [recovered]" / "\tpanic: ..." lines, "panic" the
    newest, info's lines in Go's format; the stripped build too."""
    for ldflags, how in (("", "during"), ("", "repanic"), ("-s -w", "repanic")):
        d, core, err = test_go.build_and_crash(source=SOURCE, ldflags=ldflags or None, args=(how,))
        prog = os.path.join(d, "src", "prog")
        doc, _ = ct.report(build, core, "--exe", prog)
        want = go_panics(err)
        check(len(want) == 2, "Go printed a chain of two for %r: %r" % (how, want))
        got = [(p["message"], p["recovered"]) for p in doc["go"]["panics"]]
        check_eq(got, want, "chain of panics of %r %s (coroner vs Go)" % (how, ldflags))
        check_eq(doc["go"]["panic"], want[-1][0], "newest panic (%s)" % how)
        r = ct.coroner(build, "info", core, "--exe", prog, ok_codes=(0, 3))
        chain = "\n".join(("\t" if i else "") + "panic: " + m + (" [recovered]" if rec else "")
                          for i, (m, rec) in enumerate(want))
        text = "\n".join(re.sub(r"^go panic:\s+goroutine \d+: |^ +", "", l)
                         for l in r.text.splitlines())
        check(chain in text, "info lacks Go's chain %r:\n%s" % (chain, r.text))


def test_diagnosis(build):
    """Where to look and the signature, from the goroutine that crashed the
    program: Go's first goroutine of its traceback (the panicking one, the
    one whose map write threw on the system stack) is crash_goroutine, its
    first main.* frame (function, file:line) the crash frame among that
    goroutine's frames, crash_line and the signature's first function;
    `coroner diagnose` says it; the stripped build too."""
    cases = [("", h) for h in ("nil", "index", "errorf", "text", "assert", "map", "during")]
    cases += [("-s -w", h) for h in ("map", "nil")]
    for ldflags, how in cases:
        d, core, err = test_go.build_and_crash(source=SOURCE, ldflags=ldflags or None, args=(how,))
        prog = os.path.join(d, "src", "prog")
        gid = running(err)
        want = next(f for f in go_goroutines(err)[gid]["frames"] if f[0].startswith("main."))
        doc, _ = ct.report(build, core, "--exe", prog)
        dg = doc["diagnosis"]
        what = "%s %s" % (how, ldflags)
        check_eq(dg["crash_goroutine"], gid, "crash goroutine (%s; Go's first)" % what)
        frames = [g for g in doc["goroutines"] if g["id"] == gid][0]["frames"]
        check(dg["crash_frame"] is not None, "no crash_frame (%s): %r" % (what, dg))
        f = frames[dg["crash_frame"]]
        check_eq((name(f), f["file"], f["line"]), want[:3], "crash frame (%s; Go's)" % what)
        check_eq(dg["crash_line"], "%s:%d" % want[1:3], "crash_line (%s)" % what)
        check_eq(dg["signature"].split(" | ")[0], want[0], "signature's first (%s)" % what)
        r = ct.coroner(build, "diagnose", core, "--exe", prog, ok_codes=(0, 3))
        look = "look at:    goroutine %d, frame #%d %s:%d" % ((gid, dg["crash_frame"]) + want[1:3])
        check(look in r.text, "diagnose (%s) lacks %r:\n%s" % (what, look, r.text))


def test_fatal(build):
    """A fatal error (concurrent map writes, runtime.fatal): its string from
    the closure on runtime.fatal's frame = Go's "fatal error: " line; the
    stripped build too."""
    for ldflags in (None, "-s -w"):
        d, core, err = test_go.build_and_crash(source=SOURCE, ldflags=ldflags, args=("map",))
        doc, _ = ct.report(build, core, "--exe", os.path.join(d, "src", "prog"))
        want = go_line(err, "fatal error: ")
        check_eq(doc["go"]["fatal_error"], want, "fatal error (%s)" % ldflags)
        check_eq(doc["go"]["panic"], None, "no panic (%s)" % ldflags)
        check_eq(doc["diagnosis"]["message"], "fatal error: " + want,
                 "diagnosis message (%s)" % ldflags)
        r = ct.coroner(build, "info", core, "--exe", os.path.join(d, "src", "prog"),
                       ok_codes=(0, 3))
        check("fatal error: " + want in r.text, "info:\n" + r.text)


def test_hostile(build):
    """A Go core whose runtime state is hostile: runtime.allgs claiming 2^40
    goroutines; every g it points to overwritten with random bytes; the
    executable's pclntab scrambled. No crash, hang or unbounded allocation
    (coroner's own checks: sanitizer reports, timeouts), exit 0 or 3, and
    the over-long allgs said in a warning."""
    d, core, _ = test_go.build_and_crash(source=SOURCE, args=("nil",))
    prog = os.path.join(d, "src", "prog")
    allgs = ct.nm_symbols(prog)["runtime.allgs"]
    loads, _ = ct.readelf_loads(core)

    def off(addr):
        return next(o + addr - v for o, v, fs, _ in loads if v <= addr < v + fs)
    with open(core, "rb") as f:
        data = f.read()
    ptr, n = struct.unpack_from("<QQ", data, off(allgs))
    work = ct.scratch_dir("go-hostile-")
    rnd = random.Random(12)
    big = bytearray(data)
    struct.pack_into("<QQ", big, off(allgs) + 8, 1 << 40, 1 << 40)
    noise = bytearray(data)
    for i in range(n):
        g = off(struct.unpack_from("<Q", data, off(ptr) + 8 * i)[0])
        noise[g:g + 400] = bytes(rnd.getrandbits(8) for _ in range(400))
    cases = {"allgs-huge": bytes(big), "g-noise": bytes(noise)}
    for name, b in cases.items():
        path = os.path.join(work, name + ".core")
        with open(path, "wb") as f:
            f.write(b)
        doc, _ = ct.report(build, path, "--exe", prog)
        ct.coroner(build, "goroutines", path, "--exe", prog, ok_codes=(0, 3))
        if name == "allgs-huge":
            check(any("runtime.allgs" in w for w in ct.warning_texts(doc)),
                  "no warning about allgs: %r" % ct.warning_texts(doc))
    # the executable's .gopclntab scrambled (its size and place kept)
    sec = re.search(r"\.gopclntab\s+PROGBITS\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)",
                    ct.sh("readelf", "-SW", prog))
    check(sec, "no .gopclntab in readelf -S of %s" % prog)
    o, size = int(sec.group(1), 16), int(sec.group(2), 16)
    with open(prog, "rb") as f:
        exe = bytearray(f.read())
    for k in range(0, size, 7):
        exe[o + 8 + k % (size - 8)] = rnd.getrandbits(8)
    bad = os.path.join(work, "prog")
    with open(bad, "wb") as f:
        f.write(exe)
    ct.report(build, core, "--exe", bad)
    ct.coroner(build, "goroutines", core, "--exe", bad, ok_codes=(0, 3))


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    rep.run("go-goroutines", test_goroutines, build)
    rep.run("go-goroutines-text", test_text, build)
    rep.run("go-goroutines-dlv", test_dlv, build)
    rep.run("go-goroutines-stripped", test_stripped, build)
    rep.run("go-panic", test_panic, build)
    rep.run("go-panic-escaped", test_panic_escaped, build)
    rep.run("go-panic-held", test_panic_held, build)
    rep.run("go-panic-chain", test_panic_chain, build)
    rep.run("go-diagnosis", test_diagnosis, build)
    rep.run("go-fatal", test_fatal, build)
    rep.run("go-hostile", test_hostile, build)
    return rep.done()


if __name__ == "__main__":
    sys.exit(main())

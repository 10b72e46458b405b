#!/usr/bin/env python3
"""Go: a core of tests/programs/go_crash.go (a nil pointer dereference in a
//go:noinline function), built with `go build` and run with GOTRACEBACK=crash.
Go's signal handler makes the faulting function look as if it had called
runtime.sigpanic, with the faulting pc as the return address: coroner must
look that frame up at its pc, not pc - 1. Oracle: Go's own traceback of the
crashing goroutine on stderr. From the first main.* frame to main.main,
coroner's crashed thread has the same functions and file:line (and each
physical frame the same pc and offset), and runtime.sigpanic is right above
the faulting function.

Three times: built for this machine (x86_64 only: elsewhere the native
case skips) and dumped by the kernel; and built with GOARCH=arm64 and
GOARCH=s390x and run under qemu-aarch64 and qemu-s390x (qemu-user), which
write the guest's core (qemu_prog_DATE_PID.core). There Go's handler
(preparePanic) saves the link register below the faulting frame's sp (16
bytes on arm64, 8 on s390x), puts the faulting pc in the link register and
the pc at runtime.sigpanic; and the crashed thread is in Go's signal
handler, runtime.sigtramp, whose CFI marks the return address undefined
(TOPFRAME): the unwind goes on from the signal frame the kernel (qemu) put
at its entry sp. (Not here: GOARCH=arm, whose sigtramp CFI leaves out the
registers it pushes, so its entry sp is not known and the unwind stops
there; 386 and ppc64le, whose crashed threads under qemu do not reach
main.* either, not looked into.)

Usage: python3 tests/e2e/test_go.py BUILD_DIR
"""
import os
import platform
import re
import resource
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Skip, check, check_eq  # noqa: E402

SOURCE = os.path.join(ct.PROGRAMS, "go_crash.go")
# cross targets: GOARCH, the qemu-user that runs it
QEMU = {"arm64": "qemu-aarch64", "s390x": "qemu-s390x"}


def go_env(d):
    env = dict(os.environ)
    env.update(GOCACHE=os.path.join(d, "gocache"), GOPATH=os.path.join(d, "gopath"),
               GOFLAGS="-mod=mod", GOPROXY="off", GOTOOLCHAIN="local", CGO_ENABLED="0", GO111MODULE="on")
    return env


def setup_core():
    resource.setrlimit(resource.RLIMIT_CORE,
                       (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def build_go(source=SOURCE, ldflags=None, target="native"):
    """The program source built (with -ldflags=ldflags) once per test cache:
    (dir, program). target "native": for this machine; a GOARCH of QEMU:
    for it."""
    go = shutil.which("go")
    if not go:
        raise Skip("go not installed (Debian: golang-go)")
    if target == "native" and platform.machine() != "x86_64":
        # elsewhere the native build is not tried; arm64 is tested under qemu
        raise Skip("the native case runs on x86_64 only, this is %s" % platform.machine())
    qemu = QEMU.get(target)
    if qemu and not shutil.which(qemu):
        raise Skip("%s not installed (Debian: qemu-user)" % qemu)
    with open(source, "rb") as f:
        text = f.read()
    d = os.path.join(ct.cache_dir(), "go-%s-%s" % (target, ct._key(text, ldflags or "")))
    src = os.path.join(d, "src")
    prog = os.path.join(src, "prog")
    if os.path.exists(os.path.join(d, "BUILT")):
        return d, prog
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(src)
    shutil.copy(source, os.path.join(src, "main.go"))
    with open(os.path.join(src, "go.mod"), "w") as f:
        f.write("module crash\n\ngo 1.19\n")
    env = go_env(d)
    if qemu:
        env["GOARCH"] = target
    cmd = [go, "build", "-o", "prog"] + (["-ldflags=" + ldflags] if ldflags else []) + ["main.go"]
    p = subprocess.run(cmd, cwd=src, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=300)
    if p.returncode != 0:
        raise Skip("go build failed: " + p.stdout.strip()[-400:])
    open(os.path.join(d, "BUILT"), "w").close()
    return d, prog


def build_and_crash(target="native", source=SOURCE, ldflags=None, args=()):
    """(dir, core, Go's stderr): the program built by build_go, run once per
    test cache with args and GOTRACEBACK=crash; the program is dir/src/prog.
    target "native": a kernel core; a GOARCH of QEMU: run under its
    qemu-user, qemu's core of the guest."""
    d, prog = build_go(source, ldflags, target)
    qemu = QEMU.get(target)
    run = os.path.join(d, "run" + "".join("-" + a for a in args))
    done = os.path.join(run, "DONE")
    if os.path.exists(done):
        with open(done) as f:
            core = f.read().strip()
        with open(os.path.join(run, "stderr.txt")) as f:
            return d, core, f.read()
    pat = ct.core_pattern()
    if target == "native" and pat.startswith("|"):
        raise Skip("core_pattern pipes to %r" % pat)
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(run)
    env = go_env(d)
    env["GOTRACEBACK"] = "crash"
    cmd = [prog] + list(args)
    if qemu:
        cmd = [qemu] + cmd
        os.mkdir(os.path.join(run, "core"))  # no host core of qemu itself
    p = subprocess.Popen(cmd, cwd=run, env=env, preexec_fn=setup_core,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise Skip("the Go program did not crash within 120s")
    err = err.decode("utf-8", "replace")
    if qemu:
        cores = [n for n in os.listdir(run) if n.startswith("qemu_") and n.endswith(".core")]
        if len(cores) != 1:
            raise Skip("%s (exit %d) wrote %d guest cores" % (qemu, p.returncode, len(cores)))
        core = os.path.join(run, cores[0])
    else:
        core = ct._find_core(run, p.pid)
        if core is None:
            raise Skip("no core from the kernel (exit %d, core_pattern %r)"
                       % (p.returncode, pat))
    with open(os.path.join(run, "stderr.txt"), "w") as f:
        f.write(err)
    with open(done, "w") as f:
        f.write(core)
    return d, core, err


def go_traceback(err):
    """[(function, file, line)] of the first `goroutine N [running]:` block,
    arguments dropped: main.crash(0x0?) -> main.crash; and {index: (pc,
    offset)} of its physical frames (those with fp= and pc=; +0x... is
    absent at offset 0)."""
    lines = err.splitlines()
    start = next((i for i, l in enumerate(lines)
                  if re.match(r"goroutine \d+ \[running\]:$", l)), None)
    check(start is not None, "no running goroutine in Go's traceback: %r" % err[:400])
    frames, offsets = [], {}
    i = start + 1
    while i + 1 < len(lines) and lines[i].strip():
        m = re.match(r"(\S+?)\((?:.*)\)$", lines[i])
        loc = re.match(r"\t(\S+):(\d+)(?: \+0x([0-9a-f]+))?(?: fp=.* pc=0x([0-9a-f]+))?",
                       lines[i + 1])
        if not m or not loc:
            break
        if loc.group(4):
            offsets[len(frames)] = (int(loc.group(4), 16), int(loc.group(3) or "0", 16))
        frames.append((m.group(1), loc.group(1), int(loc.group(2))))
        i += 2
    return frames, offsets


def from_main(frames):
    """frames from the first main.* one to main.main."""
    first = next((i for i, f in enumerate(frames) if f[0].startswith("main.")), None)
    check(first is not None, "no main.* frame in %r" % frames)
    last = next((i for i, f in enumerate(frames) if f[0] == "main.main"), None)
    check(last is not None and last >= first, "no main.main after %s in %r"
          % (frames[first][0], frames))
    return first, frames[first:last + 1]


def test_sigpanic(build, target="native"):
    d, core, err = build_and_crash(target)
    want_all, want_offsets = go_traceback(err)
    go_first, want = from_main(want_all)
    check(len(want) == 3, "Go's traceback from main.crash to main.main: %r" % want_all)
    check_eq(want[0][0], "main.crash", "the faulting function in Go's traceback")
    doc, _ = ct.report(build, core, "--exe", os.path.join(d, "src", "prog"))
    thread = [t for t in doc["threads"] if t["crashed"]][0]
    frames = thread["frames"]
    got_all = [(f["function"] or "??", f["file"], f["line"]) for f in frames]
    text = "\n".join("%s %s:%s" % g for g in got_all) + "\n(stopped: %s)" % thread["stop_reason"]
    first = next((i for i, f in enumerate(got_all) if f[0].startswith("main.")), None)
    check(first is not None, "coroner has no main.* frame:\n" + text)
    check(first > 0 and got_all[first - 1][0] == "runtime.sigpanic",
          "runtime.sigpanic is not right above %s:\n%s" % (got_all[first][0], text))
    got = got_all[first:first + len(want)]
    check(not any(g[0] == "??" for g in got), "a ?? frame:\n" + text)
    check_eq(got, want, "functions and file:line from %s to main.main (coroner vs Go)"
             % want[0][0])
    stop = thread["stop_reason"] or ""
    check("no progress" not in stop, "stopped with %r:\n%s" % (stop, text))
    # each physical frame's pc and offset in its function are Go's
    for k in range(len(want)):
        f = frames[first + k]
        if go_first + k in want_offsets:
            check(not f["inline"], "frame %d is inline for coroner, not for Go:\n%s"
                  % (first + k, text))
            check_eq((ct.hexval(f["pc"]), f["offset"]), want_offsets[go_first + k],
                     "pc and offset of %s (coroner vs Go)" % f["function"])


def test_diagnosis(build, target="native"):
    """Where to look first is Go's faulting frame, not the runtime; the
    signature starts there too."""
    d, core, err = build_and_crash(target)
    want_all, _ = go_traceback(err)
    _, want = from_main(want_all)
    doc, _ = ct.report(build, core, "--exe", os.path.join(d, "src", "prog"))
    dg = doc["diagnosis"]
    frames = [t for t in doc["threads"] if t["crashed"]][0]["frames"]
    if dg["crash_goroutine"] is not None:
        frames = [g for g in doc["goroutines"] if g["id"] == dg["crash_goroutine"]][0]["frames"]
    check(dg["crash_frame"] is not None, "no crash_frame: %r" % dg)
    f = frames[dg["crash_frame"]]
    check_eq((f["function"], f["file"], f["line"]), want[0], "crash frame (Go's traceback)")
    check_eq(dg["crash_line"], "%s:%d" % (want[0][1], want[0][2]), "crash_line")
    check_eq(dg["signature"].split(" | ")[:len(want)], [w[0] for w in want],
             "signature from Go's faulting function")
    check("Go runtime" in dg["summary"], "summary %r" % dg["summary"])


def test_stripped(build, target="native"):
    """A build with -ldflags="-s -w" (no symbols, no DWARF): names, file:line,
    inlined calls and frames from Go's pclntab (arm64 too: the return
    address at 0(sp) of a frame pcsp sizes). Oracles: the unstripped
    build's frames (pc, function, file:line, inline or not) and the stripped
    program's own traceback from main.crash to main.main."""
    d, core, _ = build_and_crash(target)
    ds, cores, errs = build_and_crash(target, ldflags="-s -w")
    prog = os.path.join(ds, "src", "prog")
    sections = subprocess.run(["readelf", "-SW", prog], stdout=subprocess.PIPE,
                              universal_newlines=True).stdout
    check(".symtab" not in sections and ".debug_" not in sections,
          "the -s -w build still has symbols or DWARF:\n" + sections)
    want_all, _ = go_traceback(errs)
    _, want = from_main(want_all)
    doc, _ = ct.report(build, cores, "--exe", prog)
    full, _ = ct.report(build, core, "--exe", os.path.join(d, "src", "prog"))
    got = [t for t in doc["threads"] if t["crashed"]][0]
    ref = [t for t in full["threads"] if t["crashed"]][0]
    frames = got["frames"]
    text = "\n".join("%s %s %s:%s [%s]" % (f["pc"], f["function"], f["file"], f["line"], f["how"])
                     for f in frames) + "\n(stopped: %s)" % got["stop_reason"]
    check(any(f["how"] == "pcsp" for f in frames), "no frame from pcsp:\n" + text)
    first = next((i for i, f in enumerate(frames) if f["function"] == "main.crash"), None)
    check(first is not None, "no main.crash:\n" + text)
    check_eq([(f["function"], f["file"], f["line"]) for f in frames[first:first + len(want)]],
             want, "main.crash to main.main (stripped build vs its Go traceback)")
    # the unstripped core's frames, inline ones too (DWARF's there, the
    # pclntab's inline trees here), names without the linker's ABI suffix
    # (Go's names)
    def where(f, top):
        return (f["file"] or "").replace(os.path.join(top, "src"), "SRC"), f["line"]

    def shape(fs, top):
        return [(f["pc"], re.sub(r"\.abi0$", "", f["function"] or "??")) + where(f, top)
                + (f["inline"],) for f in fs if f["how"] != "tailcall"]
    check_eq(shape(frames, ds), shape(ref["frames"], d),
             "pc, function, file:line and inline of each frame (stripped vs unstripped)")
    # arm64: the unstripped build's CFI ends the stack at runtime.goexit
    # (return address undefined); the pclntab's frame sizes cannot, so the
    # stripped build stops there saying it has no unwind information
    if target == "native":
        check_eq(got["stop_reason"], ref["stop_reason"], "why the unwind stopped")
    # no section headers either (e_shoff, e_shnum 0): the pclntab is found
    # by its header's magic, with the same frames
    bare = os.path.join(ds, "prog-noshdr")
    with open(prog, "rb") as f:
        b = bytearray(f.read())
    b[0x28:0x30] = bytes(8)
    b[0x3c:0x3e] = bytes(2)
    with open(bare, "wb") as f:
        f.write(b)
    doc, _ = ct.report(build, cores, "--exe", bare)
    nosh = [t for t in doc["threads"] if t["crashed"]][0]["frames"]
    check_eq([(f["pc"], f["function"], f["file"], f["line"], f["how"]) for f in nosh],
             [(f["pc"], f["function"], f["file"], f["line"], f["how"]) for f in frames],
             "frames without section headers (vs with them)")


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    rep.run("go-sigpanic", test_sigpanic, build)
    rep.run("go-diagnosis", test_diagnosis, build)
    for target in QEMU:
        rep.run("go-%s-qemu-sigpanic" % target, test_sigpanic, build, target)
        rep.run("go-%s-qemu-diagnosis" % target, test_diagnosis, build, target)
    rep.run("go-stripped", test_stripped, build)
    rep.run("go-arm64-qemu-stripped", test_stripped, build, "arm64")
    return rep.done()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The report people read on a terminal (a pty from python's pty module):

- colour: on a terminal by default (the cause line, the crashed thread = the
  thread the program recorded as the one that faulted, each function name =
  the JSON's, the warnings); none with NO_COLOR set (not empty), through a
  pipe, or with --color=never; --color=always through a pipe; stderr's
  warnings coloured only when stderr is a terminal; the text without its
  colour escapes is the plain text, byte for byte;
- --regs: report shows the registers of the crashed thread only, --regs=all
  every thread's, --regs=none none; bt none unless asked; threads all;
- --source: the line under each frame = `sed -n Np FILE`, none for a file
  that cannot be read; --source-dir DIR finds a moved source (DIR/basename);
- long C++ names (tests/programs/templates.cpp: std::map, std::function)
  shortened on a terminal: <…> where template arguments were, the rest of
  the name as gdb (frame.name()) and c++filt (the symbol) give it in full;
  in full with --full-names and always in JSON;
- bt -n N / --max-frames N: the N innermost of the full list (whose pcs =
  gdb's), --max-frames -N / -n -N: the N outermost, with their own indices.

Usage: python3 tests/e2e/test_terminal.py BUILD_DIR
"""
import fcntl
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Fail, Skip, check, check_eq  # noqa: E402

SGR = re.compile(r"\x1b\[[0-9;]*m")
ESC = "\x1b["
COLS = 120                # the pty's width: function names get 120 - 40 columns
ELL = "\u2026"
FRAME = re.compile(r"^  #(\d+) +0x([0-9a-f]+) ")
NAMED = re.compile(r"^  #(\d+) +0x([0-9a-f]+) (.*)\+0x[0-9a-f]+ \([^()]*\)")  # name+off (module)


def clean_env(**kw):
    env = dict(os.environ, TERM="xterm")
    env.pop("NO_COLOR", None)
    env.update(kw)
    return env


def run_pty(build, args, env=None, stderr_pty=True, timeout=60):
    """coroner ARGS with stdout (and stderr) a terminal COLS wide; returns
    (exit code, what the terminal got, stderr if not the terminal)."""
    exe = ct.coroner_path(build)
    if not os.access(exe, os.X_OK):
        raise Skip("%s not built" % exe)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, COLS, 0, 0))
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.ONLCR  # "\n" stays "\n"
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    p = subprocess.Popen([exe] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                         stdout=slave, stderr=slave if stderr_pty else subprocess.PIPE,
                         env=env or clean_env())
    os.close(slave)
    out, end = b"", time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([master], [], [], 1)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not chunk:
                break
            out += chunk
        elif p.poll() is not None:
            break
    os.close(master)
    err = p.stderr.read().decode() if p.stderr else ""
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        raise Fail("coroner %s on a pty did not end" % " ".join(map(str, args)))
    check(rc >= 0, "coroner %s on a pty: signal %d" % (" ".join(map(str, args)), -rc))
    return rc, out.decode("utf-8", "replace"), err


def crashed_frames(doc):
    return [t for t in doc["threads"] if t["crashed"]][0]["frames"]


# ---- colour ------------------------------------------------------------------

def t_color_auto(build, prog, missing):
    args = ["report", prog.core, "--debug-dir", missing, "--full-names"]
    rc, out, _ = run_pty(build, args)
    check_eq(rc, 3, "exit (a warning)")
    tid = prog.oracle["main_tid"]
    check(re.search(r"^\x1b\[1;31mcause: .*\x1b\[m$", out, re.M), "no red cause line:\n" + out[:400])
    check("\n%sthread %d (crashed):\x1b[m\n" % ("\x1b[1;31m", tid) in out,
          "thread %d (the one the program recorded) not red:\n%s" % (tid, out[:1500]))
    check(not re.search(r"\x1b\[1;31mthread (?!%d )" % tid, out), "another thread red")
    doc, _ = ct.report(build, prog.core, "--debug-dir", missing)
    for f in crashed_frames(doc):
        if f["function"]:
            check("\x1b[33m%s\x1b[m" % f["function"] in out,
                  "function %s not coloured:\n%s" % (f["function"], out[:1500]))
    warn = [ln for ln in out.splitlines() if missing in ln]
    check(warn and all(ln.startswith("  \x1b[35m") and ln.endswith("\x1b[m") for ln in warn),
          "warning lines not coloured: %r" % warn)
    plain = ct.coroner(build, *args, ok_codes=(3,)).text
    check(ESC not in plain, "escapes through a pipe")
    check_eq(SGR.sub("", out), plain, "the coloured text without its colours")


def t_no_color(build, prog):
    for env in (clean_env(NO_COLOR="1"), clean_env(TERM="dumb")):
        _, out, _ = run_pty(build, ["bt", prog.core], env)
        check(ESC not in out, "escapes with NO_COLOR=1 or TERM=dumb: %r" % out[:300])
    _, out, _ = run_pty(build, ["bt", prog.core], clean_env(NO_COLOR=""))
    check(ESC in out, "an empty NO_COLOR turned colour off")
    _, out, _ = run_pty(build, ["bt", prog.core, "--color=never"])
    check(ESC not in out, "escapes with --color=never")
    _, out, _ = run_pty(build, ["bt", prog.core, "--color=always"], clean_env(NO_COLOR="1"))
    check(ESC in out, "--color=always did not win over NO_COLOR")


def t_color_always(build, prog, missing):
    r = ct.coroner(build, "bt", prog.core, "--color=always", ok_codes=(0,))
    check("\x1b[1;31mthread %d (crashed):" % prog.oracle["main_tid"] in r.text,
          "--color=always through a pipe: " + r.text[:300])
    plain = ct.coroner(build, "bt", prog.core, ok_codes=(0,)).text
    check_eq(SGR.sub("", r.text), plain, "--color=always without its colours")
    r = ct.coroner(build, "bt", prog.core, "--color=sometimes", ok_codes=(2,))
    check("sometimes" in r.err, "bad --color: " + r.err)
    # warnings go to stderr: coloured when it is the terminal
    _, out, err = run_pty(build, ["bt", prog.core, "--debug-dir", missing], stderr_pty=False)
    check(missing in err and ESC not in err, "stderr (a pipe) coloured: %r" % err)
    check(ESC in out, "stdout (the terminal) not coloured")
    _, out, _ = run_pty(build, ["bt", prog.core, "--debug-dir", missing])
    check(re.search(r"\x1b\[35m[^\n]*%s" % re.escape(missing), out), "stderr's warning on a terminal")


# ---- registers -----------------------------------------------------------------

def reg_blocks(text):
    """{thread header: number of register lines under it}"""
    out, cur = {}, None
    for ln in text.splitlines():
        m = re.match(r"^thread (\S+)( \(crashed\))?:", ln)
        if m:
            cur = m.group(1)
            out[cur] = 0
        elif cur and re.match(r"^    (rax|rip) +0x", ln):
            out[cur] += 1
    return out


def t_regs(build, prog):
    tid = str(prog.oracle["main_tid"])
    tids = [str(t) for t in prog.oracle["tids"]]
    cases = [(["report"], {tid}), (["report", "--regs=all"], set(tids)),
             (["report", "--regs", "none"], set()), (["report", "--regs=crashed"], {tid}),
             (["bt"], set()), (["bt", "--regs=crashed"], {tid}), (["threads"], set(tids)),
             (["threads", "--regs=none"], set())]
    for args, want in cases:
        r = ct.coroner(build, args[0], prog.core, *args[1:], ok_codes=(0,))
        blocks = reg_blocks(r.text)
        check_eq(sorted(blocks), sorted(tids), "%s: threads" % " ".join(args))
        check_eq({t for t, n in blocks.items() if n}, want, "%s: threads with registers"
                 % " ".join(args))
    r = ct.coroner(build, "report", prog.core, "--all-regs", ok_codes=(0,))
    check_eq(r.text.count("[vector] xmm0 "), 1, "report --all-regs: xmm0 once (the crashed thread)")
    r = ct.coroner(build, "report", prog.core, "--regs=some", ok_codes=(2,))


# ---- source lines ----------------------------------------------------------------

def sed_line(path, n):
    out = ct.sh("sed", "-n", "%dp" % n, path)
    return out.rstrip("\n").expandtabs(8).rstrip()


def source_pairs(text):
    """[(frame line, the source line under it or None)] of the first thread."""
    lines = text.split("\n\n")[1].splitlines()
    out = []
    for i, ln in enumerate(lines):
        if FRAME.match(ln):
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            m = re.match(r"^        +(\d+)  (.*)$", nxt)
            out.append((ln, m.groups() if m else None))
    return out


def t_source(build, prog):
    tid = prog.oracle["main_tid"]
    r = ct.coroner(build, "bt", prog.core, "--source", "--thread", tid, ok_codes=(0,))
    doc, _ = ct.report(build, prog.core, "--thread", tid)
    frames = crashed_frames(doc)
    pairs = source_pairs(r.text)
    check_eq(len(pairs), len(frames), "frame lines")
    shown = 0
    for (ln, src), f in zip(pairs, frames):
        readable = f["file"] and f["line"] and os.path.isfile(f["file"])
        if not readable:
            check(src is None, "a source line for %s: %r" % (f["file"], src))
            continue
        check(src, "no source line under %r" % ln)
        check_eq(int(src[0]), f["line"], "line number shown")
        check_eq(src[1].rstrip(), sed_line(f["file"], f["line"]), "%s:%d" % (f["file"], f["line"]))
        shown += 1
    check(shown >= 2, "source lines of fewer than 2 frames")
    plain = ct.coroner(build, "bt", prog.core, "--thread", tid, ok_codes=(0,)).text
    check_eq([ln for ln in r.text.splitlines() if not re.match(r"^        +\d+  ", ln)],
             plain.splitlines(), "bt --source less its source lines")


def t_source_dir(build, d):
    src = os.path.join(d, "src")
    os.makedirs(src, exist_ok=True)
    shutil.copy(os.path.join(ct.PROGRAMS, "crashme.c"), src)
    exe = os.path.join(d, "crashme-moved")
    ct.sh("gcc", *ct.COMMON, "-o", exe, os.path.join(src, "crashme.c"))
    _, core, _ = ct.crash_program(exe, ["--threads", "1"], "moved-src")
    moved = os.path.join(d, "moved")
    shutil.rmtree(moved, True)
    os.rename(src, moved)
    r = ct.coroner(build, "bt", core, "--source", ok_codes=(0,))
    check(not any(s for _, s in source_pairs(r.text)), "source lines of a file moved away")
    r = ct.coroner(build, "bt", core, "--source", "--source-dir", os.path.join(d, "none"),
                   "--source-dir", moved, ok_codes=(0,))
    pairs = [(ln, s) for ln, s in source_pairs(r.text) if "crashme.c:" in ln]
    check(pairs, "no frame in crashme.c")
    for ln, s in pairs:
        check(s, "no source line from --source-dir under %r" % ln)
        check_eq(s[1].rstrip(), sed_line(os.path.join(moved, "crashme.c"), int(s[0])),
                 "line %s of the moved file" % s[0])
    # a hostile source line: its escape sequences never reach the terminal
    path = os.path.join(moved, "crashme.c")
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    n = int(pairs[0][1][0])
    lines[n - 1] = b"\tx = 1; \x1b]0;title\x07 \x1b[2J \xc2\x9b2J \xff end\r"
    with open(path, "wb") as f:
        f.write(b"\n".join(lines))
    r = ct.coroner(build, "bt", core, "--source", "--source-dir", moved, ok_codes=(0,))
    check("\x1b" not in r.text and "\x07" not in r.text and "\x9b" not in r.text,
          "control characters of the source on the terminal: %r" % r.text[:600])
    check("        x = 1; ?]0;title? ?[2J ?" in r.text and "end\n" in r.text,
          "the hostile line, made harmless: %r" % [ln for ln in r.text.splitlines() if "x = 1" in ln])


HOSTILE_C = b'''#include <sys/prctl.h>
void boom(volatile int *p) __asm__("\\"evil\\x1b[2J\\x07" "fn\\"");
__attribute__((noinline)) void boom(volatile int *p) { *p = 1; }
int main(void) { prctl(PR_SET_NAME, "\\x1b]0;t\\x07x"); boom(0); return 0; }
'''


def t_hostile_names(build, d):
    """Names from the core and its files never put a control character on
    the terminal: an executable in a directory named with an escape sequence
    and UTF-8, a symbol (asm label) with escapes, a thread named with one.
    The file is still found by its name (its frames symbolized), the JSON
    gives the names whole."""
    top = os.path.join(d, "hostile", "dir\x1b[2J\u00e9")
    os.makedirs(top, exist_ok=True)
    src = os.path.join(top, "h.c")
    with open(src, "wb") as f:
        f.write(HOSTILE_C)
    exe = os.path.join(top, "crash\x1b]0;x\x07")
    ct.sh("gcc", "-g", "-O0", "-o", exe, src)
    if ct.core_pattern().startswith("|"):
        raise Skip("cores are piped (core_pattern %s)" % ct.core_pattern())
    for n in os.listdir(top):
        if n.startswith("core"):
            os.unlink(os.path.join(top, n))
    p = subprocess.run([exe], cwd=top, preexec_fn=ct._child_setup, capture_output=True)
    core = ct._find_core(top, p.pid) if hasattr(p, "pid") else None
    core = core or next((os.path.join(top, n) for n in os.listdir(top) if n.startswith("core")),
                        None)
    if not core:
        raise Skip("no core from the hostile-names program (exit %d)" % p.returncode)
    for cmd in (["report", core], ["bt", core], ["maps", core]):
        r = ct.coroner(build, *cmd, ok_codes=(0, 3))
        bad = [c for c in r.text + r.err if ord(c) < 0x20 and c not in "\n\t"
               or 0x7f <= ord(c) < 0xa0]
        check(not bad, "%s: control characters %r on the terminal" % (cmd[0], sorted(set(bad))))
        check("\u00e9" in r.text, "%s: the UTF-8 name shown as it is" % cmd[0])
    r = ct.coroner(build, "report", core, ok_codes=(0, 3))
    sym = [n for n in ct.nm_symbols(exe) if "evil" in n]
    check_eq(len(sym), 1, "the hostile symbol in nm's list")
    # (gcc's DW_AT_linkage_name keeps the asm label's quotes)
    esc = sym[0].replace("\x1b", "\\x1b").replace("\x07", "\\x07")
    check(esc + "+0x" in r.text or '"%s"+0x' % esc in r.text,
          "the symbol %r escaped: %r" % (sym[0], r.text[:400]))
    check("command:    \\x1b]0;t\\x07x" in r.text, "the thread's name escaped")
    check(re.search(r"#1 +0x[0-9a-f]+ main\+0x[0-9a-f]+ \(crash\\x1b\]0;x\\x07\) .*h\.c:4",
                    r.text), "main symbolized from the file with the hostile name: %r"
          % [ln for ln in r.text.splitlines() if "#1" in ln])
    doc = ct.json_doc(ct.coroner(build, "report", "--json", core, ok_codes=(0, 3)).text)
    check_eq(doc["process"]["executable"], exe, "the JSON's executable, whole")
    check_eq(doc["process"]["command"], "\x1b]0;t\x07x", "the JSON's command, whole")
    names = [f.get("function") for t in doc["threads"] for f in t["frames"]]
    check(sym[0] in names or '"%s"' % sym[0] in names,
          "the JSON's symbol, whole (nm's): %r" % names[:4])


# ---- names ---------------------------------------------------------------------

def gdb_frames(exe, core):
    out = ct.gdb(exe, core, "python\nf = gdb.newest_frame()\nwhile f is not None:\n"
                 "    print('GDBF %x %s' % (f.pc(), f.name()))\n    f = f.older()\nend")
    return [ln.split(" ", 2)[1:] for ln in out.splitlines() if ln.startswith("GDBF ")]


def cxxfilt_symbols(exe):
    """[(start, end, demangled)] of exe's functions: nm, then c++filt."""
    rows = []
    for ln in ct.sh("nm", "-S", "--defined-only", exe).splitlines():
        p = ln.split()
        if len(p) == 4 and p[2] in "tTwW":
            rows.append((int(p[0], 16), int(p[0], 16) + int(p[1], 16), p[3]))
    names = ct.sh("c++filt", *[r[2] for r in rows]).splitlines() if rows else []
    return [(a, b, n) for (a, b, _), n in zip(rows, names)]


def skeleton(short):
    """A regex of the full names a short one may stand for."""
    return "".join(".+" if part == ELL else re.escape(part) for part in re.split("(%s)" % ELL, short))


def t_names(build, cpp):
    if not shutil.which("gdb") or not shutil.which("c++filt"):
        raise Skip("no gdb or c++filt")
    doc, _ = ct.report(build, cpp.core)
    frames = crashed_frames(doc)
    gdbf = gdb_frames(cpp.exe, cpp.core)
    syms = cxxfilt_symbols(cpp.exe)
    # gdb stops at main (backtrace past-main off)
    check_eq([int(f["pc"], 16) for f in frames][:len(gdbf)], [int(pc, 16) for pc, _ in gdbf],
             "the list's pcs to main (gdb's)")
    long_ = 0
    for f, (_, gname) in zip(frames, gdbf):
        full = f["function"]
        if not f["module"] or not f["module"].endswith("/templates"):
            continue
        sym = [n for a, b, n in syms if a <= int(f["module_offset"], 16) < b]
        # gdb's name of a function template has its parameters; a symbol's
        # demangled name has them too, where gdb's has none
        check(full == gname or gname.startswith(full + "(") or
              (sym and full == sym[0] and full.startswith(gname)),
              "JSON name %r: gdb %r, c++filt %r" % (full, gname, sym))
        long_ += len(full) > COLS - 40 and "<" in full
    check(long_ >= 3, "fewer than 3 long template names: %r" % [f["function"] for f in frames])
    _, out, _ = run_pty(build, ["bt", cpp.core, "--thread", cpp.oracle["main_tid"]])
    shown = [NAMED.match(ln) for ln in SGR.sub("", out).splitlines()]
    shown = [m.group(3) for m in shown if m]
    check_eq(len(shown), len(frames), "frames on the terminal")
    shortened = 0
    for s, f in zip(shown, frames):
        full = f["function"]
        if len(full) <= COLS - 40 or "<" not in full:
            check_eq(s, full, "a name that fits")
            continue
        check(ELL in s and len(s) < len(full), "%r not shortened: %r" % (full, s))
        check(re.fullmatch(skeleton(s), full), "%r does not stand for %r" % (s, full))
        check(len(s) <= COLS - 40 or not re.search(r"<[^%s]" % ELL, s),
              "%r: longer than %d with template arguments left" % (s, COLS - 40))
        shortened += 1
    check(shortened >= 3, "fewer than 3 names shortened")
    _, out, _ = run_pty(build, ["bt", cpp.core, "--thread", cpp.oracle["main_tid"], "--full-names"])
    shown = [NAMED.match(ln) for ln in SGR.sub("", out).splitlines()]
    check_eq([m.group(3) for m in shown if m], [f["function"] for f in frames],
             "--full-names on a terminal")
    rc, out, _ = run_pty(build, ["bt", cpp.core, "--json"])
    check(ELL not in out and ESC not in out, "JSON on a terminal shortened or coloured")
    check_eq([f["function"] for f in crashed_frames(ct.json_doc(out, "bt --json on a pty"))],
             [f["function"] for f in frames], "JSON's names on a terminal")


# ---- frame limits -------------------------------------------------------------------

def t_max_frames(build, cpp):
    tid = cpp.oracle["main_tid"]
    doc, _ = ct.report(build, cpp.core, "--max-frames", "0")
    full = [(f["index"], f["pc"]) for f in crashed_frames(doc)]
    gdbf = gdb_frames(cpp.exe, cpp.core)
    check(len(gdbf) >= 8, "a short list from gdb: %r" % gdbf)
    check_eq([int(pc, 16) for _, pc in full[:len(gdbf)]], [int(pc, 16) for pc, _ in gdbf],
             "the full list's pcs to main (gdb's)")
    for args, want in ((["-n", "3"], full[:3]), (["--max-frames", "3"], full[:3]),
                       (["--max-frames", "-3"], full[-3:]), (["-n", "-4"], full[-4:]),
                       (["--max-frames", "-%d" % (len(full) + 5)], full)):
        d, _ = ct.report(build, cpp.core, *args)
        check_eq([(f["index"], f["pc"]) for f in crashed_frames(d)], want, " ".join(args) + " JSON")
        t = ct.coroner(build, "bt", cpp.core, "--thread", tid, *args, ok_codes=(0,)).text
        got = [(int(m.group(1)), "0x" + m.group(2).lstrip("0"))
               for m in map(FRAME.match, t.splitlines()) if m]
        check_eq(got, want, " ".join(args) + " text")
        if args[1].startswith("-") and len(want) < len(full):
            check("(%d inner frames not shown" % (len(full) - len(want)) in t,
                  "no line saying inner frames are not shown:\n" + t)
    for bad in ("-0", "-x", "--", "3x"):
        ct.coroner(build, "bt", cpp.core, "--max-frames", bad, ok_codes=(2,))


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    d = ct.scratch_dir("terminal-")
    missing = os.path.join(d, "no-such-dir")
    try:
        prog = ct.variant("pie")
    except Skip as e:
        rep.skip("terminal", str(e))
        rep.done()
    rep.run("color-auto-on-a-pty", t_color_auto, build, prog, missing)
    rep.run("color-NO_COLOR-never", t_no_color, build, prog)
    rep.run("color-always-and-stderr", t_color_always, build, prog, missing)
    rep.run("regs-crashed-all-none", t_regs, build, prog)
    rep.run("source-lines-sed", t_source, build, prog)
    rep.run("source-dir-moved-file", t_source_dir, build, d)
    rep.run("hostile-names-escaped", t_hostile_names, build, d)
    try:
        exe = ct.build_program("templates.cpp", "templates", ["-g", "-O0"], cc="g++")
        _, core, oracle = ct.crash_program(exe, [], "templates")
        cpp = ct.Program("templates", exe, core, oracle)
    except Skip as e:
        rep.skip("names-shortened", str(e))
        rep.skip("max-frames", str(e))
    else:
        rep.run("names-shortened", t_names, build, cpp)
        rep.run("max-frames", t_max_frames, build, cpp)
    shutil.rmtree(d, True)
    rep.done()


if __name__ == "__main__":
    main()

"""Backtrace helpers for coroner's end-to-end tests (python3 stdlib only).

Builds on coretest.py. The oracles here are independent of coroner:

- eu_stack():  `eu-stack --core CORE -e EXE -n 0 [-i -s]` parsed per TID.
- gdb_frames(): gdb -batch with a small Python script that walks every
  thread's frames and records, per frame, gdb's frame type (normal, inline,
  tail call, signal trampoline), pc, name and source file:line.
- bt_oracle(): the "tid"/"func" lines the bt_* programs write themselves.

Naming rules shared by the comparisons (norm_name):
- symbol versions are dropped: eu-stack prints the ELF symbol, sometimes with
  its version ("__libc_start_main@@GLIBC_2.34"), gdb and coroner do not;
- a C++ parameter list is dropped: coroner and eu-stack demangle symbol names
  ("Thrower<int>::boom(int)"), gdb prints the DWARF name ("Thrower<int>::boom").
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import coretest as ct  # noqa: E402
from coretest import Fail, Skip, check  # noqa: E402,F401

# gdb.Frame.type() values
GDB_NORMAL, GDB_DUMMY, GDB_INLINE, GDB_TAILCALL, GDB_SIGTRAMP = 0, 1, 2, 3, 4


# ---- building ---------------------------------------------------------------

def build(sources, name, flags, cc="gcc", post=None):
    """Compiles tests/programs/SOURCES (a list) into the cache with FLAGS.
    post(exe_tmp, dir) may rewrite the binary (dwz) before it is published.
    Returns the binary's path; skips when the toolchain cannot build it."""
    texts = []
    for s in sources:
        with open(os.path.join(ct.PROGRAMS, s), "rb") as f:
            texts.append(f.read())
    d = os.path.join(ct.cache_dir(), "bin-%s-%s" % (
        name, ct._key(cc, *(list(flags) + list(sources) + texts
                            + [post.__name__ if post else ""]))))
    exe = os.path.join(d, name)
    if os.path.exists(exe):
        return exe
    os.makedirs(d, exist_ok=True)
    tmp = exe + ".tmp"
    cmd = [cc] + list(flags) + ["-o", tmp] + [os.path.join(ct.PROGRAMS, s) for s in sources]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, cwd=d)
    if p.returncode != 0:
        raise Skip("cannot build %s: %s: %s" % (name, " ".join(cmd), p.stdout.strip()[-400:]))
    if post:
        post(tmp, d)
    os.rename(tmp, exe)
    return exe


def crash(exe, args, name):
    """Runs EXE ARGS until it dumps core; returns (core, oracle dict)."""
    _, core, oracle = ct.crash_program(exe, args, name)
    return core, bt_oracle(oracle)


def bt_oracle(path):
    """{"tids": {tid: role}, "main_tid", "funcs": {name: addr}, "depth"}"""
    o = {"tids": {}, "main_tid": None, "funcs": {}, "depth": None}
    done = False
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "tid":
                o["tids"][int(parts[1])] = parts[3]
                if parts[2] == "main":
                    o["main_tid"] = int(parts[1])
            elif parts[0] == "func":
                o["funcs"][parts[1]] = int(parts[2], 16)
            elif parts[0] == "depth":
                o["depth"] = int(parts[1])
            elif parts[0] == "end":
                done = True
    check(done, "oracle %s is incomplete" % path)
    return o


# ---- coroner ------------------------------------------------------------------

def coroner_bt(build_dir, core, exe=None, *extra):
    """`coroner bt CORE --json [--exe EXE] EXTRA` parsed. Returns (doc, {tid: thread})."""
    args = ["bt", core, "--json"]
    if exe:
        args += ["--exe", exe]
    args += list(extra)
    r = ct.coroner(build_dir, *args, ok_codes=(0, 3))
    doc = ct.json_doc(r.text, "bt --json")
    check(isinstance(doc, dict) and isinstance(doc.get("threads"), list),
          "bt --json has no \"threads\" list: %r" % r.text[:300])
    threads = {}
    for t in doc["threads"]:
        check(isinstance(t.get("frames"), list),
              "thread %s has no frames: %s" % (t.get("tid"), t.get("frames_error")))
        for f in t["frames"]:
            f["pcv"] = ct.hexval(f.get("pc"), "frame pc")
        threads[t["tid"]] = t
    return doc, threads


def is_tail(f):
    """A frame coroner put back for a tail call (how "tailcall", [tail])."""
    return f.get("how") == "tailcall"


def physical(frames):
    """The frames the unwinder found: neither inline nor tail-call frames
    (eu-stack shows neither)."""
    return [f for f in frames if not f.get("inline") and not is_tail(f)]


# ---- names --------------------------------------------------------------------

def _strip_params(n):
    """Drops a trailing C++ parameter list "(...)" and cv-qualifiers."""
    n = re.sub(r"\s+(const|volatile|&|&&)$", "", n)
    if not n.endswith(")"):
        return n
    depth = 0
    for i in range(len(n) - 1, -1, -1):
        c = n[i]
        if c == ")":
            depth += 1
        elif c == "(":
            depth -= 1
            if depth == 0:
                # "(anonymous namespace)" is a scope, not a parameter list
                if n[i:].startswith("(anonymous namespace)") and i + 21 == len(n):
                    return n
                return n[:i].rstrip()
    return n


def norm_name(n):
    if n is None:
        return None
    n = re.sub(r"@@?[A-Za-z0-9_.]+$", "", n)
    return _strip_params(n.strip())


def name_ok(mine, *peers):
    """True when coroner's name equals one of the peers' names (normalized).
    Peers that are None (no name) only accept None."""
    m = norm_name(mine)
    return any(m == norm_name(p) for p in peers)


_SYMS = {}


def elf_symbols(path):
    """{name: set(values)} of the defined FUNC/IFUNC/NOTYPE symbols in PATH's
    .symtab and .dynsym, from `readelf -sW` (cached)."""
    if path in _SYMS:
        return _SYMS[path]
    syms = {}
    if path and os.path.exists(path):
        out = ct.run_tool(["readelf", "-sW", path])
        for line in out.splitlines():
            m = re.match(r"^\s*\d+:\s+([0-9a-f]+)\s+\d+\s+(FUNC|IFUNC|NOTYPE)\s+\w+\s+\w+\s+"
                         r"(\d+)\s+(\S+)", line)
            if m:
                name = re.sub(r"@.*$", "", m.group(4))
                syms.setdefault(name, set()).add(int(m.group(1), 16))
    _SYMS[path] = syms
    return syms


def module_files(doc):
    """{module name: [file, debug file]} from bt --json's "modules"."""
    res = {}
    for m in doc.get("modules") or []:
        res.setdefault(m.get("name"), []).extend(
            x for x in (m.get("path"), m.get("debug_file")) if x)
    return res


def aliases(mine, peer, files):
    """True when MINE and PEER are ELF symbols at the same address in one of
    FILES (e.g. __libc_start_main and __libc_start_main_impl in a static
    binary: two GLOBAL names of one function; which one a tool prints is a
    tie-break, and eu-stack and gdb may break it differently than coroner)."""
    if not mine or not peer:
        return False
    a, b = norm_name(mine), norm_name(peer)
    for path in files or ():
        syms = elf_symbols(path)
        if syms.get(a, set()) & syms.get(b, set()):
            return True
    return False


def fmt_frames(frames, inline_mark=True):
    out = []
    for f in frames:
        s = "%#x %s" % (f["pcv"], f.get("function"))
        if inline_mark and f.get("inline"):
            s += " [inline]"
        if is_tail(f):
            s += " [tail]"
        out.append(s)
    return "[" + ", ".join(out) + "]"


# ---- eu-stack -------------------------------------------------------------------

_EU_FRAME = re.compile(r"^#(\d+)\s+0x([0-9a-f]+)(?:\s+(?:- )?(.*?))?\s*$")
_EU_SRC = re.compile(r"^\s{4}(.*?):(\d+)(?::\d+)?\s*$")
_EU_ERR = re.compile(r"tid (\d+)")


def eu_stack(core, exe=None, inlines=False, extra=()):
    """{tid: {"frames": [{"pc", "name", "file", "line", "inline"}], "error": str|None}}.

    With inlines (-i -s) eu-stack prints inline frames before their physical
    frame with the same pc and no marker; a frame whose pc equals the next
    frame's pc is taken as inline."""
    ct.need("eu-stack")
    cmd = ["eu-stack", "--core", core, "-n", "0"]
    if exe:
        cmd += ["-e", exe]
    if inlines:
        cmd += ["-i", "-s"]
    cmd += list(extra)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    res, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^TID (\d+):", line)
        if m:
            cur = res.setdefault(int(m.group(1)), {"frames": [], "error": None})
            continue
        m = _EU_FRAME.match(line)
        if m and cur is not None:
            name = m.group(3) or None
            if name is not None and name.startswith("??"):
                name = None
            cur["frames"].append({"pc": int(m.group(2), 16), "name": name,
                                  "file": None, "line": None, "inline": False})
            continue
        m = _EU_SRC.match(line)
        if m and cur is not None and cur["frames"]:
            cur["frames"][-1]["file"] = m.group(1)
            cur["frames"][-1]["line"] = int(m.group(2))
    for line in err.splitlines():
        m = _EU_ERR.search(line)
        if m and int(m.group(1)) in res:
            res[int(m.group(1))]["error"] = line.strip()
    if inlines:
        for t in res.values():
            fr = t["frames"]
            for i in range(len(fr) - 1):
                if fr[i]["pc"] == fr[i + 1]["pc"]:
                    fr[i]["inline"] = True
    if not res:
        raise Skip("eu-stack printed no threads: %s" % (err.strip()[-300:] or out[-300:]))
    return res, out + err


# ---- gdb -------------------------------------------------------------------------

_GDB_SCRIPT = r'''
import gdb, json
res = []
for inf in gdb.inferiors():
    for th in sorted(inf.threads(), key=lambda t: t.num):
        th.switch()
        frames = []
        err = None
        try:
            f = gdb.newest_frame()
        except gdb.error as e:
            f, err = None, str(e)
        while f is not None and len(frames) < 20000:
            try:
                sal = f.find_sal()
                frames.append({"type": int(f.type()), "pc": f.pc(), "name": f.name(),
                               "file": sal.symtab.filename if sal and sal.symtab else None,
                               "line": sal.line if sal and sal.line else None})
                f = f.older()
            except gdb.error as e:
                err = str(e)
                break
        res.append({"lwp": th.ptid[1], "frames": frames, "error": err})
print("BTJSON" + json.dumps(res) + "BTJSON")
'''


def gdb_frames(exe, core, pre=()):
    """{lwp: {"frames": [{"type", "pc", "name", "file", "line"}], "error"}}.
    Backtraces go past main and the entry point so they end where the stack
    ends, like eu-stack's."""
    ct.need("gdb")
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(_GDB_SCRIPT)
        script = f.name
    try:
        args = ["gdb", "-batch", "-nx", "-iex", "set auto-load off",
                "-iex", "set debuginfod enabled off"]
        for c in pre:
            args += ["-iex", c]
        args += [
                "-ex", "set backtrace past-main on", "-ex", "set backtrace past-entry on",
                "-ex", "set backtrace limit unlimited",
                "-ex", "source " + script]
        args += [exe, core] if exe else ["-c", core]
        out = ct.run_tool(args)
    finally:
        os.unlink(script)
    parts = out.split("BTJSON")
    if len(parts) < 3:
        raise Skip("gdb's Python frame dump failed: %s" % out[-400:])
    res = {}
    for t in json.loads(parts[1]):
        res[t["lwp"]] = t
    return res, out


def gdb_physical(frames):
    """gdb's frames without inline and tail-call frames (gdb and coroner
    put those back from DW_TAG_call_site, e.g. __pthread_kill_internal,
    which tail-calls __pthread_kill_implementation; eu-stack does not)."""
    return [f for f in frames if f["type"] not in (GDB_INLINE, GDB_TAILCALL)]


def gdb_fmt(frames):
    return ["%#x %s%s" % (x["pc"], x["name"], " [inline]" if x["type"] == GDB_INLINE
                          else " [tail]" if x["type"] == GDB_TAILCALL else "") for x in frames]


def base(path):
    return os.path.basename(path) if path else None


# ---- the comparisons ---------------------------------------------------------------

def compare_thread(tid, mine, eu, gdbt, pinned=None, modfiles=None):
    """Checks coroner's frames of one thread against eu-stack and gdb.

    mine: coroner's frames (with inline ones); eu: eu_stack()[tid] (without -i);
    gdbt: gdb_frames()[tid] or None. pinned(i, frame) is called for physical
    frames coroner has beyond eu-stack's list when eu-stack stopped with an
    error; it must raise Fail unless the frame is independently justified.

    1. physical PCs (inline and tail-call frames aside) equal eu-stack's, in
       order;
    2. each physical frame's function is eu-stack's or gdb's name for it;
    3. the whole list (inline and tail-call frames too) has gdb's pcs,
       inline-ness, tail-call-ness (coroner's how "tailcall" = gdb's
       TAILCALL_FRAME) and names; signal_frame is true exactly on the frames
       gdb calls signal trampolines (SIGTRAMP_FRAME, "<signal handler called>"),
       and the frame after one was found from the signal frame (how "signal").
    modfiles (module_files()) lets a physical frame's name be an alias (same
    ELF symbol value) of the peer's name."""
    modfiles = modfiles or {}

    def ok(f, *peers):
        return name_ok(f.get("function"), *peers) or any(
            aliases(f.get("function"), p, modfiles.get(f.get("module"))) for p in peers)

    phys = physical(mine)
    mine_pcs = [f["pcv"] for f in phys]
    eu_frames = eu["frames"] if eu else []
    eu_pcs = [f["pc"] for f in eu_frames]
    hexes = lambda l: "[" + ", ".join("%#x" % x for x in l) + "]"
    if eu is None:
        raise Fail("tid %d: eu-stack shows no such thread" % tid)
    if eu.get("error") and len(mine_pcs) > len(eu_pcs) and mine_pcs[:len(eu_pcs)] == eu_pcs:
        if pinned is None:
            raise Fail("tid %d: coroner has %d physical frames past eu-stack's last (%s), "
                       "which stopped with: %s; nothing independent confirms them: %s"
                       % (tid, len(mine_pcs) - len(eu_pcs), hexes(eu_pcs[-1:]), eu["error"],
                          fmt_frames(phys[len(eu_pcs):])))
        for i in range(len(eu_pcs), len(phys)):
            pinned(i, phys[i])
    elif mine_pcs != eu_pcs:
        n = 0
        while n < min(len(mine_pcs), len(eu_pcs)) and mine_pcs[n] == eu_pcs[n]:
            n += 1
        raise Fail("tid %d: physical frame pcs differ from eu-stack's at #%d: "
                   "coroner %s vs eu-stack %s (eu-stack error: %s)"
                   % (tid, n, fmt_frames(phys[n:n + 4]),
                      "[" + ", ".join("%#x %s" % (f["pc"], f["name"]) for f in eu_frames[n:n + 4]) + "]",
                      eu.get("error")))

    gphys = gdb_physical(gdbt["frames"]) if gdbt else []
    gdb_name_at = {}
    for g in gphys:
        gdb_name_at.setdefault(g["pc"], g["name"])
    for i, f in enumerate(phys[:len(eu_frames)]):
        e = eu_frames[i]
        peers = [e["name"]]
        if f["pcv"] in gdb_name_at:
            peers.append(gdb_name_at[f["pcv"]])
        if not ok(f, *peers):
            raise Fail("tid %d physical frame #%d at %#x: coroner names it %r, "
                       "eu-stack %r, gdb %r" % (tid, i, f["pcv"], f.get("function"),
                                                 e["name"], gdb_name_at.get(f["pcv"], "-")))

    if gdbt is None:
        return
    g = gdbt["frames"]
    eu_name_at = {}
    for e in eu_frames:
        eu_name_at.setdefault(e["pc"], e["name"])
    for i in range(min(len(g), len(mine))):
        f, gf = mine[i], g[i]
        g_inline = gf["type"] == GDB_INLINE
        g_tail = gf["type"] == GDB_TAILCALL
        if (f["pcv"] != gf["pc"] or bool(f.get("inline")) != g_inline
                or is_tail(f) != g_tail):
            raise Fail("tid %d frame #%d (inline and tail frames counted): coroner %#x %s%s, "
                       "gdb %#x %s%s; coroner %s, gdb %s"
                       % (tid, i, f["pcv"], f.get("function"),
                          " [inline]" if f.get("inline") else " [tail]" if is_tail(f) else "",
                          gf["pc"], gf["name"],
                          " [inline]" if g_inline else " [tail]" if g_tail else "",
                          fmt_frames(mine[max(0, i - 1):i + 3]), gdb_fmt(g[max(0, i - 1):i + 3])))
        g_tramp = gf["type"] == GDB_SIGTRAMP
        if bool(f.get("signal_frame")) != g_tramp:
            raise Fail("tid %d frame #%d at %#x %s: signal_frame is %s, but gdb %s it a signal "
                       "trampoline (\"<signal handler called>\")"
                       % (tid, i, f["pcv"], f.get("function"), bool(f.get("signal_frame")),
                          "calls" if g_tramp else "does not call"))
        if i > 0 and g[i - 1]["type"] == GDB_SIGTRAMP and f.get("how") != "signal":
            raise Fail("tid %d frame #%d at %#x %s: the caller of the signal trampoline should "
                       "be restored from the signal frame (how \"signal\"), got %r"
                       % (tid, i, f["pcv"], f.get("function"), f.get("how")))
        peers = [gf["name"]]
        if not g_inline and not g_tail and f["pcv"] in eu_name_at:
            peers.append(eu_name_at[f["pcv"]])
        if not (name_ok(f.get("function"), *peers) or (not g_inline and ok(f, *peers))):
            raise Fail("tid %d frame #%d at %#x%s: coroner names it %r, gdb %r%s"
                       % (tid, i, f["pcv"], " (inline)" if g_inline else "", f.get("function"),
                          gf["name"], "" if g_inline else ", eu-stack %r" % eu_name_at.get(f["pcv"])))
    if len(g) > len(mine):
        raise Fail("tid %d: gdb has %d frames past coroner's last: %s"
                   % (tid, len(g) - len(mine),
                      ["%#x %s" % (x["pc"], x["name"]) for x in g[len(mine):len(mine) + 4]]))

#!/usr/bin/env python3
"""End-to-end arguments and locals (issue 14): `coroner bt --full`.

tests/programs/vars.c (integers of each size, char, bool, float, double,
enums plain and flag, pointers, a string, a function pointer, structs
nested and with bit fields, a union, arrays 1-D, 2-D, of chars and of
repeated zeros, typedefs, const) crashes in fleaf <- leaf <- middle <- outer <- main
(fleaf's double argument in xmm0 at -O2);
it is built -O0, -O2 and -O2 -gdwarf-4 (.debug_loc instead of
.debug_loclists, DW_OP_GNU_entry_value) and crashed into a kernel core.

The oracle is gdb on the same core: `frame N`, `info args`, `info locals`
for the program's four frames, value by value (name -> text). For each of
gdb's values coroner's JSON must have the same name, in args or locals as
gdb says, and:
- where gdb prints <optimized out>, coroner must print no value (it says
  <optimized out> too, optimized_out true);
- where gdb prints a value, coroner prints the same text.
The figure (values matched of gdb's) is printed per build and must be all
of them. At -O0 the program's own record (vars.txt, written before the
crash) is a second oracle for the scalars. Also: the JSON keys of a
variable, "raw" of integers against the recorded numbers, the text output
(`name = value` under the frame), and --print-limit cutting the string.

Usage: python3 tests/e2e/test_vars.py BUILD_DIR
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Skip, check, check_eq  # noqa: E402

FUNCS = ["fleaf", "leaf", "middle", "outer", "main"]
# name -> (program, compiler, flags, the frames gdb and coroner show)
CASES = {
    "O0": ("vars.c", "gcc", ["-g", "-O0"], FUNCS),
    "O2": ("vars.c", "gcc", ["-g", "-O2"], FUNCS),
    "O2-dwarf4": ("vars.c", "gcc", ["-gdwarf-4", "-O2"], FUNCS),
    # typed DWARF operations: floats in xmm registers and their entry values
    # through the callers' call sites (DW_OP_regval_type, const_type)
    "typed-O2": ("vars_typed.c", "gcc", ["-g", "-O2"], ["tleaf", "tmid"]),
    # C++ inline frames: each with its own parameters (implicit pointers)
    "inline-cpp": ("bt_inline.cpp", "g++", ["-g", "-O2"],
                   ["Box<int>::poke", "Walker<0>::step", "Walker<1>::step", "Walker<2>::step",
                    "Walker<3>::step", "run", "main"]),
}
_VAR = re.compile(r"^([A-Za-z_]\w*) = (.*)$")
_FRAME = re.compile(r"^#(\d+)\s+(?:0x[0-9a-f]+ in )?(\S+) \(")


def crashed(name):
    src, cc, flags, _ = CASES[name]
    exe = ct.build_program(src, "vars-" + name, flags, cc=cc)
    d, core, _ = ct.crash_program(exe, [], "vars-" + name)
    return exe, d, core


def gdb_vars(exe, core, funcs):
    """[(function, {"args": {name: text}, "locals": {name: text}})] of the
    program's frames, from gdb's `info args` / `info locals`."""
    cmds = []
    for n in range(len(funcs)):
        cmds += ["frame %d" % n, "echo @@args\\n", "info args", "echo @@locals\\n",
                 "info locals"]
    out = ct.gdb(exe, core, *cmds)
    frames, cur, part = {}, None, None
    for line in out.splitlines():
        m = _FRAME.match(line)
        if m:
            # frame 0 is shown on loading the core and again by `frame 0`
            n = int(m.group(1))
            cur = frames.setdefault(n, (m.group(2), {"args": {}, "locals": {}}))[1]
            part = None
            continue
        if line in ("@@args", "@@locals"):
            part = line[2:]
            continue
        m = _VAR.match(line)
        if m and cur is not None and part:
            cur[part][m.group(1)] = m.group(2)
    check(sorted(frames) == list(range(len(funcs))), "gdb showed frames %s, not 0-%d:\n%s"
          % (sorted(frames), len(funcs) - 1, out[-1500:]))
    frames = [frames[n] for n in sorted(frames)]
    for (fn, _), want in zip(frames, funcs):
        check(fn == want, "gdb's frame is %s, not %s" % (fn, want))
    return frames


def coroner_vars(build, core, *extra):
    r = ct.coroner(build, "bt", core, "--full", "--json", *extra, ok_codes=(0, 3))
    doc = json.loads(r.text)
    th = [t for t in doc["threads"] if t["crashed"]]
    check(th, "no crashed thread")
    return th[0]["frames"], r


def short(fn):
    """A function's name without parameters or gcc's clone suffix."""
    if not fn:
        return fn
    fn = re.sub(r"\(.*\)$", "", fn)
    return re.sub(r"\.(constprop|isra|part|cold)\.?\d*.*$", "", fn)


def compare(build, name):
    exe, d, core = crashed(name)
    funcs = CASES[name][3]
    want = gdb_vars(exe, core, funcs)
    got, _ = coroner_vars(build, core)
    check(len(got) >= len(funcs), "coroner has %d frames" % len(got))
    total = matched = 0
    bad = []
    for k, (fn, parts) in enumerate(want):
        f = got[k]
        check_eq(short(f["function"]), fn, "frame %d function" % k)
        for part in ("args", "locals"):
            have = {v["name"]: v for v in f[part]}
            for var, text in parts[part].items():
                total += 1
                v = have.get(var)
                if v is None:
                    bad.append("%s: %s %s missing" % (fn, part, var))
                    continue
                if text == "<optimized out>":
                    if v["optimized_out"] and v["value"] == "<optimized out>":
                        matched += 1
                    else:
                        bad.append("%s: %s is <optimized out> for gdb, coroner says %r"
                                   % (fn, var, v["value"]))
                elif v["value"] == text:
                    matched += 1
                else:
                    bad.append("%s: %s = %r for gdb, coroner says %r" % (fn, var, text, v["value"]))
    print("# %s: coroner matches %d of gdb's %d values" % (name, matched, total), flush=True)
    check(total >= min(20, len(funcs) + 5), "gdb showed only %d values" % total)
    check(not bad, "\n".join(bad))
    return d, got


# Entry values gdb shows from a guess: leaf's DW_AT_call_value for fleaf's
# x is DW_OP_regval_type xmm0, leaf's xmm0 at the call, a caller-saved
# register gdb takes from the frame below it; coroner says it is unknown.
GDB_GUESSES = {("O2", "fleaf", "x"), ("O2-dwarf4", "fleaf", "x")}
_BT_LINE = re.compile(r"^#(\d+)\s+(?:0x[0-9a-f]+ in )?\S+ \((.*)\) at ")


def entry_check(name, frame, fn, line, args, bad):
    """gdb's frame line (print entry-values default) against coroner's
    args: x=x@entry=V when both are known and equal, x=V, x@entry=E when
    they differ, no @entry when the entry value is unknown. Returns how
    many entry values gdb showed."""
    shown = 0
    for v in args:
        n = re.escape(v["name"])
        ev = v.get("entry_value")
        where = "%s frame %d %s: %s" % (name, frame, fn, v["name"])
        if (name, fn, v["name"]) in GDB_GUESSES:
            if ev is not None:
                bad.append("%s: an entry value from a caller-saved register: %r" % (where, ev))
            continue
        if re.search(r"(?:^|, )%s=%s@entry=" % (n, n), line):
            shown += 1
            if ev is None or ev != v["value"]:
                bad.append("%s: gdb %s=%s@entry=, coroner entry %r value %r"
                           % (where, v["name"], v["name"], ev, v["value"]))
            continue
        m = re.search(r"(?:^|, )%s@entry=([^,()]*)" % n, line)
        if m:
            shown += 1
            if ev is None or ev == v["value"]:
                bad.append("%s: gdb shows %s@entry apart, coroner entry %r value %r"
                           % (where, v["name"], ev, v["value"]))
            elif m.group(1) != "..." and ev != m.group(1):
                bad.append("%s: gdb @entry=%r, coroner %r" % (where, m.group(1), ev))
        elif ev is not None:
            bad.append("%s: no @entry for gdb, coroner %r" % (where, ev))
    return shown


def test_entry(build, name):
    """Entry values as gdb's bt shows them (x=x@entry=5, x@entry=5) against
    coroner's entry_value and the text's `x = x@entry = 5`."""
    exe, d, core = crashed(name)
    funcs = CASES[name][3]
    out = ct.gdb(exe, core, "bt")
    lines = {}
    for line in out.splitlines():
        m = _BT_LINE.match(line)
        if m:
            lines[int(m.group(1))] = m.group(2)
    got, _ = coroner_vars(build, core)
    bad, shown = [], 0
    for k in range(len(funcs)):
        check(k in lines, "gdb's bt has no frame %d:\n%s" % (k, out[-1500:]))
        shown += entry_check(name, k, funcs[k], lines[k], got[k]["args"], bad)
    print("# %s: %d entry values as gdb's bt shows them" % (name, shown), flush=True)
    check(not bad, "\n".join(bad))
    if name == "typed-O2":
        check(shown >= 4, "gdb showed %d entry values" % shown)
        text = ct.coroner(build, "bt", core, "--full", ok_codes=(0, 3)).text
        check("        n = n@entry = 294\n" in text, text[:1500])


_THREAD = re.compile(r"^Thread \d+ \(.*LWP (\d+)\)\)?:")


def gdb_all_threads(exe, core):
    """{(tid, frame): {"args": {...}, "locals": {...}}} from gdb's
    `thread apply all frame apply all info args` and `... info locals`."""
    out = ct.gdb(exe, core, "thread apply all frame apply all info args", "echo @@locals\\n",
                 "thread apply all frame apply all info locals")
    res, tid, frame, part = {}, None, None, "args"
    for line in out.splitlines():
        if line == "@@locals":
            part, tid, frame = "locals", None, None
            continue
        m = _THREAD.match(line)
        if m:
            tid, frame = int(m.group(1)), None
            continue
        m = _FRAME.match(line)
        if m and tid is not None:
            frame = int(m.group(1))
            res.setdefault((tid, frame), {"fn": m.group(2), "args": {}, "locals": {}})
            continue
        m = _VAR.match(line)
        if m and frame is not None:
            res[(tid, frame)][part][m.group(1)] = m.group(2)
    return res


def gdb_normal(text):
    """gdb's value text without what its host charset adds: a string cut in
    the middle of what UTF-8 would read as a multibyte character ends in
    `", <incomplete sequence \\371>`; coroner writes the byte as any other."""
    return re.sub(r'", <incomplete sequence ((?:\\\d{3})+)>', r'\1"', text)


def test_threads(build):
    """Every thread of crashme (4 parked in pause(), libc's frames with
    libc6-dbg's DWARF): every value of gdb's info args / info locals in
    every frame gdb shows."""
    prog = ct.variant("pie")
    want = gdb_all_threads(prog.exe, prog.core)
    check(len({t for t, _ in want}) >= 5, "gdb showed %d threads" % len({t for t, _ in want}))
    r = ct.coroner(build, "bt", prog.core, "--full", "--json", ok_codes=(0, 3))
    doc = json.loads(r.text)
    frames = {(t["tid"], f["index"]): f for t in doc["threads"] for f in t.get("frames", [])}
    total = matched = 0
    bad = []
    for key, parts in sorted(want.items()):
        f = frames.get(key)
        check(f is not None, "coroner has no frame %s" % (key,))
        check_eq(short(f["function"]), short(parts["fn"]), "function of frame %s" % (key,))
        for part in ("args", "locals"):
            have = {v["name"]: v for v in f[part]}
            for var, text in parts[part].items():
                total += 1
                v = have.get(var)
                text = gdb_normal(text)
                if v and (v["value"] == text or
                          (text == "<optimized out>" and v["optimized_out"])):
                    matched += 1
                else:
                    bad.append("thread %d frame %d %s: %s = %r for gdb, coroner %r"
                               % (key[0], key[1], parts["fn"], var, text, v and v["value"]))
    print("# threads: coroner matches %d of gdb's %d values in %d frames"
          % (matched, total, len(want)), flush=True)
    check(total >= 20, "gdb showed only %d values" % total)
    check(not bad, "\n".join(bad[:20]))


def test_entry_threads(build):
    """Entry values in every frame of every thread of crashme (libc's frames
    too) as gdb's `thread apply all bt` shows them."""
    prog = ct.variant("pie")
    out = ct.gdb(prog.exe, prog.core, "thread apply all bt")
    lines, tid = {}, None
    for line in out.splitlines():
        m = _THREAD.match(line)
        if m:
            tid = int(m.group(1))
            continue
        m = _BT_LINE.match(line)
        if m and tid is not None:
            lines[(tid, int(m.group(1)))] = m.group(2)
    doc = json.loads(ct.coroner(build, "bt", prog.core, "--full", "--json", ok_codes=(0, 3)).text)
    frames = {(t["tid"], f["index"]): f for t in doc["threads"] for f in t.get("frames", [])}
    bad, shown = [], 0
    check(len(lines) >= 10, "gdb's bt showed %d frames with arguments" % len(lines))
    for key, line in sorted(lines.items()):
        f = frames.get(key)
        check(f is not None, "coroner has no frame %s" % (key,))
        shown += entry_check("threads", key[1], short(f["function"]), line, f["args"], bad)
    print("# threads: %d entry values as gdb's bt shows them in %d frames" % (shown, len(lines)),
          flush=True)
    check(not bad, "\n".join(bad[:20]))


_PRINT = re.compile(r"^\$\d+ = (.*)$")


def test_tls(build):
    """The executable's __thread variables (int, long, a char array) in
    every thread, each of which set its own: coroner print --thread =
    gdb's `thread apply all print` (libthread_db) on the same core."""
    exe = ct.build_program("vars_tls.c", "vars-tls", ["-g", "-O2", "-pthread"])
    d, core, _ = ct.crash_program(exe, [], "vars-tls")
    names = ["tv", "tl", "tbuf"]
    cmds = []
    for n in names:
        cmds += ["echo @@%s\\n" % n, "thread apply all print %s" % n]
    out = ct.gdb(exe, core, *cmds)
    want, tid, cur = {}, None, None
    for line in out.splitlines():
        if line.startswith("@@"):
            cur, tid = want.setdefault(line[2:], {}), None
            continue
        m = _THREAD.match(line)
        if m:
            tid = int(m.group(1))
            continue
        m = _PRINT.match(line)
        if m and tid is not None and cur is not None:
            cur[tid] = m.group(1)
    check(len(want.get("tbuf", {})) == 5, "gdb printed %s:\n%s" % (want, out[-1500:]))
    check(len(set(want["tv"].values())) == 5, "the threads' tv are not their own: %s" % want["tv"])
    for name, per in sorted(want.items()):
        for t, text in sorted(per.items()):
            r = ct.coroner(build, "print", core, name, "--thread", t)
            check_eq(r.text.strip(), text, "print %s --thread %d" % (name, t))
    print("# tls: %d values = gdb's" % sum(len(v) for v in want.values()), flush=True)


def recorded(d):
    rec = {}
    with open(os.path.join(d, "vars.txt")) as f:
        for line in f:
            fn, var, val = line.rstrip("\n").split(" ", 2)
            rec[(fn, var)] = val
    return rec


def test_recorded(build):
    """-O0: every scalar the program recorded is what coroner prints."""
    _, d, core = crashed("O0")
    got, _ = coroner_vars(build, core)
    byfn = {short(f["function"]): f for f in got}
    rec = recorded(d)
    check(len(rec) >= 20, "the program recorded %d values" % len(rec))
    for (fn, var), val in rec.items():
        f = byfn.get(fn)
        check(f is not None, "no frame %s" % fn)
        vs = {v["name"]: v for v in f["args"] + f["locals"]}
        if "." in var:  # num.i: a member of the union
            base, member = var.split(".")
            check(("%s = %s" % (member, val)) in vs[base]["value"],
                  "%s: %s has no %s = %s: %r" % (fn, base, member, val, vs[base]["value"]))
            continue
        check(var in vs, "%s: no variable %s" % (fn, var))
        if var == "msg":
            check(vs[var]["value"].endswith(" " + val), "%s: %s = %r, recorded %s"
                  % (fn, var, vs[var]["value"], val))
        else:
            text = vs[var]["value"]
            if re.fullmatch(r"-?\d+", val):  # int8_t, uint8_t: chars for gdb too
                text = re.sub(r" '.*'$", "", text)
            check_eq(text, val, "%s: %s" % (fn, var))
        if re.fullmatch(r"-?\d+", val):
            check_eq(vs[var].get("raw"), int(val), "%s: %s raw" % (fn, var))


def test_json_keys(build):
    _, _, core = crashed("O0")
    got, _ = coroner_vars(build, core)
    leaf = got[1]
    check(leaf["args"] and leaf["locals"], "leaf has args and locals")
    for v in leaf["args"] + leaf["locals"]:
        for k in ("name", "type", "value", "location", "optimized_out"):
            check(k in v, "variable %s has no %r" % (v.get("name"), k))
    types = {v["name"]: v["type"] for v in leaf["args"]}
    check_eq(types.get("msg"), "const char *", "type of msg")
    check_eq(types.get("target"), "int *", "type of target")


def test_text(build):
    _, _, core = crashed("O0")
    r = ct.coroner(build, "bt", core, "--full", ok_codes=(0, 3))
    lines = r.text.splitlines()
    i = next((k for k, l in enumerate(lines) if " leaf+" in l), None)
    check(i is not None, "no leaf frame:\n" + r.text[:800])
    check_eq(lines[i + 1].strip(), "depth = 11", "the first line under leaf")
    plain = ct.coroner(build, "bt", core, ok_codes=(0, 3))
    check("depth = " not in plain.text, "bt without --full prints variables")
    rep = ct.coroner(build, "report", core, "--full", ok_codes=(0, 3))
    check("        depth = 11\n" in rep.text, "report --full has no leaf arguments")


def test_print_limit(build):
    _, _, core = crashed("O0")
    got, _ = coroner_vars(build, core, "--print-limit", "3")
    msg = [v for v in got[1]["args"] if v["name"] == "msg"][0]
    check(msg["value"].endswith('"hel"...'), "--print-limit 3: %r" % msg["value"])


def test_empty_elements(build):
    """200^5 elements of no size: printed at once as runs, not element by
    element (it hung, growing past 1.5 GB), with the value the program
    recorded."""
    exe = ct.build_program("vars_empty.c", "vars-empty", ["-g", "-O0"])
    d, core, oracle = ct.crash_program(exe, [], "vars-empty")
    with open(oracle) as f:
        a = int(f.read().split("=")[1])
    r = ct.coroner(build, "bt", "--full", core, timeout=30, ok_codes=(0, 3))
    line = [ln for ln in r.text.splitlines() if ln.strip().startswith("s = ")]
    check(line, "no s in crash's frame: %r" % r.text[:600])
    check(line[0].strip().startswith("s = {a = %d, x = {" % a), "s: %r" % line[0][:200])
    check("<repeats 200 times>" in line[0] and len(r.text) < 65536,
          "the empty elements as runs, the output bounded: %d bytes" % len(r.text))


# (frame, expression) for `coroner print` against gdb's `print`
PRINTS = [(0, "x"), (1, "depth"), (1, "msg"), (1, "*msg"), (1, "msg[1]"),
          (1, "global_counter"), (1, "global_name"), (1, "global_list[0].next->value"),
          (1, "global_list[1]"), (2, "os->in.tag"), (2, "os->level"), (2, "*os"), (2, "grid"),
          (2, "zeros[3]"), (2, "os->in"), (2, "num.bytes[3]"), (2, "fn"), (2, "pt.y"),
          (3, "os.in.s"), (3, "d"), (4, "argc")]
_PRINTED = re.compile(r"^\$(\d+) = (.*)$")


def test_print(build, name):
    exe, _, core = crashed(name)
    cmds = []
    for frame, expr in PRINTS:
        cmds += ["frame %d" % frame, "print %s" % expr]
    out = ct.gdb(exe, core, *cmds)
    want = {}
    for line in out.splitlines():
        m = _PRINTED.match(line)
        if m:
            want[int(m.group(1))] = m.group(2)
    check(len(want) >= len(PRINTS) // 2, "gdb printed %d values:\n%s" % (len(want), out[-800:]))
    total = 0
    for k, (frame, expr) in enumerate(PRINTS):
        if k + 1 not in want:
            continue
        total += 1
        r = ct.coroner(build, "print", core, expr, "--frame", frame, ok_codes=(0, 1, 3))
        text = r.text.strip()
        # gdb: "(int *) 0x..." for a pointer it prints alone; coroner: the value
        w = re.sub(r"^\([^()]*(\(\*\)\([^()]*\))?[^()]*\) ", "", want[k + 1])
        if w == "<optimized out>":
            check(text == w, "print %s (frame %d): gdb %r, coroner %r" % (expr, frame, w, text))
        else:
            check_eq(text, w, "print %s in frame %d" % (expr, frame))
    print("# %s: print matches gdb on %d expressions" % (name, total), flush=True)
    r = ct.coroner(build, "print", core, "msg", "--frame", 1, "--json", ok_codes=(0, 3))
    doc = json.loads(r.text)  # coroner() checked it against the schema
    check_eq(doc["expression"], "msg", "print --json expression")
    check_eq(doc["type"], "const char *", "print --json type")
    check(doc["value"].endswith('"hello"'), "print --json value %r" % doc["value"])
    r = ct.coroner(build, "print", core, "nosuch", ok_codes=(1,))
    check('No symbol "nosuch" in current context.' in r.err, r.err)
    r = ct.coroner(build, "print", core, "depth.x", "--frame", 1, ok_codes=(1,))
    check("not a structure" in r.err, r.err)


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    if not ct.shutil.which("gdb"):
        for n in list(CASES) + ["recorded", "threads", "json-keys", "text", "print-limit", "print-O0",
                                "print-O2", "entry-O2", "entry-O2-dwarf4", "entry-typed-O2",
                                "entry-inline-cpp", "entry-threads", "tls"]:
            rep.skip("vars-" + n, "no gdb")
        rep.done()
        return
    for name in CASES:
        rep.run("vars-%s" % name, compare, build, name)
    rep.run("vars-recorded", test_recorded, build)
    rep.run("vars-threads", test_threads, build)
    rep.run("vars-json-keys", test_json_keys, build)
    rep.run("vars-text", test_text, build)
    rep.run("vars-print-limit", test_print_limit, build)
    for name in ("O0", "O2"):
        rep.run("vars-print-%s" % name, test_print, build, name)
    for name in ("O2", "O2-dwarf4", "typed-O2", "inline-cpp"):
        rep.run("vars-entry-%s" % name, test_entry, build, name)
    rep.run("vars-entry-threads", test_entry_threads, build)
    rep.run("vars-tls", test_tls, build)
    rep.run("vars-empty-elements", test_empty_elements, build)
    rep.done()


if __name__ == "__main__":
    main()

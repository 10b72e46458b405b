#!/usr/bin/env python3
"""End-to-end inline frames (issue 5): `coroner bt --json` on cores of -O2
programs that crash (or block) inside inlined code, against gdb and
`eu-stack -i -s`:

- bt_inline.c: static inline helpers (wait_pipe, nap in blocked threads), an
  always_inline chain level_a -> level_b -> level_c -> hdr_store, the last from
  a header (bt_inline.h);
- bt_inline.cpp: inlined C++ templates Walker<3..0>::step -> Box<int>::poke;
- bt_lto_main.c + bt_lto_lib.c with -flto: lib_outer/lib_inner from another
  file inlined into main_driver;
- bt_inline.c twice, processed by dwz -m (a common .gnu_debugaltlink file),
  and once by plain dwz, when /usr/bin/dwz exists.

For every thread the full frame list (inline and tail-call frames included)
must equal gdb's (Python frame walk) in pc, inline-ness, tail-call-ness,
function name (C++ parameter lists and symbol versions aside) and file
basename:line; and, tail-call frames aside (eu-stack does not make them),
eu-stack -i -s's in pc, inline-ness, name and file basename:line. A
frame without a name in DWARF takes eu-stack's symtab name or gdb's as in
test_backtrace.py. The crash path of each program (its function names, the
physical frame's start recorded by the program) is checked too, and
--no-inline must leave exactly the physical (and tail-call) frames, with the same pcs and
names and the physical frame's own file:line (that of the outermost inline
call site, as gdb shows for the physical frame).

Usage: python3 tests/e2e/test_inline.py BUILD_DIR
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import bttest as bt  # noqa: E402
import coretest as ct  # noqa: E402
from coretest import Fail, Skip, check, check_eq  # noqa: E402

O2 = ["-g", "-O2", "-pthread"]


def desc(f):
    return "%#x %s%s %s:%s" % (f["pcv"], f.get("function"), " [inline]" if f.get("inline") else
                               " [tail]" if bt.is_tail(f) else "", bt.base(f.get("file")), f.get("line"))


def gdesc(g):
    return "%#x %s%s %s:%s" % (g["pc"], g["name"], " [inline]" if g["type"] == bt.GDB_INLINE else
                               " [tail]" if g["type"] == bt.GDB_TAILCALL else "",
                               bt.base(g["file"]), g["line"])


def edesc(e):
    return "%#x %s%s %s:%s" % (e["pc"], e["name"], " [inline]" if e["inline"] else "",
                               bt.base(e["file"]), e["line"])


def compare_full(tid, mine, gdbt, eut, modfiles, eu_inline=True):
    """Every frame, inline frames included, against gdb and eu-stack -i -s.

    Deliberate differences:
    - a frame gdb and coroner give no source for (_start: crt1.o has no DWARF)
      gets a line from eu-stack -s anyway, the last row of main's CU (elfutils
      0.188 takes the nearest line row below the pc); gdb is followed there.
    - eu_inline=False (LTO): eu-stack 0.188 shows no inline frames at all for
      the -flto binary (it does not follow the cross-CU DW_AT_abstract_origin
      that LTO's DWARF uses); gdb does. eu-stack is then checked on the
      physical frames' pcs only.
    - tail-call frames (how "tailcall") are compared with gdb's
      (TAILCALL_FRAME: pc, name, file:line); eu-stack shows none, so they are
      left out of the comparison with eu-stack."""
    g = gdbt["frames"] if gdbt else None
    check(g is not None, "tid %d: gdb shows no such thread" % tid)
    check(eut is not None, "tid %d: eu-stack shows no such thread" % tid)
    e = eut["frames"]
    if not eu_inline:
        check_eq([f["pcv"] for f in bt.physical(mine)], [x["pc"] for x in e],
                 "tid %d: physical pcs vs eu-stack's" % tid)
        e = [dict(x, inline=(f.get("inline")), name=f.get("function"),
                  file=f.get("file"), line=f.get("line")) for f in mine if not bt.is_tail(f)
             for x in [next(y for y in e if y["pc"] == f["pcv"])]]
    # eu-stack's frames aligned with coroner's: None at coroner's tail frames
    it = iter(e)
    e = [None if bt.is_tail(f) else next(it, None) for f in mine] + list(it)
    ctx = lambda i: ("\n  coroner: %s\n  gdb:     %s\n  eu-stack: %s"
                     % ([desc(f) for f in mine[max(0, i - 1):i + 3]],
                        [gdesc(x) for x in g[max(0, i - 1):i + 3]],
                        [edesc(x) for x in e[max(0, i - 1):i + 3] if x]))
    for i, f in enumerate(mine):
        check(i < len(g), "tid %d: coroner has %d frames, gdb %d; coroner's extra: %s"
              % (tid, len(mine), len(g), [desc(x) for x in mine[len(g):len(g) + 4]]))
        check(i < len(e) and (e[i] or bt.is_tail(f)),
              "tid %d: coroner has %d frames, eu-stack -i fewer; coroner's extra: %s"
              % (tid, len(mine), [desc(x) for x in mine[i:i + 4]]))
        gf, ef = g[i], e[i]
        inl = bool(f.get("inline"))
        check(f["pcv"] == gf["pc"] and inl == (gf["type"] == bt.GDB_INLINE) and
              bt.is_tail(f) == (gf["type"] == bt.GDB_TAILCALL),
              "tid %d frame #%d: pc/inline/tail differ from gdb's%s" % (tid, i, ctx(i)))
        if ef is None:
            # a tail-call frame: gdb's alone
            ef = {"name": gf["name"], "file": None, "line": None}
        else:
            check(f["pcv"] == ef["pc"] and inl == ef["inline"],
                  "tid %d frame #%d: pc/inline differ from eu-stack -i's%s" % (tid, i, ctx(i)))
        peers = [gf["name"], ef["name"]]
        files = modfiles.get(f.get("module"))
        check(bt.name_ok(f.get("function"), *peers) or
              (not inl and any(bt.aliases(f.get("function"), p, files) for p in peers)),
              "tid %d frame #%d: name %r is neither gdb's %r nor eu-stack's %r%s"
              % (tid, i, f.get("function"), gf["name"], ef["name"], ctx(i)))
        if gf["file"] or f.get("file"):
            check((bt.base(f.get("file")), f.get("line")) == (bt.base(gf["file"]), gf["line"]),
                  "tid %d frame #%d (%s): file:line %s:%s, gdb %s:%s%s"
                  % (tid, i, f.get("function"), bt.base(f.get("file")), f.get("line"),
                     bt.base(gf["file"]), gf["line"], ctx(i)))
        if (not bt.is_tail(f) and (ef["file"] or f.get("file")) and
                not (gf["file"] is None and f.get("file") is None)):
            check((bt.base(f.get("file")), f.get("line")) == (bt.base(ef["file"]), ef["line"]),
                  "tid %d frame #%d (%s): file:line %s:%s, eu-stack -i -s %s:%s%s"
                  % (tid, i, f.get("function"), bt.base(f.get("file")), f.get("line"),
                     bt.base(ef["file"]), ef["line"], ctx(i)))
    check(len(g) == len(mine), "tid %d: gdb has %d more frames: %s"
          % (tid, len(g) - len(mine), [gdesc(x) for x in g[len(mine):len(mine) + 4]]))
    check(len(e) == len(mine), "tid %d: eu-stack -i has %d more frames: %s"
          % (tid, len(e) - len(mine), [edesc(x) for x in e[len(mine):len(mine) + 4]]))


def check_chain(tid, frames, chain, funcs):
    """CHAIN (innermost first) are consecutive frames sharing one pc, all but
    the last inline, the last physical and starting where the program says."""
    names = [bt.norm_name(f.get("function")) for f in frames]
    check(chain[0] in names, "tid %d: no frame %s in %s" % (tid, chain[0], [desc(f) for f in frames]))
    i = names.index(chain[0])
    got = names[i:i + len(chain)]
    check(got == chain, "tid %d: expected the chain %s, got %s" % (tid, chain, [desc(f) for f in frames[i:i + len(chain)]]))
    seg = frames[i:i + len(chain)]
    check(all(f.get("inline") for f in seg[:-1]) and not seg[-1].get("inline"),
          "tid %d: %s should be inline frames of the physical %s: %s"
          % (tid, chain[:-1], chain[-1], [desc(f) for f in seg]))
    check(len({f["pcv"] for f in seg}) == 1, "tid %d: the inline chain has several pcs: %s"
          % (tid, [desc(f) for f in seg]))
    phys = seg[-1]
    if chain[-1] in funcs:
        check_eq(phys["pcv"] - (phys.get("offset") or 0), funcs[chain[-1]],
                 "tid %d: start of %s (recorded by the program)" % (tid, chain[-1]))


def no_inline(build, core, exe, full):
    """--no-inline: exactly the physical and tail-call frames, same pcs,
    names, file:line (a tail-call frame: the same pc; its name is the
    function's, not the innermost inline scope's as in the full list)."""
    _, mine = bt.coroner_bt(build, core, exe, "--no-inline")
    key = lambda f: ((f["pcv"], "tail") if bt.is_tail(f) else
                     (f["pcv"], f.get("function"), bt.base(f.get("file")), f.get("line")))
    for tid, t in full.items():
        want = [f for f in t["frames"] if not f.get("inline")]
        got = mine[tid]["frames"]
        check(not any(f.get("inline") for f in got),
              "tid %d: --no-inline still has inline frames: %s" % (tid, [desc(f) for f in got]))
        check_eq([key(f) for f in got], [key(f) for f in want],
                 "tid %d: --no-inline frames vs the physical frames of the full list" % tid)


def run_case(build, exe, args, name, chains, need_inline=True, eu_inline=True):
    core, oracle = bt.crash(exe, args, name)
    doc, mine = bt.coroner_bt(build, core, exe)
    check_eq(set(mine), set(oracle["tids"]), "thread ids vs the program's oracle")
    gd, _ = bt.gdb_frames(exe, core)
    eu, _ = bt.eu_stack(core, exe, inlines=eu_inline)
    if need_inline and not any(f["type"] == bt.GDB_INLINE for t in gd.values() for f in t["frames"]
                               if t["lwp"] == oracle["main_tid"]):
        raise Skip("the compiler inlined nothing in the crash path (gdb shows no inline frame)")
    modfiles = bt.module_files(doc)
    for tid in sorted(mine):
        compare_full(tid, mine[tid]["frames"], gd.get(tid), eu.get(tid), modfiles, eu_inline)
    for role, chain in chains:
        tid = [t for t, r in oracle["tids"].items() if r == role][0]
        check_chain(tid, mine[tid]["frames"], chain, oracle["funcs"])
    no_inline(build, core, exe, mine)


C_CHAINS = [("main", ["hdr_store", "level_c", "level_b", "level_a", "driver"]),
            ("read", ["wait_pipe", "waiter"]),
            ("sleep", ["nap", "sleeper"])]


def c_inline(build):
    exe = bt.build(["bt_inline.c"], "bt_inline", O2)
    run_case(build, exe, [], "inline-c", C_CHAINS)


def cxx_templates(build):
    exe = bt.build(["bt_inline.cpp"], "bt_inline_cxx", ["-g", "-O2"], cc="g++")
    run_case(build, exe, [], "inline-cxx",
             [("main", ["Box<int>::poke", "Walker<0>::step", "Walker<1>::step", "Walker<2>::step",
                        "Walker<3>::step", "run"])])


def lto(build):
    exe = bt.build(["bt_lto_main.c", "bt_lto_lib.c"], "bt_lto", ["-g", "-O2", "-flto"])
    run_case(build, exe, [], "inline-lto", [("main", ["lib_inner", "lib_outer", "main_driver"])],
             eu_inline=False)


def _dwz_one(tmp, d):
    p = subprocess.run(["dwz", tmp], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    if p.returncode != 0:
        raise Skip("dwz %s failed: %s" % (os.path.basename(tmp), p.stdout.strip()[-300:]))


def dwz_single(build):
    if not shutil.which("dwz"):
        raise Skip("dwz not installed")
    exe = bt.build(["bt_inline.c"], "bt_inline_dwz", O2, post=_dwz_one)
    out = ct.run_tool(["readelf", "-SW", exe])
    check(".debug_info" in out, "dwz output has no .debug_info")
    run_case(build, exe, [], "inline-dwz", C_CHAINS)


def dwz_multi(build):
    if not shutil.which("dwz"):
        raise Skip("dwz not installed")
    a = bt.build(["bt_inline.c"], "bt_inline_a", O2 + ["-DVARIANT=1"])
    b = bt.build(["bt_inline.c"], "bt_inline_b", O2 + ["-DVARIANT=2"])
    d = os.path.join(ct.cache_dir(), "dwz-multi-" + ct._key(a, b))
    common = os.path.join(d, "common.debug")
    exes = [os.path.join(d, "bt_inline_a"), os.path.join(d, "bt_inline_b")]
    if not os.path.exists(os.path.join(d, "DONE")):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        shutil.copy(a, exes[0])
        shutil.copy(b, exes[1])
        p = subprocess.run(["dwz", "-m", common, "-M", common] + exes, cwd=d,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        if p.returncode != 0 or not os.path.exists(common):
            raise Skip("dwz -m made no common file: %s" % p.stdout.strip()[-300:])
        open(os.path.join(d, "DONE"), "w").close()
    out = ct.run_tool(["readelf", "-SW", exes[0]])
    check(".gnu_debugaltlink" in out, "dwz -m left no .gnu_debugaltlink in %s" % exes[0])
    for i, exe in enumerate(exes):
        run_case(build, exe, [], "inline-dwz-m%d" % i, C_CHAINS)


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    rep.run("inline-static-always-header", c_inline, build)
    rep.run("inline-cxx-templates", cxx_templates, build)
    rep.run("inline-lto-cross-file", lto, build)
    rep.run("inline-dwz", dwz_single, build)
    rep.run("inline-dwz-multifile", dwz_multi, build)
    rep.done()


if __name__ == "__main__":
    main()

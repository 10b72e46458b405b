#!/usr/bin/env python3
"""The library's layers point one way, down: no object file uses a symbol
defined by an object of a higher layer, no lib file #includes a header of a
higher layer, and only lib/core.c includes core.h.

The layers are listed once, in lib/LAYERS (bottom first; doc/ARCHITECTURE.md
draws them). Every lib/**/*.c must be placed there; a listed file that does
not exist yet is skipped.

Symbols come from `nm -P` over BUILD_DIR/lib/**/*.o: what each object defines
(global T/D/B/R/...) and what it uses (U). A used symbol no library object
defines (libc, zlib, the sanitizer runtimes) is not the library's and is
ignored. Objects without a source (left over from a removed file) are
ignored too.

Usage: python3 tests/e2e/test_layers.py BUILD_DIR
"""
import fnmatch
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Fail, Skip, check  # noqa: E402

REPO = ct.REPO
LAYERS_FILE = os.path.join(REPO, "lib", "LAYERS")
CORE_H, CORE_C = "lib/core.h", "lib/core.c"

# Defined by the compiler, the linker or the sanitizer instrumentation, not by
# the library's code (some are defined in every instrumented object).
FOREIGN_PREFIXES = ("__asan", "___asan", "__odr_asan", "__ubsan", "__sanitizer",
                    "__tsan", "__msan", "__llvm", "__gcov", "__start_", "__stop_",
                    "_GLOBAL_OFFSET_TABLE_", "__x86.get_pc_thunk", "__stack_chk")

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def rel(path):
    return os.path.relpath(path, REPO)


def lib_files(ext):
    """Every lib/**/*.EXT, as repository-relative paths, sorted."""
    return sorted(rel(p) for p in glob.glob(os.path.join(REPO, "lib", "**", "*" + ext),
                                            recursive=True))


class Layers:
    """lib/LAYERS: layer number -> name, and file -> layer number."""

    def __init__(self):
        self.names = {}           # number -> name
        self.patterns = []        # (number, pattern)
        with open(LAYERS_FILE) as f:
            for lineno, line in enumerate(f, 1):
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                m = re.match(r"^(\d+)\s+([^:]+):\s*(.*)$", line)
                if not m:
                    raise Fail("lib/LAYERS:%d: not \"N name: FILE ...\": %r" % (lineno, line))
                n = int(m.group(1))
                if n in self.names:
                    raise Fail("lib/LAYERS:%d: layer %d listed twice" % (lineno, n))
                self.names[n] = m.group(2).strip()
                for pat in m.group(3).split():
                    self.patterns.append((n, pat))

    def listed(self, path):
        """The layers whose patterns name path (a list: more than one is an error)."""
        return sorted({n for n, pat in self.patterns if fnmatch.fnmatchcase(path, pat)})

    def of(self, path):
        """path's layer: listed, or a header's .c's; None if it has none."""
        hit = self.listed(path)
        if hit:
            return hit[0]
        if path.endswith(".h"):
            hit = self.listed(path[:-2] + ".c")
            if hit:
                return hit[0]
        return None

    def label(self, n):
        return "%s (%d)" % (self.names[n], n)


def check_listed_exist(r, layers):
    """A listed file or pattern that names nothing: skipped (not written yet)."""
    for n, pat in layers.patterns:
        if not glob.glob(os.path.join(REPO, pat)):
            r.skip("listed %s" % pat, "in layer %s, not in the tree yet" % layers.label(n))


def check_all_placed(layers):
    bad = []
    for path in lib_files(".c"):
        hit = layers.listed(path)
        if not hit:
            bad.append("%s is in no layer: add it to lib/LAYERS" % path)
        elif len(hit) > 1:
            bad.append("%s is in several layers: %s"
                       % (path, ", ".join(layers.label(n) for n in hit)))
    for path in lib_files(".h"):
        if layers.of(path) is None:
            bad.append("%s is in no layer: add it to lib/LAYERS (or name a .c after it)" % path)
    check(not bad, "\n".join(bad))


# ---- symbols ----------------------------------------------------------------

def foreign(sym):
    return sym.startswith(FOREIGN_PREFIXES)


def read_objects(build):
    """{source.c: (defined set, used set)} for every lib .c's object."""
    objs = {}
    missing = []
    for src in lib_files(".c"):
        obj = os.path.join(build, src[:-2] + ".o")
        if os.path.exists(obj):
            objs[src] = obj
        else:
            missing.append(src)
    if not objs:
        raise Skip("no library objects under %s/lib (run make)" % build)
    check(not missing, "no object in %s for: %s (run make)" % (build, " ".join(missing)))
    paths = [objs[s] for s in sorted(objs)]
    p = subprocess.run(["nm", "-P", "-A"] + paths, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    check(p.returncode == 0, "nm failed: %s" % p.stderr.strip()[-400:])
    by_obj = {o: s for s, o in objs.items()}
    table = {s: (set(), set()) for s in objs}
    for line in p.stdout.splitlines():
        # "build/lib/core.o: cor_core_open T 0000000000000470 119"
        head, sep, rest = line.partition(": ")
        if not sep or head not in by_obj:
            continue
        fields = rest.split()
        if len(fields) < 2:
            continue
        sym, kind = fields[0], fields[1]
        defined, used = table[by_obj[head]]
        if kind in ("U", "w", "v"):
            used.add(sym)
        elif kind.isupper() or kind in ("i", "u"):
            defined.add(sym)
    return table


def symbol_edges(table):
    """[(user.c, symbol, definer.c)] for every library symbol an object uses."""
    definers = {}
    for src, (defined, _) in table.items():
        for sym in defined:
            definers.setdefault(sym, []).append(src)
    edges = []
    for src, (_, used) in sorted(table.items()):
        for sym in sorted(used):
            if foreign(sym) or sym not in definers:
                continue
            for d in sorted(definers[sym]):
                if d != src:
                    edges.append((src, sym, d))
    return edges


def obj(src):
    return src[:-2] + ".o"


def check_symbols_down(layers, edges):
    bad = []
    for user, sym, definer in edges:
        lu, ld = layers.of(user), layers.of(definer)
        if lu is None or ld is None:
            continue  # reported by "every lib file is in a layer"
        if ld > lu:
            bad.append("%s uses %s, defined in %s: %s reaches up to %s"
                       % (obj(user), sym, obj(definer), layers.label(lu), layers.label(ld)))
    check(not bad, "%d use(s) of a higher layer:\n%s" % (len(bad), "\n".join(bad)))


def check_no_cycles(layers, edges):
    """No cycle through objects of different layers (Tarjan's SCCs)."""
    graph = {}
    for user, _, definer in edges:
        graph.setdefault(user, set()).add(definer)
        graph.setdefault(definer, set())
    index, low, stack, on, sccs = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    via = {}
    for user, sym, definer in edges:
        via.setdefault((user, definer), sym)
    bad = []
    for comp in sccs:
        if len({layers.of(s) for s in comp}) < 2:
            continue
        # Name one cycle: an edge up, then the shortest way back down to it.
        members = set(comp)
        up = [(u, d) for (u, d) in sorted(via) if u in members and d in members
              and layers.of(u) is not None and layers.of(d) is not None
              and layers.of(d) > layers.of(u)]
        if not up:
            bad.append("cycle through %s" % ", ".join(obj(s) for s in comp))
            continue
        u, d = up[0]
        prev, queue = {d: None}, [d]
        while queue and u not in prev:
            v = queue.pop(0)
            for w in sorted(graph[v] & members):
                if w not in prev:
                    prev[w] = v
                    queue.append(w)
        path = [u]
        while path[-1] != d:
            path.append(prev[path[-1]])
        path = [u] + path[::-1]          # u -> d -> ... -> u
        steps = [obj(path[0])]
        for a, b in zip(path, path[1:]):
            steps.append("-> %s (%s)" % (obj(b), via[(a, b)]))
        bad.append("cycle through %d objects of %d layers, e.g. %s"
                   % (len(comp), len({layers.of(s) for s in comp}), " ".join(steps)))
    check(not bad, "\n".join(bad))


# ---- includes ---------------------------------------------------------------

def includes():
    """[(file, line number, included lib path or None, as written)] for lib files."""
    out = []
    for path in lib_files(".c") + lib_files(".h"):
        with open(os.path.join(REPO, path), errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                name = m.group(1)
                target = None
                # "x.h" is looked up next to the file, then in -Ilib.
                for base in (os.path.dirname(path), "lib"):
                    cand = os.path.normpath(os.path.join(base, name))
                    if os.path.isfile(os.path.join(REPO, cand)):
                        target = cand
                        break
                out.append((path, lineno, target, name))
    return out


def check_core_h(incs):
    bad = ["%s:%d includes \"%s\"" % (path, lineno, name)
           for path, lineno, target, name in incs
           if target == CORE_H and path not in (CORE_C, CORE_H)]
    check(not bad, "only %s may include core.h:\n%s" % (CORE_C, "\n".join(bad)))


def check_includes_down(layers, incs):
    bad = []
    for path, lineno, target, name in incs:
        if target is None or not target.startswith("lib/"):
            continue  # config.h (the build's), coroner.h (public)
        lf, lt = layers.of(path), layers.of(target)
        if lf is None or lt is None:
            continue
        if lt > lf:
            bad.append("%s:%d includes \"%s\": %s reaches up to %s"
                       % (path, lineno, name, layers.label(lf), layers.label(lt)))
    check(not bad, "\n".join(bad))


def main():
    build = ct.build_dir()
    r = ct.Reporter()
    try:
        layers = Layers()
    except Fail as e:
        r.fail("lib/LAYERS", e)
        r.done()
    r.ok("lib/LAYERS")
    check_listed_exist(r, layers)
    r.run("every lib file is in one layer", check_all_placed, layers)

    state = {}

    def load():
        state["edges"] = symbol_edges(read_objects(build))

    r.run("nm of %s/lib" % os.path.basename(build), load)
    if "edges" in state:
        r.run("symbols point down", check_symbols_down, layers, state["edges"])
        r.run("no cycle between layers", check_no_cycles, layers, state["edges"])
    else:
        r.skip("symbols point down", "no symbols")
        r.skip("no cycle between layers", "no symbols")

    incs = includes()
    r.run("only core.c includes core.h", check_core_h, incs)
    r.run("includes point down", check_includes_down, layers, incs)
    r.done()


if __name__ == "__main__":
    main()

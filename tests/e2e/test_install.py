#!/usr/bin/env python3
"""Installation and the public API: `make install PREFIX=...` puts the tool,
both libraries, the header, the pkg-config file and the man page in place; a
program built from examples/list_frames.c with `pkg-config --cflags --libs
coroner` against the installed shared library prints the crashed thread's
frames, which must be those `coroner bt --json` prints; the shared library
exports the cor_ API and nothing else; every subcommand answers --help.

Usage: python3 tests/e2e/test_install.py BUILD_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Fail, Skip, check, check_eq  # noqa: E402

COMMANDS = ["report", "diagnose", "info", "threads", "bt", "maps", "notes", "auxv", "read"]


def run(cmd, env=None, cwd=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, env=env, cwd=cwd)
    return p.returncode, p.stdout


def install(build):
    prefix = ct.scratch_dir("install-")
    rc, out = run(["make", "-s", "install", "BUILD=" + build, "PREFIX=" + prefix], cwd=ct.REPO)
    if rc != 0:
        raise Fail("make install failed: " + out[-800:])
    return prefix


def t_files(build):
    prefix = install(build)
    for f in ["bin/coroner", "lib/libcoroner.a", "lib/libcoroner.so", "lib/libcoroner.so.0",
              "include/coroner.h", "lib/pkgconfig/coroner.pc", "share/man/man1/coroner.1",
              "share/coroner/coroner.schema.json"]:
        check(os.path.exists(os.path.join(prefix, f)), "%s not installed" % f)
    if shutil.which("nm"):
        rc, out = run(["nm", "-D", "--defined-only", os.path.join(prefix, "lib/libcoroner.so")])
        names = [l.split()[-1].split("@")[0] for l in out.splitlines() if l.strip()]
        names = [n for n in names if n != "CORONER_0"]
        with open(os.path.join(ct.REPO, "include", "coroner.h")) as f:
            api = set(re.findall(r"\b(cor_[a-z0-9_]+)\(", f.read()))
        check_eq(sorted(set(names)), sorted(api), "symbols the shared library exports")
    if shutil.which("man"):
        rc, out = run(["man", "-l", os.path.join(prefix, "share/man/man1/coroner.1")],
                      env=dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="80"))
        check(rc == 0 and "SYNOPSIS" in out, "man page does not render: %s" % out[-300:])


def t_api_client(build):
    if not shutil.which("pkg-config"):
        raise Skip("pkg-config not installed")
    prefix = install(build)
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
    rc, flags = run(["pkg-config", "--cflags", "--libs", "coroner"], env=env)
    check(rc == 0, "pkg-config: " + flags)
    exe = os.path.join(prefix, "list_frames")
    # the sanitizer build's library needs the sanitizer runtimes
    san = ["-fsanitize=address,undefined"] if os.path.basename(build) == "build-asan" else []
    cc = "clang" if san else "gcc"
    cmd = ([cc] + san + ["-o", exe, os.path.join(ct.REPO, "examples", "list_frames.c")] +
           flags.split() + ["-Wl,-rpath," + os.path.join(prefix, "lib")])
    rc, out = run(cmd)
    check(rc == 0, "building the example failed: %s\n%s" % (" ".join(cmd), out[-800:]))
    rc, out = run(["ldd", exe])
    check(os.path.join(prefix, "lib", "libcoroner.so.0") in out,
          "the example is not linked to the installed shared library: " + out)
    prog = ct.variant("pie")
    rc, out = run([exe, prog.core])
    check_eq(rc, 0, "exit of list_frames (%s)" % out[-300:])
    lines = out.splitlines()
    doc, _ = ct.report(build, prog.core)
    crashed = [t for t in doc["threads"] if t["crashed"]][0]
    want = ["signal " + doc["signal"]["name"]] + [
        "%s %s" % (f["pc"], f["function"] or "??") for f in crashed["frames"]]
    check_eq(lines, want, "frames printed through the installed library")


def t_help(build):
    exe = ct.coroner_path(build)
    rc, out = run([exe, "--help"])
    check(rc == 0 and all(c in out for c in COMMANDS), "coroner --help: %s" % out)
    for c in COMMANDS:
        rc, out = run([exe, c, "--help"])
        check(rc == 0 and ("coroner " + c) in out and "--json" in out,
              "coroner %s --help (exit %d): %s" % (c, rc, out[:200]))
    rc, out = run([exe, "--version"])
    check(rc == 0 and out.startswith("coroner "), "--version: " + out)
    # every option --help names is in the man page and the README
    opts = set()
    for c in COMMANDS:
        _, out = run([exe, c, "--help"])
        for ln in out.splitlines():
            opts |= set(re.findall(r"(?:^|[ ,])(--?[a-z][a-z-]*)", ln.split("  ", 2)[1]
                                   if ln.startswith("  -") and "  " in ln[2:] else ""))
    check(len(opts) > 20, "options found in --help: %s" % sorted(opts))
    with open(os.path.join(ct.REPO, "doc", "coroner.1")) as f:
        man = f.read().replace("\\-", "-")
    with open(os.path.join(ct.REPO, "README.md")) as f:
        readme = f.read()
    for o in sorted(opts):
        check(re.search(r"(?<![a-z-])%s(?![a-z-])" % re.escape(o), man),
              "%s (in --help) is not in doc/coroner.1" % o)
        check(re.search(r"`%s(?![\w-])" % re.escape(o), readme), "%s (in --help) is not in README.md" % o)


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    rep.run("install-files", t_files, build)
    rep.run("install-api-client", t_api_client, build)
    rep.run("help", t_help, build)
    return rep.done()


if __name__ == "__main__":
    sys.exit(main())

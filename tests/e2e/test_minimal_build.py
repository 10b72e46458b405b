#!/usr/bin/env python3
"""A build without the optional libraries (COR_WITHOUT="zlib zstd lzma lz4
libdeflate debuginfod libiberty cxa capstone", as on a machine that lacks
them) still builds and works, and says what it cannot do: zlib-compressed
debug sections, MiniDebugInfo (xz), demangling and debuginfod
(DEBUGINFOD_URLS set for a stripped program) each give a warning naming the
missing library, a compressed core (zstd, lz4, xz, gzip) an error naming it,
and the frames still come from what needs none of them; without a
disassembler the diagnosis has the instruction's bytes but no text, and a
NULL write is an AccessViolation whose summary says the instruction was not
decoded.

Usage: python3 tests/e2e/test_minimal_build.py BUILD_DIR
"""
import lzma
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Fail, Skip, check, check_eq  # noqa: E402

WITHOUT = "zlib zstd lzma lz4 libdeflate debuginfod libiberty cxa capstone"


def minimal_build(build):
    san = os.path.basename(build) == "build-asan"
    out = os.path.join(ct.cache_dir(), "build-min-asan" if san else "build-min")
    env = dict(os.environ, COR_WITHOUT=WITHOUT)
    args = ["make", "-s", "BUILD=" + out, out + "/coroner"]
    if san:
        args += ["CC=clang", "EXTRA_CFLAGS=-O1 -fsanitize=address,undefined -fno-sanitize-recover=all",
                 "LDFLAGS=-fsanitize=address,undefined"]
    p = subprocess.run(args, cwd=ct.REPO, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    if p.returncode != 0:
        raise Fail("the build without optional libraries failed:\n" + p.stdout[-1500:])
    with open(os.path.join(out, "config.h")) as f:
        cfg = f.read()
    check("#define HAVE_" not in cfg, "config.h still has a library: " + cfg)
    return out


def sh(*cmd):
    p = subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    if p.returncode != 0:
        raise Skip("`%s` failed: %s" % (" ".join(cmd), p.stdout[-300:]))


def t_minimal(build):
    mini = minimal_build(build)
    d = ct.scratch_dir("minimal-")
    src = os.path.join(ct.PROGRAMS, "dbg_crash.c")
    # zlib-compressed DWARF; the symbol table is not compressed
    exe = os.path.join(d, "zdbg")
    sh("gcc", "-g", "-O1", "-fno-pie", "-no-pie", "-o", exe, src)
    sh("objcopy", "--compress-debug-sections=zlib", exe)
    _, core, _ = ct.crash_program(exe, [], "minimal-zlib")
    doc, _ = ct.report(mini, core, "--debug-dir", os.path.join(d, "none"))
    frames = [f for f in [t for t in doc["threads"] if t["crashed"]][0]["frames"]]
    check_eq([f["function"] for f in frames[:3]], ["dbg_inner", "dbg_outer", "main"],
             "names from the symbol table")
    check_eq(frames[0]["file"], None, "file:line from compressed DWARF without zlib")
    check(any("built without zlib" in w for w in ct.warning_texts(doc)),
          "no warning about zlib: %r" % doc["warnings"])
    dg = doc["diagnosis"]
    check_eq(dg["class"], "AccessViolation", "class of a write to 16 without capstone")
    check("capstone" in dg["summary"], "summary says why: %r" % dg["summary"])
    check(dg["instruction"] and dg["instruction"]["text"] is None and dg["instruction"]["bytes"],
          "instruction bytes without text: %r" % dg["instruction"])
    check_eq(dg["fault"]["address"], "0x10", "fault address")
    # MiniDebugInfo needs xz
    exe2 = os.path.join(d, "mdbg")
    sh("gcc", "-g", "-O1", "-fno-pie", "-no-pie", "-o", exe2, src)
    mini_elf = os.path.join(d, "mini")
    sh("objcopy", "--only-keep-debug", exe2, mini_elf)
    with open(mini_elf, "rb") as f:
        data = lzma.compress(f.read(), format=lzma.FORMAT_XZ)
    with open(mini_elf + ".xz", "wb") as f:
        f.write(data)
    sh("strip", "--strip-all", exe2)
    sh("objcopy", "--add-section", ".gnu_debugdata=" + mini_elf + ".xz", exe2)
    _, core2, _ = ct.crash_program(exe2, [], "minimal-xz")
    doc2, _ = ct.report(mini, core2, "--debug-dir", os.path.join(d, "none"))
    check(any("built without xz" in w for w in ct.warning_texts(doc2)),
          "no warning about xz: %r" % doc2["warnings"])
    # no debug info on disk, DEBUGINFOD_URLS set: no client to fetch it
    # (nothing listens at that address, and nothing is sent there)
    os.environ["DEBUGINFOD_URLS"] = "http://127.0.0.1:1"
    try:
        doc2, _ = ct.report(mini, core2, "--debug-dir", os.path.join(d, "none"))
    finally:
        del os.environ["DEBUGINFOD_URLS"]
    check(any("built without libdebuginfod" in w and "DEBUGINFOD_URLS" in w
              for w in ct.warning_texts(doc2)),
          "no warning about libdebuginfod: %r" % doc2["warnings"])
    # compressed cores: an error naming the file and the missing library
    for tool, kn, ext in (("zstd", "zstd", ".zst"), ("lz4", "lz4", ".lz4"), ("xz", "xz", ".xz"),
                          ("gzip", "gzip", ".gz")):
        if not shutil.which(tool):
            continue
        z = os.path.join(d, "core" + ext)
        with open(core, "rb") as i, open(z, "wb") as o:
            subprocess.run([tool, "-c"], stdin=i, stdout=o, check=True)
        r = ct.coroner(mini, "info", z, ok_codes=(1,))
        check("%s: %s compressed, but coroner was built without %s" % (z, kn, kn) in r.err,
              "a %s core without %s: %s" % (tool, kn, r.err))
    # C++ names stay mangled, with a warning
    exe3 = os.path.join(d, "cxx")
    with open(os.path.join(d, "cxx.cpp"), "w") as f:
        f.write("namespace ns { __attribute__((noinline)) void boom(int *p) { *p = 1; } }\n"
                "int main() { ns::boom((int *)16); }\n")
    sh("g++", "-O1", "-o", exe3, os.path.join(d, "cxx.cpp"))
    os.makedirs(os.path.join(d, "cxxrun"), exist_ok=True)
    with open(os.path.join(d, "oracle.txt"), "w"):
        pass
    p = subprocess.run([exe3], cwd=d, preexec_fn=ct._child_setup)
    core3 = os.path.join(d, "core")
    if not os.path.exists(core3):
        raise Skip("no core from the C++ program (exit %d)" % p.returncode)
    doc3, _ = ct.report(mini, core3)
    f0 = [t for t in doc3["threads"] if t["crashed"]][0]["frames"][0]
    check_eq(f0["function"], "_ZN2ns4boomEPi", "a C++ name without a demangler")
    check(any("shown mangled" in w for w in ct.warning_texts(doc3)),
          "no warning about demangling: %r" % doc3["warnings"])


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    rep.run("build-without-optional-libraries", t_minimal, build)
    return rep.done()


if __name__ == "__main__":
    sys.exit(main())

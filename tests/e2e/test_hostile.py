"""Hostile files beside a good core (issue 15): coroner never blocks, never
uses a file that is not the one the process had, and stays bounded.

Cases (the core is crashme.c built PIE with 1 thread):
  a FIFO as --exe, as --file, as a build-id debug file under
  --debug-dir, as the executable under --sysroot
                                   no hang (timeout), the FIFO is refused
                                   by name ("not a regular file")
  a FIFO as the core               read (the core may come from a pipe,
                                   test_zcore.py); what a writer puts in
                                   it that is no ELF file: "not an ELF
                                   file" naming the FIFO, exit 1, no hang
  --exe a file that is not the program (a text file; a tiny ELF file without
  build-id)                        refused with a warning, exit 3
  --exe the program itself without its build-id note
                                   used (its PT_LOADs hold the mappings)
  NT_FILE with 25k and 100k distinct paths (core written here)
                                   opens (bounded work: a timeout, no timing;
                                   bench/hostile.sh measures)
  --max-memory 4K: the symbol tables are skipped by name; bad sizes exit 2
  ten SHF_COMPRESSED sections declaring 1 GiB each; a 100 MiB .gnu_debugdata
                                   refused / stopped at the 64 MiB cap, by name
"""
import atexit
import json
import os
import shutil
import struct
import subprocess
import sys
import threading

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

    def feed():
        try:
            with open(p, "wb") as f:
                f.write(b"not a core\n" * 10000)
        except BrokenPipeError:
            pass
    th = threading.Thread(target=feed, daemon=True)
    th.start()
    r = coroner(build, "info", p, ok_codes=(1,), timeout=TIMEOUT)
    th.join(TIMEOUT)
    check(p in r.err and "not an ELF file" in r.err, "a FIFO of text as the core: " +
          r.describe())


def t_fifo_opt(build, core, path, *args):
    r = coroner(build, "report", core, "--json", *args, ok_codes=(0, 3), timeout=TIMEOUT)
    refused(r, path)


def module_of(build, core, exe):
    doc = json.loads(coroner(build, "report", core, "--json", ok_codes=(0, 3)).text)
    for m in doc["modules"]:
        if m["name"] == exe:
            return m
    raise Fail("no executable module in %r" % doc["modules"])


def need_objcopy():
    if not shutil.which("objcopy"):
        raise Skip("no objcopy")


def elf_sections(data):
    """(name, header offset) of each section of an ELF64 LE file."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shnum, shstrndx = struct.unpack_from("<HH", data, 0x3c)
    stroff, = struct.unpack_from("<Q", data, shoff + shstrndx * 64 + 24)
    out = []
    for i in range(shnum):
        at = shoff + i * 64
        name, = struct.unpack_from("<I", data, at)
        end = data.index(b"\0", stroff + name)
        out.append((data[stroff + name:end].decode(), at))
    return out


DWARF = (".debug_info", ".debug_abbrev", ".debug_str", ".debug_line", ".debug_line_str",
         ".debug_str_offsets", ".debug_addr", ".debug_ranges", ".debug_rnglists",
         ".debug_aranges")


def t_compressed_bombs(build, d, core, exe):
    """Ten SHF_COMPRESSED sections declaring 1 GiB each, a few KB each in
    the file: refused by name, never allocated."""
    need_objcopy()
    import zlib
    out = os.path.join(d, "bombs.exe")
    blob = struct.pack("<IIQQ", 1, 0, 1 << 30, 1) + zlib.compress(b"\0" * 65536, 9)
    bp = os.path.join(d, "bomb.bin")
    with open(bp, "wb") as f:
        f.write(blob)
    args = ["objcopy", "--strip-debug"]
    for n in DWARF:
        args += ["--add-section", "%s=%s" % (n, bp)]
    subprocess.run(args + [exe, out], check=True)
    with open(out, "rb") as f:
        data = bytearray(f.read())
    for name, at in elf_sections(data):
        if name in DWARF:
            flags, = struct.unpack_from("<Q", data, at + 8)
            struct.pack_into("<Q", data, at + 8, flags | 0x800)
    with open(out, "wb") as f:
        f.write(data)
    r = coroner(build, "bt", core, "--exe", out, ok_codes=(0, 3), timeout=TIMEOUT)
    check(r.rc == 3, "exit %d, wanted 3 (warnings)" % r.rc)
    for n in DWARF[:2]:
        check(any(n in line and "refused" in line and out in line for line in r.err.splitlines()),
              "no warning refusing %s of %s: %s" % (n, out, r.describe()))
    check("main" in r.text, "no frame named main: %s" % r.text)


def t_minidebuginfo_cap(build, d, core, exe):
    """A .gnu_debugdata of 100 MiB of zeros (15 KB of xz): stops at the
    MiniDebugInfo cap with a warning naming the section."""
    need_objcopy()
    import lzma
    c = lzma.LZMACompressor(format=lzma.FORMAT_XZ, preset=0)
    z = b"\0" * (1 << 20)
    blob = b"".join([c.compress(z) for _ in range(100)] + [c.flush()])
    bp = os.path.join(d, "mini.xz")
    with open(bp, "wb") as f:
        f.write(blob)
    out = os.path.join(d, "mini.exe")
    subprocess.run(["objcopy", "--add-section", ".gnu_debugdata=" + bp, exe, out], check=True)
    r = coroner(build, "bt", core, "--exe", out, ok_codes=(3,), timeout=TIMEOUT)
    check(any(".gnu_debugdata" in line and "limit of %d bytes" % (64 << 20) in line
              for line in r.err.splitlines()), "no warning at the cap: %s" % r.describe())


def tiny_elf():
    """An x86_64 ET_DYN of 512 bytes: one PT_LOAD of them at offset 0, no build-id."""
    eh = struct.pack("<4sBBBB8xHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 3, 62, 1, 0, 64, 0,
                     0, 64, 56, 1, 64, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, 512, 512, 0x1000)
    return (eh + ph).ljust(512, b"\xc3")


def t_exe_not_program(build, core, path, why):
    r = coroner(build, "report", core, "--json", "--exe", path, ok_codes=(3,), timeout=TIMEOUT)
    doc = json.loads(r.text)
    msgs = [w["message"] for w in doc["warnings"]]
    check(any(path in m and why in m and "not used" in m for m in msgs),
          "no warning refusing %s (%r): %r" % (path, why, msgs))
    for m in doc["modules"]:
        check(m.get("path") != path, "%s used for module %s" % (path, m["name"]))


def t_exe_same_program(build, core, exe, d):
    """The program itself with its build-id note removed: its shape matches
    the mappings, it is used."""
    need_objcopy()
    out = os.path.join(d, "no-build-id.exe")
    subprocess.run(["objcopy", "--remove-section", ".note.gnu.build-id", exe, out], check=True)
    doc = json.loads(coroner(build, "report", core, "--json", "--exe", out,
                             ok_codes=(0, 3), timeout=TIMEOUT).text)
    check(any(m.get("path") == out for m in doc["modules"]),
          "%s not used: %r" % (out, doc["warnings"]))


def nt_file_core(n):
    """An x86_64 core of one thread whose NT_FILE names n distinct files,
    one page each, every page a PT_LOAD not dumped (filesz 0)."""
    base, page = 0x10000000, 0x1000
    names = b"".join(b"/hostile/nt-file/lib%06d.so\0" % i for i in range(n))
    nt_file = struct.pack("<QQ", n, page) + b"".join(
        struct.pack("<QQQ", base + i * page, base + (i + 1) * page, 0) for i in range(n)) + names
    prstatus = bytearray(336)
    struct.pack_into("<h", prstatus, 12, 11)  # pr_cursig
    struct.pack_into("<i", prstatus, 32, 1)   # pr_pid

    def note(name, typ, desc):
        pad = lambda b: b + b"\0" * (-len(b) % 4)
        return struct.pack("<III", len(name) + 1, len(desc), typ) + pad(name + b"\0") + pad(bytes(desc))

    notes = note(b"CORE", 1, prstatus) + note(b"CORE", 0x46494c45, nt_file)
    phnum = 1 + n
    notes_off = 64 + 56 * phnum
    ph = struct.pack("<IIQQQQQQ", 4, 0, notes_off, 0, 0, len(notes), 0, 4)
    ph += b"".join(struct.pack("<IIQQQQQQ", 1, 5, notes_off + len(notes), base + i * page, 0,
                               0, page, page) for i in range(n))
    eh = struct.pack("<4sBBBB8xHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 4, 62, 1, 0, 64, 0,
                     0, 64, 56, 0xffff if phnum >= 0xffff else phnum, 64, 0, 0)
    if phnum >= 0xffff:  # PN_XNUM: the count is in section 0's sh_info
        sh0 = struct.pack("<IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, phnum, 0, 0)
        shoff = notes_off + len(notes)
        eh = eh[:40] + struct.pack("<Q", shoff) + eh[48:60] + struct.pack("<H", 1) + eh[62:]
        return eh + ph + notes + sh0
    return eh + ph + notes


def t_nt_file_paths(build, d, n):
    """Bounded work: it finishes (the timing is bench/hostile.sh's); every
    mapping is there with its path."""
    path = os.path.join(d, "nt-file-%d.core" % n)
    with open(path, "wb") as f:
        f.write(nt_file_core(n))
    empty = os.path.join(d, "empty-root")
    os.makedirs(empty, exist_ok=True)
    r = coroner(build, "maps", path, "--sysroot", empty, ok_codes=(0, 3), timeout=120)
    lines = [l for l in r.text.splitlines() if "/hostile/nt-file/lib" in l]
    check(len(lines) == n, "%d mappings with a path, wanted %d" % (len(lines), n))
    check(lines[-1].endswith("/hostile/nt-file/lib%06d.so" % (n - 1)), "last: %r" % lines[-1])


def t_max_memory(build, core):
    """--max-memory: a tiny budget skips the symbol tables, naming file and
    section; a bad size is a usage error."""
    r = coroner(build, "bt", core, "--max-memory", "4K", ok_codes=(3,), timeout=TIMEOUT)
    check(any("memory budget" in l and ("section .symtab" in l or "section .dynsym" in l)
              for l in r.err.splitlines()), "no budget warning: %s" % r.describe())
    coroner(build, "bt", core, "--max-memory", "2G", ok_codes=(0, 3), timeout=TIMEOUT)
    for bad in ("0", "x", "1T", "-5"):
        coroner(build, "bt", core, "--max-memory", bad, ok_codes=(2,))


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
    text = os.path.join(d, "text.exe")
    with open(text, "w") as f:
        f.write("#!/bin/sh\necho this is not the program\n" * 100)
    rep.run("hostile/exe-text-file", t_exe_not_program, build, core, text, "not an ELF file")
    tiny = os.path.join(d, "tiny.exe")
    with open(tiny, "wb") as f:
        f.write(tiny_elf())
    rep.run("hostile/exe-other-elf", t_exe_not_program, build, core, tiny, "no loadable segment")
    rep.run("hostile/exe-no-build-id", t_exe_same_program, build, core, exe, d)
    for n in (25000, 100000):
        rep.run("hostile/nt-file-%d-paths" % n, t_nt_file_paths, build, d, n)
    rep.run("hostile/max-memory", t_max_memory, build, core)
    rep.run("hostile/compressed-bombs", t_compressed_bombs, build, d, core, exe)
    rep.run("hostile/minidebuginfo-cap", t_minidebuginfo_cap, build, d, core, exe)
    rep.done()


if __name__ == "__main__":
    main()

"""Malformed and truncated input: coroner must answer with an error (exit 1,
a message naming the file and, for format errors, the offset) or a partial
result (exit 3 -- or 0 -- with a warning saying what is missing), and never
crash: an exit from a signal, a sanitizer report or a timeout is a failure.

Cases (the real core is crashme.c built non-PIE with 1 thread):
  empty file, a text file                    exit 1, message names the file
  an executable                              exit 1, "not a core", names the file
  truncated at 40 (mid ELF header)           exit 1, names the file
  truncated at 64 (header only), mid program headers, mid notes
                                             exit 1 naming file and offset, or
                                             exit 3 with a "truncat..." warning
  truncated right after the notes, and in the middle of the PT_LOAD data
  holding the main stack                     exit 0/3, a warning mentioning
                                             truncation; threads all there;
                                             bytes before the cut read back
                                             exactly (the oracle's .data);
                                             bytes past the cut do not read
                                             (exit 1 or 3, never wrong bytes);
                                             the cut segment is "partial"
  first note's descsz running past its segment (by 4 bytes, and 0xfffffff0),
  first note's namesz huge                   exit 1 or 3, message/warning
                                             names the note's offset
  e_phnum 0xffff, PT_NOTE offset past EOF, a PT_LOAD whose p_offset+p_filesz
  wraps around                               no crash, exit 1 or 3
  a sweep of 24 more truncation points       no crash, exit 0, 1 or 3
  a missing file, a directory               exit 1, message names the path
  usage errors (no args, no core, no ADDR, ADDR not a number, unknown
  subcommand, unknown option)                exit 2, message on stderr
Every case runs `report --json` and the text subcommands info, threads, maps,
notes, auxv.
"""
import atexit
import json
import os
import re
import shutil
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from coretest import (COMMON, json_doc, Elf, Fail, Reporter, Skip, build_dir, build_program, check,
                      check_eq, coroner, crash_program, parse_oracle, scratch_dir)

TEXT_CMDS = ("info", "threads", "maps", "notes", "auxv")


def write(d, name, data):
    p = os.path.join(d, name)
    with open(p, "wb") as f:
        f.write(data)
    return p


def all_cmds(build, path):
    """Runs every subcommand; none may crash. Returns the report --json Result."""
    for c in TEXT_CMDS:
        coroner(build, c, path, ok_codes=(0, 1, 3))
    return coroner(build, "report", path, "--json", ok_codes=(0, 1, 3))


def names_file(r, path):
    return path in r.err or os.path.basename(path) in r.err


def offset_in(text, offsets):
    for o in offsets:
        if re.search(r"(?i)0x0*%x\b" % o, text) or re.search(r"offset %d\b" % o, text):
            return True
    return False


def warnings_of(r):
    doc = json_doc(r.text, "exit %d: stdout" % r.rc)
    w = doc.get("warnings")
    check(isinstance(w, list), "warnings is %r" % (w,))
    return doc, [x["message"] for x in w]


def t_error(build, path, want_text=None):
    r = all_cmds(build, path)
    check_eq(r.rc, 1, "exit code (%s)" % r.describe())
    check(names_file(r, path), "message does not name the file: %r" % r.err.strip())
    if want_text:
        check(want_text in r.err.lower(), "message lacks %r: %r" % (want_text, r.err.strip()))


def t_error_or_partial(build, path, offsets, warn_re=r"(?i)truncat"):
    """exit 1 naming file and offset, or exit 3 with a warning matching
    warn_re (a truncation) -- or, when warn_re is None, a warning naming the
    file and one of offsets (a malformed note)."""
    r = all_cmds(build, path)
    check(r.rc in (1, 3), "exit %d, wanted 1 or 3 (%s)" % (r.rc, r.describe()))
    if r.rc == 1:
        check(names_file(r, path), "message does not name the file: %r" % r.err.strip())
        check(offset_in(r.err, offsets) or re.search(r"(?i)offset|0x[0-9a-f]+", r.err),
              "message names no offset: %r" % r.err.strip())
    else:
        _, w = warnings_of(r)
        if warn_re:
            check(any(re.search(warn_re, x) and os.path.basename(path) in x for x in w),
                  "exit 3 without a warning matching %s that names the file: %r"
                  % (warn_re, w))
        else:
            check(any(offset_in(x, offsets) and os.path.basename(path) in x for x in w),
                  "exit 3 but no warning names the file and one of offsets %s: %r"
                  % (["0x%x" % o for o in offsets], w))


def t_partial_data(build, path, nthreads, oracle, cut, elf):
    r = all_cmds(build, path)
    check(r.rc in (0, 3), "exit %d, wanted 0 or 3 (%s)" % (r.rc, r.describe()))
    doc, w = warnings_of(r)
    check(any(re.search(r"(?i)truncat", x) and os.path.basename(path) in x for x in w),
          "no warning mentions truncation and names the file: %r" % w)
    check_eq(len(doc.get("threads") or []), nthreads, "thread count")
    # in_core: the segment the cut falls in is partial, later ones are not whole.
    for p in elf.loads():
        lo, hi = p["offset"], p["offset"] + p["filesz"]
        if p["filesz"] == 0 or hi <= cut:
            continue
        m = [g for g in doc.get("mappings", [])
             if isinstance(g.get("start"), str) and int(g["start"], 16) == p["vaddr"]]
        check(m, "no mapping at 0x%x" % p["vaddr"])
        ic = m[0].get("in_core")
        if lo < cut < hi:
            check_eq(ic, "partial", "in_core of the segment cut at 0x%x" % cut)
        else:
            check(ic in (False, "partial"),
                  "in_core of 0x%x (entirely past the cut) is %r" % (p["vaddr"], ic))
    return doc


def seg_of(elf, addr):
    for p in elf.loads():
        if p["vaddr"] <= addr < p["vaddr"] + p["memsz"]:
            return p
    return None


def t_read_before_cut(build, path, addr, data):
    r = coroner(build, "read", path, "0x%x" % addr, str(len(data)), "--raw", ok_codes=(0, 3))
    check(r.out == data, "read 0x%x: got %s... want %s..." % (addr, r.out[:8].hex(),
                                                            data[:8].hex()))


def t_read_past_cut(build, path, addr, data):
    r = coroner(build, "read", path, "0x%x" % addr, str(len(data)), "--raw")
    check(r.rc in (1, 3), "read 0x%x past the cut: exit %d (%s)" % (addr, r.rc, r.describe()))
    check(r.out != data or data == bytes(len(data)),
          "read past the cut returned the real bytes?")
    check(r.out == b"" or r.rc == 3, "exit 1 but bytes printed")
    check(re.search(r"(?i)0x0*%x\b" % addr, r.err) or re.search(r"(?i)truncat", r.err),
          "message names neither the address nor truncation: %r" % r.err.strip())


def t_usage(build, args):
    r = coroner(build, *args)
    check_eq(r.rc, 2, "exit code of a usage error (%s)" % r.describe())
    check(r.err.strip(), "usage error without a message on stderr")


def t_no_crash(build, path):
    all_cmds(build, path)


def patch(data, off, fmt, value):
    b = bytearray(data)
    struct.pack_into(fmt, b, off, value)
    return bytes(b)


def main():
    build = build_dir()
    rep = Reporter()
    if not os.access(os.path.join(build, "coroner"), os.X_OK):
        rep.skip("bad_input", "%s/coroner not built" % build)
        rep.done()
    d = scratch_dir("bad-")
    atexit.register(shutil.rmtree, d, True)
    try:
        exe = build_program("crashme.c", "crashme-small",
                            COMMON + ["-fno-pie", "-no-pie"])
        _, core, oracle_path = crash_program(exe, ["--threads", "1"], "small")
    except Skip as e:
        rep.skip("bad_input", e)
        rep.done()
    oracle = parse_oracle(oracle_path)
    with open(core, "rb") as f:
        data = f.read()
    elf = Elf(data=data)
    e = elf.end
    nthreads = len(oracle["tids"])
    notes = elf.notes()
    note_seg = notes[0][5]
    bytes_by = {b[0]: b for b in oracle["bytes"]}

    rep.run("bad_input/missing-file", t_error, build, os.path.join(d, "no-such.core"))
    rep.run("bad_input/directory", t_error, build, d)
    for args in ([], ["report"], ["read", core], ["read", core, "nothex"],
                 ["no-such-subcommand", core], ["report", core, "--no-such-option"]):
        rep.run("bad_input/usage " + " ".join(os.path.basename(a) for a in args),
                t_usage, build, args)
    rep.run("bad_input/empty", t_error, build, write(d, "empty.core", b""))
    rep.run("bad_input/text", t_error, build,
            write(d, "text.core", b"this is not an ELF file\n" * 40))
    rep.run("bad_input/executable", t_error, build, exe, "not a core")
    rep.run("bad_input/trunc-40", t_error, build, write(d, "trunc40.core", data[:40]))
    rep.run("bad_input/trunc-header-only", t_error_or_partial, build,
            write(d, "trunc64.core", data[:64]), [64, elf.phoff])
    mid_ph = elf.phoff + elf.phentsize * (elf.phnum // 2) + 7
    rep.run("bad_input/trunc-mid-phdrs", t_error_or_partial, build,
            write(d, "truncph.core", data[:mid_ph]), [mid_ph, elf.phoff])
    mid_notes = note_seg["offset"] + note_seg["filesz"] // 2 + 3
    rep.run("bad_input/trunc-mid-notes", t_error_or_partial, build,
            write(d, "truncnotes.core", data[:mid_notes]),
            [mid_notes, note_seg["offset"]] + [n[3] for n in notes])
    after_notes = note_seg["offset"] + note_seg["filesz"]
    p_after = write(d, "truncafternotes.core", data[:after_notes])
    rep.run("bad_input/trunc-after-notes", t_partial_data, build, p_after, nthreads,
            oracle, after_notes, elf)

    # Cut in the middle of the segment that holds the main stack buffer.
    _, saddr, sdata = bytes_by["stack"]
    sseg = seg_of(elf, saddr)
    _, daddr, ddata = bytes_by["data"]
    dseg = seg_of(elf, daddr)
    if sseg and dseg and dseg["offset"] + dseg["filesz"] <= sseg["offset"] and sseg["filesz"]:
        cut = sseg["offset"] + (saddr - sseg["vaddr"]) - 4096 * 2
        cut = max(cut, sseg["offset"] + 1)
        pm = write(d, "truncload.core", data[:cut])
        rep.run("bad_input/trunc-mid-load", t_partial_data, build, pm, nthreads, oracle,
                cut, elf)
        rep.run("bad_input/trunc-mid-load/read-before-cut", t_read_before_cut, build, pm,
                daddr, ddata)
        rep.run("bad_input/trunc-mid-load/read-past-cut", t_read_past_cut, build, pm,
                saddr, sdata)
    else:
        rep.skip("bad_input/trunc-mid-load", "stack segment not after .data in the core")

    # A note whose size runs past its segment.
    name0, typ0, descsz0, hdr0, doff0, _ = notes[0]
    seg_end = note_seg["offset"] + note_seg["filesz"]
    offs = [hdr0, hdr0 + 4, doff0, note_seg["offset"], seg_end]
    over = seg_end - doff0 + 4
    rep.run("bad_input/note-descsz-past-segment", t_error_or_partial, build,
            write(d, "descsz1.core", patch(data, hdr0 + 4, e + "I", over)), offs, None)
    rep.run("bad_input/note-descsz-huge", t_error_or_partial, build,
            write(d, "descsz2.core", patch(data, hdr0 + 4, e + "I", 0xfffffff0)), offs, None)
    rep.run("bad_input/note-namesz-huge", t_error_or_partial, build,
            write(d, "namesz.core", patch(data, hdr0, e + "I", 0xfffffff0)),
            [hdr0, hdr0 + 12, note_seg["offset"], seg_end], None)

    # Header fields that point nowhere.
    phnum_off = 56 if elf.cls == 64 else 44
    rep.run("bad_input/phnum-ffff", t_no_crash, build,
            write(d, "phnum.core", patch(data, phnum_off, e + "H", 0xffff)))
    noff = note_seg["phdr_offset"] + (8 if elf.cls == 64 else 4)
    rep.run("bad_input/note-offset-past-eof", t_no_crash, build,
            write(d, "noteoff.core", patch(data, noff, e + ("Q" if elf.cls == 64 else "I"),
                                           len(data) + 0x10000)))
    load = elf.loads()[-1]
    loff = load["phdr_offset"] + (8 if elf.cls == 64 else 4)
    rep.run("bad_input/load-offset-wraps", t_no_crash, build,
            write(d, "loadwrap.core", patch(data, loff, e + ("Q" if elf.cls == 64 else "I"),
                                            (1 << elf.cls) - 0x800)))

    # A sweep of truncation points over headers, notes and the first data.
    end = min(len(data), after_notes + 3 * 4096)
    for i in range(24):
        cut = 1 + (end - 1) * i // 24 + (i * 13) % 7
        p = write(d, "sweep%02d.core" % i, data[:cut])
        rep.run("bad_input/sweep-%d" % cut, t_no_crash, build, p)
        os.unlink(p)
    rep.done()


if __name__ == "__main__":
    main()

"""Foreign cores (../shared/corpus: x86_64, i386, aarch64, ppc64le, s390x,
ppc, s390, x32, made on other machines) checked against eu-readelf and readelf.

For each core:
  threads    count and tids, in note order, == the NT_PRSTATUS notes
             eu-readelf lists (their pid); process.pid/ppid == NT_PRPSINFO's
             pid/ppid as `eu-readelf -n` prints them.
  registers  every register eu-readelf prints for each NT_PRSTATUS, by name
             and value, in the thread with that tid (values compared as
             unsigned numbers of the core's word size, so s390x's big-endian
             words and i386's 32-bit ones need no special casing here; x32's
             registers are x86_64's 64-bit ones in an ELF32 core: its word
             size is 64).
  mappings   one per PT_LOAD (`readelf -l`: start = p_vaddr, end = p_vaddr +
             p_memsz), in order; each NT_FILE entry (`eu-readelf -n`) has the
             mapping with its start/end, with offset (bytes) and path equal;
             PT_LOADs not named in NT_FILE have offset 0 and no path.

eu-readelf names -> the names coroner uses (the architecture manuals'):
  x86_64   rflags -> eflags, fs.base -> fs_base, gs.base -> gs_base
  i386     identical (eax ... eip eflags, orig_eax)
  aarch64  identical (x0..x30, sp, pc, pstate)
  ppc64le  r0..r31 may also be gpr0..gpr31; nip (or pc); lr (or link);
           cr (or ccr); spr0 is eu-readelf's label for pt_regs slot 39,
           which is softe on ppc64 (softe, or spr0); msr ctr xer dar dsisr
           orig_gpr3 (or orig_r3) as they are
  s390x    r0..r15 (or gpr0..gpr15); a0..a15 (or acr0..acr15); pswm, pswa;
           orig_r2 (or orig_gpr2)
  x32      as x86_64 (EM_X86_64 in an ELF32 core)
  ppc      as ppc64le, and mq (pt_regs slot 39 on 32-bit) as it is
  s390     as s390x (31-bit: 4-byte psw words and registers)
"""
import lzma
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from coretest import (REPO, Elf, Fail, Reporter, Skip, build_dir, cache_dir, check,
                      check_eq, compare_registers, core_arch, eu_readelf_notes, hexval,
                      readelf_loads, report, run_tool, need)

CORPUS = os.path.join(os.path.dirname(REPO), "shared", "corpus")


def decompress(src, dst):
    if not os.path.exists(dst):
        with lzma.open(src) as f, open(dst + ".tmp", "wb") as g:
            shutil.copyfileobj(f, g)
        os.rename(dst + ".tmp", dst)
    return dst


def prpsinfo(out):
    """pid, ppid of the PRPSINFO note as eu-readelf prints it."""
    import re
    m = re.search(r"PRPSINFO\n(?:.*\n)*?\s+uid: \d+, gid: \d+, pid: (\d+), ppid: (\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else None


def t_threads(build, core, prs, out):
    doc, _ = report(build, core)
    th = doc.get("threads")
    check(isinstance(th, list), "threads is not a list")
    check_eq(len(th), len(prs), "thread count (eu-readelf PRSTATUS notes)")
    check_eq([t.get("tid") for t in th], [p["pid"] for p in prs], "tids in note order")
    ps = prpsinfo(out)
    if ps:
        check_eq(doc.get("process", {}).get("pid"), ps[0], "process.pid (PRPSINFO)")
        check_eq(doc.get("process", {}).get("ppid"), ps[1], "process.ppid (PRPSINFO)")


def t_registers(build, core, prs, arch):
    doc, _ = report(build, core)
    _, errs = compare_registers(doc, prs, arch)
    check(not errs, "; ".join(errs[:8]) + (" ... (%d)" % len(errs) if len(errs) > 8 else ""))


def t_mappings(build, core, files):
    doc, _ = report(build, core)
    got = doc.get("mappings")
    check(isinstance(got, list), "mappings is not a list")
    loads, _ = readelf_loads(core)
    check(loads, "readelf -l shows no PT_LOAD")
    ranges = [(hexval(g.get("start"), "start"), hexval(g.get("end"), "end")) for g in got]
    check_eq(ranges, [(v, v + msz) for _, v, _, msz in loads], "mappings vs PT_LOADs")
    byrange = dict(zip(ranges, got))
    named = set()
    errs = []
    for s, e, off, path in files:
        g = byrange.get((s, e))
        named.add((s, e))
        if g is None:
            errs.append("NT_FILE %x-%x %s: no such mapping" % (s, e, path))
            continue
        if hexval(g.get("offset"), "offset") != off:
            errs.append("%x-%x: offset %s, NT_FILE 0x%x" % (s, e, g.get("offset"), off))
        if g.get("path") != path:
            errs.append("%x-%x: path %r, NT_FILE %r" % (s, e, g.get("path"), path))
    for r, g in byrange.items():
        if r not in named and g.get("path") not in (None, ""):
            # Anonymous by NT_FILE; a bracketed label such as [vdso] is fine.
            if not str(g.get("path")).startswith("["):
                errs.append("%x-%x: path %r but not in NT_FILE" % (r[0], r[1], g.get("path")))
    check(not errs, "; ".join(errs[:8]))


def main():
    build = build_dir()
    rep = Reporter()
    if not os.path.isdir(CORPUS):
        rep.skip("foreign", "no corpus at %s (a fresh clone has no ../shared)" % CORPUS)
        rep.done()
    try:
        need("eu-readelf")
        need("readelf")
    except Skip as e:
        rep.skip("foreign", e)
        rep.done()
    tmp = os.path.join(cache_dir(), "corpus")
    os.makedirs(tmp, exist_ok=True)
    cores = sorted(f[:-3] for f in os.listdir(CORPUS) if f.endswith(".core.xz"))
    for name in cores:
        pre = "foreign/%s/" % name[:-5]
        try:
            core = decompress(os.path.join(CORPUS, name + ".xz"), os.path.join(tmp, name))
            elf = Elf(core)
            prs, files, out = eu_readelf_notes(core, 64 if core_arch(elf) == "x32" else None)
        except Exception as e:  # unreadable corpus file: a test problem
            rep.fail(pre + "setup", e)
            continue
        if not prs:
            rep.fail(pre + "setup", "eu-readelf shows no PRSTATUS:\n" + out[:400])
            continue
        arch = core_arch(elf)
        rep.run(pre + "threads", t_threads, build, core, prs, out)
        rep.run(pre + "registers", t_registers, build, core, prs, arch)
        rep.run(pre + "mappings", t_mappings, build, core, files)
    rep.done()


if __name__ == "__main__":
    main()

"""Core model on real kernel cores of tests/programs/crashme.c.

For each build variant (PIE, non-PIE, -static, -m32, a 256 MiB heap, 40
threads, a store to .rodata, abort()) the
program records its own truth in oracle.txt before it crashes; coroner's
`report --json` and `read --raw` are checked against that record, gdb,
readelf and eu-readelf (never against coroner's own output):

  process   pid/ppid/uid/gid == getpid()/getppid()/getuid()/getgid();
            command == /proc/self/comm; args == pr_psargs derived from
            /proc/self/cmdline (79 bytes, NULs -> spaces, trailing blanks
            ignored); basename(executable) == the binary's name
  signal    number 11 "SIGSEGV", code 1 "SEGV_MAPERR", address == the fault
            address the program stored to (variant accerr: code 2
            "SEGV_ACCERR", address == &g_rodata; variant abort: 6 "SIGABRT",
            code -6 "SI_TKILL"); crashed_tid == main thread's tid
  threads   tids == the program's gettid() records == gdb `info threads` LWPs;
            exactly the main thread is "crashed"
  registers every general register of every thread == gdb `info registers`
  mappings  one per /proc/self/maps line, same order, start/end equal.
            The kernel writes one PT_LOAD per VMA, including [vvar],
            [vvar_vclock], [vdso], [vsyscall] and PROT_NONE guard pages
            (p_filesz 0), so the relation is 1:1 -- no exclusions.
            offset == maps offset for file-backed lines, 0 for anonymous;
            path == maps path for file-backed lines; for anonymous ones
            ([heap], [stack], [vdso], ...) path is null/"" or the same
            bracketed name. in_core: true when the PT_LOAD has
            p_filesz == p_memsz, false when p_filesz == 0, "partial" in
            between (the ELF-header page of a file mapping).
  read      `read CORE ADDR LEN --raw` == recorded bytes for: .data, .bss,
            heap, main stack, every thread stack, .rodata and .text of the
            executable and libc's .text (file-backed, not in the core: coroner
            must read them from the file), a read across two executable
            mappings, the big heap (start, middle, end); unmapped addresses
            fail with exit 1 and a message naming the address.
  notes     owners, types and sizes in order == `readelf -n`; offsets ==
            our own ELF parse of the note segment
  auxv      types and values in order == gdb `info auxv`
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from coretest import (VARIANTS, Elf, Fail, Reporter, Skip, check, check_eq, coroner,
                      gdb_auxv, gdb_registers, gdb_threads, hexval, psargs_from_cmdline,
                      readelf_notes, report, variant)

REGS = {
    64: ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp"]
        + ["r%d" % i for i in range(8, 16)]
        + ["rip", "eflags", "cs", "ss", "ds", "es", "fs", "gs", "fs_base", "gs_base",
           "orig_rax"],
    32: ["eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eip", "eflags",
         "cs", "ss", "ds", "es", "fs", "gs", "orig_eax"],
}

# Names glibc's and Linux's elf.h both define for one note type.
NT_ALIASES = {"NT_FPREGSET": ("NT_PRFPREG",), "NT_PRFPREG": ("NT_FPREGSET",)}

# Auxv types gdb 13 prints as "???".
AT_EXTRA = {27: "AT_RSEQ_FEATURE_SIZE", 28: "AT_RSEQ_ALIGN", 29: "AT_HWCAP3",
            30: "AT_HWCAP4", 51: "AT_MINSIGSTKSZ"}


class Ctx:
    """A variant's program plus coroner's report, computed once."""

    def __init__(self, build, name):
        self.build = build
        self.prog = variant(name)
        self.o = self.prog.oracle
        self.elf = Elf(self.prog.core)
        self._doc = None

    @property
    def doc(self):
        if self._doc is None:
            self._doc, _ = report(self.build, self.prog.core, ok_codes=(0,))
        return self._doc


def t_process(c):
    p = c.doc.get("process")
    check(isinstance(p, dict), "no process object")
    for k in ("pid", "ppid", "uid", "gid"):
        check_eq(p.get(k), c.o[k], "process." + k)
    check_eq(p.get("command"), c.o["comm"], "process.command")
    args = p.get("args")
    check(isinstance(args, str), "process.args is %r" % (args,))
    check_eq(args.rstrip(), psargs_from_cmdline(c.o["cmdline"]), "process.args")
    ex = p.get("executable")
    check(isinstance(ex, str) and os.path.basename(ex) == os.path.basename(c.prog.exe),
          "process.executable %r does not name %s" % (ex, os.path.basename(c.prog.exe)))


SIGNAL_NAMES = {(11, 1): ("SIGSEGV", "SEGV_MAPERR"), (11, 2): ("SIGSEGV", "SEGV_ACCERR"),
                (6, -6): ("SIGABRT", "SI_TKILL")}


def t_signal(c):
    s = c.doc.get("signal")
    check(isinstance(s, dict), "no signal object")
    addr, signo, code = c.o["fault"]
    name, code_name = SIGNAL_NAMES[(signo, code)]
    check_eq(s.get("number"), signo, "signal.number")
    check_eq(s.get("name"), name, "signal.name")
    check_eq(s.get("code"), code, "signal.code")
    check_eq(s.get("code_name"), code_name, "signal.code_name")
    if signo == 11:  # si_addr is meaningful for SIGSEGV only here
        check_eq(hexval(s.get("address"), "signal.address"), addr, "signal.address")
    check_eq(c.doc.get("crashed_tid"), c.o["main_tid"], "crashed_tid")


def t_threads(c):
    th = c.doc.get("threads")
    check(isinstance(th, list), "threads is not a list")
    tids = [t.get("tid") for t in th]
    check_eq(sorted(tids), sorted(c.o["tids"]), "thread tids vs the program's gettid()")
    lwps, out = gdb_threads(c.prog.exe, c.prog.core)
    check(lwps, "could not parse gdb info threads:\n" + out[-800:])
    check_eq(sorted(tids), sorted(lwps), "thread tids vs gdb LWPs")
    crashed = [t.get("tid") for t in th if t.get("crashed") is True]
    check_eq(crashed, [c.o["main_tid"]], "crashed threads")
    for t in th:
        check(t.get("crashed") in (True, False), "thread %s crashed=%r" % (t.get("tid"), t.get("crashed")))


def t_registers(c):
    names = REGS[c.elf.cls]
    want, out = gdb_registers(c.prog.exe, c.prog.core, names)
    check(want, "could not parse gdb registers:\n" + out[-800:])
    th = {t.get("tid"): t for t in c.doc.get("threads", [])}
    errs = []
    for lwp, regs in sorted(want.items()):
        missing = [n for n in names if n not in regs]
        check(not missing, "gdb did not print %s for LWP %d" % (missing, lwp))
        t = th.get(lwp)
        if t is None:
            errs.append("no thread %d" % lwp)
            continue
        have = t.get("registers") or {}
        for n in names:
            if n not in have:
                errs.append("tid %d: no register %s" % (lwp, n))
            elif hexval(have[n], n) != regs[n]:
                errs.append("tid %d: %s = %s, gdb says 0x%x" % (lwp, n, have[n], regs[n]))
    check(not errs, "; ".join(errs[:12]) + (" ..." if len(errs) > 12 else ""))


def is_file_backed(m):
    return m["path"].startswith("/")


def t_mappings(c):
    maps = c.o["maps"]
    got = c.doc.get("mappings")
    check(isinstance(got, list), "mappings is not a list")
    loads = c.elf.loads()
    # The relation this test relies on: one PT_LOAD per maps line.
    check_eq([(p["vaddr"], p["vaddr"] + p["memsz"]) for p in loads],
             [(m["start"], m["end"]) for m in maps], "PT_LOADs vs /proc/self/maps (kernel)")
    check_eq(len(got), len(maps), "number of mappings (one per maps line)")
    errs = []
    for g, m, p in zip(got, maps, loads):
        where = "%x-%x %s" % (m["start"], m["end"], m["path"] or "(anon)")
        if (hexval(g.get("start"), "start"), hexval(g.get("end"), "end")) != (m["start"], m["end"]):
            errs.append("%s: coroner has %s-%s" % (where, g.get("start"), g.get("end")))
            continue
        off = hexval(g.get("offset"), "offset")
        if off != (m["offset"] if is_file_backed(m) else 0):
            errs.append("%s: offset %s, maps says 0x%x" % (where, g.get("offset"), m["offset"]))
        path = g.get("path")
        if is_file_backed(m):
            if path != m["path"]:
                errs.append("%s: path %r" % (where, path))
        elif path not in (None, "", m["path"]):
            errs.append("%s: anonymous mapping has path %r" % (where, path))
        ic = g.get("in_core")
        want = (True if p["filesz"] == p["memsz"] else False if p["filesz"] == 0
                else "partial")
        if ic != want:
            errs.append("%s: in_core %r, PT_LOAD filesz 0x%x memsz 0x%x wants %r"
                        % (where, ic, p["filesz"], p["memsz"], want))
    check(not errs, "; ".join(errs[:10]) + (" ..." if len(errs) > 10 else ""))


def t_labels(c):
    """[vdso], [vsyscall], [stack] as the kernel names them in maps; one
    [stack:TID] per other thread, on an anonymous mapping."""
    got = c.doc["mappings"]
    errs = []
    for g, m in zip(got, c.o["maps"]):
        want = m["path"] if m["path"] in ("[vdso]", "[vsyscall]", "[stack]") else None
        lab = g.get("label")
        if lab and lab.startswith("[stack:"):
            tid = int(lab[7:-1])
            if tid not in c.o["tids"] or tid == c.o["main_tid"] or m["path"]:
                errs.append("%s on %x-%x (%r)" % (lab, m["start"], m["end"], m["path"]))
            continue
        if lab != want:
            errs.append("%x-%x %r: label %r" % (m["start"], m["end"], m["path"], lab))
    check(not errs, "; ".join(errs))
    stacks = [g["label"] for g in got if (g.get("label") or "").startswith("[stack:")]
    check_eq(len(stacks), len(c.o["tids"]) - 1, "thread stack labels %r" % stacks)


def mapping_of(c, addr):
    for m in c.o["maps"]:
        if m["start"] <= addr < m["end"]:
            return m
    return None


def t_read(c, label, addr, data):
    m = mapping_of(c, addr)
    check(m is not None, "oracle address 0x%x of %s not in maps" % (addr, label))
    r = coroner(c.build, "read", c.prog.core, "0x%x" % addr, str(len(data)), "--raw",
                ok_codes=(0,))
    if r.out != data:
        n = next((i for i in range(min(len(r.out), len(data))) if r.out[i] != data[i]),
                 min(len(r.out), len(data)))
        raise Fail("read 0x%x %d (%s, in %s): %d bytes back, first difference at +%d: "
                   "got %s want %s" % (addr, len(data), label, m["path"] or "anon",
                                       len(r.out), n, r.out[n:n + 8].hex(), data[n:n + 8].hex()))


def t_read_hexdump(c, addr, data):
    r = coroner(c.build, "read", c.prog.core, "0x%x" % addr, "16", ok_codes=(0,))
    text = re.sub(r"[\s]", "", r.text.lower())
    check(data[:8].hex() in text or " ".join("%02x" % b for b in data[:4]) in r.text.lower(),
          "hexdump of 0x%x does not show %s: %r" % (addr, data[:8].hex(), r.text[:200]))


def t_read_json(c, addr, data):
    """read --json: one document; over a gap, the bytes before it and the error."""
    import json
    r = coroner(c.build, "read", c.prog.core, "0x%x" % addr, str(len(data)), "--json",
                ok_codes=(0,))
    doc = json.loads(r.text)
    check_eq(doc.get("bytes"), data.hex(), "bytes of read --json at 0x%x" % addr)
    check_eq(doc.get("size"), len(data), "size of read --json")
    check(doc.get("error") is None, "error of a good read: %r" % doc.get("error"))
    # the last 8 bytes of a writable mapping (dumped) followed by a gap
    maps = c.o["maps"]
    gap = next((a for a, b in zip(maps, maps[1:])
                if b["start"] > a["end"] and "w" in a["perms"] and "p" in a["perms"]), None)
    if gap is None:
        return
    end = gap["end"]
    r = coroner(c.build, "read", c.prog.core, "0x%x" % (end - 8), "32", "--json",
                ok_codes=(1,))
    doc = json.loads(r.text)  # one document, also when the read fails
    check_eq(doc.get("size"), 8, "bytes read before the gap at 0x%x" % end)
    check_eq(len(doc.get("bytes", "")), 16, "hex digits before the gap")
    check(doc.get("error") and re.search(r"0x0*%x\b" % end, doc["error"], re.I),
          "error does not name 0x%x: %r" % (end, doc.get("error")))


def unmapped_addresses(c):
    maps = c.o["maps"]
    res = [c.o["fault"][0]] if mapping_of(c, c.o["fault"][0]) is None else []
    for a, b in zip(maps, maps[1:]):
        if b["start"] > a["end"]:
            res.append(a["end"])          # first byte of a gap
            res.append(b["start"] - 16)   # last bytes of a gap
            break
    return res


def t_unmapped(c, addr):
    r = coroner(c.build, "read", c.prog.core, "0x%x" % addr, "16", "--raw")
    check_eq(r.rc, 1, "exit code of read at unmapped 0x%x" % addr)
    check(r.out == b"", "read at unmapped 0x%x printed %r" % (addr, r.out[:40]))
    check(re.search(r"0x0*%x\b" % addr, r.err, re.I),
          "message does not name 0x%x: %r" % (addr, r.err.strip()))


def t_notes(c):
    want, out = readelf_notes(c.prog.core)
    check(want, "could not parse readelf -n")
    got = c.doc.get("notes")
    check(isinstance(got, list), "notes is not a list")
    check_eq(len(got), len(want), "number of notes")
    mine = c.elf.notes()
    errs = []
    for i, (g, (owner, size, typ, nt), n) in enumerate(zip(got, want, mine)):
        if g.get("name") != owner:
            errs.append("#%d name %r, readelf %r" % (i, g.get("name"), owner))
        if g.get("size") != size:
            errs.append("#%d size %r, readelf %d" % (i, g.get("size"), size))
        if typ is not None and g.get("type") != typ:
            errs.append("#%d type %r, readelf 0x%x" % (i, g.get("type"), typ))
        if nt and g.get("type_name") not in (None, nt) + NT_ALIASES.get(nt, ()):
            errs.append("#%d type_name %r, readelf %s" % (i, g.get("type_name"), nt))
        off = g.get("offset")
        offv = hexval(off, "note offset") if isinstance(off, str) else off
        if offv != n[4]:
            errs.append("#%d offset %r, descriptor is at 0x%x" % (i, off, n[4]))
    check(not errs, "; ".join(errs[:10]))


def t_auxv(c):
    want, out = gdb_auxv(c.prog.exe, c.prog.core)
    check(want, "could not parse gdb info auxv:\n" + out[-600:])
    got = c.doc.get("auxv")
    check(isinstance(got, list), "auxv is not a list")
    # gdb lists the terminating AT_NULL; coroner may leave it out.
    if len(got) == len(want) - 1 and want[-1][0] == 0:
        want = want[:-1]
    check_eq(len(got), len(want), "number of auxv entries (gdb: %s)"
             % [w[1] if w[1] != "???" else w[0] for w in want])
    errs = []
    for i, (g, (num, name, val)) in enumerate(zip(got, want)):
        t = g.get("type")
        names = {name} if name != "???" else ({AT_EXTRA[num]} if num in AT_EXTRA else set())
        if not (t == num or t in names):
            errs.append("#%d type %r, gdb %d %s" % (i, t, num, name))
        if hexval(g.get("value"), "auxv value") != val & ((1 << c.elf.cls) - 1):
            errs.append("#%d %s value %r, gdb 0x%x" % (i, name, g.get("value"), val))
    check(not errs, "; ".join(errs[:10]))


def contract_view(d):
    """The parts of a --json document the contract fixes (report may add more,
    e.g. frames per thread)."""
    v = {k: d.get(k) for k in ("process", "signal", "crashed_tid", "mappings", "auxv",
                               "notes")}
    v["threads"] = [{k: t.get(k) for k in ("tid", "crashed", "registers")}
                    for t in d.get("threads") or []]
    return v


def t_same_doc(c):
    """Every subcommand's --json is the same document; `coroner CORE --json` too."""
    import json
    base = contract_view(c.doc)
    for sub in (["info"], ["threads"], ["maps"], ["notes"], ["auxv"], []):
        r = coroner(c.build, *sub, c.prog.core, "--json", ok_codes=(0,))
        d = contract_view(json.loads(r.text))
        for k in base:
            check_eq(d.get(k), base.get(k), "`%s --json` key %s" % (" ".join(sub) or "CORE", k))


def main():
    from coretest import build_dir
    build = build_dir()
    rep = Reporter()
    only = os.environ.get("COR_VARIANTS")
    names = only.split(",") if only else list(VARIANTS)
    for name in names:
        try:
            c = Ctx(build, name)
        except Skip as e:
            rep.skip("core_model/%s" % name, e)
            continue
        except Fail as e:
            rep.fail("core_model/%s" % name, e)
            continue
        pre = "core_model/%s/" % name
        rep.run(pre + "process", t_process, c)
        rep.run(pre + "signal", t_signal, c)
        rep.run(pre + "threads", t_threads, c)
        rep.run(pre + "registers", t_registers, c)
        rep.run(pre + "mappings", t_mappings, c)
        rep.run(pre + "mapping-labels", t_labels, c)
        for label, addr, data in c.o["bytes"]:
            rep.run(pre + "read/" + label, t_read, c, label, addr, data)
        label, addr, data = c.o["bytes"][0]
        rep.run(pre + "read/hexdump", t_read_hexdump, c, addr, data)
        rep.run(pre + "read/json", t_read_json, c, addr, data)
        for a in unmapped_addresses(c):
            rep.run(pre + "read/unmapped-0x%x" % a, t_unmapped, c, a)
        rep.run(pre + "notes", t_notes, c)
        rep.run(pre + "auxv", t_auxv, c)
        if name == "pie":
            rep.run(pre + "json-same-document", t_same_doc, c)
    rep.done()


if __name__ == "__main__":
    main()

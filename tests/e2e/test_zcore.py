"""Cores where they really are: compressed, piped, systemd-coredump's files.

  same-json    cores compressed by the zstd, lz4, xz and gzip tools give the
               JSON report of the uncompressed core (but for core.path and
               core.compression), read as a file, from a pipe (`-`) and
               from a FIFO; the text says "zstd-compressed"; the plain core
               through a pipe too
  truncated    a .zst cut in the middle: exit 3, a warning naming the file
               ("truncated zstd data"), the threads still there (partial);
               a corrupt one (bytes overwritten): "corrupt zstd data"; a
               .zst of no ELF file: "not an ELF file", exit 1
  max-size     --max-core-size below the core's size: a warning (the limit),
               exit 3, the core truncated there
  exe-order    `coroner EXE CORE.zst` and `coroner EXE -` (gdb's order) take
               the compressed core as the core, EXE as the executable
  fifo-other   a FIFO given as anything but the core (--exe) is still
               refused ("not a regular file"), without blocking
  bigheap      a 256 MiB-heap core, zstd-compressed, through `bt`: peak
               memory (ru_maxrss from os.wait4) under 64 MiB, the temporary
               file unlinked (TMPDIR is left empty); under ASan only read, the
               memory not measured
  sparse4g     a 4 GiB heap of which one page a MiB was written (crashme
               --sparse 4096: a core of 4 GiB, sparse on disk), compressed by
               the zstd tool a frame an extent (its holes frames of zeros, so
               that nothing reads 4 GiB of zeros to compress them; RFC 8878's
               frames concatenated): `bt` and `read` under 64 MiB of peak
               memory, the bytes read = the program's record
  xattrs       user.coredump.* set with os.setxattr on copies: info shows
               them, JSON has the "coredump" object (null without); `coroner
               list DIR` lists newest first by user.coredump.timestamp, and a
               file without attributes from its name
               (core.COMM.UID.BOOTID.PID.USEC.zst) and its notes. Skipped
               where the file system refuses user xattrs.
"""
import atexit
import errno
import json
import os
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Fail, Reporter, Skip, check, check_eq, coroner, scratch_dir  # noqa: E402

TOOLS = {
    "zstd": (["zstd", "-q", "-c"], ".zst"),
    "lz4": (["lz4", "-q", "-c"], ".lz4"),
    "xz": (["xz", "-c", "-T1"], ".xz"),
    "gzip": (["gzip", "-c"], ".gz"),
}


def compress(tool, src, dst):
    cmd, _ = TOOLS[tool]
    if not shutil.which(cmd[0]):
        raise Skip("no %s tool" % cmd[0])
    with open(src, "rb") as i, open(dst, "wb") as o:
        subprocess.run(cmd, stdin=i, stdout=o, check=True)


def normalized(doc):
    doc = dict(doc)
    core = dict(doc["core"])
    for k in ("path", "compression"):
        core.pop(k, None)
    doc["core"] = core
    return doc


def run_stdin(build, args, data_path, ok_codes=(0, 3)):
    exe = ct.coroner_path(build)
    with open(data_path, "rb") as f:
        p = subprocess.run([exe] + args, stdin=f, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
    err = p.stderr.decode("utf-8", "replace")
    for m in ct.SAN_MARKERS:
        check(m not in err, "sanitizer report: " + err[-2000:])
    check(p.returncode in ok_codes, "%s < %s: exit %d: %s" % (args, data_path, p.returncode,
                                                              err[-500:]))
    return p


def json_of(build, *args):
    r = coroner(build, "report", "--json", *args, ok_codes=(0, 3))
    return json.loads(r.text), r


def t_same_json(build, d, core):
    want, wr = json_of(build, core)
    check_eq(want["core"]["compression"], None, "the plain core's compression")
    check_eq(want["coredump"], None, "coredump of a core without xattrs")
    # the plain core through a pipe
    p = run_stdin(build, ["report", "--json", "-"], core)
    check_eq(p.returncode, wr.rc, "exit of the piped plain core")
    check_eq(normalized(ct.json_doc(p.stdout.decode())), normalized(want), "plain core through a pipe")
    for tool, (_, ext) in TOOLS.items():
        z = os.path.join(d, "core" + ext)
        compress(tool, core, z)
        got, r = json_of(build, z)
        check_eq(r.rc, wr.rc, "exit for the %s core" % tool)
        check_eq(got["core"]["compression"], tool, "core.compression")
        check_eq(normalized(got), normalized(want), "JSON of the %s core" % tool)
        p = run_stdin(build, ["report", "--json", "-"], z)
        check_eq(normalized(ct.json_doc(p.stdout.decode())), normalized(want),
                 "JSON of the %s core through a pipe" % tool)
        t = coroner(build, "info", z, ok_codes=(0, 3)).text
        check("%s-compressed" % tool in t.splitlines()[0], "info's core line: " + t[:200])
    # a FIFO named as the core (and /dev/stdin)
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    z = os.path.join(d, "core.zst")

    def feed():
        with open(fifo, "wb") as f, open(z, "rb") as i:
            shutil.copyfileobj(i, f)
    th = threading.Thread(target=feed)
    th.start()
    got, r = json_of(build, fifo)
    th.join()
    check_eq(normalized(got), normalized(want), "JSON of the zstd core through a FIFO")
    p = run_stdin(build, ["report", "--json", "/dev/stdin"], z)
    check_eq(normalized(ct.json_doc(p.stdout.decode())), normalized(want), "JSON through /dev/stdin")


def t_truncated(build, d, core):
    z = os.path.join(d, "core.zst")
    compress("zstd", core, z)
    with open(z, "rb") as f:
        data = f.read()
    cut = os.path.join(d, "cut.zst")
    with open(cut, "wb") as f:
        f.write(data[:len(data) * 3 // 4])
    for args in (["info", cut], ["bt", cut]):
        r = coroner(build, *args, ok_codes=(3,))
        check("%s: truncated zstd data" % cut in r.err, "no warning naming the file: " + r.err)
    doc, r = json_of(build, cut)
    check_eq(r.rc, 3, "exit of the cut core's report")
    msgs = ct.warning_texts(doc)
    check(any("%s: truncated zstd data" % cut in m for m in msgs),
          "JSON warnings: %s" % doc["warnings"])
    check(doc["threads"], "no threads from the part that decoded")
    p = run_stdin(build, ["info", "-"], cut, ok_codes=(3,))
    check(b"(stdin): truncated zstd data" in p.stderr, "piped: " + p.stderr.decode()[-300:])
    bad = bytearray(data)
    mid = len(bad) // 2
    bad[mid:mid + 64] = b"\xff" * 64
    corrupt = os.path.join(d, "corrupt.zst")
    with open(corrupt, "wb") as f:
        f.write(bad)
    r = coroner(build, "info", corrupt, ok_codes=(1, 3))
    check("corrupt zstd data" in r.err, "corrupt stream: " + r.err)
    check(corrupt in r.err, "the warning names the file: " + r.err)
    notelf = os.path.join(d, "notelf")
    with open(notelf, "wb") as f:
        f.write(b"hello " * 1000)
    compress("zstd", notelf, notelf + ".zst")
    r = coroner(build, "info", notelf + ".zst", ok_codes=(1,))
    check("not an ELF file" in r.err, "not an ELF file: " + r.err)


def t_max_size(build, d, core):
    z = os.path.join(d, "core.zst")
    compress("zstd", core, z)
    r = coroner(build, "info", "--max-core-size", "1M", z, ok_codes=(3,))
    check("limit of 1048576 bytes" in r.err, "no limit warning: " + r.err)
    check("TRUNCATED" in r.text, "info does not say truncated: " + r.text[:300])
    coroner(build, "info", "--max-core-size", "x", z, ok_codes=(2,))


def t_exe_order(build, d, core, exe):
    z = os.path.join(d, "core.zst")
    compress("zstd", core, z)
    want, _ = json_of(build, core)
    for args in ([exe, z], ["--exe", exe, z]):
        got, _ = json_of(build, *args)
        check_eq(got["core"]["path"], z, "the core of %s" % args)
        check_eq([m["path"] for m in got["modules"]], [m["path"] for m in want["modules"]],
                 "modules with %s" % args)
    p = run_stdin(build, ["info", exe, "-"], z)
    check(p.stdout.startswith(b"core:       - (zstd-compressed"), "EXE - : %r" % p.stdout[:80])


def t_fifo_other(build, d, core):
    fifo = os.path.join(d, "fifo-exe")
    os.mkfifo(fifo)
    r = coroner(build, "info", "--exe", fifo, core, ok_codes=(3,), timeout=20)
    check("not a regular file" in r.err, "a FIFO as --exe: " + r.err)


def peak_kib(build, args, tmp):
    """The peak memory (KiB, os.wait4's ru_maxrss) of coroner ARGS run with
    TMPDIR=tmp, which it must leave empty."""
    env = dict(os.environ, TMPDIR=tmp)
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen([ct.coroner_path(build)] + list(args), stdout=null,
                             stderr=subprocess.PIPE, env=env)
        err = p.stderr.read()
        _, status, ru = os.wait4(p.pid, 0)
    rc = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") \
        else status >> 8
    check(rc in (0, 3), "%s: exit %d: %s" % (" ".join(args), rc, err[-400:]))
    check_eq(os.listdir(tmp), [], "files left in TMPDIR")
    return ru.ru_maxrss


def check_peak(build, kib, what):
    # not under ASan: its shadow memory and quarantine are no property of coroner
    if os.path.basename(build) != "build-asan":
        check(kib < 64 << 10, "%s: peak memory %d KiB, not under 64 MiB" % (what, kib))


def t_bigheap(build, d):
    prog = ct.variant("bigheap")
    check(os.path.getsize(prog.core) > 256 << 20, "the bigheap core is small")
    z = os.path.join(d, "big.zst")
    compress("zstd", prog.core, z)
    tmp = os.path.join(d, "tmpdir")
    os.mkdir(tmp)
    check_peak(build, peak_kib(build, ["bt", z], tmp), "bt of the 256 MiB heap")


def extents(path):
    """[(offset, length, is_data)] of a file, from SEEK_DATA/SEEK_HOLE."""
    out, off = [], 0
    with open(path, "rb") as f:
        fd, size = f.fileno(), os.fstat(f.fileno()).st_size
        while off < size:
            try:
                data = os.lseek(fd, off, os.SEEK_DATA)
            except OSError as e:
                if e.errno != errno.ENXIO:
                    raise
                data = size
            if data > off:
                out.append((off, data - off, False))
            if data >= size:
                break
            hole = os.lseek(fd, data, os.SEEK_HOLE)
            out.append((data, hole - data, True))
            off = hole
    return out


def zstd_by_extent(src, dst, d):
    """src compressed by the zstd tool, each data extent a frame of its own
    and each hole frames of zeros (of 64 MiB, 16 MiB ... 4 KiB and the rest,
    each made once), all concatenated: the holes are never read."""
    if not shutil.which("zstd"):
        raise Skip("no zstd tool")
    parts = os.path.join(d, "parts")
    os.mkdir(parts)
    zeros = {}

    def zero_frame(n):
        if n not in zeros:
            zeros[n] = subprocess.run(["zstd", "-q", "-c"], input=bytes(n),
                                      stdout=subprocess.PIPE, check=True).stdout
        return zeros[n]
    plan, names = extents(src), []
    with open(src, "rb") as f:
        for i, (off, n, data) in enumerate(plan):
            if data:
                f.seek(off)
                names.append(os.path.join(parts, "%06d" % i))
                with open(names[-1], "wb") as o:
                    o.write(f.read(n))
    subprocess.run(["zstd", "-q", "--rm"] + names, check=True)  # NAME.zst each
    with open(dst, "wb") as o:
        for i, (off, n, data) in enumerate(plan):
            if data:
                with open(os.path.join(parts, "%06d.zst" % i), "rb") as z:
                    o.write(z.read())
                continue
            for unit in (64 << 20, 16 << 20, 4 << 20, 1 << 20, 256 << 10, 64 << 10, 16 << 10, 4096):
                o.write(zero_frame(unit) * (n // unit))
                n %= unit
            if n:
                o.write(zero_frame(n))
    shutil.rmtree(parts)


def t_sparse4g(build, d):
    exe = ct.build_program("crashme.c", "crashme-pie", ct.VARIANTS["pie"][0])
    _, core, oracle = ct.crash_program(exe, ["--threads", "1", "--sparse", "4096"], "sparse4g")
    st = os.stat(core)
    check(st.st_size > 4 << 30, "the core is %d bytes, not over 4 GiB" % st.st_size)
    if st.st_blocks * 512 > 512 << 20:
        raise Skip("the core takes %d MiB on disk: the file system keeps no holes"
                   % (st.st_blocks >> 11))
    z = os.path.join(d, "sparse.zst")
    zstd_by_extent(core, z, d)
    check(os.path.getsize(z) < 64 << 20, "the .zst is %d bytes" % os.path.getsize(z))
    tmp = os.path.join(d, "tmpdir")
    os.mkdir(tmp)
    t = time.monotonic()
    kib = peak_kib(build, ["bt", z], tmp)
    print("# sparse4g: a %d-byte core as a %d-byte .zst: bt in %.2f s, peak RSS %.1f MiB"
          % (st.st_size, os.path.getsize(z), time.monotonic() - t, kib / 1024), flush=True)
    check_peak(build, kib, "bt of the 4 GiB heap")
    o = ct.parse_oracle(oracle)
    want = {label: (addr, data) for label, addr, data in o["bytes"]}
    check("sparsemid" in want, "no sparsemid in the oracle")
    addr, data = want["sparsemid"]
    r = coroner(build, "read", z, "%#x" % addr, str(len(data)), "--raw", ok_codes=(0,),
                timeout=120)
    check_eq(r.out, data, "the bytes at %#x (the middle of the 4 GiB)" % addr)


def setx(path, attrs):
    for k, v in attrs.items():
        os.setxattr(path, "user.coredump." + k, str(v).encode())


def t_xattrs(build, d, core):
    xd = os.path.join(d, "coredump")
    os.mkdir(xd)
    old = os.path.join(xd, "core.old")
    new = os.path.join(xd, "core.new.zst")
    named = os.path.join(xd, "core.crash.me.1000.0123456789abcdef0123456789abcdef.4321."
                         "1500000000000000.zst")
    shutil.copy(core, old)
    compress("zstd", core, new)
    compress("zstd", core, named)
    try:
        setx(old, {"pid": 111, "uid": 1000, "gid": 1001, "signal": 6,
                   "timestamp": 1600000000000000, "comm": "oldcomm", "exe": "/usr/bin/old",
                   "rlimit": 18446744073709551615, "hostname": "oldhost"})
        setx(new, {"pid": 222, "uid": 0, "gid": 0, "signal": 11,
                   "timestamp": 1700000000000000, "comm": "newcomm", "exe": "/usr/bin/new",
                   "rlimit": 4096, "hostname": "newhost"})
    except OSError as e:
        if e.errno in (errno.ENOTSUP, errno.EPERM, errno.EOPNOTSUPP):
            raise Skip("the file system refuses user xattrs (%s)" % e.strerror)
        raise
    doc, _ = json_of(build, old)
    check_eq(doc["coredump"], {"pid": 111, "uid": 1000, "gid": 1001, "signal": 6,
                               "timestamp": 1600000000000000, "rlimit": "unlimited",
                               "comm": "oldcomm", "exe": "/usr/bin/old",
                               "hostname": "oldhost"}, "coredump of the plain core")
    doc, _ = json_of(build, new)
    check_eq(doc["coredump"]["rlimit"], 4096, "rlimit of the compressed core")
    check_eq(doc["coredump"]["exe"], "/usr/bin/new", "exe of the compressed core")
    t = coroner(build, "info", new, ok_codes=(0, 3)).text
    check("coredump:   pid 222, uid 0, gid 0, signal 11 (SIGSEGV), comm newcomm, host newhost"
          in t, "info: " + t[:600])
    check("exe /usr/bin/new" in t, "info's coredump exe: " + t[:600])
    r = coroner(build, "list", xd, ok_codes=(0,))
    lines = r.text.splitlines()
    check(lines[0].startswith("TIME"), "list header: %r" % lines[:1])
    order = [next(p for p in (new, old, named) if "(%s)" % p in ln) for ln in lines[1:]]
    check_eq(order, [new, old, named], "list order (newest first)")
    check(" 222 " in lines[1] and "SEGV" in lines[1] and "/usr/bin/new" in lines[1],
          "list line of the newest: " + lines[1])
    check(" 111 " in lines[2] and "ABRT" in lines[2], "list line: " + lines[2])
    check(" 4321 " in lines[3] and " 1000 " in lines[3], "pid, uid from the name: " + lines[3])
    check("SEGV" in lines[3], "signal from the notes: " + lines[3])
    js = json.loads(coroner(build, "list", xd, "--json", ok_codes=(0,)).text)["cores"]
    check_eq([e["file"] for e in js], [new, old, named], "list --json order")
    check_eq([e["source"] for e in js], ["xattrs", "xattrs", "name"], "list --json sources")
    check_eq(js[0]["size"], os.path.getsize(new), "size of the file")
    r = coroner(build, "list", os.path.join(d, "nonexistent"), ok_codes=(1,))
    check("nonexistent" in r.err, "a missing directory: " + r.err)


def main():
    build = ct.build_dir()
    rep = Reporter()
    if not os.access(os.path.join(build, "coroner"), os.X_OK):
        rep.skip("zcore", "%s/coroner not built" % build)
        rep.done()
    d = scratch_dir("zcore-")
    atexit.register(shutil.rmtree, d, True)
    try:
        prog = ct.variant("pie")
        core = prog.core
    except Skip as e:
        rep.skip("zcore", e)
        rep.done()
    for name, fn, args in (("same-json", t_same_json, (core,)),
                           ("truncated", t_truncated, (core,)),
                           ("max-size", t_max_size, (core,)),
                           ("exe-order", t_exe_order, (core, prog.exe)),
                           ("fifo-other", t_fifo_other, (core,)),
                           ("bigheap", t_bigheap, ()),
                           ("sparse4g", t_sparse4g, ()),
                           ("xattrs", t_xattrs, (core,))):
        sub = os.path.join(d, name)
        os.mkdir(sub)
        rep.run("zcore/" + name, fn, build, sub, *args)
    rep.done()


if __name__ == "__main__":
    main()

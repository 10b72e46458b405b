"""Shared helpers for coroner's end-to-end tests (python3 stdlib only).

- Reporter: prints "ok NAME", "FAIL NAME: why", "skip NAME: why" and the
  closing "N passed, N failed, N skipped" line.
- build_program / crash_program / variant: compile tests/programs/*.c with
  given flags and run it until it dumps a kernel core (in its own directory),
  cached per run under $COR_TEST_CACHE (tests/run.sh sets it) or tests/tmp/cache.
- coroner(): runs build/coroner, flags sanitizer reports and signals.
- json_doc(): every --json document parsed and validated against
  doc/coroner.schema.json (coroner() does it for each run with --json).
- independent oracles: the program's own oracle.txt, a small ELF parser,
  gdb -batch, readelf -n/-l, eu-readelf -n.
"""
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import traceback

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(TESTS)
PROGRAMS = os.path.join(TESTS, "programs")


class Skip(Exception):
    pass


class Fail(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Fail(why)


def check_eq(actual, expected, what):
    if actual != expected:
        raise Fail("%s: expected %r, got %r" % (what, expected, actual))


# ---- reporter -------------------------------------------------------------

class Reporter:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def ok(self, name):
        self.passed += 1
        print("ok %s" % name, flush=True)

    def fail(self, name, why):
        self.failed += 1
        why = str(why).replace("\n", "\n    ")
        print("FAIL %s: %s" % (name, why), flush=True)

    def skip(self, name, why):
        self.skipped += 1
        print("skip %s: %s" % (name, why), flush=True)

    def run(self, name, fn, *args, **kw):
        """Runs fn; Fail -> FAIL, Skip -> skip, other exceptions -> FAIL."""
        try:
            fn(*args, **kw)
        except Skip as e:
            self.skip(name, e)
        except Fail as e:
            self.fail(name, e)
        except Exception as e:  # a bug in the test or an unexpected output
            tb = traceback.format_exc().strip().splitlines()
            self.fail(name, "%s: %s (%s)" % (type(e).__name__, e, tb[-3].strip()
                                              if len(tb) >= 3 else ""))
        else:
            self.ok(name)

    def done(self):
        print("%d passed, %d failed, %d skipped"
              % (self.passed, self.failed, self.skipped), flush=True)
        sys.exit(1 if self.failed else 0)


# ---- paths, cache ---------------------------------------------------------

def build_dir():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: %s BUILD_DIR\n" % sys.argv[0])
        sys.exit(2)
    return os.path.abspath(sys.argv[1])


def coroner_path(build):
    return os.path.join(build, "coroner")


def cache_dir():
    d = os.environ.get("COR_TEST_CACHE") or os.path.join(TESTS, "tmp", "cache")
    os.makedirs(d, exist_ok=True)
    return os.path.abspath(d)


def scratch_dir(prefix="scratch-"):
    return tempfile.mkdtemp(prefix=prefix, dir=cache_dir())


# ---- building and crashing programs ----------------------------------------

def _key(*parts):
    h = hashlib.sha1()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:12]


def build_program(source, name, flags, cc="gcc"):
    """Compiles tests/programs/SOURCE into the cache; returns the binary path."""
    src = os.path.join(PROGRAMS, source)
    with open(src, "rb") as f:
        text = f.read()
    d = os.path.join(cache_dir(), "bin-%s-%s" % (name, _key(text, cc, *flags)))
    exe = os.path.join(d, name)
    if os.path.exists(exe):
        return exe
    os.makedirs(d, exist_ok=True)
    tmp = exe + ".tmp"
    cmd = [cc] + list(flags) + ["-o", tmp, src]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    if p.returncode != 0:
        raise Skip("cannot build %s: %s: %s" % (name, " ".join(cmd),
                                                 p.stdout.strip()[-400:]))
    os.rename(tmp, exe)
    return exe


def _child_setup():
    resource.setrlimit(resource.RLIMIT_CORE,
                       (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for s in (signal.SIGSEGV, signal.SIGABRT, signal.SIGPIPE, signal.SIGALRM):
        signal.signal(s, signal.SIG_DFL)


def core_pattern():
    try:
        with open("/proc/sys/kernel/core_pattern") as f:
            return f.read().strip()
    except OSError:
        return ""


def _find_core(d, pid):
    for n in ("core", "core.%d" % pid):
        if os.path.exists(os.path.join(d, n)):
            return os.path.join(d, n)
    return None


def sh(*cmd, cwd=None):
    """Runs a build step (a compiler, strip, objcopy ...); its output, or a
    Skip saying what failed."""
    p = subprocess.run(list(cmd), cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    if p.returncode != 0:
        raise Skip("`%s` failed: %s" % (" ".join(cmd), p.stdout.strip()[-300:]))
    return p.stdout


def crash_program(exe, args, name, timeout=120):
    """Runs EXE ARGS in its own directory until it dumps core.

    Returns (dir, core path, oracle path); the program's stdout and stderr
    are in dir/stdout.txt, dir/stderr.txt. Cached by exe and args. Uses the
    kernel's core (core_pattern "core" / "core.PID") or, failing that, gdb's
    gcore (the oracle's fault is then the one gdb stopped at). Skips when
    neither works."""
    d = os.path.join(cache_dir(), "run-%s-%s" % (name, _key(exe, *args)))
    done = os.path.join(d, "DONE")
    if os.path.exists(done):
        with open(done) as f:
            core = f.read().strip()
        return d, core, os.path.join(d, "oracle.txt")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    pat = core_pattern()
    core = None
    why = ""
    if not pat.startswith("|"):
        try:
            p = subprocess.Popen([exe] + list(args), cwd=d, preexec_fn=_child_setup,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as e:
            raise Skip("this machine cannot run %s (%s)" % (os.path.basename(exe), e.strerror))
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            raise Skip("%s did not crash within %ds" % (name, timeout))
        # what the C library printed before it died: an oracle of its own
        for n, data in (("stdout.txt", out), ("stderr.txt", err)):
            with open(os.path.join(d, n), "wb") as f:
                f.write(data)
        core = _find_core(d, p.pid)
        if core is None:
            why = ("no core from the kernel (exit %d, core_pattern %r)"
                   % (p.returncode, pat))
    else:
        why = "core_pattern pipes to %r" % pat
    if core is None:
        if not shutil.which("gdb"):
            raise Skip(why + "; no gdb for gcore")
        for n in os.listdir(d):
            os.unlink(os.path.join(d, n))
        g = subprocess.run(["gdb", "-batch", "-nx", "-ex", "run", "-ex", "gcore core",
                            "--args", exe] + list(args), cwd=d,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=timeout,
                           preexec_fn=_child_setup)
        core = _find_core(d, 0)
        if core is None:
            raise Skip(why + "; gcore failed too: " + g.stdout[-300:])
    oracle = os.path.join(d, "oracle.txt")
    if not os.path.exists(oracle):
        raise Skip("%s wrote no oracle" % name)
    with open(done, "w") as f:
        f.write(core)
    return d, core, oracle


# The programs the core-model tests run. name -> (flags, run args).
COMMON = ["-g", "-O1", "-pthread", "-fno-omit-frame-pointer"]
VARIANTS = {
    "pie": (COMMON + ["-fPIE", "-pie"], ["--threads", "4"]),
    "nopie": (COMMON + ["-fno-pie", "-no-pie"], ["--threads", "4"]),
    "static": (COMMON + ["-static"], ["--threads", "4"]),
    "m32": (COMMON + ["-m32"], ["--threads", "4"]),
    "bigheap": (COMMON + ["-fPIE", "-pie"], ["--threads", "1", "--heap", "256"]),
    "threads40": (COMMON + ["-fno-pie", "-no-pie"], ["--threads", "40"]),
    "accerr": (COMMON + ["-fno-pie", "-no-pie"], ["--threads", "1", "--mode", "accerr"]),
    "abort": (COMMON + ["-fPIE", "-pie"], ["--threads", "2", "--mode", "abort"]),
}


class Program:
    """One crashed program: exe, core, oracle, plus the parsed oracle."""

    def __init__(self, name, exe, core, oracle):
        self.name, self.exe, self.core = name, exe, core
        self.oracle = parse_oracle(oracle)


def variant(name):
    flags, args = VARIANTS[name]
    exe = build_program("crashme.c", "crashme-" + name, flags)
    _, core, oracle = crash_program(exe, args, name)
    return Program(name, exe, core, oracle)


def parse_maps_line(line):
    parts = line.split(None, 5)
    start, end = (int(x, 16) for x in parts[0].split("-"))
    path = parts[5].strip() if len(parts) > 5 else ""
    return {"start": start, "end": end, "perms": parts[1],
            "offset": int(parts[2], 16), "inode": int(parts[4]), "path": path}


def parse_oracle(path):
    o = {"tids": [], "main_tid": None, "bytes": [], "maps": []}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            key, _, rest = line.partition(" ")
            if key in ("pid", "ppid", "uid", "gid"):
                o[key] = int(rest)
            elif key == "comm":
                o["comm"] = rest
            elif key == "cmdline":
                o["cmdline"] = bytes.fromhex(rest[2:])
            elif key == "tid":
                tid, kind = rest.split()
                o["tids"].append(int(tid))
                if kind == "main":
                    o["main_tid"] = int(tid)
            elif key == "fault":
                a, s, c = rest.split()
                o["fault"] = (int(a, 16), int(s), int(c))
            elif key == "bytes":
                label, addr, hx = rest.split()
                o["bytes"].append((label, int(addr, 16), bytes.fromhex(hx)))
            elif key == "map":
                o["maps"].append(parse_maps_line(rest))
            elif key == "end":
                o["complete"] = True
    check(o.get("complete"), "oracle %s is incomplete" % path)
    return o


def psargs_from_cmdline(cmdline):
    """What the kernel puts in pr_psargs: the first ELF_PRARGSZ-1 (79) bytes of
    the argument area, NULs turned into spaces. The trailing space (from the
    last NUL) is not significant: we compare with trailing blanks stripped."""
    s = cmdline[:79].replace(b"\0", b" ")
    return s.decode("utf-8", "replace").rstrip()


# ---- running coroner -------------------------------------------------------

SAN_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
               "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer",
               "ERROR: ThreadSanitizer")


def san_summary(err, frames=4):
    """The report line and the first frames of a sanitizer report."""
    lines = err.splitlines()
    for i, l in enumerate(lines):
        if any(m in l for m in SAN_MARKERS):
            out = [l.strip()]
            out += [x.strip() for x in lines[i + 1:i + 12] if x.strip().startswith("#")][:frames]
            return "\n".join(out)
    return err[-1000:]


class Result:
    def __init__(self, cmd, rc, out, err):
        self.cmd, self.rc, self.out, self.err = cmd, rc, out, err

    @property
    def text(self):
        return self.out.decode("utf-8", "replace")

    def describe(self):
        return "`%s` exit %s, stderr: %s" % (
            " ".join(os.path.basename(c) if i == 0 else c
                     for i, c in enumerate(self.cmd)),
            self.rc, self.err.strip()[-600:] or "(empty)")


SCHEMA = os.path.join(REPO, "doc", "coroner.schema.json")
_validator = []


def schema_validator(kind=None):
    """A Draft 2020-12 validator of doc/coroner.schema.json (of its document
    KIND, "report", "read", "list" or "print", if given), or None without
    python3-jsonschema (.ci/run installs it; test_schema.py skips saying so)."""
    if not _validator:
        try:
            import jsonschema
        except ImportError:
            _validator.append(None)
        else:
            with open(SCHEMA) as f:
                schema = json.load(f)
            jsonschema.Draft202012Validator.check_schema(schema)
            v = {None: jsonschema.Draft202012Validator(schema)}
            for k in ("report", "read", "list", "print"):
                one = dict(schema)
                del one["oneOf"]
                one["$ref"] = "#/$defs/" + k
                v[k] = jsonschema.Draft202012Validator(one)
            _validator.append(v)
    return _validator[0] and _validator[0][kind]


def schema_errors(doc):
    """What in doc does not match the schema: ["path: message", ...], for
    the kind of document it looks like (the schema's oneOf says only that
    none of the three matched)."""
    v = schema_validator()
    if v is None:
        return []
    kind = "report"
    if isinstance(doc, dict) and "cores" in doc:
        kind = "list"
    elif isinstance(doc, dict) and "bytes" in doc and "core" not in doc:
        kind = "read"
    elif isinstance(doc, dict) and "expression" in doc:
        kind = "print"
    errs = list(schema_validator(kind).iter_errors(doc)) or list(v.iter_errors(doc))
    return ["%s: %s" % ("/".join(map(str, e.absolute_path)) or "(document)", e.message[:300])
            for e in sorted(errs, key=lambda e: list(map(str, e.absolute_path)))]


def json_doc(text, what="--json output"):
    """One JSON document of coroner's, parsed and checked against the schema."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise Fail("%s is not JSON (%s): %r" % (what, e, text[:300]))
    errs = schema_errors(doc)
    if errs:
        raise Fail("%s does not match doc/coroner.schema.json:\n%s"
                   % (what, "\n".join(errs[:8])))
    return doc


def warning_texts(doc):
    """The messages of a document's warnings ({"code", "subject", "message"})."""
    return [w["message"] for w in doc.get("warnings") or []]


def coroner(build, *args, timeout=60, ok_codes=None, cwd=None):
    """Runs coroner. Fails the test on a signal, a sanitizer report, a timeout
    or (when ok_codes is given) an exit code outside ok_codes."""
    exe = coroner_path(build)
    if not os.access(exe, os.X_OK):
        raise Skip("%s not built" % exe)
    cmd = [exe] + [str(a) for a in args]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise Fail("`%s` timed out after %ds" % (" ".join(cmd), timeout))
    err = p.stderr.decode("utf-8", "replace")
    r = Result(cmd, p.returncode, p.stdout, err)
    if p.returncode < 0:
        raise Fail("%s: killed by signal %d" % (r.describe(), -p.returncode))
    for m in SAN_MARKERS:
        if m in err:
            raise Fail("sanitizer report from `%s`:\n%s" % (" ".join(cmd), san_summary(err)))
    if p.returncode in (86, 87):  # exit codes run.sh gives ASan / UBSan
        raise Fail("%s: sanitizer exit code" % r.describe())
    if ok_codes is not None and p.returncode not in ok_codes:
        raise Fail("%s (wanted exit %s)" % (r.describe(), ok_codes))
    if "--json" in cmd and "--help" not in cmd and p.stdout.strip():
        json_doc(r.text, "`%s`" % " ".join(cmd[1:]))
    return r


def report(build, core, *extra, ok_codes=(0, 3), cwd=None):
    """`coroner report CORE --json` parsed; returns (document, Result)."""
    r = coroner(build, "report", core, "--json", *extra, ok_codes=ok_codes, cwd=cwd)
    doc = json_doc(r.text, "report --json")
    check(isinstance(doc, dict), "report --json is not an object")
    return doc, r


def hexval(v, what="value"):
    """A contract "0x..." string -> int."""
    if not isinstance(v, str) or not re.fullmatch(r"0x[0-9a-fA-F]+", v):
        raise Fail("%s: expected a \"0x...\" string, got %r" % (what, v))
    return int(v, 16)


# ---- a minimal ELF reader (independent of coroner) ---------------------------

class Elf:
    def __init__(self, path=None, data=None):
        if data is None:
            with open(path, "rb") as f:
                data = f.read()
        self.data = data
        check(data[:4] == b"\x7fELF", "%s: not ELF" % path)
        self.cls = 64 if data[4] == 2 else 32
        self.end = "<" if data[5] == 1 else ">"
        e = self.end
        if self.cls == 64:
            (self.type, self.machine, _, _, self.phoff, self.shoff, _, self.ehsize,
             self.phentsize, self.phnum) = struct.unpack_from(e + "HHIQQQIHHH", data, 16)
        else:
            (self.type, self.machine, _, _, self.phoff, self.shoff, _, self.ehsize,
             self.phentsize, self.phnum) = struct.unpack_from(e + "HHIIIIIHHH", data, 16)
        self.phdrs = []
        for i in range(self.phnum):
            off = self.phoff + i * self.phentsize
            if self.cls == 64:
                t, fl, o, va, pa, fsz, msz, al = struct.unpack_from(e + "IIQQQQQQ", data, off)
            else:
                t, o, va, pa, fsz, msz, fl, al = struct.unpack_from(e + "IIIIIIII", data, off)
            self.phdrs.append({"type": t, "flags": fl, "offset": o, "vaddr": va,
                               "filesz": fsz, "memsz": msz, "phdr_offset": off})

    def loads(self):
        return [p for p in self.phdrs if p["type"] == 1]

    def notes(self):
        """[(name, type, descsz, header offset, desc offset, segment)]"""
        out = []
        for p in self.phdrs:
            if p["type"] != 4:
                continue
            pos, end = p["offset"], p["offset"] + p["filesz"]
            while end - pos >= 12:
                namesz, descsz, typ = struct.unpack_from(self.end + "III", self.data, pos)
                name = self.data[pos + 12:pos + 12 + namesz].rstrip(b"\0").decode("ascii", "replace")
                doff = pos + 12 + ((namesz + 3) & ~3)
                out.append((name, typ, descsz, pos, doff, p))
                pos = doff + ((descsz + 3) & ~3)
        return out


# ---- gdb / readelf / eu-readelf --------------------------------------------

def need(tool):
    if not shutil.which(tool):
        raise Skip("%s not installed" % tool)


def nm_symbols(path):
    """{name: value} of the symbols `nm` lists with a value."""
    syms = {}
    for line in sh("nm", path).splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return syms


def run_tool(cmd, timeout=300):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout)
    return p.stdout.decode("utf-8", "replace")


def gdb(exe, core, *cmds):
    need("gdb")
    args = ["gdb", "-batch", "-nx", "-iex", "set auto-load off",
            "-iex", "set debuginfod enabled off"]
    for c in cmds:
        args += ["-ex", c]
    args += [exe, core] if exe else ["-c", core]
    return run_tool(args)


_THREAD_HDR = re.compile(r"^Thread \d+ \(.*?LWP (\d+)\)\)?:")


def gdb_registers(exe, core, names):
    """{lwp: {name: int}} from `thread apply all info registers NAMES`."""
    out = gdb(exe, core, "thread apply all info registers " + " ".join(names))
    regs, cur = {}, None
    for line in out.splitlines():
        m = _THREAD_HDR.match(line)
        if m:
            cur = regs.setdefault(int(m.group(1)), {})
            continue
        m = re.match(r"^(\w+)\s+(0x[0-9a-f]+)\b", line)
        if m and cur is not None and m.group(1) in names:
            cur[m.group(1)] = int(m.group(2), 16)
    return regs, out


def gdb_threads(exe, core):
    out = gdb(exe, core, "info threads")
    lwps = []
    for line in out.splitlines():
        m = re.match(r"^\*?\s+\d+\s+.*?LWP (\d+)", line)
        if m:
            lwps.append(int(m.group(1)))
    return lwps, out


def gdb_auxv(exe, core):
    """[(type number, AT_ name or '???', value)] from `info auxv`."""
    out = gdb(exe, core, "info auxv")
    res = []
    for line in out.splitlines():
        m = re.match(r"^(\d+)\s+(\S+)\s.*?\s(0x[0-9a-f]+|-?\d+)(\s+\".*\")?\s*$", line)
        if m:
            v = m.group(3)
            res.append((int(m.group(1)), m.group(2),
                        int(v, 16) if v.startswith("0x") else int(v)))
    return res, out


NOTE_TYPES = {
    "NT_PRSTATUS": 1, "NT_FPREGSET": 2, "NT_PRPSINFO": 3, "NT_TASKSTRUCT": 4,
    "NT_AUXV": 6, "NT_PRXFPREG": 0x46E62B7F, "NT_PPC_VMX": 0x100,
    "NT_PPC_VSX": 0x102, "NT_386_TLS": 0x200, "NT_386_IOPERM": 0x201,
    "NT_X86_XSTATE": 0x202, "NT_X86_SHSTK": 0x204, "NT_S390_LAST_BREAK": 0x306,
    "NT_S390_SYSTEM_CALL": 0x307, "NT_ARM_VFP": 0x400, "NT_ARM_TLS": 0x401,
    "NT_ARM_HW_BREAK": 0x402, "NT_ARM_HW_WATCH": 0x403,
    "NT_ARM_SYSTEM_CALL": 0x404, "NT_ARM_SVE": 0x405, "NT_ARM_PAC_MASK": 0x406,
    "NT_SIGINFO": 0x53494749, "NT_FILE": 0x46494C45,
}


def readelf_notes(core):
    """[(owner, size, type number or None, readelf's NT_ name or None)]"""
    need("readelf")
    out = run_tool(["readelf", "-n", "-W", core])
    res = []
    for line in out.splitlines():
        m = re.match(r"^  (\S+)\s+(0x[0-9a-f]+)\s+(NT_\w+|Unknown note type: \((0x[0-9a-f]+)\))",
                     line)
        if not m:
            continue
        nt = m.group(3) if m.group(3).startswith("NT_") else None
        typ = int(m.group(4), 16) if m.group(4) else NOTE_TYPES.get(nt)
        res.append((m.group(1), int(m.group(2), 16), typ, nt))
    return res, out


def readelf_loads(core):
    """[(offset, vaddr, filesz, memsz)] of PT_LOAD from `readelf -lW`."""
    need("readelf")
    out = run_tool(["readelf", "-l", "-W", core])
    res = []
    for line in out.splitlines():
        m = re.match(r"^\s+LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+"
                     r"(0x[0-9a-f]+)\s+(0x[0-9a-f]+)", line)
        if m:
            res.append(tuple(int(g, 16) for g in m.groups()))
    return res, out


_SKIP_KEYS = {"info.si_signo", "info.si_code", "info.si_errno", "cursig", "pid",
              "ppid", "pgrp", "sid", "utime", "stime", "cutime", "cstime", "fpvalid"}


def eu_readelf_notes(core, bits=None):
    """Parses `eu-readelf -n CORE`. Returns (prstatus list, files, raw output):
    prstatus: [{"pid", "ppid", "regs": {name: int as eu-readelf prints it}}],
    regs values already unsigned in BITS (default: the core's word size);
    files: NT_FILE entries [(start, end, offset in bytes, path)]."""
    need("eu-readelf")
    out = run_tool(["eu-readelf", "-n", core])
    bits = bits or Elf(core).cls
    mask = (1 << bits) - 1
    prs, files, cur, in_file = [], [], None, False
    for line in out.splitlines():
        m = re.match(r"^  (\S+)\s+(\d+)\s+(\S+)", line)
        if m and not line.startswith("   "):
            in_file = m.group(3) == "FILE"
            if m.group(3) == "PRSTATUS":
                cur = {"regs": {}}
                prs.append(cur)
            else:
                cur = None
            continue
        if in_file:
            fm = re.match(r"^\s+([0-9a-f]+)-([0-9a-f]+)\s+([0-9a-f]+)\s+\d+\s+(.*)$", line)
            if fm:
                files.append((int(fm.group(1), 16), int(fm.group(2), 16),
                              int(fm.group(3), 16), fm.group(4).strip()))
            continue
        if cur is None:
            continue
        for k, v in re.findall(r"([A-Za-z_][\w.]*):\s+(-?\d+|0x[0-9a-fA-F]+)(?=[\s,]|$)", line):
            if k in ("pid", "ppid"):
                cur[k] = int(v)
            if k in _SKIP_KEYS:
                continue
            n = int(v, 16) if v.startswith("0x") else int(v)
            cur["regs"][k] = n & mask
    return prs, files, out


# ---- registers: coroner's against eu-readelf's --------------------------------

def core_arch(elf):
    """The architecture of a core (an Elf): x86_64, i386, x32, aarch64,
    ppc64le (ppc64 either byte order), ppc, s390x, s390, or the e_machine."""
    if elf.cls == 32 and elf.machine in (62, 22):
        return {62: "x32", 22: "s390"}[elf.machine]
    return {62: "x86_64", 3: "i386", 183: "aarch64", 21: "ppc64le", 22: "s390x",
            20: "ppc"}.get(elf.machine, str(elf.machine))


def reg_aliases(arch, name):
    """Names coroner may use for eu-readelf's register NAME (test_foreign.py's
    docstring lists them)."""
    arch = {"x32": "x86_64", "ppc": "ppc64le", "ppc64": "ppc64le",
            "s390": "s390x"}.get(arch, arch)
    if arch == "x86_64":
        return [{"rflags": "eflags", "fs.base": "fs_base", "gs.base": "gs_base"}.get(name, name)]
    if arch == "ppc64le":
        if name.startswith("r") and name[1:].isdigit():
            return [name, "gpr" + name[1:]]
        return {"nip": ["nip", "pc"], "lr": ["lr", "link"], "cr": ["cr", "ccr"],
                "spr0": ["softe", "spr0"], "orig_gpr3": ["orig_gpr3", "orig_r3"]}.get(name, [name])
    if arch.startswith("arm"):
        # elfutils names pr_reg's cpsr "spsr"
        return {"spsr": ["cpsr"]}.get(name, [name])
    if arch == "s390x":
        if name[0] in "ra" and name[1:].isdigit():
            return [name, ("gpr" if name[0] == "r" else "acr") + name[1:]]
        return {"orig_r2": ["orig_r2", "orig_gpr2"]}.get(name, [name])
    return [name]


def compare_registers(doc, prs, arch):
    """Every register eu-readelf printed (eu_readelf_notes' prstatus list)
    against the thread with that tid in a report document. Returns (number
    of registers equal, [what differs or is missing])."""
    th = {t.get("tid"): t for t in doc.get("threads", [])}
    same, errs = 0, []
    for p in prs:
        t = th.get(p["pid"])
        if t is None:
            errs.append("no thread %d" % p["pid"])
            continue
        have = t.get("registers") or {}
        for name, val in p["regs"].items():
            al = [a for a in reg_aliases(arch, name) if a in have]
            if not al:
                errs.append("tid %d: no register %s (tried %s; coroner has %s)"
                            % (p["pid"], name, reg_aliases(arch, name), sorted(have)[:40]))
                continue
            got = hexval(have[al[0]], al[0])
            if got != val:
                errs.append("tid %d: %s = 0x%x, eu-readelf %s = 0x%x"
                            % (p["pid"], al[0], got, name, val))
            else:
                same += 1
    return same, errs

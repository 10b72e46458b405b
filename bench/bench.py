#!/usr/bin/env python3
"""bench.py BUILD_DIR: coroner against its peers (eu-stack, gdb, drgn).

Generates the workloads (programs that crash on purpose, their kernel cores),
runs every tool on the same core in the same run, interleaved round by round,
and prints median wall time and peak RSS (wait4 rusage) per tool per workload
with the ratios peer/coroner; writes the same as markdown to bench/results.md.

Environment (all optional):
  COR_BENCH_WORK      work directory (default $TMPDIR/coroner-bench; kept,
                      except the big heap core, which is always deleted)
  COR_BENCH_RUNS      measured runs per command after one warm-up run (5)
  COR_BENCH_SLOW      a peer whose first run takes longer (s) is run once (5)
  COR_BENCH_ONLY      comma list of workloads: small,threads,heap,bigbin,libc,diagnose,zcore,
                      goroutines
  COR_BENCH_THREADS   threads in the "threads" workload (2000)
  COR_BENCH_GOROUTINES goroutines in the "goroutines" workload (10000)
  COR_BENCH_HEAP_MIB  heap of the "heap" workload (4096)
  COR_BENCH_ZHEAP_MIB heap of the compressed core of the "zcore" workload (512)
  COR_BENCH_BIGBIN    "UNITS,FUNCS,CHAIN" of the "bigbin" workload (300,100,220)
  COR_BENCH_SKIP      comma list of peers to leave out (eu-stack,gdb,drgn,dlv)
  COR_BENCH_RESULTS   markdown output (bench/results.md; "-" for none)
  COR_BENCH_TIMEOUT_{CORONER,EUSTACK,GDB,DRGN,DLV}  per-run timeouts (60,300,120,120,120)
"""
import datetime
import hashlib
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
PROGS = os.path.join(BENCH, "programs")


def env_int(name, default):
    v = os.environ.get(name, "")
    return int(v) if v.strip() else default


RUNS = env_int("COR_BENCH_RUNS", 5)
SLOW = float(os.environ.get("COR_BENCH_SLOW") or 5)
NTHREADS = env_int("COR_BENCH_THREADS", 2000)
NGOROUTINES = env_int("COR_BENCH_GOROUTINES", 10000)
HEAP_MIB = env_int("COR_BENCH_HEAP_MIB", 4096)
ZHEAP_MIB = env_int("COR_BENCH_ZHEAP_MIB", 512)
BIGBIN = tuple(int(x) for x in (os.environ.get("COR_BENCH_BIGBIN") or "300,100,220").split(","))
TIMEOUT = {"coroner": env_int("COR_BENCH_TIMEOUT_CORONER", 60),
           "eu-stack": env_int("COR_BENCH_TIMEOUT_EUSTACK", 300),
           "gdb": env_int("COR_BENCH_TIMEOUT_GDB", 120),
           "drgn": env_int("COR_BENCH_TIMEOUT_DRGN", 120),
           "dlv": env_int("COR_BENCH_TIMEOUT_DLV", 120)}
ALL_WORKLOADS = ["small", "threads", "heap", "bigbin", "libc", "diagnose", "zcore", "goroutines"]
ONLY = [w for w in (os.environ.get("COR_BENCH_ONLY") or ",".join(ALL_WORKLOADS)).split(",") if w]
CC = os.environ.get("CC") or "cc"
T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- running

class Run:
    def __init__(self, wall, rss_kib, rc, timed_out, cpu=0.0):
        self.wall, self.rss_kib, self.rc, self.timed_out = wall, rss_kib, rc, timed_out
        self.cpu = cpu


def run_once(cmd, out_path, err_path, timeout, cwd=None):
    """Runs cmd once under the spawn helper: wall time, the child's peak RSS
    (wait4 ru_maxrss), exit status; killed (process group) after timeout s."""
    env = dict(os.environ)
    env.pop("DEBUGINFOD_URLS", None)     # no network lookups, for any tool
    env["LC_ALL"] = "C"
    t = time.monotonic()
    p = subprocess.Popen([SPAWN, out_path, err_path, *cmd], stdout=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, cwd=cwd, env=env, start_new_session=True)
    fired = []

    def kill():
        fired.append(1)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    timer = threading.Timer(timeout, kill)
    timer.start()
    res = p.communicate()[0].split()
    timer.cancel()
    if fired or len(res) != 4:
        return Run(time.monotonic() - t, 0, -signal.SIGKILL, bool(fired))
    return Run(int(res[0]) / 1e9, int(res[1]), os.waitstatus_to_exitcode(int(res[2])), False,
               int(res[3]) / 1e9)


FRAME_RE = re.compile(rb"^\s*#\d+\s", re.M)
THREAD_RE = re.compile(rb"^(thread \d+|TID \d+:|Thread \d+ \()", re.M)


class Row:
    """One command of one workload."""

    def __init__(self, label, tool, cmd, expect=(), vs=None):
        self.label, self.tool, self.cmd = label, tool, cmd
        self.expect = expect          # regexes (bytes) the output must contain
        self.vs = vs                  # label of the coroner row to compare with
        self.samples = []
        self.first = None
        self.frames = self.threads = 0
        self.problems = []
        self.skipped = None

    @property
    def measured(self):
        return self.samples[1:] if len(self.samples) > 1 else self.samples

    @property
    def wall(self):
        return statistics.median(r.wall for r in self.measured) if self.samples else None

    @property
    def cpu(self):
        return statistics.median(r.cpu for r in self.measured) if self.samples else None

    @property
    def rss(self):
        return statistics.median(r.rss_kib for r in self.measured) if self.samples else None

    @property
    def timed_out(self):
        return bool(self.first and self.first.timed_out)

    @property
    def ok(self):
        return not self.skipped and not self.problems


SKIP = [t for t in (os.environ.get("COR_BENCH_SKIP") or "").split(",") if t]


def have(tool):
    if tool in SKIP:
        return False
    return shutil.which({"coroner": CORONER}.get(tool, tool)) is not None


def measure(case):
    """Warm-up round (also the output check), then RUNS interleaved rounds."""
    outdir = os.path.join(WORK, "out")
    os.makedirs(outdir, exist_ok=True)
    rows = case["rows"]
    paths = {}
    for i, row in enumerate(rows):
        if not have(row.tool):
            row.skipped = f"skipped: {row.tool} not installed"
            continue
        base = os.path.join(outdir, f"{case['name']}.{i}.{row.tool}")
        paths[row.label] = (base + ".out", base + ".err")
        r = run_once(row.cmd, *paths[row.label], TIMEOUT[row.tool])
        row.first = r
        row.samples.append(r)
        check(row, *paths[row.label])
        log(f"  {case['name']}: {row.label}: {r.wall:.3f} s, {r.rss_kib / 1024:.1f} MiB"
            + (" (timed out)" if r.timed_out else "")
            + ("" if row.ok else " [" + "; ".join(row.problems) + "]"))
    repeat = [row for row in rows if row.first and not row.first.timed_out
              and (row.tool == "coroner" or row.first.wall <= SLOW)]
    for _ in range(RUNS):
        for row in repeat:
            row.samples.append(run_once(row.cmd, *paths[row.label], TIMEOUT[row.tool]))


def check(row, out_path, err_path):
    with open(out_path, "rb") as f:
        out = f.read()
    row.frames = len(FRAME_RE.findall(out))
    row.threads = len(THREAD_RE.findall(out))
    r = row.first
    if r.timed_out:
        row.problems.append(f"timed out after {TIMEOUT[row.tool]} s")
        return
    for pat in row.expect:
        if not re.search(pat, out):
            row.problems.append("no " + pat.decode())
    if r.rc != 0 and not (row.tool == "coroner" and r.rc == 3):
        row.problems.append(f"exit {r.rc}")
    if row.problems:
        with open(err_path, "rb") as f:
            lines = [l for l in f.read().decode(errors="replace").splitlines() if l.strip()]
        if lines:
            row.problems.append("stderr: " + lines[-1][:160])


# ---------------------------------------------------------------- workloads

def compile_prog(src, exe, extra=()):
    cmd = [CC, "-O2", "-g", "-pthread", *extra, "-o", exe,
           src if os.path.isabs(src) else os.path.join(PROGS, src)]
    subprocess.run(cmd, check=True)


def make_core(argv, cwd, sig=signal.SIGSEGV):
    """Runs argv in cwd with an unlimited core limit; returns the core's path."""
    os.makedirs(cwd, exist_ok=True)
    for f in os.listdir(cwd):
        if f == "core" or f.startswith("core."):
            os.unlink(os.path.join(cwd, f))

    def unlimit():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    p = subprocess.Popen(argv, cwd=cwd, preexec_fn=unlimit,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.communicate()[1]
    if p.returncode != -sig:
        raise RuntimeError(f"{argv[0]} exited {p.returncode}, not signal {int(sig)}: "
                           f"{err.decode()[-300:]}")
    for name in ("core", f"core.{p.pid}"):
        if os.path.exists(os.path.join(cwd, name)):
            return os.path.join(cwd, name)
    cores = [f for f in os.listdir(cwd) if f.startswith("core")]
    if cores:
        return os.path.join(cwd, cores[0])
    raise RuntimeError(f"no core from {argv[0]} in {cwd} (core_pattern: {CORE_PATTERN})")


def eu(extra, core, exe):
    return ["eu-stack", *extra, "--core", core, "-e", exe]


def gdb(core, exe, full=False):
    return ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off",
            "-ex", "thread apply all bt" + (" full" if full else ""), exe, core]


def full_rows(core, exe, coroner_extra=(), expect=()):
    """Arguments and locals of every frame: coroner bt --full against gdb's
    `thread apply all bt full`."""
    return [Row("coroner bt --full", "coroner", [CORONER, "bt", core, "--full", *coroner_extra],
                expect),
            Row("gdb bt full", "gdb", gdb(core, exe, full=True), expect, vs="coroner bt --full")]


def drgn(core):
    return ["drgn", "-q", "-c", core, os.path.join(BENCH, "drgn_bt.py")]


def bt_rows(core, exe, coroner_extra=(), eu_sets=((), ("-s",), ("-s", "-i")), expect=(),
            drgn_row=True, gdb_row=True, prefix=""):
    rows = [Row(f"{prefix}coroner bt", "coroner", [CORONER, "bt", core, *coroner_extra], expect)]
    for extra in eu_sets:
        lab = " ".join(("eu-stack",) + tuple(extra))
        rows.append(Row(prefix + lab, "eu-stack", eu(extra, core, exe), expect, vs=f"{prefix}coroner bt"))
    if gdb_row:
        rows.append(Row(f"{prefix}gdb bt", "gdb", gdb(core, exe), expect, vs=f"{prefix}coroner bt"))
    if drgn_row:
        rows.append(Row(f"{prefix}drgn bt", "drgn", drgn(core), expect, vs=f"{prefix}coroner bt"))
    return rows


def w_small():
    d = os.path.join(WORK, "small")
    os.makedirs(d, exist_ok=True)
    exe = os.path.join(d, "small")
    compile_prog("small.c", exe)
    core = make_core([exe], d)
    return [dict(name="small", title="small: 5 threads (4 parked 5 frames deep), main dies",
                 core=core, exe=exe,
                 rows=bt_rows(core, exe, expect=(rb"crash_here", rb"worker_b")))]


def w_threads():
    d = os.path.join(WORK, "threads")
    os.makedirs(d, exist_ok=True)
    exe = os.path.join(d, "threads")
    compile_prog("threads.c", exe)
    core = make_core([exe, str(NTHREADS), "18"], d)
    return [dict(name="threads", title=f"threads: {NTHREADS} threads x ~22 frames, main dies",
                 core=core, exe=exe,
                 rows=bt_rows(core, exe, eu_sets=((),), expect=(rb"crash_here", rb"descend_b")) +
                 full_rows(core, exe, expect=(rb"crash_here", rb"descend_b")),
                 targets=[("coroner bt", None, 0.5), ("eu-stack", "coroner bt", 2.0),
                          ("gdb bt", "coroner bt", 10.0)])]


def w_heap():
    d = os.path.join(WORK, "heap")
    os.makedirs(d, exist_ok=True)
    exe = os.path.join(d, "heap")
    compile_prog("heap.c", exe, ("-static",))
    cases = []
    need = HEAP_MIB * 3 << 20
    free = shutil.disk_usage(d).free
    avail = meminfo("MemAvailable") * 1024
    for mib, tag in ((0, "1MiB"), (HEAP_MIB, f"{HEAP_MIB // 1024}GiB" if HEAP_MIB >= 1024 else f"{HEAP_MIB}MiB")):
        if mib and free < need:
            NOTES.append(f"heap: skipped the {tag} core: {free >> 30} GiB free on {d}, need {need >> 30} GiB")
            log(NOTES[-1])
            continue
        if mib and avail < (HEAP_MIB + 2048) << 20:
            NOTES.append(f"heap: skipped the {tag} core: {avail >> 30} GiB of memory available")
            log(NOTES[-1])
            continue
        cd = os.path.join(d, tag)
        log(f"heap: making the {tag} core")
        core = make_core([exe, str(mib)], cd)
        if mib:
            BIG_FILES.append(core)
        with open(os.path.join(cd, "addr.txt")) as f:
            addr = f.read().strip()
        exp = (rb"crash_here",)
        rows = [Row("coroner info", "coroner", [CORONER, "info", core], (rb"SIGSEGV",)),
                Row("coroner read 4096", "coroner", [CORONER, "read", core, addr, "4096"], (rb"ab ab ab",))]
        rows += bt_rows(core, exe, eu_sets=((),), expect=exp)
        what = f"{mib} MiB" if mib else "768 KiB"
        cases.append(dict(name=f"heap-{tag}", title=f"heap: static program, {what} of heap touched",
                          core=core, exe=exe, rows=rows, heap=tag))
    return cases


def w_bigbin():
    d = os.path.join(WORK, "bigbin")
    src = os.path.join(d, "src")
    exe = os.path.join(d, "bigbin")
    gen = os.path.join(PROGS, "gen_bigbin.py")
    ccv = subprocess.run([CC, "--version"], capture_output=True).stdout
    with open(gen, "rb") as f:
        stamp = hashlib.sha256(f.read() + repr(BIGBIN).encode() + ccv).hexdigest()
    stamp_file = os.path.join(d, "stamp")
    if not (os.path.exists(exe) and os.path.exists(stamp_file) and open(stamp_file).read() == stamp):
        shutil.rmtree(d, ignore_errors=True)
        log(f"bigbin: generating {BIGBIN[0]} units x {BIGBIN[1]} functions, chain of {BIGBIN[2]}")
        subprocess.run([sys.executable, gen, src, *map(str, BIGBIN)], check=True)
        files = sorted(f for f in os.listdir(src) if f.endswith(".c"))
        jobs = os.cpu_count() or 2
        t = time.monotonic()
        procs = []
        chunk = max(1, len(files) // (jobs * 4))
        pending = [files[i:i + chunk] for i in range(0, len(files), chunk)]
        while pending or procs:
            while pending and len(procs) < jobs:
                procs.append(subprocess.Popen([CC, "-O2", "-g", "-c", *pending.pop(0)], cwd=src))
            procs[0].wait()
            if procs[0].returncode:
                raise RuntimeError("bigbin: compile failed")
            procs.pop(0)
        objs = [f[:-2] + ".o" for f in files]
        subprocess.run([CC, "-o", exe, *objs], cwd=src, check=True)
        for o in objs:
            os.unlink(os.path.join(src, o))
        with open(stamp_file, "w") as f:
            f.write(stamp)
        log(f"bigbin: built in {time.monotonic() - t:.1f} s, {os.path.getsize(exe) >> 20} MiB")
    core = make_core([exe], d)
    exp = (rb"crash_here", rb"chain_%03d" % (BIGBIN[2] - 1), rb"chain_000")
    rows = bt_rows(core, exe, coroner_extra=("--max-frames", "4096"),
                   eu_sets=(("-n", "0"), ("-n", "0", "-s", "-i")), expect=exp)
    rows += full_rows(core, exe, coroner_extra=("--max-frames", "4096"), expect=exp)
    return [dict(name="bigbin", title=(f"bigbin: {BIGBIN[0]} units x {BIGBIN[1]} functions "
                                       f"(-O2 -g, {os.path.getsize(exe) >> 20} MiB), "
                                       f"crash {BIGBIN[2]} units deep, half through inline helpers"),
                 core=core, exe=exe, rows=rows)]


def w_libc():
    d = os.path.join(WORK, "libc")
    os.makedirs(d, exist_ok=True)
    exe = os.path.join(d, "libc")
    compile_prog("libc.c", exe)
    core = make_core([exe], d)
    exp = (rb"compare_ints", rb"msort", rb"qsort", rb"nanosleep", rb"pthread_cond_wait|futex")
    rows = bt_rows(core, exe, eu_sets=(("-s", "-i"), ()), expect=exp)
    return [dict(name="libc", title="libc: threads in pthread_cond_wait/nanosleep/read/fgets, "
                 "qsort calls a comparator that dies (libc6-dbg debug file)",
                 core=core, exe=exe, rows=rows)]


def w_diagnose():
    """coroner diagnose against gdb running what a person types for the same
    answers: bt, x/3i $pc, info registers, p __abort_msg->msg."""
    d = os.path.join(WORK, "diagnose")
    os.makedirs(d, exist_ok=True)
    exe = os.path.join(d, "diag")
    compile_prog(os.path.join(ROOT, "tests", "programs", "diag.c"), exe,
                 ["-D_FORTIFY_SOURCE=2", "-fstack-protector-strong", "-fno-omit-frame-pointer"])
    cases = []
    for mode, sig, cls, gexp in (("assert", signal.SIGABRT, rb"AbortSignal", rb"Assertion `"),
                                 ("nullwrite", signal.SIGSEGV, rb"DestAvNearNull", rb"mov")):
        cd = os.path.join(d, mode)
        core = make_core([exe, mode], cd, sig)
        g = ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", "-ex", "bt",
             "-ex", "x/3i $pc", "-ex", "info registers", "-ex", "p __abort_msg->msg", exe, core]
        rows = [Row("coroner diagnose", "coroner", [CORONER, "diagnose", core], (cls,)),
                Row("gdb bt, x/i, info registers, p __abort_msg", "gdb", g, (gexp,),
                    vs="coroner diagnose")]
        cases.append(dict(name="diagnose-" + mode,
                          title=f"diagnose: tests/programs/diag.c {mode} (the crash diagnosis)",
                          core=core, exe=exe, rows=rows))
    return cases


def w_zcore():
    """A zstd core (systemd-coredump's way) read directly, against what a
    user of gdb must do: decompress it to a file first (gdb cannot read a
    pipe or a compressed core), then open that."""
    if not shutil.which("zstd"):
        raise RuntimeError("no zstd command")
    d = os.path.join(WORK, "zcore")
    os.makedirs(d, exist_ok=True)
    small = os.path.join(d, "small.exe")
    compile_prog("small.c", small)
    heap = os.path.join(d, "heap.exe")
    compile_prog("heap.c", heap, ("-static",))
    cases = []
    for tag, exe, argv, exp in (("small", small, [small], (rb"crash_here", rb"worker_b")),
                                (f"heap-{ZHEAP_MIB}MiB", heap, [heap, str(ZHEAP_MIB)],
                                 (rb"crash_here",))):
        cd = os.path.join(d, tag)
        log(f"zcore: making the {tag} core")
        core = make_core(argv, cd)
        zst = core + ".zst"
        subprocess.run(["zstd", "-q", "-f", "-o", zst, core], check=True)
        plain = os.path.join(cd, "core.plain")
        BIG_FILES.extend([core, zst, plain])
        first = "coroner bt core.zst"
        rows = [Row(first, "coroner", [CORONER, "bt", zst], exp),
                Row("zstd -dc core.zst | coroner bt -", "coroner",
                    ["sh", "-c", 'zstd -dcq "$1" | exec "$2" bt -', "sh", zst, CORONER], exp,
                    vs=first),
                Row("zstd -dc core.zst > core; coroner bt core", "coroner",
                    ["sh", "-c", 'zstd -dcq "$1" > "$2" && exec "$3" bt "$2"', "sh", zst, plain,
                     CORONER], exp, vs=first),
                Row("zstd -dc core.zst > core; gdb bt", "gdb",
                    ["sh", "-c", 'zstd -dcq "$1" > "$2" && exec gdb -nx -batch -iex '
                     '"set debuginfod enabled off" -ex "thread apply all bt" "$3" "$2"',
                     "sh", zst, plain, exe], exp, vs=first),
                Row("coroner bt core (not compressed)", "coroner", [CORONER, "bt", core], exp,
                    vs=first)]
        st = os.stat(zst)
        cases.append(dict(name=f"zcore-{tag}", title=(f"zcore: the {tag} core compressed by "
                          f"zstd ({fmt_size(st.st_size)})"), core=core, exe=exe, rows=rows))
    return cases


def w_goroutines():
    """coroner goroutines against dlv core's goroutines -t (every goroutine
    with its stack) on a Go program with NGOROUTINES parked goroutines."""
    go = shutil.which("go")
    if not go:
        raise RuntimeError("go not installed (golang-go)")
    d = os.path.join(WORK, "goroutines")
    os.makedirs(d, exist_ok=True)
    exe = os.path.join(d, "goroutines")
    env = dict(os.environ, GOCACHE=os.path.join(d, "gocache"), GOPATH=os.path.join(d, "gopath"),
               GOFLAGS="-mod=mod", GOPROXY="off", CGO_ENABLED="0", GO111MODULE="off")
    subprocess.run([go, "build", "-o", exe, os.path.join(PROGS, "goroutines.go")], check=True,
                   env=env)
    os.environ["GOTRACEBACK"] = "crash"
    try:
        core = make_core([exe, str(NGOROUTINES)], os.path.join(d, "run"), signal.SIGABRT)
    finally:
        del os.environ["GOTRACEBACK"]
    init = os.path.join(d, "dlv.init")
    with open(init, "w") as f:
        f.write("goroutines -t\nexit\n")
    rows = [Row("coroner goroutines", "coroner", [CORONER, "goroutines", core],
                (rb"goroutine \d+ \[chan receive\]",)),
            Row("dlv core, goroutines -t", "dlv",
                ["dlv", "core", exe, core, "--init", init, "--allow-non-terminal-interactive=true"],
                (rb"\[\d+ goroutines\]",), vs="coroner goroutines")]
    return [dict(name="goroutines", core=core, exe=exe, rows=rows,
                 title=f"goroutines: a Go program with {NGOROUTINES} goroutines parked on a channel")]


WORKLOADS = {"small": w_small, "threads": w_threads, "heap": w_heap,
             "bigbin": w_bigbin, "libc": w_libc, "diagnose": w_diagnose,
             "zcore": w_zcore, "goroutines": w_goroutines}


# ---------------------------------------------------------------- output

def meminfo(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def fmt_time(row):
    if row.skipped:
        return "-"
    if row.timed_out:
        return f"> {TIMEOUT[row.tool]} s"
    w = row.wall
    return f"{w * 1000:.1f} ms" if w < 1 else f"{w:.2f} s"


def fmt_cpu(row):
    if row.skipped or row.timed_out or not row.samples:
        return "-"
    c = row.cpu
    return f"{c * 1000:.1f} ms" if c < 1 else f"{c:.2f} s"


def fmt_rss(kib):
    return "-" if kib is None else f"{kib / 1024:.1f} MiB"


def fmt_size(n):
    return f"{n / 1024:.0f} KiB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MiB" if n < 1 << 30 else f"{n / (1 << 30):.2f} GiB"


def ratios(row, by_label):
    """peer / coroner: wall time, cpu time, peak RSS."""
    if not row.vs or row.vs not in by_label or row.skipped:
        return "", "", ""
    base = by_label[row.vs]
    if not base.samples or base.timed_out:
        return "?", "?", "?"
    if row.timed_out:
        return f">{row.wall / base.wall:.1f}x", f">{row.wall / base.cpu:.1f}x", ""
    return (f"{row.wall / base.wall:.1f}x", f"{row.cpu / base.cpu:.1f}x" if base.cpu else "",
            f"{row.rss / base.rss:.1f}x")


def case_table(case):
    by_label = {r.label: r for r in case["rows"]}
    head = ["command", "median", "cpu", "runs", "peak RSS", "threads", "frames", "time/coroner", "cpu/coroner", "RSS/coroner", "check"]
    body = []
    for row in case["rows"]:
        tr, cr, rr = ratios(row, by_label)
        body.append([row.label, fmt_time(row), fmt_cpu(row), str(len(row.measured)) if row.samples else "0",
                     fmt_rss(row.rss) if row.samples and not row.timed_out else "-",
                     str(row.threads) if row.samples else "-", str(row.frames) if row.samples else "-",
                     tr, cr, rr,
                     row.skipped or ("ok" if row.ok else "; ".join(row.problems))])
    return head, body


def text_table(head, body):
    w = [max(len(str(r[i])) for r in [head] + body) for i in range(len(head))]
    w[-1] = 0
    lines = ["  ".join(str(c).ljust(w[i]) if i == 0 or i == len(head) - 1 else str(c).rjust(w[i])
                       for i, c in enumerate(r)).rstrip() for r in [head] + body]
    lines.insert(1, "  ".join("-" * max(x, 5) for x in w))
    return "\n".join(lines)


def md_table(head, body):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in body]
    return "\n".join(out)


def targets(case):
    by_label = {r.label: r for r in case["rows"]}
    out = []
    for label, vs, limit in case.get("targets", []):
        row = by_label.get(label)
        if not row or not row.samples:
            out.append(f"{label}: not measured")
            continue
        pf = lambda ok: "PASS" if ok else "FAIL"
        if vs is None:
            out.append(f"coroner bt < {limit:g} s: wall {pf(row.wall < limit)} ({row.wall:.3f} s), "
                       f"cpu {pf(row.cpu < limit)} ({row.cpu:.3f} s)")
        else:
            base = by_label[vs]
            r = row.wall / base.wall
            more = ">" if row.timed_out else ""
            cr = (row.wall if row.timed_out else row.cpu) / base.cpu if base.cpu else 0
            out.append(f"{label} / coroner >= {limit:g}x: wall {pf(r >= limit)} ({more}{r:.1f}x), "
                       f"cpu {pf(cr >= limit)} ({more}{cr:.1f}x)")
    return out


def growth_table(cases):
    heap = [c for c in cases if c.get("heap")]
    if len(heap) < 2:
        return None
    small, big = heap[0], heap[1]
    sb = {r.label: r for r in small["rows"]}
    head = ["command", f"{small['heap']} core ({fmt_size(small['core_size'])})", "peak RSS",
            f"{big['heap']} core ({fmt_size(big['core_size'])})", "peak RSS", "time big/small", "RSS big/small"]
    body = []
    for row in big["rows"]:
        s = sb.get(row.label)
        if not s or row.skipped or not s.samples or not row.samples:
            continue
        body.append([row.label, fmt_time(s), fmt_rss(s.rss), fmt_time(row),
                     fmt_rss(row.rss) if not row.timed_out else "-",
                     f"{row.wall / s.wall:.2f}x", "" if row.timed_out else f"{row.rss / s.rss:.2f}x"])
    return head, body


def versions():
    def first(cmd, line=0):
        try:
            p = subprocess.run(cmd, capture_output=True, timeout=30)
            return (p.stdout or p.stderr).decode(errors="replace").splitlines()[line].strip()
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "not installed"
    return [("coroner", first([CORONER, "--version"])), ("eu-stack", first(["eu-stack", "--version"])),
            ("gdb", first(["gdb", "--version"])), ("drgn", first(["drgn", "--version"])),
            ("dlv", first(["dlv", "version"], 1)),
            ("cc", first([CC, "--version"]))]


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (f"{os.cpu_count()} CPUs ({model}), {meminfo('MemTotal') >> 20} GiB RAM, "
            f"Linux {platform.release()}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def report(cases, started, wall):
    vers = versions()
    text, md = [], []
    text.append(f"coroner benchmark, {started}: {machine()}")
    text.append("tools: " + "; ".join(f"{n}: {v}" for n, v in vers))
    text.append(f"median of {RUNS} runs after a warm-up run (tools interleaved round by round); a peer whose "
                f"first run took > {SLOW:g} s is reported from that single run. median: wall time; cpu: "
                f"user+system; peak RSS: wait4 ru_maxrss (mapped file pages count).")
    md.append(f"# coroner benchmark\n")
    md.append(f"- date: {started}")
    md.append(f"- machine: {machine()}")
    md.append(f"- command: `{' '.join(['sh', 'bench/run.sh', BUILD_ARG])}` (whole run {wall:.0f} s)")
    for n, v in vers:
        md.append(f"- {n}: {v}")
    md.append(f"- method: median of {RUNS} runs after one warm-up run, tools interleaved round by round; "
              f"a peer whose first run took > {SLOW:g} s is reported from that single run. `median` is wall "
              f"time, `cpu` user+system time (less sensitive to the other jobs on a busy machine). Peak RSS is "
              f"the child's `ru_maxrss` from `wait4` (pages of mmapped files count). Ratios are peer / coroner from the same run "
              f"(> 1: coroner is faster / smaller). `frames`/`threads` count `#N` and thread header lines "
              f"of each tool's output. Timeouts: "
              + ", ".join(f"{k} {v} s" for k, v in TIMEOUT.items()) + ".")
    for case in cases:
        title = (f"{case['title']} (core {fmt_size(case['core_size'])}, "
                 f"{fmt_size(case['core_disk'])} on disk)")
        head, body = case_table(case)
        text += ["", "== " + title + " ==", text_table(head, body)]
        md += ["", "## " + title, "", md_table(head, body)]
        tg = targets(case)
        if tg:
            text += ["targets: " + "; ".join(tg)]
            md += ["", "Targets: " + "; ".join(tg)]
        md += ["", "Commands:", ""]
        md += [f"- {r.label}: `{shlex.join(r.cmd)}`" for r in case["rows"]]
    g = growth_table(cases)
    if g:
        text += ["", "== heap: does coroner's cost grow with the core's size? ==", text_table(*g)]
        md += ["", "## heap: cost against core size", "", md_table(*g)]
    if NOTES:
        text += ["", "notes:"] + ["  " + n for n in NOTES]
        md += ["", "## Notes", ""] + ["- " + n for n in NOTES]
    return "\n".join(text), "\n".join(md) + "\n"


# ---------------------------------------------------------------- main

NOTES = []
BIG_FILES = []


def main():
    global CORONER, WORK, BUILD_ARG, CORE_PATTERN, SPAWN
    if len(sys.argv) != 2:
        sys.exit("usage: bench.py BUILD_DIR")
    BUILD_ARG = sys.argv[1]
    CORONER = os.path.abspath(os.path.join(BUILD_ARG, "coroner"))
    if not os.access(CORONER, os.X_OK):
        sys.exit(f"bench: no {CORONER}; run make first")
    WORK = os.path.abspath(os.environ.get("COR_BENCH_WORK")
                           or os.path.join(os.environ.get("TMPDIR") or "/tmp", "coroner-bench"))
    os.makedirs(WORK, exist_ok=True)
    SPAWN = os.path.join(WORK, "spawn")
    subprocess.run([CC, "-O2", "-o", SPAWN, os.path.join(PROGS, "spawn.c")], check=True)
    with open("/proc/sys/kernel/core_pattern") as f:
        CORE_PATTERN = f.read().strip()
    if CORE_PATTERN.startswith("|"):
        sys.exit(f"bench: core_pattern is a pipe ({CORE_PATTERN}); cores must be written as files")
    for tool in ("eu-stack", "gdb", "drgn"):
        if not have(tool):
            NOTES.append(f"{tool} is not installed (or in COR_BENCH_SKIP): its rows are skipped")
    started = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    log(f"work directory {WORK}")
    cases = []
    try:
        for name in ONLY:
            if name not in WORKLOADS:
                sys.exit(f"bench: unknown workload {name} (have {', '.join(ALL_WORKLOADS)})")
            log(f"{name}: building")
            try:
                new = WORKLOADS[name]()
            except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
                NOTES.append(f"{name}: workload failed: {e}")
                log(NOTES[-1])
                continue
            for case in new:
                st = os.stat(case["core"])
                case["core_size"] = st.st_size
                case["core_disk"] = st.st_blocks * 512
                log(f"{case['name']}: measuring (core {fmt_size(case['core_size'])})")
                measure(case)
                cases.append(case)
    finally:
        for f in BIG_FILES:
            if os.path.exists(f):
                os.unlink(f)
                log(f"deleted {f}")
    text, md = report(cases, started, time.monotonic() - T0)
    print(text)
    out = os.environ.get("COR_BENCH_RESULTS") or os.path.join(BENCH, "results.md")
    if out != "-":
        with open(out, "w") as f:
            f.write(md)
        print(f"\nwrote {out}; outputs of every tool in {os.path.join(WORK, 'out')}")


if __name__ == "__main__":
    main()

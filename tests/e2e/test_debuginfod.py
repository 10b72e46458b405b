#!/usr/bin/env python3
"""The debuginfod client against a real `debuginfod` server (elfutils'),
run with coroner inside a private network namespace (`unshare -n`, then
`ip link set lo up`: only 127.0.0.1 exists there; debuginfod listens on
every address). The script re-runs itself in the namespace; the server
serves a directory (`debuginfod -F DIR`) holding this test's own stripped
programs and their .debug files, nothing else.

- stripped: a -O2 program stripped to a .gnu_debuglink whose .debug file is
  only on the server: file:line of each frame and the inline frame come
  through it, the module's debug_file is in DEBUGINFOD_CACHE_PATH;
- progress: on a terminal (script(1)), stderr shows the download's
  progress, and nothing when it is not one;
- deleted-exe: a program whose executable is gone after the crash: the
  executable is fetched by the core's build-id (debuginfod_find_executable)
  and its debug info too;
- rebuilt-exe: a program rebuilt since the crash (another build-id at the
  recorded path): the core's executable is fetched by build-id instead,
  with a warning naming both build-ids;
- no-debuginfod: --no-debuginfod gives no lines, no debug_file, no fetch;
- unreachable: a server URL nobody listens on gives, quickly, a warning
  naming the build-id and the server;
- not-linked: neither the command nor libcoroner.so needs libdebuginfod or
  libcurl (readelf -d: it is loaded with dlopen at the first fetch);
- no-library: a libdebuginfod.so.1 without its functions found first
  (LD_LIBRARY_PATH) gives the warning "cannot load libdebuginfod.so.1: ...".

Skips, saying why, without unshare, ip or debuginfod (or when the namespace
cannot be made). No traffic goes to any address but 127.0.0.1.

Usage: python3 tests/e2e/test_debuginfod.py BUILD_DIR
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Fail, Skip, check, check_eq  # noqa: E402

INSIDE = "COR_DEBUGINFOD_NETNS"
PORT = 8002
URL = "http://127.0.0.1:%d" % PORT
TESTS = ["stripped", "progress", "deleted-exe", "rebuilt-exe", "no-debuginfod", "unreachable",
         "not-linked", "no-library"]

# line numbers are checked against this text: POKE_LINE, OUTER_LINE, MAIN_LINE
SOURCE = r"""#include <stdio.h>
#include <stdlib.h>
static volatile int sink;
static inline __attribute__((always_inline)) void poke(int *p)
{
	*p = VARIANT; /* POKE_LINE */
}
__attribute__((noinline)) void outer(int *p)
{
	sink++;
	poke(p); /* OUTER_LINE */
	sink++;
}
int main(void)
{
	FILE *f = fopen("oracle.txt", "w");
	if (!f)
		return 1;
	fclose(f);
	outer((int *)(long)(16 + sink)); /* MAIN_LINE */
	return 0;
}
"""


def line_of(tag):
    for i, text in enumerate(SOURCE.splitlines(), 1):
        if tag in text:
            return i
    raise Fail("no %s in the source" % tag)


def build_id_of(path):
    out = ct.sh("readelf", "-n", path)
    for line in out.splitlines():
        if "Build ID:" in line:
            return line.split("Build ID:")[1].strip()
    raise Skip("%s has no build-id" % path)


class Program:
    """SOURCE built -O2 -g with VARIANT, stripped (its .debug moved to the
    server's directory), crashed once; the executable too when to_server."""

    def __init__(self, name, variant, served, exe_to_server=False):
        self.dir = ct.scratch_dir("dbgd-%s-" % name)
        src = os.path.join(self.dir, name + ".c")
        with open(src, "w") as f:
            f.write(SOURCE)
        self.src = src
        self.exe = os.path.join(self.dir, name)
        ct.sh("gcc", "-g", "-O2", "-DVARIANT=%d" % variant, "-o", self.exe, src)
        debug = os.path.join(served, name + ".debug")
        ct.sh("objcopy", "--only-keep-debug", self.exe, debug)
        ct.sh("strip", "--strip-all", self.exe)
        ct.sh("objcopy", "--add-gnu-debuglink=" + debug, self.exe)
        self.build_id = build_id_of(self.exe)
        check_eq(build_id_of(debug), self.build_id, "build-id of the .debug file")
        _, self.core, _ = ct.crash_program(self.exe, [], "dbgd-" + name)
        if exe_to_server:
            shutil.move(self.exe, os.path.join(served, name))
        else:
            shutil.copy(self.exe, os.path.join(served, name))


def env_with(url, cache):
    env = dict(os.environ, DEBUGINFOD_URLS=url, DEBUGINFOD_CACHE_PATH=cache)
    env.pop("DEBUGINFOD_PROGRESS", None)
    return env


def run(build, core, env, *extra, timeout=60):
    exe = ct.coroner_path(build)
    cmd = [exe, "report", core, "--json"] + list(extra)
    t0 = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                       timeout=timeout)
    took = time.time() - t0
    err = p.stderr.decode("utf-8", "replace")
    for m in ct.SAN_MARKERS:
        check(m not in err, "sanitizer report:\n" + ct.san_summary(err))
    check(p.returncode in (0, 3), "`%s` exit %d: %s" % (" ".join(cmd), p.returncode, err[-600:]))
    return ct.json_doc(p.stdout.decode()), took


def crashed_frames(doc):
    crashed = [t for t in doc["threads"] if t.get("crashed")]
    check_eq(len(crashed), 1, "crashed threads")
    return crashed[0]["frames"]


def module_of(doc, name):
    for m in doc.get("modules", []):
        if os.path.basename(m.get("name") or "").startswith(name):
            return m
    raise Fail("no module %s in %r" % (name, [m.get("name") for m in doc.get("modules", [])]))


def check_symbolized(prog, doc, what):
    frames = crashed_frames(doc)
    got = [(f.get("function"), bool(f.get("inline")), os.path.basename(f.get("file") or ""),
            f.get("line")) for f in frames[:3]]
    base = os.path.basename(prog.src)
    want = [("poke", True, base, line_of("POKE_LINE")),
            ("outer", False, base, line_of("OUTER_LINE")),
            ("main", False, base, line_of("MAIN_LINE"))]
    check_eq(got, want, what + ": the crashed thread's first frames (function, inline, file, line)")


def in_cache(path, cache, build_id, kind):
    check(path and os.path.realpath(path).startswith(os.path.realpath(cache) + "/"),
          "%s %r is not in the cache %s" % (kind, path, cache))
    check(build_id in path, "%s %r does not name build-id %s" % (kind, path, build_id))


def t_stripped(build, progs):
    prog = progs["stripped"]
    cache = tempfile.mkdtemp(prefix="cache-", dir=progs["tmp"])
    doc, _ = run(build, prog.core, env_with(URL, cache))
    check_symbolized(prog, doc, "through debuginfod")
    m = module_of(doc, "stripped")
    check_eq(m.get("path"), prog.exe, "the executable, found on disk")
    in_cache(m.get("debug_file"), cache, prog.build_id, "debug_file")
    check(not [w for w in ct.warning_texts(doc) if prog.build_id in str(w)],
          "warnings about the fetched build-id: %r" % doc["warnings"])
    # a second run takes it from the cache: the same frames with the server gone
    doc, _ = run(build, prog.core, env_with("http://127.0.0.1:1", cache))
    check_symbolized(prog, doc, "from libdebuginfod's cache")


def t_progress(build, progs):
    prog = progs["stripped"]
    if not shutil.which("script"):
        raise Skip("no script(1) for a terminal")
    line = "coroner: debuginfod: debug info of stripped (%s..." % prog.build_id[:8]
    cache = tempfile.mkdtemp(prefix="cache-", dir=progs["tmp"])
    cmd = "%s bt %s >/dev/null" % (ct.coroner_path(build), prog.core)
    p = subprocess.run(["script", "-qec", cmd, "/dev/null"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, env=env_with(URL, cache), timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    check_eq(p.returncode, 0, "exit status on a terminal (%r)" % out[-300:])
    check(line in out, "no %r on the terminal: %r" % (line, out[-300:]))
    check(out.rstrip("\r\n").endswith("\r\033[K"), "the progress line is not cleared: %r"
          % out[-80:])
    cache = tempfile.mkdtemp(prefix="cache-", dir=progs["tmp"])
    p = subprocess.run([ct.coroner_path(build), "bt", prog.core], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, env=env_with(URL, cache), timeout=60)
    err = p.stderr.decode("utf-8", "replace")
    check("debuginfod" not in err, "progress on a stderr that is no terminal: %r" % err[-300:])


def t_deleted_exe(build, progs):
    prog = progs["deleted"]
    check(not os.path.exists(prog.exe), "the executable is still there")
    cache = tempfile.mkdtemp(prefix="cache-", dir=progs["tmp"])
    doc, _ = run(build, prog.core, env_with(URL, cache))
    check_symbolized(prog, doc, "executable and debug info through debuginfod")
    m = module_of(doc, "deleted")
    in_cache(m.get("path"), cache, prog.build_id, "the module's path")
    in_cache(m.get("debug_file"), cache, prog.build_id, "debug_file")


def t_rebuilt_exe(build, progs):
    prog = progs["rebuilt"]
    ct.sh("gcc", "-g", "-O2", "-DVARIANT=4", "-o", prog.exe, prog.src)
    new = build_id_of(prog.exe)
    check(new != prog.build_id, "the rebuild has the same build-id")
    cache = tempfile.mkdtemp(prefix="cache-", dir=progs["tmp"])
    doc, _ = run(build, prog.core, env_with(URL, cache))
    check_symbolized(prog, doc, "the core's executable through debuginfod")
    m = module_of(doc, "rebuilt")
    in_cache(m.get("path"), cache, prog.build_id, "the module's path")
    hits = [w for w in ct.warning_texts(doc) if prog.build_id in w and new in w and "debuginfod" in w]
    check(hits, "no warning naming both build-ids and debuginfod: %r" % doc["warnings"])
    # --exe names the rebuilt file: it is not replaced
    doc, _ = run(build, prog.core, env_with(URL, cache), "--exe", prog.exe)
    check_eq(module_of(doc, "rebuilt").get("path"), None, "the module's path with --exe")


def t_no_debuginfod(build, progs):
    prog = progs["stripped"]
    cache = tempfile.mkdtemp(prefix="cache-", dir=progs["tmp"])
    doc, _ = run(build, prog.core, env_with(URL, cache), "--no-debuginfod")
    frames = crashed_frames(doc)
    check_eq([f.get("line") for f in frames[:2]], [None] * 2, "lines with --no-debuginfod")
    check_eq([bool(f.get("inline")) for f in frames[:2]], [False] * 2,
             "inline frames with --no-debuginfod")
    check_eq(module_of(doc, "stripped").get("debug_file"), None, "debug_file")
    check_eq(os.listdir(cache), [], "what the cache holds")


def t_unreachable(build, progs):
    prog = progs["stripped"]
    cache = tempfile.mkdtemp(prefix="cache-", dir=progs["tmp"])
    url = "http://127.0.0.1:1"  # nothing listens there
    doc, took = run(build, prog.core, env_with(url, cache), timeout=30)
    hits = [w for w in ct.warning_texts(doc) if prog.build_id in str(w) and url in str(w)]
    check(hits, "no warning naming build-id %s and %s: %r" % (prog.build_id, url, doc["warnings"]))
    check(took < 10, "took %.1fs" % took)
    check_eq([f.get("line") for f in crashed_frames(doc)[:2]], [None] * 2, "lines")


def t_not_linked(build, progs):
    for f in (os.path.join(build, "coroner"), os.path.join(build, "libcoroner.so")):
        r = subprocess.run(["readelf", "-d", f], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True)
        check_eq(r.returncode, 0, "readelf -d %s: %s" % (f, r.stdout[-200:]))
        needed = [l for l in r.stdout.splitlines() if "(NEEDED)" in l]
        check(not [l for l in needed if "debuginfod" in l or "curl" in l],
              "%s needs %r" % (f, needed))


def t_no_library(build, progs):
    prog = progs["stripped"]
    libdir = tempfile.mkdtemp(prefix="lib-", dir=progs["tmp"])
    src = os.path.join(libdir, "fake.c")
    with open(src, "w") as f:
        f.write("int not_debuginfod(void) { return 0; }\n")
    subprocess.run(["cc", "-shared", "-fPIC", "-o", os.path.join(libdir, "libdebuginfod.so.1"),
                    src], check=True)
    cache = tempfile.mkdtemp(prefix="cache-", dir=progs["tmp"])
    env = env_with(URL, cache)
    env["LD_LIBRARY_PATH"] = libdir
    doc, _ = run(build, prog.core, env)
    hits = [w for w in ct.warning_texts(doc) if "cannot load libdebuginfod.so.1: " in str(w)
            and "debuginfod_" in str(w)]
    check(hits, "no warning naming libdebuginfod.so.1: %r" % doc["warnings"])
    check_eq(os.listdir(cache), [], "what the cache holds")


def die_with_parent():
    """The server ends with this script, however it ends (PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def wait_served(build_ids, proc, log):
    """Until the server answers for each build-id (its first scan is done);
    at most 30 s."""
    deadline = time.time() + 30
    left = set(build_ids)
    while left:
        if proc.poll() is not None:
            raise Skip("debuginfod exited %d: %s" % (proc.returncode, open(log).read()[-400:]))
        for b in sorted(left):
            try:
                with urllib.request.urlopen("%s/buildid/%s/debuginfo" % (URL, b), timeout=5) as r:
                    if r.status == 200:
                        left.discard(b)
            except OSError:
                pass
        if left and time.time() > deadline:
            raise Fail("debuginfod did not serve %s within 30 s: %s"
                       % (sorted(left), open(log).read()[-400:]))
        if left:
            time.sleep(0.2)


def inside(build):
    rep = ct.Reporter()
    tmp = ct.scratch_dir("debuginfod-")
    served = os.path.join(tmp, "served")
    os.makedirs(served)
    progs = {"tmp": tmp}
    try:
        progs["stripped"] = Program("stripped", 1, served)
        progs["deleted"] = Program("deleted", 2, served, exe_to_server=True)
        progs["rebuilt"] = Program("rebuilt", 3, served)
    except (Skip, Fail) as e:
        for t in TESTS:
            (rep.skip if isinstance(e, Skip) else rep.fail)(t, e)
        return rep.done()
    log = os.path.join(tmp, "debuginfod.log")
    with open(log, "w") as lf:
        server = subprocess.Popen(["debuginfod", "-F", served, "-p", str(PORT),
                                   "-d", os.path.join(tmp, "debuginfod.sqlite")],
                                  stdout=lf, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    try:
        wait_served([progs[p].build_id for p in ("stripped", "deleted", "rebuilt")], server, log)
        for name, fn in [("stripped", t_stripped), ("progress", t_progress),
                         ("deleted-exe", t_deleted_exe),
                         ("rebuilt-exe", t_rebuilt_exe),
                         ("no-debuginfod", t_no_debuginfod), ("unreachable", t_unreachable),
                         ("not-linked", t_not_linked), ("no-library", t_no_library)]:
            rep.run(name, fn, build, progs)
    except (Skip, Fail) as e:
        for t in TESTS:
            (rep.skip if isinstance(e, Skip) else rep.fail)(t, e)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return rep.done()


def main():
    build = ct.build_dir()
    if os.environ.get(INSIDE) == "1":
        return inside(build)
    rep = ct.Reporter()
    missing = [t for t in ("unshare", "ip", "debuginfod") if not shutil.which(t)]
    if missing:
        for t in TESTS:
            rep.skip(t, "no %s on PATH" % " or ".join(missing))
        return rep.done()
    probe = subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
    if probe.returncode != 0:
        for t in TESTS:
            rep.skip(t, "cannot make a network namespace: " + probe.stdout.strip()[-200:])
        return rep.done()
    env = dict(os.environ, **{INSIDE: "1"})
    p = subprocess.run(["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
                        sys.executable, os.path.abspath(__file__), build], env=env)
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Floating-point and vector registers (x86_64): tests/programs/regs_crash.c
loads known bytes into xmm/ymm/zmm (as far as the CPU has them), k1, st0 and
MXCSR and faults in the same asm block, so the kernel's core must hold
exactly those values. The oracle is the program's own pattern (and
oracle.txt for the CPU's features), not gdb, which on some CPUs cannot read
the XSAVE layout at all (AMD puts AVX-512 state where Intel has MPX).

Usage: python3 tests/e2e/test_vector_regs.py BUILD_DIR
"""
import os
import platform
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Skip, check, check_eq  # noqa: E402


def pattern(r, n):
    return int.from_bytes(bytes((r * 7 + b * 3 + 1) & 0xff for b in range(n)), "little")


def st0_expected():
    # -1234.5 as x87 extended precision: sign|exponent 0xc009, mantissa 1234.5 * 2^53
    return (0xc009 << 64) | int(1234.5 * 2 ** 53)


def t_vector(build):
    if platform.machine() != "x86_64":
        raise Skip("x86_64 only")
    exe = ct.build_program("regs_crash.c", "regs_crash", ["-O1"])
    _, core, oracle = ct.crash_program(exe, [], "regs")
    feats = {}
    with open(oracle) as f:
        for line in f:
            k, v = line.split()
            feats[k] = int(v, 0)
    doc, _ = ct.report(build, core)
    t = [t for t in doc["threads"] if t["crashed"]][0]
    fl, vec = t["float_registers"], t["vector_registers"]
    check_eq(ct.hexval(fl["st0"], "st0"), st0_expected(), "st0")
    check_eq(ct.hexval(vec["mxcsr"], "mxcsr"), feats["mxcsr"], "mxcsr")
    for r in range(16):
        check_eq(ct.hexval(vec["xmm%d" % r]), pattern(r, 16), "xmm%d" % r)
    if feats["avx"]:
        for r in range(16):
            check_eq(ct.hexval(vec["ymm%d" % r]), pattern(r, 32), "ymm%d" % r)
    if feats["avx512"]:
        for r in range(32):
            check_eq(ct.hexval(vec["zmm%d" % r]), pattern(r, 64), "zmm%d" % r)
        check_eq(ct.hexval(vec["k1"]), feats["k1"], "k1")
    else:
        check("zmm0" not in vec, "zmm registers on a CPU without AVX-512")


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    rep.run("x86_64-fp-vector-registers", t_vector, build)
    return rep.done()


if __name__ == "__main__":
    sys.exit(main())

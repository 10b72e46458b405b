#!/usr/bin/env python3
"""gen_bigbin.py OUTDIR [UNITS FUNCS CHAIN]: C sources for the "bigbin" workload.

UNITS compilation units (u000.c ...) of FUNCS extern functions each, with
their own struct types, so the debug info is large. Units 0..CHAIN-1 also
hold chain_NNN(), which calls chain_(NNN+1) in the next unit; in every other
unit the call goes through an always_inline helper, so the stack has inline
frames. The last link of the chain calls crash_here(), which dies (SIGSEGV).
main.c calls chain_000(). No call is a tail call (work after each call)."""
import os
import sys


def unit(u, funcs, chain):
    n = f"{u:03d}"
    out = [f'#include "big.h"',
           f"struct rec_{n} {{ int id; long total; double ratio; "
           f"struct rec_{n} *next; char name[16]; unsigned flags : 3; }};",
           f"enum mode_{n} {{ MODE_{n}_A, MODE_{n}_B, MODE_{n}_C }};",
           f"volatile int sink_{n};"]
    for k in range(funcs):
        out.append(f"""
long f{n}_{k}(struct rec_{n} *r, long v, enum mode_{n} m)
{{
	long acc = v * {k + 3} + r->id;
	if (m == MODE_{n}_B && r->next)
		acc += r->next->total;
	r->ratio = acc * 0.5;
	return acc ^ r->flags;
}}""")
    if u < chain:
        nxt = "crash_here(x)" if u == chain - 1 else f"chain_{u + 1:03d}(x + 1)"
        if u % 2 == 0:
            out.append(f"""
static inline __attribute__((always_inline)) int chain_inline_{n}(int x)
{{
	int r = {nxt};
	sink_{n} = r;
	return r * 3;
}}
int chain_{n}(int x)
{{
	volatile int pad = x;
	int r = chain_inline_{n}(pad);
	sink_{n} = r;
	return r + pad;
}}""")
        else:
            out.append(f"""
int chain_{n}(int x)
{{
	volatile int pad = x;
	int r = {nxt};
	sink_{n} = r;
	return r + pad;
}}""")
    return "\n".join(out) + "\n"


def main():
    outdir = sys.argv[1]
    units, funcs, chain = (int(a) for a in (sys.argv[2:5] or (300, 100, 220)))
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "big.h"), "w") as f:
        f.write("int crash_here(int x);\n")
        f.write("".join(f"int chain_{u:03d}(int x);\n" for u in range(chain)))
    for u in range(units):
        with open(os.path.join(outdir, f"u{u:03d}.c"), "w") as f:
            f.write(unit(u, funcs, chain))
    with open(os.path.join(outdir, "main.c"), "w") as f:
        f.write('#include "big.h"\nvolatile int *volatile poison;\n'
                "__attribute__((noinline)) int crash_here(int x) { *poison = x; return x; }\n"
                "int main(void) { return chain_000(1); }\n")


if __name__ == "__main__":
    main()

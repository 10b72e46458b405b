// Crashes two calls deep through a null-ish pointer write, so the stack has
// Rust (v0 or legacy) mangled names and inlined core functions.
use std::io::Write;

#[inline(never)]
fn inner(p: *mut u32) {
    unsafe { std::ptr::write_volatile(p, 7) }
}

#[inline(never)]
fn outer(v: &Vec<u32>) {
    inner(v.len() as *mut u32)
}

fn main() {
    let mut f = std::fs::File::create("oracle.txt").unwrap();
    writeln!(f, "fn inner {:p}", inner as fn(*mut u32)).unwrap();
    writeln!(f, "fn outer {:p}", outer as fn(&Vec<u32>)).unwrap();
    drop(f);
    let v = vec![1, 2, 3];
    outer(&v);
}

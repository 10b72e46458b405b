// A nil pointer dereference in a Go function that is not inlined, called
// from main through one more: Go's signal handler makes crash look as if it
// had called runtime.sigpanic. Run with GOTRACEBACK=crash, it prints every
// goroutine's stack to stderr and dumps core (test_go.py).
package main

type node struct {
	next  *node
	value int
}

//go:noinline
func crash(n *node) int {
	return n.value + 1
}

//go:noinline
func middle(n *node) int {
	return crash(n.next) * 2
}

func main() {
	println(middle(&node{}))
}

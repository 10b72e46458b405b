// Goroutines parked on a channel receive, a send, a mutex, a sleep, a
// select, a pipe read through the poller and a blocking read(2), then a
// crash chosen by the first argument: "nil" (a nil dereference), "index"
// (an index out of range), "errorf" (panic(fmt.Errorf(...))), "text"
// (panic("...")), "assert", "method", "assertnil" (a failing type
// assertion: interface {} holding a string asserted int, a string
// asserted fmt.Stringer, a nil error asserted *os.PathError), "map"
// (concurrent map writes, a fatal error), "during" (a panic in a deferred
// call while panicking), "repanic" (a panic recovered and raised again). Run with GOTRACEBACK=crash, the runtime prints every
// goroutine to stderr and dumps core (test_go_goroutines.py). With "held"
// as the second argument, the panic is first raised and recovered, its
// value printed to stderr as "value: ..." (fmt.Sprint: what the runtime
// prints after "panic: "), then raised again with a deferred function that
// sends the process SIGABRT: the core holds the panic value as raised, not
// yet turned into its message.
package main

import (
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

var mu sync.Mutex

// what the type assertions of "assert", "method" and "assertnil" look into
var boxed interface{}
var failure error
var started sync.WaitGroup

//go:noinline
func recvForever(c chan int) {
	started.Done()
	<-c
}

//go:noinline
func sendForever(c chan int) {
	started.Done()
	c <- 1
}

//go:noinline
func lockForever() {
	started.Done()
	mu.Lock()
}

//go:noinline
func sleepForever() {
	started.Done()
	time.Sleep(time.Hour)
}

//go:noinline
func selectForever(a, b chan int) {
	started.Done()
	select {
	case <-a:
	case <-b:
	}
}

//go:noinline
func pollRead(r *os.File) {
	started.Done()
	var b [1]byte
	r.Read(b[:])
}

//go:noinline
func rawRead(fd int) {
	started.Done()
	var b [1]byte
	syscall.Read(fd, b[:])
}

//go:noinline
func held(how string, s []int) {
	func() {
		defer func() { fmt.Fprintf(os.Stderr, "value: %v\n", recover()) }()
		crash(how, s)
	}()
	defer func() {
		syscall.Kill(syscall.Getpid(), syscall.SIGABRT)
		time.Sleep(time.Minute)
	}()
	crash(how, s)
}

//go:noinline
func crash(how string, s []int) {
	switch how {
	case "wrapped":
		panic(fmt.Errorf("wrapped: %w", os.ErrNotExist))
	case "number":
		panic(1234567)
	case "map":
		m := map[int]int{}
		for i := 0; i < 4; i++ {
			go func() {
				for j := 0; ; j++ {
					m[j%64] = j
				}
			}()
		}
		for j := 0; ; j++ {
			m[j%64] = j
		}
	case "nil":
		var p *int
		println(*p)
	case "index":
		println(s[len(how)+2])
	case "errorf":
		panic(fmt.Errorf("bad thing %d", 42))
	case "text":
		panic("something went wrong")
	case "escape":
		panic("\x1b]0;pwned\x07\x1b[2J after")
	case "assert":
		boxed = how
		println(boxed.(int))
	case "method":
		boxed = how
		println(boxed.(fmt.Stringer).String())
	case "assertnil":
		var e error
		if len(how) > 0 {
			e = failure
		}
		println(e.(*os.PathError).Op)
	case "during":
		defer func() { panic("second, from a deferred call") }()
		panic("first")
	case "repanic":
		defer func() { panic(fmt.Sprint("again: ", recover())) }()
		panic(fmt.Errorf("first %d", 1))
	}
}

func main() {
	mu.Lock()
	started.Add(7)
	go recvForever(make(chan int))
	go sendForever(make(chan int))
	go lockForever()
	go sleepForever()
	go selectForever(make(chan int), make(chan int))
	r, _, _ := os.Pipe()
	go pollRead(r)
	var fds [2]int
	syscall.Pipe(fds[:])
	go rawRead(fds[0])
	started.Wait()
	time.Sleep(200 * time.Millisecond)
	how := "nil"
	if len(os.Args) > 1 {
		how = os.Args[1]
	}
	if len(os.Args) > 2 && os.Args[2] == "held" {
		held(how, []int{1, 2, 3})
	}
	crash(how, []int{1, 2, 3})
}

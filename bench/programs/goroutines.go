// bench "goroutines": N goroutines (first argument) parked on a channel
// receive three calls deep, then a nil dereference; run with
// GOTRACEBACK=crash it dumps core.
package main

import (
	"os"
	"strconv"
	"sync"
)

var ready sync.WaitGroup

//go:noinline
func wait(c chan int, depth int) int {
	if depth > 0 {
		return wait(c, depth-1) + 1
	}
	ready.Done()
	return <-c
}

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	c := make(chan int)
	ready.Add(n)
	for i := 0; i < n; i++ {
		go wait(c, 3)
	}
	ready.Wait()
	var p *int
	println(*p)
}

package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progressAfter is how long an operation runs before it says what it is
// doing.
const progressAfter = 300 * time.Millisecond

// progress shows a spinner with msg on w (a terminal; on anything else it
// does nothing) once the operation has taken progressAfter, and clears it
// when the returned stop is called. Scripts reading stderr never see it.
func progress(w io.Writer, msg string) (stop func()) { return progressOn(w, msg, terminal(w)) }

func progressOn(w io.Writer, msg string, tty bool) (stop func()) {
	if !tty {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
		t := time.NewTimer(progressAfter)
		defer t.Stop()
		shown := false
		for i := 0; ; i++ {
			select {
			case <-done:
				if shown {
					fmt.Fprint(w, "\r\x1b[K")
				}
				return
			case <-t.C:
				shown = true
				fmt.Fprintf(w, "\r%c %s", frames[i%len(frames)], msg)
				t.Reset(100 * time.Millisecond)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

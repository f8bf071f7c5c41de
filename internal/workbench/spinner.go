package workbench

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// SpinnerAfter is how long an operation runs before Spinner says what it
// is doing.
const SpinnerAfter = 300 * time.Millisecond

// Spinner shows a spinner with msg on w once the operation has taken
// SpinnerAfter, when w is a terminal (tty; otherwise it shows nothing),
// and clears it when the returned stop is called; stop may be called
// more than once, and returns once the spinner's goroutine has ended.
// Scripts reading w never see it.
func Spinner(w io.Writer, msg string, tty bool) (stop func()) {
	if !tty {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
		t := time.NewTimer(SpinnerAfter)
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

package workbench

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// lockedBuffer is written by the spinner's goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestSpinnerOnlyOnATerminalAndOnlyWhenSlow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var quick lockedBuffer
		stop := Spinner(&quick, "working…", true)
		time.Sleep(SpinnerAfter / 2)
		stop()
		if quick.String() != "" {
			t.Fatalf("a quick operation showed %q", quick.String())
		}

		var slow lockedBuffer
		stop = Spinner(&slow, "working…", true)
		time.Sleep(SpinnerAfter + 250*time.Millisecond)
		synctest.Wait()
		if got := slow.String(); !strings.Contains(got, "working…") || strings.Count(got, "\r") < 3 {
			t.Fatalf("a slow operation showed %q; want a spinning line", got)
		}
		stop()
		stop() // idempotent
		if got := slow.String(); !strings.HasSuffix(got, "\r\x1b[K") {
			t.Fatalf("the line is not cleared: %q", got)
		}

		var pipe lockedBuffer
		stop = Spinner(&pipe, "working…", false)
		time.Sleep(time.Second)
		stop()
		if pipe.String() != "" {
			t.Fatalf("not a terminal, yet it showed %q", pipe.String())
		}
	})
}

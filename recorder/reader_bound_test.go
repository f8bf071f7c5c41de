package recorder

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// errTooFar ends zeros: a reader that got this far did not stop itself.
var errTooFar = errors.New("test: read past every bound without stopping")

// zeros produces NUL bytes, like /dev/zero, and errTooFar after n of them.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, errTooFar
	}
	k := min(int64(len(p)), z.n)
	clear(p[:k])
	z.n -= k
	return int(k), nil
}

func TestReadEndlessLineEnds(t *testing.T) {
	far := int64(2 * maxSkip)
	t.Run("first line", func(t *testing.T) {
		_, err := Read(&zeros{far}, ReadOptions{})
		if !errors.Is(err, ErrLineTooLong) || errors.Is(err, errTooFar) || !strings.Contains(err.Error(), "line 1 ") {
			t.Fatalf("Read(endless zeros) = %v, want ErrLineTooLong naming line 1", err)
		}
	})
	t.Run("after good lines", func(t *testing.T) {
		r := io.MultiReader(strings.NewReader(hdrLine+goodLine(t)+goodLine(t)), &zeros{far})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s, err := Read(r, ReadOptions{MaxLine: 1 << 20})
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrLineTooLong) || errors.Is(err, errTooFar) || !strings.Contains(err.Error(), "line 4 ") {
			t.Fatalf("Read = %v, want ErrLineTooLong naming line 4", err)
		}
		if s == nil || len(s.Exchanges) != 2 {
			t.Fatalf("the readable exchanges before the endless line were lost: %+v", s)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
			t.Errorf("skipping allocated %d MiB; the line limit is 1 MiB", grew>>20)
		}
	})
}

func TestReadFileContextDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	_, err := ReadFile("/dev/zero", ReadOptions{})
	if !errors.Is(err, ErrLineTooLong) || !strings.HasPrefix(err.Error(), "/dev/zero: ") {
		t.Fatalf("ReadFile(/dev/zero) = %v, want ErrLineTooLong naming the file", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := ReadFileContext(ctx, "/dev/zero", ReadOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadFileContext(cancelled) = %v, want context.Canceled", err)
	}
}

// TestReadFileContextUnblocks cancels a read blocked on a FIFO whose
// writer is silent: the read ends with the context's error.
func TestReadFileContextUnblocks(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "session.kitrec")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// O_RDWR: opening does not wait for a reader, and the FIFO never
	// reports EOF while this end is open.
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.WriteString(hdrLine + goodLine(t)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := ReadFileContext(ctx, fifo, ReadOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("ReadFileContext returned before the cancel: %v", err)
	case <-time.After(50 * time.Millisecond): // not a bound: the read should still be waiting
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), fifo) {
			t.Fatalf("ReadFileContext = %v, want context.Canceled naming the file", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ReadFileContext did not return within 10 s of the cancel")
	}
}

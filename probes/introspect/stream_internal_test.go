package introspect

import (
	"context"
	"errors"
	"io"
	"testing"
	"testing/synctest"
	"time"
)

// The event stream's idle bound: heartbeats keep it open however long it
// runs; silence ends it exactly one idle period after the last byte. The
// body is an in-memory pipe, so the bubble's clock drives it.
func TestStreamIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pr, pw := io.Pipe()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s := &stream{items: make(chan streamItem, 64), cancel: cancel}
		s.wg.Add(1)
		const idle = 45 * time.Second
		go s.read(ctx, pr, 1<<10, idle, func() { pr.CloseWithError(context.Canceled) })
		defer s.close()

		for range 20 { // 5 minutes of heartbeats every 15 s
			if _, err := io.WriteString(pw, ": heartbeat\n\n"); err != nil {
				t.Fatal(err)
			}
			time.Sleep(15 * time.Second)
			synctest.Wait()
			select {
			case it := <-s.items:
				t.Fatalf("stream ended while heartbeats flowed: %+v", it)
			default:
			}
		}
		_, _ = io.WriteString(pw, "event: span\ndata: {\"type\":\"span\"}\n\n")
		last := time.Now()
		if it := <-s.items; it.final || it.ev.Type != "span" {
			t.Fatalf("item %+v, want the span event", it)
		}
		it := <-s.items // then silence
		if !it.final || !errors.Is(it.err, ErrStreamIdle) {
			t.Fatalf("item after silence %+v, want the end with ErrStreamIdle", it)
		}
		if took := time.Since(last); took != idle {
			t.Fatalf("silent stream ended after %v, want %v", took, idle)
		}
	})
}

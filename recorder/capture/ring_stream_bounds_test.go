package capture_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
)

// TestRingStreamBoundsConcurrent runs streams of every kind and unary
// calls from several clients at once through a small Ring over loopback,
// while another goroutine reads it: every call is counted, the slots
// never hold more than their bound and stay their size, and what is read
// holds at most a slot's messages.
func TestRingStreamBoundsConcurrent(t *testing.T) {
	const size, failures, bound = 8, 2, 10 << 10 // 1 KiB a slot
	ring, err := capture.NewRing(capture.Options{Service: "bookstore"}, capture.RingOptions{Size: size, Failures: failures, Bytes: bound})
	if err != nil {
		t.Fatal(err)
	}
	c := bookpb.NewBookServiceClient(serveRingBooks(t, ring))
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	const clients, rounds, callsPerRound = 4, 12, 4
	errs := make(chan error, clients)
	for w := range clients {
		go func() {
			for i := range rounds {
				if err := round(ctx, c, w*rounds+i); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	stop, readerDone := make(chan struct{}), make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				readerDone <- nil
				return
			default:
			}
			if _, err := ring.WriteExchanges(io.Discard, introspect.ExchangeQuery{Limit: 1000}); err != nil {
				readerDone <- err
				return
			}
		}
	}()
	for range clients {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	close(stop)
	if err := <-readerDone; err != nil {
		t.Fatal(err)
	}
	if t.Failed() {
		return
	}
	const calls = clients * rounds * callsPerRound
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		if st := ring.Stats(); st.Recorded+st.Lapped == calls || time.Now().After(deadline) {
			if st.Recorded+st.Lapped != calls {
				t.Fatalf("stats %+v after %d calls: want each counted", st, calls)
			}
			break
		}
	}
	held, caps, slotN := capture.HeldBytes(ring)
	if held > bound {
		t.Errorf("the ring holds %d bytes, bound %d", held, bound)
	}
	for _, c := range caps {
		if c != slotN {
			t.Errorf("a slot holds %d bytes, want %d", c, slotN)
		}
	}
	exs := readRing(t, ring, introspect.ExchangeQuery{}, size) // none failed: the failures' ring is empty
	streams := 0
	for _, ex := range exs {
		if ex.Stream == nil {
			continue
		}
		streams++
		inOrder(t, ex)
		kept := 0
		for _, ms := range [][]recorder.Message{ex.Request.Messages, ex.Response.Messages} {
			for _, m := range ms {
				kept += len(m.Body.Raw())
			}
		}
		if kept > slotN*4 { // JSON of at most a slot's wire bytes
			t.Errorf("%s %s keeps %d bytes of JSON, more than a slot (%d) could hold", ex.ID, ex.Endpoint, kept, slotN)
		}
	}
	if streams == 0 {
		t.Error("no stream among the exchanges read")
	}
}

// round makes callsPerRound calls: a CreateBook, an ImportBooks of two
// books, a SyncBooks of one id, and a watch read up to its caught-up
// marker and cancelled.
func round(ctx context.Context, c bookpb.BookServiceClient, i int) error {
	if _, err := c.CreateBook(ctx, &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: "Round", Author: "R", Year: int32(i)}}); err != nil {
		return err
	}
	imp, err := c.ImportBooks(ctx)
	if err != nil {
		return err
	}
	for range 2 {
		if err := imp.Send(&bookpb.ImportBooksRequest{Book: &bookpb.Book{Title: "Imported", Author: "I"}}); err != nil {
			return err
		}
	}
	if _, err := imp.CloseAndRecv(); err != nil {
		return err
	}
	sync, err := c.SyncBooks(ctx)
	if err != nil {
		return err
	}
	if err := sync.Send(&bookpb.SyncBooksRequest{Id: "0000000000000001"}); err != nil {
		return err
	}
	if err := sync.CloseSend(); err != nil {
		return err
	}
	for {
		if _, err := sync.Recv(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := c.WatchBooks(wctx, &bookpb.WatchBooksRequest{})
	if err != nil {
		return err
	}
	for {
		ev, err := w.Recv()
		if err != nil {
			return err
		}
		if ev.GetType() == bookpb.BookEvent_TYPE_CAUGHT_UP {
			return nil
		}
	}
}

package recorder

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestQueueBatchesAndDrainsOnClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf safeBuffer
		w, err := NewWriter(&buf, Header{}, WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		q := NewQueue(w, QueueOptions{Capacity: 8, Interval: time.Second})
		defer q.Close()
		for i := range 3 {
			if err := q.Append(sampleExchange(i)); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		if buf.count() != 1 {
			t.Fatalf("%d writes before the interval, want the header only", buf.count())
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if buf.count() != 2 {
			t.Fatalf("%d writes after the interval, want header + one batch", buf.count())
		}
		// Half full: written at once, without waiting for the interval.
		for i := range 5 {
			_ = q.Append(sampleExchange(i))
		}
		synctest.Wait()
		if buf.count() != 3 {
			t.Fatalf("%d writes after filling half the queue, want 3", buf.count())
		}
		// Past capacity: dropped and counted, never blocking.
		for i := range 100 {
			_ = q.Append(sampleExchange(i))
		}
		if err := q.Close(); err != nil {
			t.Fatal(err)
		}
		if err := q.Append(sampleExchange(0)); !errors.Is(err, ErrClosed) {
			t.Errorf("Append after Close = %v", err)
		}
		s, err := Read(&buf.b, ReadOptions{})
		if err != nil || len(s.Errors) != 0 || int64(len(s.Exchanges)) != 3+5+100-q.Dropped() {
			t.Fatalf("%v %v: %d exchanges, %d dropped", err, s.Errors, len(s.Exchanges), q.Dropped())
		}
	})
}

package introspect

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func readAll(t *testing.T, in string, max int) (events []sseEvent, errs []error) {
	t.Helper()
	r := newSSEReader(strings.NewReader(in), max)
	for range 1000 {
		ev, err := r.next()
		if err != nil {
			errs = append(errs, err)
			if errors.Is(err, ErrTooLarge) {
				continue
			}
			return events, errs
		}
		events = append(events, ev)
	}
	t.Fatal("reader did not end")
	return nil, nil
}

func TestSSEReader(t *testing.T) {
	in := ": kit introspection protocol v1\nretry: 2000\n\n" +
		"event: span\nid: 1\ndata: {\"a\":1}\n\n" +
		": heartbeat\n\n" +
		"event: breaker\r\nid: 2\r\ndata: line1\r\ndata: line2\r\n\r\n"
	evs, errs := readAll(t, in, 1024)
	if len(errs) != 1 || errs[0] != io.EOF {
		t.Fatalf("errors %v, want just EOF", errs)
	}
	if len(evs) != 2 || evs[0].typ != "span" || evs[0].id != "1" || string(evs[0].data) != `{"a":1}` ||
		evs[1].typ != "breaker" || string(evs[1].data) != "line1\nline2" {
		t.Fatalf("events %+v", evs)
	}
}

func TestSSEReaderTruncated(t *testing.T) {
	for _, in := range []string{
		"event: span\ndata: {\"a\":",     // mid-line
		"event: span\ndata: {\"a\":1}\n", // a complete line, no blank line
		"event: span\n",
	} {
		_, errs := readAll(t, in, 1024)
		if len(errs) != 1 || !errors.Is(errs[0], ErrTruncated) {
			t.Errorf("%q: errors %v, want ErrTruncated", in, errs)
		}
	}
}

func TestSSEReaderSkipsOversizedEvents(t *testing.T) {
	long := strings.Repeat("x", 10_000)
	in := "data: " + long + "\n\n" + // one long line
		"data: 12345678\ndata: 12345678\ndata: 12345678\n\n" + // many lines, too much in all
		"event: ok\ndata: small\n\n"
	evs, errs := readAll(t, in, 40)
	if len(errs) != 3 || !errors.Is(errs[0], ErrTooLarge) || !errors.Is(errs[1], ErrTooLarge) || errs[2] != io.EOF {
		t.Fatalf("errors %v", errs)
	}
	if len(evs) != 1 || evs[0].typ != "ok" || string(evs[0].data) != "small" {
		t.Fatalf("events %+v", evs)
	}
}

// TestSSEReaderLongLines: lines longer than the small read buffer, and
// longer than the line buffer a stream keeps, arrive whole.
func TestSSEReaderLongLines(t *testing.T) {
	mid, big := strings.Repeat("m", 3*sseBuffer), strings.Repeat("b", 3*sseKeep)
	in := "data: " + mid + "\n\n" + "data: " + big + "\n\n" + "data: " + mid + "\n\n"
	evs, errs := readAll(t, in, 1<<20)
	if len(errs) != 1 || errs[0] != io.EOF {
		t.Fatalf("errors %v, want just EOF", errs)
	}
	if len(evs) != 3 || string(evs[0].data) != mid || string(evs[1].data) != big || string(evs[2].data) != mid {
		t.Fatalf("%d events, or their data cut", len(evs))
	}
}

// TestLimitedBufferReadsUpToItsCap: a body of exactly the cap is read
// whole, one byte more is ErrTooLarge.
func TestLimitedBufferReadsUpToItsCap(t *testing.T) {
	body := strings.Repeat("x", 5000)
	b := limitedBuffer{max: 5000}
	if n, err := io.Copy(&b, strings.NewReader(body)); err != nil || n != 5000 || string(b.b) != body {
		t.Fatalf("read %d bytes, err %v", n, err)
	}
	over := limitedBuffer{max: 4999}
	if _, err := io.Copy(&over, strings.NewReader(body)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err %v, want ErrTooLarge", err)
	}
}

package introspect

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serveEvents streams the Registry's events as server-sent events until
// the client goes away, the Handler is closed, or a write stalls for
// longer than the stream write timeout.
func (h *Handler) serveEvents(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, ErrClosed.Error(), "")
		return
	}
	h.streams.Add(1)
	h.mu.Unlock()
	defer h.streams.Done()

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stopClose := context.AfterFunc(h.ctx, cancel)
	defer stopClose()

	sub, unsubscribe := h.reg.subscribe(h.buffer)
	defer unsubscribe()

	rc := http.NewResponseController(w)
	// A write blocked on a client that stopped reading must not outlive the
	// stream: when ctx ends, expire the write deadline to unblock it. The
	// handler waits for that callback before it returns, so the
	// ResponseWriter is never touched after ServeHTTP.
	unblocked := make(chan struct{})
	stopUnblock := context.AfterFunc(ctx, func() {
		defer close(unblocked)
		_ = rc.SetWriteDeadline(time.Now())
	})
	defer func() {
		if !stopUnblock() {
			<-unblocked
		}
	}()

	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no") // tell nginx-style proxies not to buffer
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)

	buf := make([]byte, 0, 1024)
	buf = append(buf, ": kit introspection protocol v1\nretry: 2000\n\n"...)
	if h.write(ctx, w, rc, buf) != nil {
		return
	}
	ticker := time.NewTicker(h.heartbeat)
	defer ticker.Stop()
	var id uint64
	for {
		buf = buf[:0]
		select {
		case <-ctx.Done():
			return
		case e, ok := <-sub.ch:
			if !ok {
				return
			}
			id++
			buf = appendEvent(buf, id, e)
		case <-ticker.C:
			buf = append(buf, ": heartbeat\n\n"...)
		}
		// The event just taken was queued before the ones that found the
		// buffer full, so the drop notice follows it.
		if n := sub.dropped.Swap(0); n > 0 {
			id++
			buf = appendEvent(buf, id, Event{Type: EventDropped, Dropped: n})
		}
		if h.write(ctx, w, rc, buf) != nil {
			return
		}
	}
}

// write sends one chunk of the stream and flushes it, with a deadline so
// that a client that stopped reading is eventually disconnected.
func (h *Handler) write(ctx context.Context, w http.ResponseWriter, rc *http.ResponseController, b []byte) error {
	if err := rc.SetWriteDeadline(time.Now().Add(h.writeTO)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	// Checked after moving the deadline: once ctx is done, the unblocking
	// callback may already have run, and the deadline just set would undo
	// it.
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	return rc.Flush()
}

// appendEvent frames e as one server-sent event. An event that cannot be
// encoded (a NaN from a foreign source) becomes a comment, so the stream
// goes on.
func appendEvent(b []byte, id uint64, e Event) []byte {
	data, err := json.Marshal(e)
	if err != nil {
		return append(b, ": an event could not be encoded\n\n"...)
	}
	b = append(b, "event: "...)
	b = append(b, strings.Map(noNewline, e.Type)...)
	b = append(b, "\nid: "...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// noNewline drops the characters that would end an SSE field early.
func noNewline(r rune) rune {
	if r == '\n' || r == '\r' {
		return -1
	}
	return r
}

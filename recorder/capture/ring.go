package capture

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kitbench/kitbench/recorder"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Defaults of RingOptions.
const (
	// DefaultRingSize is how many exchanges that did not fail a Ring keeps.
	DefaultRingSize = 1024
	// DefaultRingFailures is how many failed exchanges a Ring keeps apart,
	// so that a burst of successes does not push them out.
	DefaultRingFailures = 128
	// DefaultRingBytes bounds the headers and bodies a Ring holds (8 MiB),
	// split evenly among its slots: 7 KiB each with the default sizes.
	DefaultRingBytes = 8 << 20
	// minSlotBytes is the least a slot holds, whatever Bytes says.
	minSlotBytes = 1 << 10
)

// RingOptions size a Ring. The zero value keeps the last DefaultRingSize
// exchanges and DefaultRingFailures failures in DefaultRingBytes.
type RingOptions struct {
	// Size is how many exchanges that did not fail are kept; zero means
	// DefaultRingSize.
	Size int
	// Failures is how many failed exchanges (status 500 and above, or the
	// gRPC codes kit maps to them) are kept in a ring of their own; zero
	// means DefaultRingFailures, negative keeps failures with the others.
	Failures int
	// Bytes bounds the memory for headers and bodies, split evenly among
	// the Size+Failures slots (at least 1 KiB each); zero means
	// DefaultRingBytes. What does not fit a slot is cut and marked
	// truncated.
	Bytes int
	// Redact adds to the redaction applied when the exchanges are read.
	Redact recorder.Redaction
}

// Ring keeps a service's last exchanges in memory, for reading through
// introspection (GET /debug/kit/v1/exchanges): the cheap capture mode, to
// leave on. Its middleware (HTTP) and interceptors (Unary, Stream) copy what a call
// leaves behind — method, path or gRPC method, status, timing, trace id,
// headers, and the bodies' first bytes — into a slot that was sized when
// the Ring was made. Nothing is encoded, redacted or written until someone
// reads: WriteExchanges turns the slots into redacted kitrec lines.
//
// Failed exchanges go to a small ring of their own, so the calls that
// tripped a breaker are still there after a thousand successes.
//
// A Ring holds no goroutine and needs no Close.
type Ring struct {
	opts   Options
	redact recorder.Redaction
	ok     ringPart
	fail   ringPart // empty: failures share ok
	slotN  int      // bytes per slot
	seq    atomic.Uint64
	cut    atomic.Uint64 // exchanges with a body or headers cut short
	lapped atomic.Uint64 // exchanges overwritten before they were stored
}

// ringPart is one circle of slots.
type ringPart struct {
	slots []slot
	next  atomic.Uint64
}

// take returns the slot for the next exchange.
func (p *ringPart) take() *slot {
	return &p.slots[(p.next.Add(1)-1)%uint64(len(p.slots))]
}

// NewRing returns a Ring that keeps what the calls served through its HTTP,
// Unary and Stream hold. Of opts, Service, Instance, Name and Skip are used as
// capture uses them; MaxBody bounds each body below a slot's size; Queue
// and OnError are unused. A redaction rule that does not compile is an
// error (recorder.ErrRedaction).
func NewRing(opts Options, ro RingOptions) (*Ring, error) {
	if _, err := recorder.NewPolicy(ro.Redact); err != nil {
		return nil, err
	}
	n, nf := ro.Size, ro.Failures
	if n <= 0 {
		n = DefaultRingSize
	}
	switch {
	case nf == 0:
		nf = DefaultRingFailures
	case nf < 0:
		nf = 0
	}
	b := ro.Bytes
	if b <= 0 {
		b = DefaultRingBytes
	}
	g := &Ring{opts: opts, redact: ro.Redact, slotN: max(b/(n+nf), minSlotBytes)}
	g.ok.slots = make([]slot, n)
	g.fail.slots = make([]slot, nf)
	return g, nil
}

// RingStats count what a Ring did.
type RingStats struct {
	// Recorded is how many exchanges were stored.
	Recorded uint64
	// Truncated is how many of them had a body or headers cut to fit.
	Truncated uint64
	// Lapped is how many were overwritten by a newer exchange before
	// they were stored (more concurrent calls than slots).
	Lapped uint64
}

// Stats returns the Ring's counts.
func (g *Ring) Stats() RingStats {
	lapped := g.lapped.Load()
	return RingStats{Recorded: g.seq.Load() - lapped, Truncated: g.cut.Load(), Lapped: lapped}
}

// maxBody is how much of each body a call keeps aside: a slot's size, or
// Options.MaxBody when smaller (negative: none).
func (g *Ring) maxBody() int {
	switch {
	case g.opts.MaxBody < 0:
		return 0
	case g.opts.MaxBody > 0:
		return min(g.opts.MaxBody, g.slotN)
	}
	return g.slotN
}

// Kinds of exchange a slot holds; the read side (ring_read.go) turns each
// kind into a recorder.Exchange.
const (
	kindHTTP uint8 = iota + 1
	kindGRPC
	kindThrift // ring_thrift.go
	kindStream // a gRPC stream, its messages a log in buf (ring_stream.go)
)

// span is a part of a slot's buffer.
type span struct{ off, n uint32 }

func (s span) of(b []byte) []byte { return b[s.off : s.off+s.n] }

// slot is one stored exchange, guarded by mu.
type slot struct {
	mu sync.Mutex
	slotData
}

// slotData is what a slot holds; buf is allocated once, at the slot's
// size, and reused.
type slotData struct {
	seq      uint64 // the exchange's cursor; 0: empty
	kind     uint8
	failed   bool
	hdrCut   bool
	traced   bool
	status   int32 // HTTP status or gRPC code
	start    time.Time
	dur      time.Duration
	endpoint string // a name the service holds anyway (a route's, a gRPC method)
	trace    [32]byte

	buf                  []byte
	method, target, path span // HTTP; path holds the gRPC message for gRPC
	reqHdr, respHdr      span // header lists (appendPair)
	reqBody, respBody    span
	reqSize, respSize    int64 // full lengths; more than kept: truncated

	reqType, respType protoreflect.MessageType // gRPC messages, in buf as wire bytes

	thrift *thriftSlot // Thrift: the messages' protocol and field names; path holds the reason
}

// reset readies s for the exchange seq, keeping its buffer.
func (s *slot) reset(seq uint64, size int) {
	buf := s.buf
	if buf == nil {
		buf = make([]byte, 0, size)
	}
	s.slotData = slotData{seq: seq, buf: buf[:0]}
}

// put appends b to the buffer when it fits, returning its span and
// whether it did.
func (s *slot) put(b []byte) (span, bool) {
	if len(b) > cap(s.buf)-len(s.buf) {
		return span{}, false
	}
	off := len(s.buf)
	s.buf = append(s.buf, b...)
	return span{uint32(off), uint32(len(b))}, true
}

func (s *slot) putString(v string) span {
	n := min(len(v), cap(s.buf)-len(s.buf))
	off := len(s.buf)
	s.buf = append(s.buf, v[:n]...)
	return span{uint32(off), uint32(n)}
}

// appendPair appends one header value as uvarint lengths and bytes, when
// it fits within limit bytes of the buffer.
func (s *slot) appendPair(name, value string, limit int) bool {
	need := len(name) + len(value) + 2*binary.MaxVarintLen32
	if len(s.buf)+need > limit {
		return false
	}
	s.buf = binary.AppendUvarint(s.buf, uint64(len(name)))
	s.buf = append(s.buf, name...)
	s.buf = binary.AppendUvarint(s.buf, uint64(len(value)))
	s.buf = append(s.buf, value...)
	return true
}

// appendHeaders stores h as pairs within limit, marking the slot when
// some do not fit.
func (s *slot) appendHeaders(h map[string][]string, limit int) span {
	off := len(s.buf)
	for k, vs := range h {
		for _, v := range vs {
			if !s.appendPair(k, v, limit) {
				s.hdrCut = true
			}
		}
	}
	return span{uint32(off), uint32(len(s.buf) - off)}
}

// bodies stores the kept parts of a request and a response body, sharing
// the room left fairly when both do not fit.
func (s *slot) bodies(req, resp []byte) (truncated bool) {
	room := cap(s.buf) - len(s.buf)
	kr, kw := len(req), len(resp)
	if kr+kw > room {
		half := room / 2
		switch {
		case kr <= half:
			kw = room - kr
		case kw <= half:
			kr = room - kw
		default:
			kr, kw = half, room-half
		}
	}
	s.reqBody, _ = s.put(req[:kr])
	s.respBody, _ = s.put(resp[:kw])
	return kr < len(req) || kw < len(resp)
}

// store puts an exchange into its slot: the failures' ring when it failed
// and there is one. fill copies the exchange in while the slot is locked
// and reports whether anything was cut.
func (g *Ring) store(failed bool, fill func(s *slot) bool) {
	seq := g.seq.Add(1)
	part := &g.ok
	if failed && len(g.fail.slots) > 0 {
		part = &g.fail
	}
	s := part.take()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seq > seq { // a newer exchange got here first: this one is gone already
		g.lapped.Add(1)
		return
	}
	s.reset(seq, g.slotN)
	s.failed = failed
	if fill(s) || s.hdrCut {
		g.cut.Add(1)
	}
}

// setTrace keeps the trace id of a W3C traceparent header.
func (s *slot) setTrace(tp string) {
	if id := traceID(tp); id != "" {
		copy(s.trace[:], id)
		s.traced = true
	}
}

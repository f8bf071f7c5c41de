package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/recorder"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// RingTool is the header's tool in the sessions a Ring writes.
const RingTool = "recorder/capture ring"

var _ introspect.ExchangeSource = (*Ring)(nil)

// WriteExchanges writes the exchanges matching q to w, oldest first, as a
// kitrec session: a header, then one line an exchange, redacted with
// recorder.Policy (and RingOptions.Redact) as it is written. Each slot is
// locked only while it is looked at and copied; the redacting and encoding
// happen after. Exchange ids are the instance and the cursor
// ("bookstore-1-42"), the same every time they are read.
func (g *Ring) WriteExchanges(w io.Writer, q introspect.ExchangeQuery) (introspect.ExchangePage, error) {
	if q.Limit <= 0 {
		q.Limit = introspect.DefaultExchangeLimit
	}
	page := introspect.ExchangePage{Next: q.After}
	type hit struct {
		seq uint64
		s   *slot
	}
	var hits []hit
	var present, hi uint64
	for _, part := range []*ringPart{&g.ok, &g.fail} {
		for i := range part.slots {
			s := &part.slots[i]
			s.mu.Lock()
			if s.seq > q.After {
				present++
				hi = max(hi, s.seq)
				if s.matches(&q) {
					hits = append(hits, hit{s.seq, s})
				}
			}
			s.mu.Unlock()
		}
	}
	if hi > q.After {
		page.Dropped = hi - q.After - present
		page.Next = hi
	}
	slices.SortFunc(hits, func(a, b hit) int { return cmpUint(a.seq, b.seq) })
	if len(hits) > q.Limit {
		hits, page.More = hits[:q.Limit], true
		page.Next = hits[len(hits)-1].seq
	}
	wr, err := recorder.NewWriter(w, recorder.Header{Service: g.opts.Service, Tool: RingTool}, recorder.WriteOptions{Redact: g.redact})
	if err != nil {
		return page, err
	}
	var v slotView
	for _, h := range hits {
		if !v.copyFrom(h.s, h.seq) {
			page.Dropped++ // overwritten since it was chosen
			continue
		}
		ex := v.exchange(&g.opts)
		if err := wr.Append(ex); err != nil {
			return page, fmt.Errorf("capture: ring: %w", err)
		}
		page.Count++
	}
	return page, wr.Close()
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// matches reports whether the stored exchange passes q's filters.
func (s *slot) matches(q *introspect.ExchangeQuery) bool {
	switch {
	case q.Failed && !s.failed,
		!q.Since.IsZero() && s.start.Before(q.Since),
		!q.Until.IsZero() && !s.start.Before(q.Until),
		q.Trace != "" && (!s.traced || string(s.trace[:]) != q.Trace):
		return false
	}
	if q.Endpoint != "" && q.Endpoint != s.endpoint {
		return (s.kind == kindGRPC || s.kind == kindStream) && q.Endpoint == s.endpoint[strings.LastIndexByte(s.endpoint, '/')+1:]
	}
	return true
}

// slotView is a copy of a slot, taken under its lock, that the reader
// renders at leisure.
type slotView struct {
	s   slotData // s.buf is the slot's: read buf instead
	buf []byte
}

// copyFrom copies s if it still holds the exchange seq.
func (v *slotView) copyFrom(s *slot, seq uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seq != seq {
		return false
	}
	v.s = s.slotData
	v.buf = append(v.buf[:0], s.buf...)
	v.s.buf = nil
	return true
}

// exchange renders the view as an exchange (not yet redacted). Its
// bodies share the view's buffer: append it before the next copyFrom.
func (v *slotView) exchange(opts *Options) recorder.Exchange {
	s, b := &v.s, v.buf
	inst := opts.Instance
	if inst == "" {
		inst = "ring"
	}
	ex := recorder.Exchange{
		ID: inst + "-" + strconv.FormatUint(s.seq, 10), Time: s.start, Duration: s.dur,
		Service: opts.Service, Instance: opts.Instance, Endpoint: s.endpoint,
	}
	if s.traced {
		ex.TraceID = string(s.trace[:])
	}
	ex.Request.Headers = pairs(s.reqHdr.of(b))
	switch s.kind {
	case kindThrift:
		s.thriftExchange(&ex, b)
		return ex
	case kindStream:
		v.stream(&ex)
		return ex
	}
	if s.kind == kindGRPC {
		ex.Transport = recorder.TransportGRPC
		ex.Endpoint = s.endpoint[strings.LastIndexByte(s.endpoint, '/')+1:]
		ex.Request.GRPCMethod = s.endpoint
		ex.Response.GRPCCode, ex.Response.GRPCMessage = int(s.status), string(s.path.of(b))
		ex.Request.Body = messageBody(s.reqType, s.reqBody.of(b), s.reqSize)
		if s.status == 0 {
			ex.Response.Body = messageBody(s.respType, s.respBody.of(b), s.respSize)
		}
		return ex
	}
	ex.Transport, ex.Target = recorder.TransportHTTP, string(s.target.of(b))
	ex.Request.Method, ex.Request.Path = string(s.method.of(b)), string(s.path.of(b))
	ex.Response.Status = int(s.status)
	ex.Response.Headers = pairs(s.respHdr.of(b))
	ex.Request.Body = body(http.Header(ex.Request.Headers).Get("Content-Type"), s.reqBody.of(b), s.reqSize, 1, false)
	ex.Response.Body = body(http.Header(ex.Response.Headers).Get("Content-Type"), s.respBody.of(b), s.respSize, 1, false)
	return ex
}

// pairs decodes a header list stored by appendHeaders.
func pairs(b []byte) map[string][]string {
	if len(b) == 0 {
		return nil
	}
	m := make(map[string][]string)
	for len(b) > 0 {
		k, rest, ok := field(b)
		if !ok {
			break
		}
		v, rest2, ok := field(rest)
		if !ok {
			break
		}
		m[k] = append(m[k], v)
		b = rest2
	}
	return m
}

func field(b []byte) (string, []byte, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return "", nil, false
	}
	return string(b[k : k+int(n)]), b[k+int(n):], true
}

// messageBody renders a gRPC message kept as wire bytes: JSON when it was
// kept whole, its first bytes marked truncated otherwise.
func messageBody(mt protoreflect.MessageType, wire []byte, size int64) *recorder.Body {
	if mt == nil {
		return nil
	}
	if int64(len(wire)) < size {
		return &recorder.Body{Bytes: wire, Truncated: true, Size: size}
	}
	m := mt.New().Interface()
	if err := proto.Unmarshal(wire, m); err != nil {
		return &recorder.Body{Bytes: wire}
	}
	b, err := recorder.MessageBody(m)
	if err != nil {
		return &recorder.Body{Bytes: wire}
	}
	return b
}

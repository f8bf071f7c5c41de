package capture

import (
	"bytes"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kitbench/kitbench/recorder"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/protobuf/proto"
)

// record is what a call leaves behind, copied on the call's goroutine and
// turned into an exchange later. Records are pooled with their buffers.
type record struct {
	start    time.Time
	dur      time.Duration
	endpoint string

	// HTTP
	method, host    string
	url             url.URL
	reqHdr, respHdr []recorder.Field // header snapshots (Capture)
	reqMap, respMap http.Header      // the maps themselves (recording on the call's goroutine)
	hasReqBody      bool
	cw              captureWriter
	tee             teeBody

	grpc bool     // a gRPC call: g is set, the HTTP fields are not
	g    grpcCall // gRPC
}

// grpcCall is what a gRPC call leaves behind.
type grpcCall struct {
	fullMethod          string
	local               net.Addr
	md, header, trailer metadata.MD
	req, resp           any
	err                 error
	stream              *recorder.Exchange // a stream's exchange, made on its goroutine
}

var records = sync.Pool{New: func() any { return new(record) }}

func getRecord() *record { return records.Get().(*record) }

// putRecord returns rec to the pool, keeping its buffers but nothing they
// point to.
func putRecord(rec *record) {
	if cap(rec.cw.body) > 256<<10 || cap(rec.tee.buf) > 256<<10 {
		return // a rare big body: let it go rather than pin it
	}
	if rec.grpc { // only the gRPC part was used: clearing it is cheaper
		rec.grpc, rec.g = false, grpcCall{}
		records.Put(rec)
		return
	}
	clear(rec.reqHdr)
	clear(rec.respHdr)
	*rec = record{
		reqHdr: rec.reqHdr[:0], respHdr: rec.respHdr[:0],
		cw: captureWriter{body: rec.cw.body[:0]}, tee: teeBody{buf: rec.tee.buf[:0]},
	}
	records.Put(rec)
}

// snapshot copies h's entries: the values are shared with the map, which is
// safe because a handler that adds a value appends past them or replaces
// the slice, and nothing rewrites an element in place.
func snapshot(dst []recorder.Field, h http.Header) []recorder.Field {
	for k, v := range h {
		dst = append(dst, recorder.Field{Name: k, Values: v})
	}
	return dst
}

func get(fs []recorder.Field, m http.Header, key string) string {
	if m != nil {
		return m.Get(key)
	}
	for _, f := range fs {
		if f.Name == key && len(f.Values) > 0 {
			return f.Values[0]
		}
	}
	return ""
}

// scratch is memory a Capture's goroutine reuses from one exchange to the
// next: the JSON of gRPC messages and their Body values, and the last
// local address, rendered.
type scratch struct {
	buf       []byte
	req, resp recorder.Body
	local     *net.TCPAddr
	target    string
}

// reset readies s for the next exchange, once the last one is encoded.
func (s *scratch) reset() {
	if cap(s.buf) > 256<<10 {
		s.buf = nil // a rare big message: let it go rather than pin it
	}
	s.buf = s.buf[:0]
	s.req, s.resp = recorder.Body{}, recorder.Body{}
}

// exchange fills ex from rec. With fields set, ex's HTTP header maps are
// left nil (rec's snapshots stand for them) and ex shares rec's buffers;
// with s set, ex's gRPC bodies live in s; either way ex must be encoded
// before rec goes back to the pool (and before s is used again). Without
// them, everything in ex is ex's own.
func (rec *record) exchange(ex *recorder.Exchange, opts *Options, max int, fields bool, s *scratch) {
	ex.Time, ex.Duration = rec.start, rec.dur
	ex.Service, ex.Instance, ex.Endpoint = opts.Service, opts.Instance, rec.endpoint
	if rec.grpc {
		rec.grpcExchange(ex, max, s)
		return
	}
	ex.Transport, ex.Target = recorder.TransportHTTP, rec.host
	ex.Request.Method, ex.Request.Path = rec.method, rec.url.RequestURI()
	switch {
	case rec.reqMap != nil:
		ex.Request.Headers, ex.Response.Headers = rec.reqMap, rec.respMap
	case fields:
	default:
		ex.Request.Headers, ex.Response.Headers = toMap(rec.reqHdr), toMap(rec.respHdr)
	}
	ex.TraceID = traceID(get(rec.reqHdr, rec.reqMap, "Traceparent"))
	ex.Response.Status = rec.cw.code
	own := !fields
	ex.Response.Body = body(get(rec.respHdr, rec.respMap, "Content-Type"), rec.cw.body, rec.cw.size, max, own)
	if rec.hasReqBody {
		ex.Request.Body = body(get(rec.reqHdr, rec.reqMap, "Content-Type"), rec.tee.buf, rec.tee.size, max, own)
	}
}

func toMap(fs []recorder.Field) map[string][]string {
	if len(fs) == 0 {
		return nil
	}
	m := make(map[string][]string, len(fs))
	for _, f := range fs {
		m[f.Name] = f.Values
	}
	return m
}

// body builds a Body from what was kept of size bytes, copying kept when
// own is set.
func body(ct string, kept []byte, size int64, max int, own bool) *recorder.Body {
	if size == 0 || max == 0 {
		return nil
	}
	if own {
		kept = bytes.Clone(kept)
	}
	if size > int64(len(kept)) {
		return &recorder.Body{Bytes: kept, Truncated: true, Size: size}
	}
	return recorder.NewBody(ct, kept)
}

func (rec *record) grpcExchange(ex *recorder.Exchange, max int, s *scratch) {
	ex.Transport = recorder.TransportGRPC
	ex.Endpoint = rec.g.fullMethod[strings.LastIndexByte(rec.g.fullMethod, '/')+1:]
	ex.Target = s.targetOf(rec.g.local)
	ex.Request.GRPCMethod, ex.Request.Headers = rec.g.fullMethod, mdOrNil(rec.g.md)
	if tp := rec.g.md["traceparent"]; len(tp) > 0 {
		ex.TraceID = traceID(tp[0])
	}
	var req, resp *recorder.Body
	if s != nil {
		req, resp = &s.req, &s.resp
	}
	ex.Request.Body = s.messageBody(req, rec.g.req, max)
	ex.Response.Headers, ex.Response.Trailers = mdOrNil(rec.g.header), mdOrNil(rec.g.trailer)
	if rec.g.err != nil {
		st := status.Convert(rec.g.err)
		ex.Response.GRPCCode, ex.Response.GRPCMessage = int(st.Code()), st.Message()
		ex.Response.Reason = kitgrpc.ReasonOf(st)
	} else {
		ex.Response.Body = s.messageBody(resp, rec.g.resp, max)
	}
}

// targetOf renders a server's local address, once per connection when s
// is set (grpc-go hands every call on a connection the same address).
func (s *scratch) targetOf(a net.Addr) string {
	if a == nil {
		return ""
	}
	tcp, ok := a.(*net.TCPAddr)
	if s == nil || !ok {
		return a.String()
	}
	if tcp != s.local {
		s.local, s.target = tcp, tcp.String()
	}
	return s.target
}

// messageBody encodes m as a JSON body, into dst and s's buffer when s is
// set, a Body of its own otherwise. A body longer than max is kept as its
// first max bytes, marked truncated.
func (s *scratch) messageBody(dst *recorder.Body, m any, max int) *recorder.Body {
	pm, ok := m.(proto.Message)
	if !ok || max == 0 {
		return nil
	}
	var b *recorder.Body
	if s == nil {
		var err error
		if b, err = recorder.MessageBody(pm); err != nil {
			return nil
		}
	} else {
		var err error
		if s.buf, err = recorder.AppendMessageBody(dst, s.buf, pm); err != nil {
			return nil
		}
		b = dst
	}
	if n := len(b.JSON); n > max {
		*b = recorder.Body{Bytes: b.JSON[:max], Truncated: true, Size: int64(n)}
	}
	return b
}

func mdOrNil(md metadata.MD) map[string][]string {
	if len(md) == 0 {
		return nil
	}
	return map[string][]string(md)
}

// traceID takes the trace id out of a W3C traceparent header.
func traceID(tp string) string {
	// version "-" trace-id(32) "-" parent-id(16) "-" flags
	if len(tp) < 55 || tp[2] != '-' || tp[35] != '-' {
		return ""
	}
	return tp[3:35]
}

package capture

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// HTTP is middleware that keeps every request it serves, with its
// response, in the Ring. The response is passed through untouched —
// status, headers, body, flushes — while the bodies' first bytes are
// copied aside (a slot's size at most). Put it outermost, around the whole
// router.
func (g *Ring) HTTP(next http.Handler) http.Handler {
	return &ringHandler{next: next, g: g, max: g.maxBody()}
}

type ringHandler struct {
	next http.Handler
	g    *Ring
	max  int
}

func (h *ringHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.g.opts.Skip != nil && h.g.opts.Skip(r) {
		h.next.ServeHTTP(w, r)
		return
	}
	rec := getRecord()
	defer putRecord(rec)
	start := time.Now()
	rec.cw.ResponseWriter, rec.cw.max = w, h.max
	var orig io.ReadCloser
	if h.max > 0 && r.Body != nil && r.Body != http.NoBody {
		orig = r.Body
		rec.tee.rc, rec.tee.max = orig, h.max
		r.Body = &rec.tee
	}
	h.next.ServeHTTP(&rec.cw, r)
	dur := time.Since(start)
	if orig != nil && r.Body == &rec.tee {
		r.Body = orig // nothing outside may hold the pooled tee
	}
	rec.cw.ResponseWriter = nil
	if rec.cw.hdr == nil {
		rec.cw.hdr = w.Header()
	}
	code := rec.cw.code
	if code == 0 {
		code = http.StatusOK
	}
	endpoint := r.Pattern
	if h.g.opts.Name != nil {
		endpoint = h.g.opts.Name(r)
	}
	failed := transport.ClassOfStatus(code) == transport.Failure
	h.g.store(failed, func(s *slot) bool {
		s.kind, s.status, s.start, s.dur, s.endpoint = kindHTTP, int32(code), start, dur, endpoint
		hdrLimit := cap(s.buf) / 2
		s.method = s.putString(r.Method)
		s.target = s.putString(r.Host)
		s.path = s.putString(requestURI(r))
		s.reqHdr = s.appendHeaders(r.Header, hdrLimit)
		s.respHdr = s.appendHeaders(rec.cw.hdr, hdrLimit)
		if tp := r.Header["Traceparent"]; len(tp) > 0 {
			s.setTrace(tp[0])
		}
		s.reqSize, s.respSize = rec.tee.size, rec.cw.size
		cut := s.bodies(rec.tee.buf, rec.cw.body)
		return cut || rec.tee.size > int64(len(rec.tee.buf)) || rec.cw.size > int64(len(rec.cw.body))
	})
	rec.cw.hdr = nil
}

// requestURI is the request's target as the client sent it, or as its URL
// says for a request made in-process.
func requestURI(r *http.Request) string {
	if r.RequestURI != "" {
		return r.RequestURI
	}
	if r.URL != nil {
		return r.URL.RequestURI()
	}
	return ""
}

// Unary is a grpc.UnaryServerInterceptor that keeps every unary call the
// server handles in the Ring: its metadata, status, and request and
// response messages in their wire encoding (rendered as JSON only when
// read). Response headers and trailers are not kept (file capture keeps
// them). The call itself is not changed.
//
// It allocates nothing: the metadata is read where grpc-go keeps it,
// without the copy metadata.FromIncomingContext makes (see ring_md.go),
// and the messages are marshalled straight into the slot. On a server
// that has interceptors already, installing it costs one allocation a
// call, grpc-go's: the closure that chains one more interceptor.
//
// Streams are kept by Stream.
func (g *Ring) Unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := handler(ctx, req)
	dur := time.Since(start)
	code, msg, failed := codes.OK, "", false
	if err != nil {
		st := status.Convert(err)
		code, msg = st.Code(), st.Message()
		failed = code != codes.OK && transport.ClassOfStatus(kitgrpc.HTTPStatus(code)) == transport.Failure
	}
	md := incomingMD(ctx)
	max := g.maxBody()
	g.store(failed, func(s *slot) bool {
		s.kind, s.status, s.start, s.dur, s.endpoint = kindGRPC, int32(code), start, dur, info.FullMethod
		s.path = s.putString(msg)
		s.reqHdr = s.appendMD(md, cap(s.buf)/2)
		cut := s.message(req, max, true)
		if err == nil {
			cut = s.message(resp, max, false) || cut
		}
		return cut
	})
	return resp, err
}

// message appends m's wire encoding, cut to the room left and to max,
// keeping its type so that the read side can render it as JSON.
func (s *slot) message(m any, max int, isReq bool) (cut bool) {
	pm, ok := m.(proto.Message)
	if !ok || max == 0 {
		return false
	}
	mr := pm.ProtoReflect()
	off := len(s.buf)
	room := min(cap(s.buf)-off, max)
	size := proto.Size(pm)
	var sp span
	if size <= room {
		b, err := proto.MarshalOptions{}.MarshalAppend(s.buf, pm)
		if err != nil || len(b) > cap(s.buf) { // not a message of ours, or it grew: keep none
			s.buf = s.buf[:off]
			return true
		}
		s.buf = b
		sp = span{uint32(off), uint32(len(b) - off)}
	} else {
		b, err := proto.MarshalOptions{}.Marshal(pm) // rare: a message larger than a slot
		if err != nil {
			return true
		}
		sp, _ = s.put(b[:room])
	}
	if isReq {
		s.reqBody, s.reqSize, s.reqType = sp, int64(size), mr.Type()
	} else {
		s.respBody, s.respSize, s.respType = sp, int64(size), mr.Type()
	}
	return int(sp.n) < size
}

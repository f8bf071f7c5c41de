package capture

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// A stream's slot (kindStream) uses the slot's fields as a unary call's
// do — status, start, dur, endpoint (the full method), trace, reqHdr (the
// request metadata), path (the status message), reqType and respType —
// and these in a sense of its own:
//
//   - reqBody spans the message log: one byte of stream flags
//     (streamKind*, streamCancelled), then one entry a message in the order
//     they passed: a flags byte (msgResponse, msgOpaque), the offset from
//     start in nanoseconds and the message's length as uvarints, and the
//     message in its wire encoding;
//   - method spans the status's reason, respHdr the response header and
//     target the trailer (pairs, as appendHeaders stores them);
//   - reqSize and respSize count the messages each way that were dropped.
const (
	streamKindServer uint8 = 1 << iota // one request, many responses
	streamKindClient                   // many requests, one response
	streamCancelled                    // the client cancelled the call
	msgResponse      = 1               // entry flag: sent by the server
	msgOpaque        = 2               // entry flag: not a protobuf message; no bytes kept
)

// maxEntryHead is the most bytes an entry's head takes.
const maxEntryHead = 1 + binary.MaxVarintLen64 + binary.MaxVarintLen32

// Stream is a grpc.StreamServerInterceptor that keeps every streaming call
// the server handles in the Ring, as one exchange (read as a kitrec 1.1
// stream exchange): its metadata, each message either way with its time
// from the call's start, the response header and trailer, status and
// reason, and whether the client cancelled it. Install it as Unary is
// installed (grpc.ChainStreamInterceptor).
//
// While the call runs, its messages are copied in their wire encoding
// into a buffer of the call's own, a slot's size and pooled; no slot is
// locked. The exchange is stored into a slot when the call ends, so an
// open stream — a watch that runs for minutes — appears in the Ring only
// once it has ended. A message that does not fit what is left of the
// buffer is dropped, and so is every later one; they are counted each way
// (read as the messages_dropped of the request and response) and the
// exchange counts as truncated (RingStats.Truncated), so nothing is lost
// silently. Server reflection streams, which tools open on their own, are
// not kept. A handler that panics is not kept. The call itself is not
// changed.
func (g *Ring) Stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if strings.HasPrefix(info.FullMethod, reflectionPrefix) {
		return handler(srv, ss)
	}
	ctx := ss.Context()
	rec := g.getStream()
	rs := &ringStream{ServerStream: ss, ctx: ctx, rec: rec, max: g.maxBody()}
	s := &rec.s
	s.kind, s.endpoint = kindStream, info.FullMethod
	s.reqHdr = s.appendMD(incomingMD(ctx), cap(s.buf)/2)
	var flags uint8
	if !info.IsClientStream {
		flags = streamKindServer
	} else if !info.IsServerStream {
		flags = streamKindClient
	}
	rec.logOff = len(s.buf)
	s.buf = append(s.buf, flags)
	// What a stream's end adds — status message, reason, header,
	// trailer — has an eighth of the buffer kept for it.
	rec.msgLimit = cap(s.buf) - cap(s.buf)/8
	// The tap sees metadata a handler sets through its context
	// (grpc.SetHeader), as the unary interceptors' does; it lives in rs,
	// which saves it an allocation.
	var tap *streamTap
	if st := grpc.ServerTransportStreamFromContext(ctx); st != nil {
		tap = &rs.tap
		tap.st, tap.method = st, st.Method()
		rs.ctx = grpc.NewContextWithServerTransportStream(ctx, tap)
	}
	rec.s.start = time.Now()
	err := handler(srv, rs)
	end := time.Now()
	cancelled := errors.Is(ctx.Err(), context.Canceled)

	rs.mu.Lock()
	rs.rec = nil // a goroutine the handler left behind no longer reaches rec
	rs.mu.Unlock()
	if tap != nil {
		tap.mu.Lock()
		header, trailer := tap.header, tap.trailer
		tap.st = nil // the call is over: later metadata is refused
		tap.mu.Unlock()
		rec.meta(&rec.hdr, header)
		rec.meta(&rec.trl, trailer)
	}
	failed := rec.end(end, err, cancelled)
	g.store(failed, rec.commit)
	g.putStream(rec)
	return err
}

// streamRecord is a stream's exchange while the call runs: a slot of its
// own, which commit swaps into the Ring's. Records are pooled with their
// buffers.
type streamRecord struct {
	s        slot // its mutex is unused: ringStream.mu guards the record
	logOff   int  // where the message log starts in s.buf
	msgLimit int  // messages stop here in s.buf
	full     bool // a message was dropped: every later one is too
	cut      bool // something was dropped or cut
	hdr, trl slot // response header and trailer pairs, as they were set
}

var streamRecords sync.Pool

// getStream returns a record whose buffers are the Ring's sizes.
func (g *Ring) getStream() *streamRecord {
	rec, _ := streamRecords.Get().(*streamRecord)
	if rec == nil {
		rec = new(streamRecord)
	}
	if cap(rec.s.buf) != g.slotN { // new, or another Ring's
		rec.s.buf = make([]byte, 0, g.slotN)
	}
	if meta := max(g.slotN/16, 64); cap(rec.hdr.buf) != meta {
		rec.hdr.buf, rec.trl.buf = make([]byte, 0, meta), make([]byte, 0, meta)
	}
	return rec
}

// putStream clears rec, keeping its buffers, and pools it.
func (g *Ring) putStream(rec *streamRecord) {
	rec.s.slotData = slotData{buf: rec.s.buf[:0]}
	rec.hdr.slotData = slotData{buf: rec.hdr.buf[:0]}
	rec.trl.slotData = slotData{buf: rec.trl.buf[:0]}
	rec.logOff, rec.msgLimit, rec.full, rec.cut = 0, 0, false, false
	streamRecords.Put(rec)
}

// message appends m, sent (resp) or received, to the log when it fits
// (and is at most limit bytes), and counts it as dropped otherwise. The
// buffer was sized when the record was made: appending never grows it.
func (rec *streamRecord) message(at time.Time, m any, resp bool, limit int) {
	s := &rec.s
	dropped := &s.reqSize
	if resp {
		dropped = &s.respSize
	}
	if rec.full {
		*dropped++
		return
	}
	var flags byte
	if resp {
		flags |= msgResponse
	}
	pm, ok := m.(proto.Message)
	size := 0
	if ok {
		size = proto.Size(pm)
	} else {
		flags |= msgOpaque
	}
	if size > limit || len(s.buf)+maxEntryHead+size > rec.msgLimit {
		rec.full, rec.cut = true, true
		*dropped++
		return
	}
	b := append(s.buf, flags)
	b = binary.AppendUvarint(b, uint64(max(at.Sub(s.start), 0)))
	b = binary.AppendUvarint(b, uint64(size))
	if ok {
		head := len(b)
		var err error
		// Size has just set the cached size that Marshal uses.
		b, err = proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(b, pm)
		if err != nil || len(b)-head != size || cap(b) != cap(s.buf) {
			// Not a message of ours, or it changed while it was encoded:
			// the log ends here, and the buffer is as it was.
			rec.full, rec.cut = true, true
			*dropped++
			return
		}
		if typ := pm.ProtoReflect().Type(); resp && s.respType == nil {
			s.respType = typ
		} else if !resp && s.reqType == nil {
			s.reqType = typ
		}
	}
	s.buf = b
}

// meta appends md's pairs to dst, marking what does not fit.
func (rec *streamRecord) meta(dst *slot, md metadata.MD) {
	dst.appendHeaders(md, cap(dst.buf))
	if dst.hdrCut {
		rec.cut = true
	}
}

// end completes the record with the call's outcome and reports whether it
// failed.
func (rec *streamRecord) end(at time.Time, err error, cancelled bool) (failed bool) {
	s := &rec.s
	s.dur = max(at.Sub(s.start), 0)
	s.reqBody = span{uint32(rec.logOff), uint32(len(s.buf) - rec.logOff)}
	var code codes.Code
	var msg, reason string
	switch {
	case cancelled: // whatever the handler returned, the client saw its own Canceled
		code, msg = codes.Canceled, context.Canceled.Error()
		s.buf[rec.logOff] |= streamCancelled
	case err != nil:
		st, ok := status.FromError(err)
		if !ok {
			st = status.FromContextError(err)
		}
		code, msg, reason = st.Code(), st.Message(), kitgrpc.ReasonOf(st)
	}
	s.status = int32(code)
	s.path = s.putString(msg)
	s.method = s.putString(reason)
	s.respHdr = rec.putPairs(rec.hdr.buf)
	s.target = rec.putPairs(rec.trl.buf)
	if len(s.path.of(s.buf)) < len(msg) || len(s.method.of(s.buf)) < len(reason) {
		rec.cut = true
	}
	return code != codes.OK && transport.ClassOfStatus(kitgrpc.HTTPStatus(code)) == transport.Failure
}

// putPairs appends the pairs in b, whole, when they fit.
func (rec *streamRecord) putPairs(b []byte) span {
	sp, ok := rec.s.put(b)
	if !ok {
		rec.s.hdrCut, rec.cut = true, true
	}
	return sp
}

// commit is Ring.store's fill: it swaps the record's buffer, holding the
// exchange, with the slot's, which the record keeps for its next stream.
func (rec *streamRecord) commit(s *slot) bool {
	seq, failed, old := s.seq, s.failed, s.buf[:0]
	s.slotData = rec.s.slotData
	s.seq, s.failed = seq, failed
	rec.s.buf = old
	return rec.cut
}

// ringStream is the grpc.ServerStream a Ring's Stream hands the handler:
// it passes everything through and copies the messages and the metadata
// set on it into the call's record.
type ringStream struct {
	grpc.ServerStream
	ctx context.Context
	max int

	mu  sync.Mutex    // sending and receiving may each have a goroutine
	rec *streamRecord // nil once the call is over

	tap streamTap // the call's ServerTransportStream, in its context
}

func (rs *ringStream) Context() context.Context { return rs.ctx }

func (rs *ringStream) SendMsg(m any) error {
	at := time.Now()
	err := rs.ServerStream.SendMsg(m)
	if err == nil {
		rs.keep(at, m, true)
	}
	return err
}

func (rs *ringStream) RecvMsg(m any) error {
	err := rs.ServerStream.RecvMsg(m)
	if err == nil {
		rs.keep(time.Now(), m, false)
	}
	return err
}

func (rs *ringStream) keep(at time.Time, m any, resp bool) {
	rs.mu.Lock()
	if rs.rec != nil {
		rs.rec.message(at, m, resp, rs.max)
	}
	rs.mu.Unlock()
}

func (rs *ringStream) SetHeader(md metadata.MD) error {
	err := rs.ServerStream.SetHeader(md)
	rs.keepMeta(md, err, false)
	return err
}

func (rs *ringStream) SendHeader(md metadata.MD) error {
	err := rs.ServerStream.SendHeader(md)
	rs.keepMeta(md, err, false)
	return err
}

func (rs *ringStream) SetTrailer(md metadata.MD) {
	rs.ServerStream.SetTrailer(md)
	rs.keepMeta(md, nil, true)
}

func (rs *ringStream) keepMeta(md metadata.MD, err error, trailer bool) {
	if err != nil {
		return
	}
	rs.mu.Lock()
	if rec := rs.rec; rec != nil {
		if trailer {
			rec.meta(&rec.trl, md)
		} else {
			rec.meta(&rec.hdr, md)
		}
	}
	rs.mu.Unlock()
}

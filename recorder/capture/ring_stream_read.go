package capture

import (
	"encoding/binary"
	"strings"
	"time"

	"github.com/kitbench/kitbench/recorder"
)

// stream renders a stream's slot (see ring_stream.go for its layout) as a
// kitrec 1.1 stream exchange, into ex, which holds what every kind has.
// Messages are rendered as JSON from their wire encoding here, at read
// time; a log that does not parse ends where it stops parsing.
func (v *slotView) stream(ex *recorder.Exchange) {
	s, b := &v.s, v.buf
	ex.Transport = recorder.TransportGRPC
	ex.Endpoint = s.endpoint[strings.LastIndexByte(s.endpoint, '/')+1:]
	ex.Request.GRPCMethod = s.endpoint
	ex.Response.GRPCCode, ex.Response.GRPCMessage = int(s.status), string(s.path.of(b))
	ex.Response.Reason = string(s.method.of(b))
	ex.Response.Headers = pairs(s.respHdr.of(b))
	ex.Response.Trailers = pairs(s.target.of(b))
	ex.Request.Dropped, ex.Response.Dropped = int(s.reqSize), int(s.respSize)
	log := s.reqBody.of(b)
	st := &recorder.Stream{Kind: recorder.StreamBidi}
	ex.Stream = st
	if len(log) == 0 {
		return
	}
	flags := log[0]
	switch {
	case flags&streamKindServer != 0:
		st.Kind = recorder.StreamServer
	case flags&streamKindClient != 0:
		st.Kind = recorder.StreamClient
	}
	st.Cancelled = flags&streamCancelled != 0
	for log = log[1:]; len(log) > 0; {
		mflags := log[0]
		off, k := binary.Uvarint(log[1:])
		if k <= 0 {
			return
		}
		n, k2 := binary.Uvarint(log[1+k:])
		head := 1 + k + k2
		if k2 <= 0 || uint64(len(log)-head) < n {
			return
		}
		wire := log[head : head+int(n)]
		log = log[head+int(n):]
		m := recorder.Message{Offset: time.Duration(off)}
		if mflags&msgResponse != 0 {
			if mflags&msgOpaque == 0 {
				m.Body = messageBody(s.respType, wire, int64(n))
			}
			ex.Response.Messages = append(ex.Response.Messages, m)
		} else {
			if mflags&msgOpaque == 0 {
				m.Body = messageBody(s.reqType, wire, int64(n))
			}
			ex.Request.Messages = append(ex.Request.Messages, m)
		}
	}
}

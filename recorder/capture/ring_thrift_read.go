package capture

import (
	"net/http"

	"github.com/apache/thrift/lib/go/thrift"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/internal/thriftwire"
)

// thriftExchange fills in ex, whose common fields are set, from a Thrift
// slot whose buffer is b: the call's header, and its messages decoded as
// JSON (recorder.ThriftCall).
func (s *slotData) thriftExchange(ex *recorder.Exchange, b []byte) {
	ts := s.thrift
	proto := kitthrift.Binary
	if ts.compact {
		proto = kitthrift.Compact
	}
	tc := &recorder.ThriftCall{Method: s.endpoint, Protocol: proto.String()}
	ex.Transport, ex.Thrift = recorder.TransportThrift, tc
	ex.Response.Status, ex.Response.Reason = int(s.status), string(s.path.of(b))
	req := s.reqBody.of(b)
	if m, err := thriftwire.Peek(req, ts.compact); err == nil {
		tc.Method, tc.SeqID, tc.Oneway = m.Name, m.SeqID, m.Type == thrift.ONEWAY
	}
	if ex.Endpoint == "" {
		ex.Endpoint = tc.Method
	}
	names := ts.methods[tc.Method]
	var call *thriftwire.Decoded
	ex.Request.Body, call = thriftBody(req, s.reqSize, ts.compact, names.args, thriftwire.DecodeCall)
	if call != nil && call.Types != nil {
		tc.RequestTypes = call.Types.AppendJSON(nil)
	}
	if s.respSize == 0 {
		return
	}
	body, d := thriftBody(s.respBody.of(b), s.respSize, ts.compact, names.result, thriftwire.Decode)
	ex.Response.Body = body
	if d == nil {
		return
	}
	tc.Reply = thriftwire.TypeName(d.Type)
	if d.Type == thrift.REPLY && d.FirstID > 0 {
		tc.Exception = d.First
		if s.status == http.StatusOK {
			ex.Response.Status = 0 // a declared exception that no kit Server chose: its status is unknown
		}
	}
}

// thriftBody renders a message kept as wire bytes: its struct as JSON
// when it was kept whole and reads as one message, with what was read of
// it; marked truncated, with no content, when it was cut (a part would be
// rendered wrong), or holding only its size when it does not read.
// decode is thriftwire.Decode, or DecodeCall for a request, whose types
// replay needs.
func thriftBody(wire []byte, size int64, compact bool, names *thriftwire.Names, decode decodeFunc) (*recorder.Body, *thriftwire.Decoded) {
	if size == 0 {
		return nil, nil
	}
	if int64(len(wire)) < size {
		return &recorder.Body{Truncated: true, Size: size}, nil
	}
	js, d, err := decode(nil, wire, compact, names)
	if err != nil {
		return &recorder.Body{Size: size}, nil
	}
	return &recorder.Body{JSON: js}, &d
}

type decodeFunc func(dst, b []byte, compact bool, names *thriftwire.Names) ([]byte, thriftwire.Decoded, error)

package capture

import (
	"encoding/hex"
	"net/http"

	"github.com/kitbench/kitbench/kit/transport"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
	"github.com/kitbench/kitbench/recorder/internal/thriftwire"
)

// ThriftMethod names the structs the Thrift compiler generated for one
// method of a service, so that the Ring shows the fields of its messages
// by name ("1:password") and redacts them by name like JSON fields.
// Without one, fields are shown by id alone ("1") and only values that
// look like secrets (JWTs, bearer credentials, …) are redacted.
type ThriftMethod struct {
	// Name is the method as the IDL names it ("GetBook").
	Name string
	// Args and Result are values of the method's generated argument and
	// result structs, e.g. new(bookthrift.BookServiceGetBookArgs) and
	// new(bookthrift.BookServiceGetBookResult); nil names nothing.
	Args, Result any
}

// thriftSlot is what a Thrift exchange's slot points to besides its
// bytes: the Ring.Thrift observer's field names and the protocol. There
// is one for each protocol per observer, made before serving.
type thriftSlot struct {
	compact bool
	methods map[string]thriftNames
}

type thriftNames struct{ args, result *thriftwire.Names }

// Thrift returns an observer for kitthrift.SocketConfig.Observe that
// keeps every call the SocketServer serves in the Ring: the method, the
// status and reason kit gave its error (200 when it succeeded), timing,
// the trace id when the call's context had one, and the raw request and
// reply messages up to a slot's room, copied into it as they are. They
// are read as JSON only when someone reads the Ring (see
// recorder.ThriftCall), with methods' names for their fields; a message
// cut to fit is marked truncated and never rendered in part.
func (g *Ring) Thrift(methods ...ThriftMethod) func(*kitthrift.Exchange) {
	names := make(map[string]thriftNames, len(methods))
	for _, m := range methods {
		names[m.Name] = thriftNames{thriftwire.NamesOf(m.Args), thriftwire.NamesOf(m.Result)}
	}
	binary := &thriftSlot{methods: names}
	compact := &thriftSlot{compact: true, methods: names}
	max := g.maxBody()
	return func(x *kitthrift.Exchange) {
		ts := binary
		if x.Protocol == kitthrift.Compact {
			ts = compact
		}
		g.keepThrift(x, ts, max)
	}
}

func (g *Ring) keepThrift(x *kitthrift.Exchange, ts *thriftSlot, max int) {
	status, reason := http.StatusOK, ""
	switch {
	case x.Err != nil:
		status, reason = transport.StatusOf(x.Err), transport.ReasonOf(x.Err)
	case replyIsException(x.Reply, ts.compact):
		status = http.StatusInternalServerError // a TApplicationException no kit Server chose
	}
	failed := transport.ClassOfStatus(status) == transport.Failure
	g.store(failed, func(s *slot) bool {
		s.kind, s.status, s.start, s.dur, s.endpoint = kindThrift, int32(status), x.Start, x.Duration, x.Method
		s.thrift = ts
		s.path = s.putString(reason)
		if x.TraceID.IsValid() {
			hex.Encode(s.trace[:], x.TraceID[:])
			s.traced = true
		}
		s.reqSize, s.respSize = int64(len(x.Request)), int64(len(x.Reply))
		req, reply := x.Request[:min(len(x.Request), max)], x.Reply[:min(len(x.Reply), max)]
		cut := s.bodies(req, reply)
		return cut || len(req) < len(x.Request) || len(reply) < len(x.Reply)
	})
}

// replyIsException reports whether a reply message is an EXCEPTION (a
// TApplicationException), from its first bytes: a strict binary header's
// fourth byte, or the high bits of a compact header's second.
func replyIsException(b []byte, compact bool) bool {
	const exception = 3
	if compact {
		return len(b) > 1 && b[1]>>5 == exception
	}
	return len(b) > 3 && b[3]&0x07 == exception
}

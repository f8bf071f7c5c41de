package recorder

import (
	"fmt"
	"strconv"
)

// appendStream writes the exchange's "stream" member, when it is one.
func appendStream(b []byte, st *Stream) []byte {
	if st == nil {
		return b
	}
	b = append(b, `,"stream":{`...)
	n := len(b)
	b = appendField(b, "kind", st.Kind)
	if st.Cancelled {
		b = append(b, `,"cancelled":true`...)
	}
	b = fixFirstComma(b, n)
	return append(b, '}')
}

// appendMessages writes a direction's "messages" and "messages_dropped".
func appendMessages(b []byte, ms []Message, dropped int) ([]byte, error) {
	if len(ms) > 0 {
		b = append(b, `,"messages":[`...)
		for i := range ms {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"offset_ns":`...)
			b = strconv.AppendInt(b, int64(ms[i].Offset), 10)
			var err error
			if b, err = appendBody(b, ms[i].Body); err != nil {
				return nil, fmt.Errorf("message %d: %w", i, err)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if dropped != 0 {
		b = append(b, `,"messages_dropped":`...)
		b = strconv.AppendInt(b, int64(dropped), 10)
	}
	return b, nil
}

// checkMessages refuses a read exchange whose messages a v1.1 reader
// would misread: a body with both forms, messages on a unary exchange.
func checkMessages(ex *Exchange) error {
	for _, dir := range []struct {
		name string
		ms   []Message
	}{{"request", ex.Request.Messages}, {"response", ex.Response.Messages}} {
		if len(dir.ms) > 0 && ex.Stream == nil {
			return fmt.Errorf("%w: exchange %q: %s messages without \"stream\"", ErrFormat, ex.ID, dir.name)
		}
		for i, m := range dir.ms {
			if b := m.Body; b != nil && b.JSON != nil && b.Bytes != nil {
				return fmt.Errorf("%w: exchange %q: %s message %d has both \"json\" and \"base64\"", ErrFormat, ex.ID, dir.name, i)
			}
		}
	}
	if ex.Stream != nil && ex.Transport != TransportGRPC {
		return fmt.Errorf("%w: exchange %q: a stream over %q; streams are gRPC only", ErrFormat, ex.ID, ex.Transport)
	}
	return nil
}

// messages redacts each message's body, returning ms itself when nothing
// changes (a changed list is a new slice: the caller's is never written).
func (p *Policy) messages(ms []Message) []Message {
	var out []Message
	for i := range ms {
		nb := p.body(ms[i].Body)
		if nb == ms[i].Body {
			continue
		}
		if out == nil {
			out = append([]Message(nil), ms...)
		}
		out[i].Body = nb
	}
	if out == nil {
		return ms
	}
	return out
}

package recorder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// TransportThrift is the transport of a Thrift call (format 1.2).
const TransportThrift = "thrift"

// ThriftCall says what a Thrift exchange's messages were (format 1.2).
// Its bodies are the messages' structs rendered as JSON without the IDL:
// fields keyed by id ("1"), or by id and name ("1:title") when the
// recorder knew the generated types; strings that are not UTF-8 as
// {"base64": "…"}; maps with string or integer keys as objects, others as
// arrays of [key, value] pairs. The request body is the method's
// arguments ({"1:req": {…}}); the response body is the reply's result
// struct, whose one field is the success value (id 0) or a declared
// exception ({"3:failed": {"1:status": 503, …}}), or, for an
// EXCEPTION reply, the TApplicationException ({"1:message": …,
// "2:type": 6}). A message cut to the recording's limit is never
// rendered in part: its body is {"truncated": true, "size": N}.
type ThriftCall struct {
	// Method is the method named in the request message.
	Method string `json:"method"`
	// Protocol is the wire protocol, "binary" or "compact".
	Protocol string `json:"protocol,omitempty"`
	// SeqID is the request's sequence id.
	SeqID int32 `json:"seqid,omitempty"`
	// Oneway is set for a oneway call, which has no reply.
	Oneway bool `json:"oneway,omitempty"`
	// Reply is the reply message's type: "reply" or "exception" (a
	// TApplicationException); empty when there was none or it was cut.
	Reply string `json:"reply,omitempty"`
	// Exception is the key of the declared exception a "reply" carried
	// instead of a success ("3" or "3:failed"); empty for a success.
	Exception string `json:"exception,omitempty"`
	// RequestTypes describe the request's argument struct as the wire
	// carried it: each field's Thrift type by id, with the fields of
	// structs and the element types of lists, sets and maps, e.g.
	// {"1":{"struct":{"1":"string","4":"i32"}}}. Replay writes the
	// request body with them (JSON alone does not say whether 7 is an
	// i16 or an i64). Nil when unknown (files written before they were
	// added, a request cut or unreadable): the exchange is then not
	// replayed (ThriftNotReplayed). Added within format 1.2.
	RequestTypes json.RawMessage `json:"request_types,omitempty"`
}

// appendThrift writes the exchange's "thrift" member, when it has one.
// Its request types are written compacted; types that are not a JSON
// object are an error (replay reads what they say, and says when they
// do not read).
func appendThrift(b []byte, tc *ThriftCall) ([]byte, error) {
	if tc == nil {
		return b, nil
	}
	b = append(b, `,"thrift":{"method":`...)
	b = appendString(b, tc.Method)
	b = appendField(b, "protocol", tc.Protocol)
	if tc.SeqID != 0 {
		b = append(b, `,"seqid":`...)
		b = strconv.AppendInt(b, int64(tc.SeqID), 10)
	}
	if tc.Oneway {
		b = append(b, `,"oneway":true`...)
	}
	b = appendField(b, "reply", tc.Reply)
	b = appendField(b, "exception", tc.Exception)
	if len(tc.RequestTypes) > 0 {
		b = append(b, `,"request_types":`...)
		buf := bytes.NewBuffer(b)
		n := buf.Len()
		if err := json.Compact(buf, tc.RequestTypes); err != nil || buf.Bytes()[n] != '{' {
			return nil, fmt.Errorf("%w: thrift.request_types is not a JSON object", ErrFormat)
		}
		b = buf.Bytes()
	}
	return append(b, '}'), nil
}

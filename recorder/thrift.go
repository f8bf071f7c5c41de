package recorder

import "strconv"

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
}

// appendThrift writes the exchange's "thrift" member, when it has one.
func appendThrift(b []byte, tc *ThriftCall) []byte {
	if tc == nil {
		return b
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
	return append(b, '}')
}

// Package thriftwire reads Thrift messages (binary or compact protocol)
// without their IDL and renders them as JSON: the message's header, and
// its struct's fields keyed by id ("1"), or by id and name ("1:title")
// when the names are known (NamesOf, NamesFromJSON). recorder and
// recorder/capture use it to show Thrift exchanges in kitrec sessions.
// It also writes such JSON back: DecodeCall describes a call's argument
// types as the wire carried them (Struct), and Args writes the JSON with
// them, so that replay sends the call again; Result reads a reply for a
// generated-code client.
//
// The thrift library does the protocol work (TBinaryProtocol and
// TCompactProtocol read and write every value); what it lacks is a walk
// of a message without the generated types — its JSON protocols render
// only what generated code writes — so this package walks the wire's
// own type tags itself.
//
// Failure behaviour: a message that ends early, is garbled or nests
// deeper than MaxDepth is an error, and nothing of it is rendered; the
// caller says so instead of showing a part that could mislead. A JSON
// value that does not fit its type is an error (ErrValue) naming its
// path, found before anything is written; a descriptor that does not
// read is ErrTypes.
package thriftwire

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/apache/thrift/lib/go/thrift"
)

// MaxDepth bounds how deeply structs, lists, sets and maps may nest.
const MaxDepth = 64

// ErrMessage is wrapped by every error of Decode and Peek.
var ErrMessage = errors.New("thriftwire: not a whole Thrift message")

// Message is a message's header.
type Message struct {
	// Name is the method; SeqID the sequence id the reply repeats.
	Name  string
	SeqID int32
	// Type is Thrift's message type: CALL, REPLY, EXCEPTION or ONEWAY.
	Type thrift.TMessageType
}

// TypeName names a message type as kitrec does: "call", "reply",
// "exception", "oneway".
func TypeName(t thrift.TMessageType) string {
	switch t {
	case thrift.CALL:
		return "call"
	case thrift.REPLY:
		return "reply"
	case thrift.EXCEPTION:
		return "exception"
	case thrift.ONEWAY:
		return "oneway"
	}
	return "type " + strconv.Itoa(int(t))
}

// Decoded is what Decode read besides the JSON.
type Decoded struct {
	Message
	// First is the key ("3" or "3:failed") of the struct's first field,
	// and FirstID its id; -1 when the struct is empty. In a reply the
	// one field set is the result: 0 for success, another id for a
	// declared exception.
	First   string
	FirstID int16
	// Types are the types of the struct's fields as the message carried
	// them, which writing its values again needs (see NewArgs); set by
	// DecodeCall only, and nil when a field had two types.
	Types Struct
}

func protocol(b []byte, compact bool) thrift.TProtocol {
	tr := &thrift.TMemoryBuffer{Buffer: bytes.NewBuffer(b)}
	conf := &thrift.TConfiguration{MaxMessageSize: math.MaxInt32, TBinaryStrictRead: thrift.BoolPtr(true)}
	if compact {
		return thrift.NewTCompactProtocolConf(tr, conf)
	}
	return thrift.NewTBinaryProtocolConf(tr, conf)
}

// Peek reads the header of the message at the start of b, which may be
// cut short after it.
func Peek(b []byte, compact bool) (Message, error) {
	name, typ, seq, err := protocol(b, compact).ReadMessageBegin(context.Background())
	if err != nil {
		return Message{}, fmt.Errorf("%w: header: %v", ErrMessage, err)
	}
	return Message{Name: name, Type: typ, SeqID: seq}, nil
}

// Decode reads the whole message in b and appends its struct to dst as a
// JSON object. names are the struct's field names (nil: none; an
// EXCEPTION message's TApplicationException is always named). Bytes
// after the message are an error, and so is a message cut short.
func Decode(dst, b []byte, compact bool, names *Names) ([]byte, Decoded, error) {
	return decode(dst, b, compact, names, false)
}

// DecodeCall is Decode that also describes the struct's types
// (Decoded.Types), for a CALL whose arguments may be sent again.
func DecodeCall(dst, b []byte, compact bool, names *Names) ([]byte, Decoded, error) {
	return decode(dst, b, compact, names, true)
}

func decode(dst, b []byte, compact bool, names *Names, describe bool) ([]byte, Decoded, error) {
	ctx := context.Background()
	p := protocol(b, compact)
	var d Decoded
	name, typ, seq, err := p.ReadMessageBegin(ctx)
	if err != nil {
		return dst, d, fmt.Errorf("%w: header: %v", ErrMessage, err)
	}
	d.Message = Message{Name: name, Type: typ, SeqID: seq}
	if typ == thrift.EXCEPTION {
		names = appNames
	}
	r := reader{p: p, ctx: ctx}
	var types Struct
	if describe {
		types = Struct{}
	}
	out, first, firstID, err := r.appendStruct(dst, names, 0, types)
	if err != nil {
		return dst, d, err
	}
	if err := p.ReadMessageEnd(ctx); err != nil {
		return dst, d, fmt.Errorf("%w: %v", ErrMessage, err)
	}
	if rest := p.Transport().(*thrift.TMemoryBuffer).Len(); rest > 0 {
		return dst, d, fmt.Errorf("%w: %d bytes after the message", ErrMessage, rest)
	}
	d.First, d.FirstID = first, firstID
	if !r.desc.conflict {
		d.Types = types
	}
	return out, d, nil
}

type reader struct {
	p    thrift.TProtocol
	ctx  context.Context
	desc describer
}

func (r *reader) fail(what string, err error) error {
	return fmt.Errorf("%w: %s: %v", ErrMessage, what, err)
}

// appendStruct appends the struct being read as an object keyed by
// field, returning the key and id of its first field. Its fields' types
// are added to st, unless st is nil.
func (r *reader) appendStruct(b []byte, names *Names, depth int, st Struct) ([]byte, string, int16, error) {
	if depth > MaxDepth {
		return b, "", -1, fmt.Errorf("%w: nested deeper than %d", ErrMessage, MaxDepth)
	}
	if _, err := r.p.ReadStructBegin(r.ctx); err != nil {
		return b, "", -1, r.fail("struct", err)
	}
	first, firstID := "", int16(-1)
	b = append(b, '{')
	for n := 0; ; n++ {
		_, typ, id, err := r.p.ReadFieldBegin(r.ctx)
		if err != nil {
			return b, "", -1, r.fail("field", err)
		}
		if typ == thrift.STOP {
			break
		}
		f := names.field(id)
		key := strconv.Itoa(int(id))
		if f.Name != "" {
			key += ":" + f.Name
		}
		if n == 0 {
			first, firstID = key, id
		} else {
			b = append(b, ',')
		}
		b = appendJSONString(b, key)
		b = append(b, ':')
		if b, err = r.appendValue(b, typ, f.Elem, depth+1, r.desc.field(st, id, typ)); err != nil {
			return b, "", -1, err
		}
		if err := r.p.ReadFieldEnd(r.ctx); err != nil {
			return b, "", -1, r.fail("field", err)
		}
	}
	if err := r.p.ReadStructEnd(r.ctx); err != nil {
		return b, "", -1, r.fail("struct", err)
	}
	return append(b, '}'), first, firstID, nil
}

// appendValue appends one value of type typ; names are those of the
// struct it is or holds. What it holds is described in t, unless t is nil.
func (r *reader) appendValue(b []byte, typ thrift.TType, names *Names, depth int, t *Type) ([]byte, error) {
	if depth > MaxDepth {
		return b, fmt.Errorf("%w: nested deeper than %d", ErrMessage, MaxDepth)
	}
	ctx := r.ctx
	switch typ {
	case thrift.BOOL:
		v, err := r.p.ReadBool(ctx)
		return strconv.AppendBool(b, v), r.wrap(err)
	case thrift.BYTE:
		v, err := r.p.ReadByte(ctx)
		return strconv.AppendInt(b, int64(v), 10), r.wrap(err)
	case thrift.I16:
		v, err := r.p.ReadI16(ctx)
		return strconv.AppendInt(b, int64(v), 10), r.wrap(err)
	case thrift.I32:
		v, err := r.p.ReadI32(ctx)
		return strconv.AppendInt(b, int64(v), 10), r.wrap(err)
	case thrift.I64:
		v, err := r.p.ReadI64(ctx)
		return strconv.AppendInt(b, v, 10), r.wrap(err)
	case thrift.DOUBLE:
		v, err := r.p.ReadDouble(ctx)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return appendJSONString(b, strconv.FormatFloat(v, 'g', -1, 64)), r.wrap(err)
		}
		return strconv.AppendFloat(b, v, 'g', -1, 64), r.wrap(err)
	case thrift.STRING:
		v, err := r.p.ReadBinary(ctx)
		if err != nil {
			return b, r.wrap(err)
		}
		if utf8.Valid(v) {
			return appendJSONString(b, string(v)), nil
		}
		b = append(b, `{"base64":"`...)
		b = base64.StdEncoding.AppendEncode(b, v)
		return append(b, `"}`...), nil
	case thrift.STRUCT:
		var st Struct
		if t != nil {
			if t.Fields == nil {
				t.Fields = Struct{}
			}
			st = t.Fields
		}
		b, _, _, err := r.appendStruct(b, names, depth, st)
		return b, err
	case thrift.LIST, thrift.SET:
		read, end := r.p.ReadListBegin, r.p.ReadListEnd
		if typ == thrift.SET {
			read, end = r.p.ReadSetBegin, r.p.ReadSetEnd
		}
		et, n, err := read(ctx)
		if err != nil {
			return b, r.fail("list", err)
		}
		var elem *Type
		if t != nil {
			elem = r.desc.child(t.Elem, et)
			t.Elem = cmpOr(elem, t.Elem)
		}
		b = append(b, '[')
		for i := range n {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = r.appendValue(b, et, names, depth+1, elem); err != nil {
				return b, err
			}
		}
		return append(b, ']'), r.wrap(end(ctx))
	case thrift.MAP:
		return r.appendMap(b, names, depth, t)
	}
	return b, fmt.Errorf("%w: unknown type %d", ErrMessage, typ)
}

// appendMap appends a map as an object when its keys are strings or
// integers, and as an array of [key, value] pairs otherwise.
func (r *reader) appendMap(b []byte, names *Names, depth int, t *Type) ([]byte, error) {
	kt, vt, n, err := r.p.ReadMapBegin(r.ctx)
	if err != nil {
		return b, r.fail("map", err)
	}
	var kType, vType *Type
	if t != nil {
		kType, vType = r.desc.child(t.Key, kt), r.desc.child(t.Elem, vt)
		t.Key, t.Elem = cmpOr(kType, t.Key), cmpOr(vType, t.Elem)
	}
	object := kt == thrift.STRING || kt == thrift.BYTE || kt == thrift.I16 || kt == thrift.I32 || kt == thrift.I64
	open, close := byte('['), byte(']')
	if object {
		open, close = '{', '}'
	}
	b = append(b, open)
	var key []byte
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		if object {
			if key, err = r.appendValue(key[:0], kt, nil, depth+1, kType); err != nil {
				return b, err
			}
			if key[0] == '"' {
				b = append(b, key...)
			} else { // a number, or binary as {"base64":…}: its JSON as the key
				b = appendJSONString(b, string(key))
			}
			b = append(b, ':')
		} else {
			b = append(b, '[')
			if b, err = r.appendValue(b, kt, names, depth+1, kType); err != nil {
				return b, err
			}
			b = append(b, ',')
		}
		if b, err = r.appendValue(b, vt, names, depth+1, vType); err != nil {
			return b, err
		}
		if !object {
			b = append(b, ']')
		}
	}
	return append(b, close), r.wrap(r.p.ReadMapEnd(r.ctx))
}

func (r *reader) wrap(err error) error {
	if err == nil {
		return nil
	}
	return r.fail("value", err)
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// cmpOr returns a unless it is nil, else b.
func cmpOr(a, b *Type) *Type {
	if a != nil {
		return a
	}
	return b
}

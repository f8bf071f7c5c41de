package thriftwire

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/thrift/lib/go/thrift"
)

// ErrValue is wrapped by NewArgs's error for a JSON value that cannot be
// written as its type: a string where the descriptor says i32, a number
// out of an i16's range, a field the descriptor has no type for.
var ErrValue = errors.New("thriftwire: value does not fit its Thrift type")

// Args is a struct to send again: JSON as Decode renders it, written
// with the types of a descriptor (DecodeCall's Types). It is a
// thrift.TStruct, so a generated-code client (thrift.TClient) sends it
// as a method's arguments in any protocol.
type Args struct {
	v     map[string]any
	types Struct
}

// NewArgs checks that js, a struct rendered as Decode renders it (fields
// keyed "1" or "1:name"), can be written with types, and returns it
// ready to write. A value that does not fit is an error wrapping
// ErrValue, naming its JSON path and both types. A string field is
// written as its text, whatever it holds (a redacted "[REDACTED]" too).
func NewArgs(js []byte, types Struct) (*Args, error) {
	d := json.NewDecoder(bytes.NewReader(js))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrValue, err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: $: the arguments are %s, not a struct's object", ErrValue, jsonKind(v))
	}
	a := &Args{v: obj, types: types}
	// A trial write finds every misfit now, so that Write, on the wire,
	// fails only when the wire does.
	p := thrift.NewTBinaryProtocolConf(thrift.NewTMemoryBuffer(), nil)
	if err := a.Write(context.Background(), p); err != nil {
		return nil, err
	}
	return a, nil
}

// Write writes the struct to p.
func (a *Args) Write(ctx context.Context, p thrift.TProtocol) error {
	w := writer{p: p, ctx: ctx}
	return w.writeStruct(a.v, a.types, "$")
}

// Read implements thrift.TStruct; Args are only written.
func (a *Args) Read(context.Context, thrift.TProtocol) error {
	return errors.New("thriftwire: Args are written, not read")
}

type writer struct {
	p   thrift.TProtocol
	ctx context.Context
}

// misfit is the error for v at path, which cannot be a want.
func misfit(path string, v any, want thrift.TType, why string) error {
	got := jsonKind(v)
	if s, ok := v.(string); ok {
		got = "the string " + strconv.Quote(s)
	}
	if why != "" {
		why = ": " + why
	}
	return fmt.Errorf("%w: %s: %s is no %s%s", ErrValue, path, got, typeName(want), why)
}

func (w *writer) writeStruct(obj map[string]any, st Struct, path string) error {
	keys := make([]string, 0, len(obj))
	ids := make(map[string]int16, len(obj))
	for k := range obj {
		idText, _, _ := strings.Cut(k, ":")
		id, err := strconv.ParseInt(idText, 10, 16)
		if err != nil {
			return fmt.Errorf("%w: %s: %q is not a field key (\"1\" or \"1:name\")", ErrValue, path, k)
		}
		keys, ids[k] = append(keys, k), int16(id)
	}
	slices.SortFunc(keys, func(a, b string) int { return int(ids[a]) - int(ids[b]) })
	if err := w.p.WriteStructBegin(w.ctx, "args"); err != nil {
		return err
	}
	for _, k := range keys {
		fp := path + "[" + strconv.Quote(k) + "]"
		t := st[ids[k]]
		if t == nil {
			return fmt.Errorf("%w: %s: field %d has no type in the recorded descriptor", ErrValue, fp, ids[k])
		}
		if err := w.p.WriteFieldBegin(w.ctx, k, t.T, ids[k]); err != nil {
			return err
		}
		if err := w.writeValue(obj[k], t, fp); err != nil {
			return err
		}
		if err := w.p.WriteFieldEnd(w.ctx); err != nil {
			return err
		}
	}
	if err := w.p.WriteFieldStop(w.ctx); err != nil {
		return err
	}
	return w.p.WriteStructEnd(w.ctx)
}

var intBits = map[thrift.TType]int{thrift.BYTE: 8, thrift.I16: 16, thrift.I32: 32, thrift.I64: 64}

func (w *writer) writeValue(v any, t *Type, path string) error {
	ctx, p := w.ctx, w.p
	switch t.T {
	case thrift.BOOL:
		b, ok := v.(bool)
		if !ok {
			return misfit(path, v, t.T, "")
		}
		return p.WriteBool(ctx, b)
	case thrift.BYTE, thrift.I16, thrift.I32, thrift.I64:
		n, ok := v.(json.Number)
		if !ok {
			return misfit(path, v, t.T, "")
		}
		i, err := strconv.ParseInt(n.String(), 10, intBits[t.T])
		if err != nil {
			return misfit(path, v, t.T, n.String()+" is not an integer in its range")
		}
		switch t.T {
		case thrift.BYTE:
			return p.WriteByte(ctx, int8(i))
		case thrift.I16:
			return p.WriteI16(ctx, int16(i))
		case thrift.I32:
			return p.WriteI32(ctx, int32(i))
		}
		return p.WriteI64(ctx, i)
	case thrift.DOUBLE:
		f, err := double(v)
		if err != nil {
			return misfit(path, v, t.T, err.Error())
		}
		return p.WriteDouble(ctx, f)
	case thrift.STRING:
		b, err := binary(v)
		if err != nil {
			return misfit(path, v, t.T, err.Error())
		}
		return p.WriteBinary(ctx, b)
	case thrift.STRUCT:
		obj, ok := v.(map[string]any)
		if !ok {
			return misfit(path, v, t.T, "")
		}
		return w.writeStruct(obj, t.Fields, path)
	case thrift.LIST, thrift.SET:
		return w.writeList(v, t, path)
	case thrift.MAP:
		return w.writeMap(v, t, path)
	}
	return fmt.Errorf("%w: %s: the descriptor's %s cannot be written", ErrValue, path, typeName(t.T))
}

// double reads a double as Decode renders it: a number, or "NaN",
// "+Inf", "-Inf".
func double(v any) (float64, error) {
	switch x := v.(type) {
	case json.Number:
		return strconv.ParseFloat(x.String(), 64)
	case string:
		if f, err := strconv.ParseFloat(x, 64); err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return f, nil
		}
	}
	return 0, errors.New(`want a number, "NaN", "+Inf" or "-Inf"`)
}

// binary reads a string as Decode renders it: its text, or bytes that
// are not UTF-8 as {"base64": "…"}.
func binary(v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return []byte(x), nil
	case map[string]any:
		if s, ok := x["base64"].(string); ok && len(x) == 1 {
			return base64.StdEncoding.DecodeString(s)
		}
	}
	return nil, errors.New(`want a string, or {"base64": "…"}`)
}

func (w *writer) writeList(v any, t *Type, path string) error {
	arr, ok := v.([]any)
	if !ok || t.Elem == nil {
		return misfit(path, v, t.T, "")
	}
	begin, end := w.p.WriteListBegin, w.p.WriteListEnd
	if t.T == thrift.SET {
		begin, end = w.p.WriteSetBegin, w.p.WriteSetEnd
	}
	if err := begin(w.ctx, t.Elem.T, len(arr)); err != nil {
		return err
	}
	for i, e := range arr {
		if err := w.writeValue(e, t.Elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	return end(w.ctx)
}

// writeMap writes a map as Decode renders it: an object keyed by its
// string or integer keys' text, or an array of [key, value] pairs.
func (w *writer) writeMap(v any, t *Type, path string) error {
	if t.Key == nil || t.Elem == nil {
		return misfit(path, v, t.T, "")
	}
	switch m := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if err := w.p.WriteMapBegin(w.ctx, t.Key.T, t.Elem.T, len(m)); err != nil {
			return err
		}
		for _, k := range keys {
			kp := path + "[" + strconv.Quote(k) + "]"
			if err := w.writeValue(mapKey(k, t.Key.T), t.Key, kp); err != nil {
				return err
			}
			if err := w.writeValue(m[k], t.Elem, kp); err != nil {
				return err
			}
		}
	case []any:
		if err := w.p.WriteMapBegin(w.ctx, t.Key.T, t.Elem.T, len(m)); err != nil {
			return err
		}
		for i, e := range m {
			ep := path + "[" + strconv.Itoa(i) + "]"
			kv, ok := e.([]any)
			if !ok || len(kv) != 2 {
				return fmt.Errorf("%w: %s: a map entry is a [key, value] pair, not %s", ErrValue, ep, jsonKind(e))
			}
			if err := w.writeValue(kv[0], t.Key, ep+"[0]"); err != nil {
				return err
			}
			if err := w.writeValue(kv[1], t.Elem, ep+"[1]"); err != nil {
				return err
			}
		}
	default:
		return misfit(path, v, t.T, "")
	}
	return w.p.WriteMapEnd(w.ctx)
}

// mapKey turns an object's key back into the value Decode wrote it for:
// an integer's digits, binary's {"base64": …}, or the string itself.
func mapKey(k string, t thrift.TType) any {
	switch t {
	case thrift.BYTE, thrift.I16, thrift.I32, thrift.I64:
		return json.Number(k)
	case thrift.STRING:
		if strings.HasPrefix(k, `{"base64":`) {
			var b map[string]any
			if json.Unmarshal([]byte(k), &b) == nil {
				return b
			}
		}
	}
	return k
}

// Result reads a reply's struct, rendered as Decode renders it, with
// Names for its fields. It is a thrift.TStruct for a generated-code
// client's result.
type Result struct {
	// Names are the fields' names; nil keys them by id alone.
	Names *Names
	// JSON is the struct read; First and FirstID its first field, as in
	// Decoded (FirstID -1 when it had none).
	JSON    []byte
	First   string
	FirstID int16
}

// Read reads the struct from p.
func (r *Result) Read(ctx context.Context, p thrift.TProtocol) error {
	rd := reader{p: p, ctx: ctx}
	var err error
	r.JSON, r.First, r.FirstID, err = rd.appendStruct(r.JSON[:0], r.Names, 0, nil)
	return err
}

// Write implements thrift.TStruct; a Result is only read.
func (r *Result) Write(context.Context, thrift.TProtocol) error {
	return errors.New("thriftwire: a Result is read, not written")
}

// AppException renders a TApplicationException as Decode renders an
// EXCEPTION message: {"1:message": …, "2:type": N}, without the message
// when it is empty (Thrift does not send one then).
func AppException(app thrift.TApplicationException) []byte {
	b := []byte{'{'}
	if msg := app.Error(); msg != "" {
		b = append(b, `"1:message":`...)
		b = appendJSONString(b, msg)
		b = append(b, ',')
	}
	b = append(b, `"2:type":`...)
	b = strconv.AppendInt(b, int64(app.TypeId()), 10)
	return append(b, '}')
}

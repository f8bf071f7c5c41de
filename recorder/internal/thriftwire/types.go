package thriftwire

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/apache/thrift/lib/go/thrift"
)

// ErrTypes is wrapped by the error for a type descriptor that does not
// read (ParseTypes).
var ErrTypes = errors.New("thriftwire: bad type descriptor")

// Type is a Thrift type as the wire gives it, which is all a message
// needs to be written again: the wire type, with the fields of a struct
// and the types of a container's elements.
type Type struct {
	// T is the wire type: BOOL, BYTE, I16, I32, I64, DOUBLE, STRING,
	// STRUCT, LIST, SET or MAP.
	T thrift.TType
	// Fields are a STRUCT's fields seen on the wire; nil for other types.
	Fields Struct
	// Key is a MAP's key type. Elem is a LIST's or SET's element type, or
	// a MAP's value type. Both are nil for other types.
	Key, Elem *Type
}

// Struct is the types of a struct's fields, by field id: those the
// messages it was read from carried (an optional field never set has
// none).
type Struct map[int16]*Type

var scalarNames = map[thrift.TType]string{
	thrift.BOOL: "bool", thrift.BYTE: "byte", thrift.I16: "i16", thrift.I32: "i32",
	thrift.I64: "i64", thrift.DOUBLE: "double", thrift.STRING: "string",
}

// typeName names a wire type as descriptors and errors do.
func typeName(t thrift.TType) string {
	if n, ok := scalarNames[t]; ok {
		return n
	}
	switch t {
	case thrift.STRUCT:
		return "struct"
	case thrift.LIST:
		return "list"
	case thrift.SET:
		return "set"
	case thrift.MAP:
		return "map"
	}
	return "type " + strconv.Itoa(int(t))
}

// AppendJSON appends s as a descriptor: an object of the fields' types
// keyed by id in increasing order. A scalar type is its name ("i32",
// "string", …), a struct {"struct": {fields}}, a list {"list": elem}, a
// set {"set": elem}, a map {"map": [key, value]}.
func (s Struct) AppendJSON(b []byte) []byte {
	ids := make([]int16, 0, len(s))
	for id := range s {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b = append(b, '{')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, `":`...)
		b = s[id].appendJSON(b)
	}
	return append(b, '}')
}

func (t *Type) appendJSON(b []byte) []byte {
	if n, ok := scalarNames[t.T]; ok {
		return appendJSONString(b, n)
	}
	switch t.T {
	case thrift.STRUCT:
		b = append(b, `{"struct":`...)
		return append(t.Fields.AppendJSON(b), '}')
	case thrift.LIST, thrift.SET:
		b = append(b, `{"`...)
		b = append(b, typeName(t.T)...)
		b = append(b, `":`...)
		return append(t.Elem.appendJSON(b), '}')
	case thrift.MAP:
		b = append(b, `{"map":[`...)
		b = t.Key.appendJSON(b)
		b = append(b, ',')
		b = t.Elem.appendJSON(b)
		return append(b, `]}`...)
	}
	return appendJSONString(b, typeName(t.T)) // never made by a decode: ParseTypes refuses it
}

// ParseTypes reads a descriptor written by Struct.AppendJSON. Anything
// else (an unknown type name, a key that is no field id, nesting deeper
// than MaxDepth) is an error wrapping ErrTypes.
func ParseTypes(js []byte) (Struct, error) {
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTypes, err)
	}
	return parseStruct(v, 0)
}

func parseStruct(v any, depth int) (Struct, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: a struct's fields are an object keyed by id, not %s", ErrTypes, jsonKind(v))
	}
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", ErrTypes, MaxDepth)
	}
	s := make(Struct, len(obj))
	for k, fv := range obj {
		id, err := strconv.ParseInt(k, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("%w: %q is not a field id", ErrTypes, k)
		}
		if s[int16(id)], err = parseType(fv, depth+1); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func parseType(v any, depth int) (*Type, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", ErrTypes, MaxDepth)
	}
	if name, ok := v.(string); ok {
		for t, n := range scalarNames {
			if n == name {
				return &Type{T: t}, nil
			}
		}
		return nil, fmt.Errorf("%w: unknown type %q", ErrTypes, name)
	}
	obj, ok := v.(map[string]any)
	if !ok || len(obj) != 1 {
		return nil, fmt.Errorf("%w: a type is a name or an object with one of struct, list, set, map; not %s", ErrTypes, jsonKind(v))
	}
	var k string
	var inner any
	for k, inner = range obj { // its one member
	}
	t := &Type{}
	var err error
	switch k {
	case "struct":
		t.T = thrift.STRUCT
		t.Fields, err = parseStruct(inner, depth+1)
	case "list", "set":
		t.T = thrift.LIST
		if k == "set" {
			t.T = thrift.SET
		}
		t.Elem, err = parseType(inner, depth+1)
	case "map":
		kv, ok := inner.([]any)
		if !ok || len(kv) != 2 {
			return nil, fmt.Errorf("%w: a map's types are [key, value]", ErrTypes)
		}
		if t.Key, err = parseType(kv[0], depth+1); err == nil {
			t.Elem, err = parseType(kv[1], depth+1)
		}
		t.T = thrift.MAP
	default:
		return nil, fmt.Errorf("%w: unknown type %q", ErrTypes, k)
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64, json.Number:
		return "a number"
	case []any:
		return "an array"
	}
	return "an object"
}

// describer builds a Struct from the messages a reader reads: it is nil
// when the reader does not describe, and gives up (conflict) when one
// field turns out to have two types, which no IDL gives.
type describer struct{ conflict bool }

// field returns the type of field id, of wire type t, in s, adding it
// when s has none; nil when s is nil or the field had another type.
func (d *describer) field(s Struct, id int16, t thrift.TType) *Type {
	if s == nil {
		return nil
	}
	ft := d.child(s[id], t)
	if ft != nil {
		s[id] = ft
	}
	return ft
}

// child returns have, or a new Type of t when have is nil; nil (and a
// conflict) when have is of another type.
func (d *describer) child(have *Type, t thrift.TType) *Type {
	switch {
	case have == nil:
		return &Type{T: t}
	case have.T != t:
		d.conflict = true
		return nil
	}
	return have
}

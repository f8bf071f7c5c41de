package schema

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

// EndpointDoc describes one endpoint as served by one transport.
type EndpointDoc struct {
	Name       string `json:"name"`      // the endpoint's name, e.g. "GetBook"
	Transport  string `json:"transport"` // "http", "grpc" or "thrift"
	HTTPMethod string `json:"http_method,omitempty"`
	// HTTPPath is the route pattern, with {name} path parameters.
	HTTPPath string `json:"http_path,omitempty"`
	// GRPCMethod is the full method name, "/pkg.Service/Method".
	GRPCMethod string `json:"grpc_method,omitempty"`
	// RequestExample is a JSON request that the endpoint accepts, when known.
	RequestExample json.RawMessage `json:"request_example,omitempty"`
	// Request and Response describe the messages' JSON fields when the
	// transport knows their Go types (kithttp's generic JSON decoders,
	// endpoint.Typed); nil when unknown. Added within v1: old readers
	// ignore them.
	Request  *MessageDoc `json:"request,omitempty"`
	Response *MessageDoc `json:"response,omitempty"`
}

// MessageDoc describes a request or response as JSON carries it, derived
// from the Go type a transport decodes into or an endpoint returns.
type MessageDoc struct {
	// Type is the Go type, e.g. "stringsvc.uppercaseRequest".
	Type string `json:"type"`
	// Fields are the JSON object's fields in declaration order; empty for
	// a message that is not an object.
	Fields []FieldDoc `json:"fields,omitempty"`
}

// FieldDoc is one field of a MessageDoc.
type FieldDoc struct {
	// Name is the field's JSON name.
	Name string `json:"name"`
	// Type is a JSON kind — "string", "integer", "number", "boolean",
	// "object", "array of T", "any" — or, for a nested object, its Go type.
	Type string `json:"type"`
	// Path names the HTTP route's {wildcard} the field is filled from
	// (kithttp's `path:"name"` tag); empty for a body field.
	Path string `json:"path,omitempty"`
	// Fields are a nested object's fields; empty for scalars, maps and
	// recursion.
	Fields []FieldDoc `json:"fields,omitempty"`
}

// maxDocDepth bounds how deep DescribeType follows nested structs.
const maxDocDepth = 8

// DescribeType returns the JSON shape of values of type t (a pointer is
// followed), as encoding/json would write them: exported fields under
// their json tag names, embedded structs flattened, "-" skipped. It also
// returns a JSON template with every field at its zero value ("" for
// strings, 0, false, [], {}, null for any), ready to edit into a request.
// A nil t gives nil and nil.
func DescribeType(t reflect.Type) (*MessageDoc, json.RawMessage) {
	if t == nil {
		return nil, nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	d := &MessageDoc{Type: t.String()}
	var tmpl any
	if isObject(t) {
		fields, obj := structDoc(t, map[reflect.Type]bool{}, 0)
		d.Fields, tmpl = fields, obj
	} else {
		_, tmpl = kindOf(t, map[reflect.Type]bool{}, 0)
	}
	raw, err := json.Marshal(tmpl)
	if err != nil {
		return d, nil
	}
	return d, raw
}

var (
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	timeType      = reflect.TypeFor[time.Time]()
)

func isObject(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t != timeType &&
		!t.Implements(jsonMarshaler) && !reflect.PointerTo(t).Implements(jsonMarshaler) &&
		!t.Implements(textMarshaler) && !reflect.PointerTo(t).Implements(textMarshaler)
}

// orderedObject keeps a template's fields in declaration order.
type orderedObject struct {
	keys []string
	vals []any
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

func structDoc(t reflect.Type, seen map[reflect.Type]bool, depth int) ([]FieldDoc, orderedObject) {
	var obj orderedObject
	if seen[t] || depth >= maxDocDepth {
		return nil, obj
	}
	seen[t] = true
	defer delete(seen, t)
	var out []FieldDoc
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			inner, innerObj := structDoc(ft, seen, depth)
			out = append(out, inner...)
			obj.keys, obj.vals = append(obj.keys, innerObj.keys...), append(obj.vals, innerObj.vals...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fd := FieldDoc{Name: name, Path: f.Tag.Get("path")}
		var zero any
		if isObject(ft) {
			fd.Type = ft.String()
			var o orderedObject
			fd.Fields, o = structDoc(ft, seen, depth+1)
			zero = o
		} else {
			fd.Type, zero = kindOf(ft, seen, depth+1)
		}
		out = append(out, fd)
		obj.keys, obj.vals = append(obj.keys, name), append(obj.vals, zero)
	}
	return out, obj
}

// kindOf names a non-object type's JSON kind and gives its zero template.
func kindOf(t reflect.Type, seen map[reflect.Type]bool, depth int) (string, any) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return "string (RFC 3339 time)", "0001-01-01T00:00:00Z"
	case t.Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(jsonMarshaler):
		return "any", nil
	case t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler):
		return "string", ""
	}
	switch t.Kind() {
	case reflect.String:
		return "string", ""
	case reflect.Bool:
		return "boolean", false
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer", 0
	case reflect.Float32, reflect.Float64:
		return "number", 0
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return "string (base64)", ""
		}
		if depth >= maxDocDepth {
			return "array", []any{}
		}
		elem := t.Elem()
		for elem.Kind() == reflect.Pointer {
			elem = elem.Elem()
		}
		if isObject(elem) {
			return "array of " + elem.String(), []any{}
		}
		k, _ := kindOf(elem, seen, depth+1)
		return "array of " + k, []any{}
	case reflect.Map:
		return "object", map[string]any{}
	case reflect.Struct:
		return t.String(), map[string]any{}
	}
	return "any", nil
}

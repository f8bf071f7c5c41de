package http

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// Unknown fields are found without reading encoding/json's error text,
// which it does not promise to keep: when a strict decode fails with an
// error of no known type, the body is decoded again leniently. If that
// succeeds, the only difference between the two decodes — a field the
// target type does not have — caused the failure, and a walk of the body
// against the type's fields names it. If the lenient decode fails too, the
// failure came from an UnmarshalJSON or UnmarshalText method, whose text
// may name internals, and the client is told only that the body is
// invalid.

// keptBodies holds the buffers that keep a request body's bytes while it is
// decoded, for the second look above.
var keptBodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxKeptBody is the largest buffer returned to keptBodies.
const maxKeptBody = 64 << 10

func putKeptBody(b *bytes.Buffer) {
	if b.Cap() > maxKeptBody {
		return
	}
	b.Reset()
	keptBodies.Put(b)
}

// unknownField returns the dotted path of the field that made a strict
// decode of data into a value of v's type fail, or "" when the failure had
// another cause (a lenient decode fails too) or the walk finds no such
// field.
func unknownField(data []byte, v any) string {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return ""
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(reflect.New(t.Elem()).Interface()); err != nil {
		return ""
	}
	path, _ := findUnknown(json.NewDecoder(bytes.NewReader(data)), t.Elem(), "")
	return path
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// findUnknown reads one JSON value from dec as a value of type t would be
// decoded, and returns the path of the first object key t has no field for.
// A value whose type decodes itself, or that is not an object or array, is
// skipped. ok is false when dec runs out or the JSON ends early.
func findUnknown(dec *json.Decoder, t reflect.Type, prefix string) (path string, ok bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "", skipValue(dec)
	}
	tok, err := dec.Token()
	if err != nil {
		return "", false
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return "", false
			}
			key, _ := kt.(string)
			var vt reflect.Type
			switch t.Kind() {
			case reflect.Struct:
				f, found := fieldFor(t, key)
				if !found {
					return prefix + key, true
				}
				vt = f
			case reflect.Map:
				vt = t.Elem()
			default: // an interface: anything goes
				if !skipValue(dec) {
					return "", false
				}
				continue
			}
			if p, ok := findUnknown(dec, vt, prefix+key+"."); p != "" || !ok {
				return p, ok
			}
		}
		_, err = dec.Token() // '}'
		return "", err == nil
	case json.Delim('['):
		elem := t
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			elem = t.Elem()
		}
		for dec.More() {
			if p, ok := findUnknown(dec, elem, prefix); p != "" || !ok {
				return p, ok
			}
		}
		_, err = dec.Token() // ']'
		return "", err == nil
	}
	return "", true // a scalar
}

func skipValue(dec *json.Decoder) bool {
	var raw json.RawMessage
	return dec.Decode(&raw) == nil
}

// fieldFor returns the type of the field of struct t that encoding/json
// would decode key into: an exact name first, then one equal under case
// folding, as encoding/json matches them. Fields of embedded structs are
// promoted as encoding/json promotes them.
func fieldFor(t reflect.Type, key string) (reflect.Type, bool) {
	fields := jsonFields(t)
	if f, ok := fields[key]; ok {
		return f, true
	}
	for name, f := range fields {
		if strings.EqualFold(name, key) {
			return f, true
		}
	}
	return nil, false
}

// fieldCache maps a struct type to its JSON field names and types.
var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := make(map[string]reflect.Type)
	collectFields(t, m, 0)
	fieldCache.Store(t, m)
	return m
}

// collectFields adds t's JSON fields to m. A shallower field wins over a
// promoted one of the same name, as in encoding/json; depth bounds the
// walk through embedded structs that embed each other by pointer.
func collectFields(t reflect.Type, m map[string]reflect.Type, depth int) {
	if depth > 8 {
		return
	}
	var embedded []reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	for _, et := range embedded {
		inner := make(map[string]reflect.Type)
		collectFields(et, inner, depth+1)
		for name, ft := range inner {
			if _, taken := m[name]; !taken {
				m[name] = ft
			}
		}
	}
}

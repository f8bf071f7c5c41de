package logging

import (
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Redacted replaces the value of a redacted field.
const Redacted = "[REDACTED]"

// Limits of the walk, so that a deep, cyclic or huge value cannot make a
// log record expensive.
const (
	maxDepth = 8  // deeper values are replaced by tooDeep
	maxElems = 50 // further slice, array and map elements are summarized
	tooDeep  = "[TOO DEEP]"
)

// How a type is rendered.
const (
	asAny     = iota // handed to the handler as it is
	asScalar         // a bool, number or string, read without boxing
	asValuer         // a slog.LogValuer
	asPointer        // a pointer or interface: render what it points to
	asStruct         // a group of its exported fields
	asMap            // a group of its entries
	asList           // a group keyed by index
)

// typeInfo is how one type is rendered, computed once per type.
type typeInfo struct {
	how    int
	fields []fieldPlan // for asStruct
}

type fieldPlan struct {
	index     int
	name      string // the JSON name, or the Go name
	redact    bool
	omitEmpty bool // tagged omitempty: left out when empty, as encoding/json does
}

// renderer turns requests and responses into slog values: structs and maps
// become groups, named fields are redacted. It belongs to one middleware.
type renderer struct {
	names  map[string]struct{}    // lower-cased names to redact
	secret func(name string) bool // RedactFunc's predicate; nil: none
	// types is copied on write: a service logs few types, and reading a
	// plain map is the cheapest lookup there is.
	types atomic.Pointer[map[reflect.Type]*typeInfo]
	mu    sync.Mutex // serializes writers of types
}

func (r *renderer) match(name string) bool {
	if len(r.names) > 0 {
		if _, ok := r.names[strings.ToLower(name)]; ok {
			return true
		}
	}
	return r.secret != nil && r.secret(name)
}

var (
	logValuerType     = reflect.TypeFor[slog.LogValuer]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	stringerType      = reflect.TypeFor[fmt.Stringer]()
	errorType         = reflect.TypeFor[error]()
)

func (r *renderer) info(t reflect.Type) *typeInfo {
	if m := r.types.Load(); m != nil {
		if ti, ok := (*m)[t]; ok {
			return ti
		}
	}
	ti := r.describe(t)
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.types.Load()
	next := make(map[reflect.Type]*typeInfo, 1+lenOf(old))
	if old != nil {
		if existing, ok := (*old)[t]; ok {
			return existing
		}
		maps.Copy(next, *old)
	}
	next[t] = ti
	r.types.Store(&next)
	return ti
}

func lenOf(m *map[reflect.Type]*typeInfo) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

// describe works out how to render t.
func (r *renderer) describe(t reflect.Type) *typeInfo {
	ti := &typeInfo{how: asAny}
	switch {
	case t.Implements(logValuerType):
		ti.how = asValuer
	case t.Implements(jsonMarshalerType), t.Implements(textMarshalerType),
		t.Implements(stringerType), t.Implements(errorType):
		// The type chooses its own representation (time.Time, say).
	default:
		switch k := t.Kind(); {
		case scalarKind(k):
			ti.how = asScalar
		case k == reflect.Pointer, k == reflect.Interface:
			ti.how = asPointer
		case k == reflect.Struct:
			ti.how = asStruct
			ti.fields = r.plan(t)
		case k == reflect.Map:
			ti.how = asMap
		case k == reflect.Slice, k == reflect.Array:
			if !scalarKind(t.Elem().Kind()) {
				ti.how = asList // its elements may hold redacted fields
			}
		}
	}
	return ti
}

func scalarKind(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.String:
		return true
	}
	return false
}

// plan lists the fields of struct type t as encoding/json would show them.
func (r *renderer) plan(t reflect.Type) []fieldPlan {
	var fields []fieldPlan
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, omitEmpty := f.Name, false
		if tag, ok := f.Tag.Lookup("json"); ok {
			tagName, opts, _ := strings.Cut(tag, ",")
			if tagName == "-" && opts == "" {
				continue // not part of the wire form; not logged either
			}
			if tagName != "" {
				name = tagName
			}
			omitEmpty = slices.Contains(strings.Split(opts, ","), "omitempty")
		}
		fields = append(fields, fieldPlan{index: i, name: name, redact: r.match(name) || r.match(f.Name), omitEmpty: omitEmpty})
	}
	return fields
}

// attr renders v under key.
func (r *renderer) attr(key string, v any) slog.Attr {
	if v == nil {
		return slog.Any(key, nil)
	}
	rv := reflect.ValueOf(v)
	if ti := r.info(rv.Type()); ti.how == asAny || ti.how == asScalar {
		return slog.Any(key, v) // no reflection, no copy
	}
	return slog.Attr{Key: key, Value: r.value(rv, 0)}
}

// value renders v, depth levels down.
func (r *renderer) value(v reflect.Value, depth int) slog.Value {
	if !v.IsValid() {
		return slog.AnyValue(nil)
	}
	ti := r.info(v.Type())
	if depth >= maxDepth && ti.how != asScalar {
		return slog.StringValue(tooDeep)
	}
	switch ti.how {
	case asScalar:
		return scalarValue(v)
	case asValuer:
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return slog.AnyValue(nil)
		}
		return r.resolved(anyOf(v).(slog.LogValuer).LogValue().Resolve(), depth)
	case asPointer:
		if v.IsNil() {
			return slog.AnyValue(nil)
		}
		return r.value(v.Elem(), depth+1)
	case asStruct:
		attrs := make([]slog.Attr, 0, len(ti.fields))
		for _, f := range ti.fields {
			fv := v.Field(f.index)
			switch {
			case f.omitEmpty && empty(fv):
			case f.redact:
				attrs = append(attrs, slog.String(f.name, Redacted))
			default:
				attrs = append(attrs, slog.Attr{Key: f.name, Value: r.value(fv, depth+1)})
			}
		}
		return slog.GroupValue(attrs...)
	case asMap:
		return r.mapValue(v, depth)
	case asList:
		attrs := make([]slog.Attr, 0, min(v.Len(), maxElems+1))
		for i := range v.Len() {
			if i == maxElems {
				attrs = append(attrs, slog.Int("more", v.Len()-i))
				break
			}
			attrs = append(attrs, slog.Attr{Key: strconv.Itoa(i), Value: r.value(v.Index(i), depth+1)})
		}
		return slog.GroupValue(attrs...)
	}
	return slog.AnyValue(anyOf(v))
}

// empty reports whether encoding/json's omitempty would leave v out.
func empty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Pointer, reflect.Interface:
		return v.IsZero()
	}
	return false
}

func scalarValue(v reflect.Value) slog.Value {
	switch v.Kind() {
	case reflect.Bool:
		return slog.BoolValue(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return slog.Int64Value(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return slog.Uint64Value(v.Uint())
	case reflect.Float32, reflect.Float64:
		return slog.Float64Value(v.Float())
	}
	return slog.StringValue(v.String())
}

func (r *renderer) mapValue(v reflect.Value, depth int) slog.Value {
	if v.IsNil() {
		return slog.AnyValue(nil)
	}
	type entry struct {
		key string
		val reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		k := it.Key()
		key := k.String()
		if k.Kind() != reflect.String {
			key = fmt.Sprint(anyOf(k))
		}
		entries = append(entries, entry{key, it.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	attrs := make([]slog.Attr, 0, min(len(entries), maxElems+1))
	for i, e := range entries {
		if i == maxElems {
			attrs = append(attrs, slog.Int("more", len(entries)-i))
			break
		}
		if r.match(e.key) {
			attrs = append(attrs, slog.String(e.key, Redacted))
			continue
		}
		attrs = append(attrs, slog.Attr{Key: e.key, Value: r.value(e.val, depth+1)})
	}
	return slog.GroupValue(attrs...)
}

// resolved renders a value a LogValuer produced: the keys of its groups
// are redacted, and the structs and maps it holds are walked.
func (r *renderer) resolved(lv slog.Value, depth int) slog.Value {
	if depth >= maxDepth {
		return slog.StringValue(tooDeep)
	}
	switch lv.Kind() {
	case slog.KindAny:
		return r.value(reflect.ValueOf(lv.Any()), depth+1)
	case slog.KindGroup:
		attrs := lv.Group()
		out := make([]slog.Attr, len(attrs))
		for i, a := range attrs {
			if r.match(a.Key) {
				out[i] = slog.String(a.Key, Redacted)
				continue
			}
			out[i] = slog.Attr{Key: a.Key, Value: r.resolved(a.Value.Resolve(), depth+1)}
		}
		return slog.GroupValue(out...)
	}
	return lv
}

// anyOf returns v's content as an interface. Values reached through
// unexported fields are never walked, so v can always be interfaced; the
// type name stands in if it cannot.
func anyOf(v reflect.Value) any {
	if !v.CanInterface() {
		return v.Type().String()
	}
	return v.Interface()
}

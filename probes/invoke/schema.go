package invoke

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fullstorydev/grpcurl"
	"github.com/jhump/protoreflect/desc" //lint:ignore SA1019 grpcurl's descriptor sources speak only the v1 API; nothing of it is exported
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Schema describes one method: what to send, what comes back, and a
// request to start from.
type Schema struct {
	Transport string `json:"transport"`
	// Method is "pkg.Service/Method" (gRPC) or "GET /v1/books/{id}" (HTTP).
	Method string `json:"method"`
	// Request and Response are the message shapes; Response is nil when
	// the service does not publish it (HTTP routes carry no schema).
	Request  *Message `json:"request"`
	Response *Message `json:"response,omitempty"`
	// Template is a JSON request with every field at its zero value (or
	// the endpoint's published example), ready to edit.
	Template json.RawMessage `json:"template"`
	// PathParams are the {name} parameters of an HTTP route.
	PathParams []string `json:"path_params,omitempty"`
	// Text is the proto source of the method and its messages (gRPC).
	Text string `json:"proto,omitempty"`
}

// Message is the shape of a request or response.
type Message struct {
	Name   string  `json:"name"`
	Fields []Field `json:"fields"`
}

// Field is one field of a Message.
type Field struct {
	// Name is the field's JSON name (what requests and responses use).
	Name string `json:"name"`
	// Type is "string", "int32", "bool", "repeated pkg.Msg",
	// "map<string, int64>", "enum pkg.E", a message's full name, or for
	// HTTP examples a JSON kind ("string", "number", "object", …).
	Type string `json:"type"`
	// Fields are a nested message's fields; nil for scalars, well-known
	// types and recursion.
	Fields []Field `json:"fields,omitempty"`
}

// Describe gives the schema of a method named as Resolve accepts.
func (g *GRPCClient) Describe(ctx context.Context, name string) (*Schema, error) {
	m, err := g.resolve(ctx, name)
	if err != nil {
		return nil, err
	}
	s := &Schema{
		Transport: GRPC,
		Method:    strings.TrimPrefix(m.full, "/"),
		Request:   messageOf(m.desc.Input()),
		Response:  messageOf(m.desc.Output()),
		Template:  template(m.desc.Input()),
	}
	s.Text = g.protoText(ctx, m)
	return s, nil
}

// protoText prints the method and its messages as proto source; empty
// when a descriptor cannot be printed or ctx ends first.
func (g *GRPCClient) protoText(ctx context.Context, m *method) string {
	var parts []string
	_ = g.descriptors(ctx, func(src grpcurl.DescriptorSource) error {
		for _, n := range []protoreflect.FullName{m.desc.FullName(), m.desc.Input().FullName(), m.desc.Output().FullName()} {
			d, err := src.FindSymbol(string(n))
			if err != nil {
				continue
			}
			if txt, err := grpcurl.GetDescriptorText(d, src); err == nil {
				if _, isMethod := d.(*desc.MethodDescriptor); isMethod {
					txt = "// " + string(m.desc.Parent().FullName()) + "\n" + txt
				}
				parts = append(parts, txt)
			}
		}
		return nil
	})
	return strings.Join(parts, "\n\n")
}

func messageOf(md protoreflect.MessageDescriptor) *Message {
	return &Message{Name: string(md.FullName()), Fields: fieldsOf(md, map[protoreflect.FullName]bool{})}
}

func fieldsOf(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) []Field {
	if seen[md.FullName()] || wellKnown(md) != nil {
		return nil
	}
	seen[md.FullName()] = true
	defer delete(seen, md.FullName())
	fs := md.Fields()
	out := make([]Field, 0, fs.Len())
	for i := range fs.Len() {
		fd := fs.Get(i)
		f := Field{Name: fd.JSONName(), Type: typeName(fd)}
		if fd.Message() != nil && !fd.IsMap() {
			f.Fields = fieldsOf(fd.Message(), seen)
		}
		out = append(out, f)
	}
	return out
}

func typeName(fd protoreflect.FieldDescriptor) string {
	if fd.IsMap() {
		return fmt.Sprintf("map<%s, %s>", scalarName(fd.MapKey()), scalarName(fd.MapValue()))
	}
	t := scalarName(fd)
	if fd.IsList() {
		t = "repeated " + t
	}
	return t
}

func scalarName(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return string(fd.Message().FullName())
	case protoreflect.EnumKind:
		return "enum " + string(fd.Enum().FullName())
	}
	return fd.Kind().String()
}

// template builds a request with every field at a zero value that protojson
// accepts back: "" for strings, 0, false, the first enum value, nested
// messages filled in (once: recursion stops at {}), one-element lists and
// maps, and well-known types in their JSON forms.
func template(md protoreflect.MessageDescriptor) json.RawMessage {
	b, _ := json.Marshal(templateOf(md, map[protoreflect.FullName]bool{}))
	return b
}

func templateOf(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) any {
	if v := wellKnown(md); v != nil {
		return v
	}
	obj := orderedObject{}
	if seen[md.FullName()] {
		return obj
	}
	seen[md.FullName()] = true
	defer delete(seen, md.FullName())
	fs := md.Fields()
	for i := range fs.Len() {
		fd := fs.Get(i)
		var v any
		switch {
		case fd.IsMap():
			v = map[string]any{mapKey(fd.MapKey()): valueOf(fd.MapValue(), seen)}
		case fd.IsList():
			v = []any{valueOf(fd, seen)}
		default:
			v = valueOf(fd, seen)
		}
		obj = append(obj, kv{fd.JSONName(), v})
	}
	return obj
}

func valueOf(fd protoreflect.FieldDescriptor, seen map[protoreflect.FullName]bool) any {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return templateOf(fd.Message(), seen)
	case protoreflect.EnumKind:
		if vs := fd.Enum().Values(); vs.Len() > 0 {
			return string(vs.Get(0).Name())
		}
		return 0
	case protoreflect.BoolKind:
		return false
	case protoreflect.StringKind:
		return ""
	case protoreflect.BytesKind:
		return "" // base64 of nothing
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return "0" // 64-bit integers are strings in proto JSON
	}
	return 0
}

func mapKey(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return "key"
	case protoreflect.BoolKind:
		return "false"
	}
	return "0"
}

// wellKnown gives the JSON form of a well-known type's zero value; nil for
// other messages.
func wellKnown(md protoreflect.MessageDescriptor) any {
	name := string(md.FullName())
	if !strings.HasPrefix(name, "google.protobuf.") {
		return nil
	}
	switch strings.TrimPrefix(name, "google.protobuf.") {
	case "Timestamp":
		return "1970-01-01T00:00:00Z"
	case "Duration":
		return "0s"
	case "FieldMask":
		return ""
	case "Struct":
		return map[string]any{}
	case "Value":
		return json.RawMessage("null")
	case "ListValue":
		return []any{}
	case "Any":
		return map[string]any{"@type": ""}
	case "Empty":
		return map[string]any{}
	case "StringValue", "BytesValue":
		return ""
	case "BoolValue":
		return false
	case "Int64Value", "UInt64Value":
		return "0"
	case "Int32Value", "UInt32Value", "FloatValue", "DoubleValue":
		return 0
	}
	return nil
}

// orderedObject is a JSON object that keeps field order (declaration
// order reads better than sorted order).
type orderedObject []kv

type kv struct {
	k string
	v any
}

// MarshalJSON writes the fields in order.
func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.k)
		v, err := json.Marshal(f.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

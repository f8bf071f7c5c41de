package recorder

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// kinds is a message type with a field of every kind, repeated and not,
// maps with every key kind, a oneof, proto3 optional, an enum, a nested
// message and the well-known types, built at run time.
func kinds(t testing.TB) protoreflect.MessageDescriptor {
	t.Helper()
	f := func(name string, n int32, typ descriptorpb.FieldDescriptorProto_Type, label descriptorpb.FieldDescriptorProto_Label, typeName string) *descriptorpb.FieldDescriptorProto {
		fd := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(n), Type: typ.Enum(), Label: label.Enum()}
		if typeName != "" {
			fd.TypeName = proto.String(typeName)
		}
		return fd
	}
	opt, rep := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL, descriptorpb.FieldDescriptorProto_LABEL_REPEATED
	var fields []*descriptorpb.FieldDescriptorProto
	scalars := []descriptorpb.FieldDescriptorProto_Type{
		descriptorpb.FieldDescriptorProto_TYPE_BOOL, descriptorpb.FieldDescriptorProto_TYPE_STRING,
		descriptorpb.FieldDescriptorProto_TYPE_INT32, descriptorpb.FieldDescriptorProto_TYPE_SINT32,
		descriptorpb.FieldDescriptorProto_TYPE_SFIXED32, descriptorpb.FieldDescriptorProto_TYPE_UINT32,
		descriptorpb.FieldDescriptorProto_TYPE_FIXED32, descriptorpb.FieldDescriptorProto_TYPE_INT64,
		descriptorpb.FieldDescriptorProto_TYPE_SINT64, descriptorpb.FieldDescriptorProto_TYPE_SFIXED64,
		descriptorpb.FieldDescriptorProto_TYPE_UINT64, descriptorpb.FieldDescriptorProto_TYPE_FIXED64,
		descriptorpb.FieldDescriptorProto_TYPE_FLOAT, descriptorpb.FieldDescriptorProto_TYPE_DOUBLE,
		descriptorpb.FieldDescriptorProto_TYPE_BYTES,
	}
	n := int32(1)
	for _, typ := range scalars {
		name := strings.ToLower(strings.TrimPrefix(typ.String(), "TYPE_"))
		fields = append(fields, f("s_"+name, n, typ, opt, ""), f("r_"+name, n+1, typ, rep, ""))
		n += 2
	}
	msg := descriptorpb.FieldDescriptorProto_TYPE_MESSAGE
	enum := descriptorpb.FieldDescriptorProto_TYPE_ENUM
	fields = append(fields,
		f("color", 100, enum, opt, ".kt.Color"), f("colors", 101, enum, rep, ".kt.Color"),
		f("null", 102, enum, opt, ".google.protobuf.NullValue"),
		f("child", 103, msg, opt, ".kt.Kinds"), f("children", 104, msg, rep, ".kt.Kinds"),
		f("when", 105, msg, opt, ".google.protobuf.Timestamp"), f("took", 106, msg, opt, ".google.protobuf.Duration"),
		f("whens", 107, msg, rep, ".google.protobuf.Timestamp"),
		f("by_name", 108, msg, rep, ".kt.Kinds.ByNameEntry"), f("by_int", 109, msg, rep, ".kt.Kinds.ByIntEntry"),
		f("by_bool", 110, msg, rep, ".kt.Kinds.ByBoolEntry"), f("by_uint", 111, msg, rep, ".kt.Kinds.ByUintEntry"),
		f("by_sint", 112, msg, rep, ".kt.Kinds.BySintEntry"),
	)
	o1, o2 := f("one_text", 120, descriptorpb.FieldDescriptorProto_TYPE_STRING, opt, ""), f("one_child", 121, msg, opt, ".kt.Kinds")
	o1.OneofIndex, o2.OneofIndex = proto.Int32(0), proto.Int32(0)
	maybe := f("maybe", 122, descriptorpb.FieldDescriptorProto_TYPE_INT32, opt, "")
	maybe.OneofIndex, maybe.Proto3Optional = proto.Int32(1), proto.Bool(true)
	fields = append(fields, o1, o2, maybe)
	entry := func(name string, key descriptorpb.FieldDescriptorProto_Type, val descriptorpb.FieldDescriptorProto_Type, valType string) *descriptorpb.DescriptorProto {
		return &descriptorpb.DescriptorProto{Name: proto.String(name), Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
			Field: []*descriptorpb.FieldDescriptorProto{f("key", 1, key, opt, ""), f("value", 2, val, opt, valType)}}
	}
	file := &descriptorpb.FileDescriptorProto{
		Name: proto.String("kt.proto"), Package: proto.String("kt"), Syntax: proto.String("proto3"),
		Dependency: []string{"google/protobuf/timestamp.proto", "google/protobuf/duration.proto", "google/protobuf/struct.proto"},
		EnumType: []*descriptorpb.EnumDescriptorProto{{Name: proto.String("Color"), Value: []*descriptorpb.EnumValueDescriptorProto{
			{Name: proto.String("COLOR_UNSPECIFIED"), Number: proto.Int32(0)}, {Name: proto.String("RED"), Number: proto.Int32(1)},
		}}},
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Kinds"), Field: fields,
			OneofDecl: []*descriptorpb.OneofDescriptorProto{{Name: proto.String("one")}, {Name: proto.String("_maybe")}},
			NestedType: []*descriptorpb.DescriptorProto{
				entry("ByNameEntry", descriptorpb.FieldDescriptorProto_TYPE_STRING, msg, ".kt.Kinds"),
				entry("ByIntEntry", descriptorpb.FieldDescriptorProto_TYPE_INT64, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""),
				entry("ByBoolEntry", descriptorpb.FieldDescriptorProto_TYPE_BOOL, descriptorpb.FieldDescriptorProto_TYPE_INT32, ""),
				entry("ByUintEntry", descriptorpb.FieldDescriptorProto_TYPE_FIXED32, descriptorpb.FieldDescriptorProto_TYPE_DOUBLE, ""),
				entry("BySintEntry", descriptorpb.FieldDescriptorProto_TYPE_SINT32, enum, ".kt.Color"),
			},
		}},
	}
	fd, err := protodesc.NewFile(file, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Messages().Get(0)
}

// wantSame checks that appendMessageJSON writes what protojson does
// (UseProtoNames; protojson's random spaces aside), or fails where it
// fails.
func wantSame(t *testing.T, m proto.Message) {
	t.Helper()
	want, werr := protoJSON.Marshal(m)
	got, gerr := appendMessageJSON([]byte("prefix"), m)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("%v: protojson error %v, appendMessageJSON error %v", m, werr, gerr)
	}
	if werr != nil {
		return
	}
	if !bytes.HasPrefix(got, []byte("prefix")) {
		t.Fatalf("the prefix is lost: %s", got)
	}
	var cw, cg bytes.Buffer
	if err := json.Compact(&cw, want); err != nil {
		t.Fatal(err)
	}
	if err := json.Compact(&cg, got[len("prefix"):]); err != nil {
		t.Fatalf("appendMessageJSON wrote invalid JSON: %v\n%s", err, got)
	}
	if !bytes.Equal(cg.Bytes(), cw.Bytes()) {
		t.Fatalf("appendMessageJSON\n got %s\nwant %s", got, cw.Bytes())
	}
}

func TestMessageJSONLikeProtojson(t *testing.T) {
	md := kinds(t)
	set := func(m *dynamicpb.Message, name string, v any) *dynamicpb.Message {
		m.Set(md.Fields().ByName(protoreflect.Name(name)), protoreflect.ValueOf(v))
		return m
	}
	strs := []string{"", "plain", "quote\" back\\ slash/", "ctl \x00\x01\b\f\n\r\t\x1f\x7f", "ünïcødé ✓ \u2028 😀", "<&>", "bad \xff utf8"}
	var cases []proto.Message
	for _, s := range strs {
		cases = append(cases, set(dynamicpb.NewMessage(md), "s_string", s), &bookpb.Book{Id: s, Title: "T"})
	}
	for _, f := range []float64{0, 1, -1.5, 1e-7, 1e-6, 1e20, 1e21, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1)} {
		cases = append(cases, set(dynamicpb.NewMessage(md), "s_double", f), set(dynamicpb.NewMessage(md), "s_float", float32(f)))
	}
	for _, ts := range []*timestamppb.Timestamp{
		{}, {Seconds: 1, Nanos: 1}, {Seconds: 1, Nanos: 1000}, {Seconds: 1, Nanos: 1000000}, {Seconds: 1, Nanos: 120000000},
		{Seconds: -62135596800}, {Seconds: 253402300799, Nanos: 999999999}, {Seconds: -62135596801}, {Nanos: -1}, {Nanos: 1e9},
		timestamppb.New(time.Date(2026, 11, 24, 6, 6, 33, 220000000, time.UTC)),
	} {
		cases = append(cases, ts, &bookpb.Book{CreateTime: ts})
	}
	for _, d := range []*durationpb.Duration{
		{}, {Seconds: 1}, {Seconds: -1, Nanos: -500000000}, {Nanos: -1}, {Nanos: 1500}, {Seconds: 315576000000}, {Seconds: 315576000001},
		{Seconds: 1, Nanos: -1}, {Nanos: 1e9},
	} {
		cases = append(cases, d, set(dynamicpb.NewMessage(md), "took", d.ProtoReflect()))
	}
	cases = append(cases,
		set(dynamicpb.NewMessage(md), "color", protoreflect.EnumNumber(7)), // unknown: a number
		set(dynamicpb.NewMessage(md), "null", protoreflect.EnumNumber(0)),
		set(dynamicpb.NewMessage(md), "maybe", int32(0)), // proto3 optional: set at zero
		set(dynamicpb.NewMessage(md), "one_text", ""),
		(*bookpb.Book)(nil), &bookpb.GetBookRequest{Id: "0000000000000001"},
		// protojson's general encoder, reached through the fallback:
		&structpb.Struct{Fields: map[string]*structpb.Value{"a": structpb.NewNumberValue(1)}}, wrapperspb.String("w"),
		&descriptorpb.FileDescriptorProto{Name: proto.String("x"), Options: &descriptorpb.FileOptions{GoPackage: proto.String("p")}},
	)
	for _, m := range cases {
		wantSame(t, m)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		wantSame(t, randomMessage(r, md, 0))
	}
}

// randomMessage fills a Kinds message with random values.
func randomMessage(r *rand.Rand, md protoreflect.MessageDescriptor, depth int) *dynamicpb.Message {
	m := dynamicpb.NewMessage(md)
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if r.IntN(3) == 0 || depth >= 2 && holdsMessages(fd) {
			continue
		}
		switch {
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			for range r.IntN(4) {
				k := randomValue(r, fd.MapKey(), depth).MapKey()
				mp.Set(k, randomValue(r, fd.MapValue(), depth))
			}
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range r.IntN(4) {
				l.Append(randomValue(r, fd, depth))
			}
		default:
			m.Set(fd, randomValue(r, fd, depth))
		}
	}
	return m
}

// holdsMessages: fd is a Kinds-typed field, list or map value.
func holdsMessages(fd protoreflect.FieldDescriptor) bool {
	if fd.IsMap() {
		fd = fd.MapValue()
	}
	return fd.Message() != nil && fd.Message().FullName() == "kt.Kinds"
}

func randomValue(r *rand.Rand, fd protoreflect.FieldDescriptor, depth int) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(r.IntN(2) == 0)
	case protoreflect.StringKind:
		return protoreflect.ValueOfString([]string{"", "a", "b\n", "zé", "k\x01"}[r.IntN(5)])
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(r.Uint32()))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(r.Uint32() % 5)
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(int64(r.Uint64()) >> r.IntN(64))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(r.Uint64())
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30))))
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(r.NormFloat64() * math.Pow(10, float64(r.IntN(600)-300)))
	case protoreflect.BytesKind:
		b := make([]byte, r.IntN(6))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return protoreflect.ValueOfBytes(b)
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(protoreflect.EnumNumber(r.IntN(3)))
	}
	switch fd.Message().FullName() {
	case "google.protobuf.Timestamp":
		return protoreflect.ValueOfMessage(timestamppb.New(time.Unix(r.Int64N(1e10), r.Int64N(1e9)*int64(r.IntN(2)))).ProtoReflect())
	case "google.protobuf.Duration":
		return protoreflect.ValueOfMessage(durationpb.New(time.Duration(r.Int64() >> r.IntN(64))).ProtoReflect())
	}
	return protoreflect.ValueOfMessage(randomMessage(r, fd.Message(), depth+1))
}

func TestAppendMessageBody(t *testing.T) {
	var req, resp Body
	buf := make([]byte, 0, 8)
	buf, err := AppendMessageBody(&req, buf, &bookpb.GetBookRequest{Id: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if buf, err = AppendMessageBody(&resp, buf, &bookpb.Book{Id: "1", Title: "Dune", Year: 1965}); err != nil {
		t.Fatal(err)
	}
	if string(req.JSON) != `{"id":"1"}` || string(resp.JSON) != `{"id":"1","title":"Dune","year":1965}` {
		t.Fatalf("bodies %s and %s", req.JSON, resp.JSON)
	}
	before := len(buf)
	var bad Body
	buf, err = AppendMessageBody(&bad, buf, &bookpb.Book{Title: "\xff"})
	if err == nil || len(buf) != before || bad.JSON != nil {
		t.Fatalf("invalid UTF-8: err %v, buf %d→%d bytes, body %q", err, before, len(buf), bad.JSON)
	}
	var line bytes.Buffer
	w, err := NewWriter(&line, Header{}, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(Exchange{Transport: TransportGRPC, Request: Request{GRPCMethod: "/m", Body: &req}, Response: Response{Body: &resp}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(line.String(), `"body":{"json":{"id":"1","title":"Dune","year":1965}}`) {
		t.Fatalf("written: %s", line.String())
	}
}

func TestMessageJSONCycle(t *testing.T) {
	md := kinds(t)
	m := dynamicpb.NewMessage(md)
	m.Set(md.Fields().ByName("child"), protoreflect.ValueOfMessage(m))
	if _, err := MessageBody(m); err == nil {
		t.Fatal("a message that contains itself: no error")
	}
}

func BenchmarkMessageJSON(b *testing.B) {
	book := &bookpb.Book{Id: "0000000000000001", Title: "Bench", Author: "Mark", Year: 2026, CreateTime: timestamppb.Now()}
	b.Run("impl=kit", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = appendMessageJSON(buf[:0], book)
		}
	})
	b.Run("impl=protojson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = protojson.MarshalOptions{UseProtoNames: true}.Marshal(book)
		}
	})
}

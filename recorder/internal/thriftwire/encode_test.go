package thriftwire_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	bookthrift "github.com/kitbench/kitbench/examples/bookstore/thriftpb"
	"github.com/kitbench/kitbench/recorder/internal/thriftwire"
)

// everyType is a struct with a field of every type Decode reads, written
// by hand as generated code would (fields in id order, map keys sorted):
// no IDL of the project has them all.
type everyType struct{}

func (everyType) Read(context.Context, thrift.TProtocol) error { return errors.New("write only") }

func (everyType) Write(ctx context.Context, p thrift.TProtocol) error {
	field := func(id int16, t thrift.TType, write func()) {
		_ = p.WriteFieldBegin(ctx, "", t, id)
		write()
		_ = p.WriteFieldEnd(ctx)
	}
	book := func(title string, year int32) {
		_ = p.WriteStructBegin(ctx, "Book")
		field(2, thrift.STRING, func() { _ = p.WriteString(ctx, title) })
		if year != 0 { // an optional field, set on one element only
			field(4, thrift.I32, func() { _ = p.WriteI32(ctx, year) })
		}
		_ = p.WriteFieldStop(ctx)
		_ = p.WriteStructEnd(ctx)
	}
	_ = p.WriteStructBegin(ctx, "Every")
	field(1, thrift.BOOL, func() { _ = p.WriteBool(ctx, true) })
	field(2, thrift.BYTE, func() { _ = p.WriteByte(ctx, -7) })
	field(3, thrift.I16, func() { _ = p.WriteI16(ctx, math.MaxInt16) })
	field(4, thrift.I32, func() { _ = p.WriteI32(ctx, math.MinInt32) })
	field(5, thrift.I64, func() { _ = p.WriteI64(ctx, math.MaxInt64) })
	field(6, thrift.DOUBLE, func() { _ = p.WriteDouble(ctx, 2.5) })
	field(7, thrift.DOUBLE, func() { _ = p.WriteDouble(ctx, math.Inf(-1)) })
	field(8, thrift.STRING, func() { _ = p.WriteString(ctx, "[REDACTED]") })
	field(9, thrift.STRING, func() { _ = p.WriteBinary(ctx, []byte{0xff, 0x00, 0xfe}) })
	field(10, thrift.LIST, func() {
		_ = p.WriteListBegin(ctx, thrift.STRUCT, 2)
		book("Dune", 0)
		book("Emma", 1815)
		_ = p.WriteListEnd(ctx)
	})
	field(11, thrift.SET, func() {
		_ = p.WriteSetBegin(ctx, thrift.I64, 2)
		_ = p.WriteI64(ctx, 1)
		_ = p.WriteI64(ctx, 2)
		_ = p.WriteSetEnd(ctx)
	})
	field(12, thrift.MAP, func() {
		_ = p.WriteMapBegin(ctx, thrift.STRING, thrift.STRUCT, 1)
		_ = p.WriteString(ctx, "k")
		book("Kim", 1901)
		_ = p.WriteMapEnd(ctx)
	})
	field(13, thrift.MAP, func() {
		_ = p.WriteMapBegin(ctx, thrift.I32, thrift.LIST, 1)
		_ = p.WriteI32(ctx, -3)
		_ = p.WriteListBegin(ctx, thrift.STRING, 0)
		_ = p.WriteListEnd(ctx)
		_ = p.WriteMapEnd(ctx)
	})
	field(14, thrift.MAP, func() {
		_ = p.WriteMapBegin(ctx, thrift.BOOL, thrift.DOUBLE, 1)
		_ = p.WriteBool(ctx, false)
		_ = p.WriteDouble(ctx, -0.5)
		_ = p.WriteMapEnd(ctx)
	})
	field(15, thrift.STRUCT, func() { book("", 0) })
	_ = p.WriteFieldStop(ctx)
	return p.WriteStructEnd(ctx)
}

const everyTypes = `{"1":"bool","2":"byte","3":"i16","4":"i32","5":"i64","6":"double","7":"double","8":"string","9":"string",` +
	`"10":{"list":{"struct":{"2":"string","4":"i32"}}},"11":{"set":"i64"},"12":{"map":["string",{"struct":{"2":"string","4":"i32"}}]},` +
	`"13":{"map":["i32",{"list":"string"}]},"14":{"map":["bool","double"]},"15":{"struct":{"2":"string"}}}`

// TestArgsRoundTrip: a call decoded with its types and written again
// from its JSON is the same message, byte for byte, in both protocols
// (redacted text sent as it is); the descriptor reads back as written,
// with an optional field seen on one list element only included.
func TestArgsRoundTrip(t *testing.T) {
	for _, compact := range []bool{false, true} {
		orig := message(t, compact, "Every", thrift.CALL, everyType{})
		js, d, err := thriftwire.DecodeCall(nil, orig, compact, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(d.Types.AppendJSON(nil)); got != everyTypes {
			t.Fatalf("compact=%v: types\n got %s\nwant %s", compact, got, everyTypes)
		}
		if _, d, _ := thriftwire.Decode(nil, orig, compact, nil); d.Types != nil {
			t.Errorf("Decode described the types too: %v", d.Types)
		}
		types, err := thriftwire.ParseTypes([]byte(everyTypes))
		if err != nil || string(types.AppendJSON(nil)) != everyTypes {
			t.Fatalf("ParseTypes: %v, %s", err, types.AppendJSON(nil))
		}
		args, err := thriftwire.NewArgs(js, types)
		if err != nil {
			t.Fatalf("compact=%v: NewArgs(%s): %v", compact, js, err)
		}
		again := message(t, compact, "Every", thrift.CALL, args)
		if !bytes.Equal(again, orig) {
			js2, _, err := thriftwire.Decode(nil, again, compact, nil)
			t.Errorf("compact=%v: written again differs:\n got %x\nwant %x\n(%s, %v)\nfrom %s", compact, again, orig, js2, err, js)
		}
	}
}

// TestArgsMisfits: a value that cannot be its type is an ErrValue naming
// its path and both types, before anything is written.
func TestArgsMisfits(t *testing.T) {
	types, err := thriftwire.ParseTypes([]byte(`{"1":{"struct":{"1":"string","2":"i16","3":"i64","5":{"list":"bool"},"6":"string","7":"double"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ js, want string }{
		{`{"1:req":{"2:n":70000}}`, `$["1:req"]["2:n"]: a number is no i16: 70000 is not an integer in its range`},
		{`{"1:req":{"3:pin":"[REDACTED]"}}`, `$["1:req"]["3:pin"]: the string "[REDACTED]" is no i64`},
		{`{"1:req":{"1:id":7}}`, `$["1:req"]["1:id"]: a number is no string`},
		{`{"1:req":{"9:x":1}}`, `$["1:req"]["9:x"]: field 9 has no type in the recorded descriptor`},
		{`{"1:req":{"5":[true,"no"]}}`, `$["1:req"]["5"][1]: the string "no" is no bool`},
		{`{"1:req":{"6":{"base64":"!!"}}}`, `$["1:req"]["6"]: an object is no string`},
		{`{"1:req":{"7":"fast"}}`, `$["1:req"]["7"]: the string "fast" is no double`},
		{`{"req":{}}`, `$: "req" is not a field key`},
		{`[1]`, `$: the arguments are an array`},
	} {
		_, err := thriftwire.NewArgs([]byte(tc.js), types)
		if !errors.Is(err, thriftwire.ErrValue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewArgs(%s): %v\nwant ErrValue saying %s", tc.js, err, tc.want)
		}
	}
	for _, bad := range []string{`[]`, `{"x":"i32"}`, `{"1":"int"}`, `{"1":{"list":"i32","set":"i32"}}`, `{"1":{"map":["i32"]}}`, `{"1":7}`} {
		if _, err := thriftwire.ParseTypes([]byte(bad)); !errors.Is(err, thriftwire.ErrTypes) {
			t.Errorf("ParseTypes(%s): %v, want ErrTypes", bad, err)
		}
	}
}

// TestNamesFromJSON: a reply read with the names learned from a recorded
// one renders with the same keys, in lists and map values too; fields
// the recorded one lacks are keyed by id.
func TestNamesFromJSON(t *testing.T) {
	list := &bookthrift.BookServiceListBooksResult{Success: &bookthrift.ListBooksResponse{
		Books: []*bookthrift.Book{{ID: "1", Title: "Dune"}, {ID: "2", Title: "Emma"}}, NextPageToken: "n"}}
	b := message(t, false, "ListBooks", thrift.REPLY, list)
	recorded, _, err := thriftwire.Decode(nil, b, false, thriftwire.NamesOf(list))
	if err != nil {
		t.Fatal(err)
	}
	learned, _, err := thriftwire.Decode(nil, b, false, thriftwire.NamesFromJSON(recorded))
	if err != nil || string(learned) != string(recorded) {
		t.Errorf("with learned names:\n got %s (%v)\nwant %s", learned, err, recorded)
	}
	partial, _, _ := thriftwire.Decode(nil, b, false, thriftwire.NamesFromJSON([]byte(`{"0:success":{"2:next_page_token":"x","1:books":{"k":{"2:title":""}}}}`)))
	want := `{"0:success":{"1:books":[{"1":"1","2:title":"Dune","3":"","4":0,"5":0},{"1":"2","2:title":"Emma","3":"","4":0,"5":0}],"2:next_page_token":"n"}}`
	if string(partial) != want {
		t.Errorf("names learned through a map's values:\n got %s\nwant %s", partial, want)
	}
}

package thriftwire_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	bookthrift "github.com/kitbench/kitbench/examples/bookstore/thriftpb"
	"github.com/kitbench/kitbench/recorder/internal/thriftwire"
)

// message encodes one message as the generated code would send it.
func message(t *testing.T, compact bool, name string, typ thrift.TMessageType, s thrift.TStruct) []byte {
	t.Helper()
	buf := thrift.NewTMemoryBuffer()
	var p thrift.TProtocol = thrift.NewTBinaryProtocolConf(buf, &thrift.TConfiguration{TBinaryStrictWrite: thrift.BoolPtr(true)})
	if compact {
		p = thrift.NewTCompactProtocolConf(buf, nil)
	}
	ctx := context.Background()
	if err := p.WriteMessageBegin(ctx, name, typ, 7); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, p); err != nil {
		t.Fatal(err)
	}
	_ = p.WriteMessageEnd(ctx)
	_ = p.Flush(ctx)
	return buf.Bytes()
}

// TestDecode renders the Book service's messages in both protocols the
// same way, with names from the generated types or by id without them;
// lists of structs and an EXCEPTION message included.
func TestDecode(t *testing.T) {
	list := &bookthrift.BookServiceListBooksResult{Success: &bookthrift.ListBooksResponse{
		Books: []*bookthrift.Book{{ID: "1", Title: "Dune", Year: 1965}, {ID: "2", Title: "Emma"}}, NextPageToken: "n2"}}
	reason := "breaker_open"
	failed := &bookthrift.BookServiceGetBookResult{Failed: &bookthrift.ServiceError{Status: 503, Message: "service unavailable", Reason: &reason}}
	for _, compact := range []bool{false, true} {
		for _, tc := range []struct {
			name  string
			typ   thrift.TMessageType
			s     thrift.TStruct
			names *thriftwire.Names
			want  string
			first string
		}{
			{"ListBooks", thrift.REPLY, list, thriftwire.NamesOf(list),
				`{"0:success":{"1:books":[{"1:id":"1","2:title":"Dune","3:author":"","4:year":1965,"5:create_time_unix_nano":0},{"1:id":"2","2:title":"Emma","3:author":"","4:year":0,"5:create_time_unix_nano":0}],"2:next_page_token":"n2"}}`, "0:success"},
			{"ListBooks", thrift.REPLY, list, nil,
				`{"0":{"1":[{"1":"1","2":"Dune","3":"","4":1965,"5":0},{"1":"2","2":"Emma","3":"","4":0,"5":0}],"2":"n2"}}`, "0"},
			{"GetBook", thrift.REPLY, failed, thriftwire.NamesOf(new(bookthrift.BookServiceGetBookResult)),
				`{"3:failed":{"1:status":503,"2:message":"service unavailable","3:retry_after_ms":0,"4:reason":"breaker_open"}}`, "3:failed"},
			{"GetBook", thrift.EXCEPTION, thrift.NewTApplicationException(thrift.UNKNOWN_METHOD, "no such method"), nil,
				`{"1:message":"no such method","2:type":1}`, "1:message"},
		} {
			b := message(t, compact, tc.name, tc.typ, tc.s)
			js, d, err := thriftwire.Decode(nil, b, compact, tc.names)
			if err != nil {
				t.Fatalf("compact=%v %s: %v", compact, tc.name, err)
			}
			if !json.Valid(js) || string(js) != tc.want || d.Name != tc.name || d.SeqID != 7 || d.Type != tc.typ || d.First != tc.first {
				t.Errorf("compact=%v %s: %s %+v\nwant %s (first %s)", compact, tc.name, js, d, tc.want, tc.first)
			}
			// Any prefix of a message is an error, never a part rendered.
			for n := range len(b) {
				if js, _, err := thriftwire.Decode(nil, b[:n], compact, tc.names); !errors.Is(err, thriftwire.ErrMessage) {
					t.Fatalf("compact=%v %s cut to %d of %d bytes: %s, %v; want ErrMessage", compact, tc.name, n, len(b), js, err)
				}
			}
			if _, _, err := thriftwire.Decode(nil, append(b, 0), compact, tc.names); !errors.Is(err, thriftwire.ErrMessage) {
				t.Errorf("compact=%v %s: a byte after the message: %v, want ErrMessage", compact, tc.name, err)
			}
		}
	}
}

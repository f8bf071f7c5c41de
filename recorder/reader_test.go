package recorder

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

const hdrLine = `{"format":"kitrec","version":1}` + "\n"

func goodLine(t testing.TB) string {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{}, WriteOptions{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := w.Append(sampleExchange(0)); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestReadDamagedFiles(t *testing.T) {
	good := goodLine(t)
	deep := `{"id":"x","transport":"http","request":{},"response":{"body":{"json":` +
		strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}}}` + "\n"
	cases := []struct {
		name    string
		file    string
		want    int    // readable exchanges
		badLine int    // line of the (single) error
		errText string // in the error
		cause   error
	}{
		{"truncated last line", hdrLine + good + good[:len(good)/2], 1, 3, "truncated", ErrFormat},
		{"garbage in the middle", hdrLine + good + "not json at all\n" + good, 2, 3, "line 3", ErrFormat},
		{"invalid UTF-8", hdrLine + good + `{"id":"a","transport":"http","endpoint":"` + "\xff\xfe" + `"}` + "\n" + good, 2, 3, "invalid UTF-8", ErrFormat},
		{"deep nesting", hdrLine + deep + good, 1, 2, "nested deeper", ErrFormat},
		{"unknown transport", hdrLine + `{"id":"a","transport":"smtp"}` + "\n" + good, 1, 2, `"smtp"`, ErrFormat},
		{"both body kinds", hdrLine + `{"id":"a","transport":"http","request":{"body":{"json":1,"base64":"AA=="}}}` + "\n", 0, 2, "both", ErrFormat},
		{"damaged header", `{"format":"kitrec",` + "\n" + good, 1, 1, "bad header", ErrFormat},
		{"no trailing newline is fine", hdrLine + strings.TrimSuffix(good, "\n"), 1, 0, "", nil},
		{"blank lines skipped", hdrLine + "\n  \n" + good + "\n", 1, 0, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Read(strings.NewReader(c.file), ReadOptions{})
			if err != nil {
				t.Fatalf("Read = %v, want line errors only", err)
			}
			if len(s.Exchanges) != c.want {
				t.Errorf("%d exchanges, want %d", len(s.Exchanges), c.want)
			}
			if c.badLine == 0 {
				if len(s.Errors) != 0 {
					t.Errorf("errors %v", s.Errors)
				}
				return
			}
			if len(s.Errors) != 1 {
				t.Fatalf("errors %v, want one on line %d", s.Errors, c.badLine)
			}
			le := s.Errors[0]
			if le.Line != c.badLine || !strings.Contains(le.Error(), c.errText) || !errors.Is(le, c.cause) {
				t.Errorf("error %q (line %d), want line %d containing %q", le, le.Line, c.badLine, c.errText)
			}
		})
	}
}

func TestReadRefusesOtherVersionsAndFormats(t *testing.T) {
	_, err := Read(strings.NewReader(`{"format":"kitrec","version":2,"created":"2030-01-01T00:00:00Z"}`+"\n"), ReadOptions{})
	if !errors.Is(err, ErrVersion) || !strings.Contains(err.Error(), "version 2") || !strings.Contains(err.Error(), "use a kitbench release") {
		t.Errorf("v2 file: %v", err)
	}
	// Minor additions within v1 (unknown fields) are read, not refused.
	s, err := Read(strings.NewReader(`{"format":"kitrec","version":1,"minor":7,"future":true}`+"\n"+
		`{"id":"a","transport":"http","new_field":{"x":1},"response":{"status":204}}`+"\n"), ReadOptions{})
	if err != nil || len(s.Exchanges) != 1 || s.Exchanges[0].Response.Status != 204 {
		t.Errorf("v1.7 file: %v %+v", err, s)
	}
	for _, f := range []string{"", "\n\n", `{"format":"har"}` + "\n", "[1,2]\n"} {
		if _, err := Read(strings.NewReader(f), ReadOptions{}); !errors.Is(err, ErrFormat) {
			t.Errorf("Read(%q) = %v, want ErrFormat", f, err)
		}
	}
}

// endless produces n bytes of 'a' without holding them.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	if e.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), e.n)
	for i := range k {
		p[i] = 'a'
	}
	e.n -= k
	return k, nil
}

func TestReadHugeLineInBoundedMemory(t *testing.T) {
	const lineSize = 64 << 20
	r := io.MultiReader(strings.NewReader(hdrLine+goodLine(t)), &endless{lineSize}, strings.NewReader("\n"+goodLine(t)))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := Read(r, ReadOptions{MaxLine: 1 << 20})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Exchanges) != 2 || len(s.Errors) != 1 || s.Errors[0].Line != 3 || !errors.Is(s.Errors[0], ErrLineTooLong) {
		t.Fatalf("%d exchanges, errors %v", len(s.Exchanges), s.Errors)
	}
	if !strings.Contains(s.Errors[0].Error(), "more than 1048576 bytes") {
		t.Errorf("error %q does not state the limit", s.Errors[0])
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("reading a %d MiB line allocated %d MiB; the limit is 1 MiB", lineSize>>20, grew>>20)
	}
}

func FuzzReader(f *testing.F) {
	good := goodLine(f)
	for _, seed := range []string{
		hdrLine + good,
		hdrLine + good + good[:30],
		hdrLine + "\xff\n" + good,
		hdrLine + strings.Repeat("[", 2000) + "\n",
		`{"format":"kitrec","version":9}` + "\n",
		`{"format":"kitrec","version":1,"ignore":["$.a","$..b"]}` + "\n" + `{"id":"1","transport":"grpc","request":{"grpc_method":"/a.B/C","body":{"json":{"a":[1,2,{"b":null}]}}},"response":{"grpc_code":5}}` + "\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Read(bytes.NewReader(data), ReadOptions{MaxLine: 1 << 16})
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrVersion) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		for _, le := range s.Errors {
			if le.Line < 1 || !strings.HasPrefix(le.Error(), "line ") {
				t.Fatalf("line error without a line: %v", le)
			}
		}
		// Everything read can be written and read back the same.
		var buf bytes.Buffer
		w, err := NewWriter(&buf, s.Header, WriteOptions{Redact: Redaction{}})
		if err != nil {
			return // a header with bad ignore rules
		}
		for _, ex := range s.Exchanges {
			if err := w.Append(ex); err != nil && !errors.Is(err, ErrLineTooLong) {
				t.Fatalf("re-append: %v", err)
			}
		}
		s2, err := Read(&buf, ReadOptions{})
		if err != nil || len(s2.Errors) != 0 {
			t.Fatalf("re-read: %v %v", err, s2.Errors)
		}
	})
}

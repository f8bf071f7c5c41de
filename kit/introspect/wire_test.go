package introspect

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The golden files pin protocol v1's wire format. A renamed, retyped or
// removed field changes the served JSON and fails TestWireGolden; a field
// the Go types cannot hold fails TestWireLossless. Regenerate with
// -update only for an additive change (see docs/introspection.md).

// wireCases are the served resources, and the events as encoded in an SSE
// data line, each with a pointer to decode the golden file into and the
// value it must decode to.
func wireCases(t *testing.T) []struct {
	file string
	path string // served at PathPrefix+path, or "" for values marshalled directly
	into any
	want any
} {
	t.Helper()
	info := fixedInfo()
	info.Protocol = Version
	info.Transports, info.Endpoints = fixedTransports(), fixedEndpoints()
	spans := fixedSpans()
	return []struct {
		file string
		path string
		into any
		want any
	}{
		{"info.json", "/info", new(Info), &info},
		{"breakers.json", "/breakers", new([]Breaker), ptr(fixedBreakers())},
		{"limiters.json", "/limiters", new([]Limiter), ptr(fixedLimiters())},
		{"spans.json", "/spans?after=0&limit=10", new(SpanPage), &SpanPage{Spans: spans, Next: 3}},
		{"events.json", "", new([]Event), ptr(fixedEvents())},
		{"error.json", "/spans?limit=x", new(ErrorBody), &ErrorBody{Error: "limit must be a positive integer", Param: "limit"}},
	}
}

func ptr[T any](v T) *T { return &v }

func TestWireGolden(t *testing.T) {
	srv := serve(t, fixedRegistry())
	for _, tc := range wireCases(t) {
		t.Run(tc.file, func(t *testing.T) {
			var got []byte
			if tc.path == "" {
				b, err := json.Marshal(tc.want)
				if err != nil {
					t.Fatal(err)
				}
				got = b
			} else {
				_, _, got = get(t, srv, "GET", PathPrefix+tc.path, "")
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, got, "", "  "); err != nil {
				t.Fatalf("served JSON is invalid: %v\n%s", err, got)
			}
			pretty.WriteByte('\n')
			file := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(file, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			golden, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(bytes.TrimSpace(pretty.Bytes()), bytes.TrimSpace(golden)) {
				t.Errorf("wire format of %s changed:\n--- got\n%s\n--- golden\n%s", tc.file, pretty.Bytes(), golden)
			}
		})
	}
}

func TestWireLossless(t *testing.T) {
	for _, tc := range wireCases(t) {
		t.Run(tc.file, func(t *testing.T) {
			golden, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, golden); err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(compact.Bytes()))
			dec.DisallowUnknownFields() // every golden field has a Go field
			if err := dec.Decode(tc.into); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tc.into, tc.want) {
				t.Errorf("decoded %s:\n got %+v\nwant %+v", tc.file, tc.into, tc.want)
			}
			again, err := json.Marshal(tc.into)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, compact.Bytes()) {
				t.Errorf("re-encoding %s is not identical:\n got %s\nwant %s", tc.file, again, compact.Bytes())
			}
		})
	}
}

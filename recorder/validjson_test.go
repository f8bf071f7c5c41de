package recorder

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

var jsonSeeds = []string{
	``, ` `, `0`, `-0`, `01`, `-`, `1.`, `1.5e`, `1.5e+3`, `1E-2`, `-12.5`, `.5`, `+1`,
	`true`, `tru`, `nul`, `null `, ` false`, `"a"`, `"\u00e9\n\/"`, `"\u00g0"`, `"\x"`, `"a`, "\"\x01\"",
	"\"\xff\"", "\"é\"", `{}`, `{"a":1,"b":[1,2,{"c":null}]}`, `{"a":1,}`, `[1,]`, `[,1]`, `{"a" 1}`,
	`{1:2}`, `[1 2]`, `[] []`, `{"a":1}x`, "[\n1\t,\r2 ]", `{"id":"0000000000000001","title":"Dune"}`,
	strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth),
	strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
}

// want is what validJSON promises: json.Valid, in UTF-8, not too deep.
func wantValid(b []byte) bool {
	return json.Valid(b) && utf8.Valid(b) && checkDepth(b, MaxDepth) == nil
}

func TestValidJSON(t *testing.T) {
	for _, s := range jsonSeeds {
		if got, want := validJSON([]byte(s)), wantValid([]byte(s)); got != want {
			t.Errorf("validJSON(%.40q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), wantValid(b); got != want {
			t.Errorf("validJSON(%q) = %v, want %v", b, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	body := []byte(`{"id":"0000000000000001","title":"Dune","author":"Frank Herbert","year":1965,"create_time":"2026-11-24T06:06:33.213Z"}`)
	for _, impl := range []string{"kit", "raw"} {
		b.Run("impl="+impl, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if impl == "kit" && !validJSON(body) || impl == "raw" && !json.Valid(body) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

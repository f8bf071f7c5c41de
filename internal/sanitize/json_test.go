package sanitize_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/internal/sanitize"
)

func TestJSONEscapes(t *testing.T) {
	v := map[string]any{
		"c1":    "a\u009b31mb\u0085",
		"esc":   "\x1b[2J",
		"bidi":  "abc\u202edef\u2066",
		"zw":    "pay\u200bpal\ufeff",
		"tag":   "a\U000E0041",
		"lsep":  "x\u2028y",
		"del":   "d\x7f",
		"fine":  "日本 <&> \u00e9",
		"n":     9007199254740993,
		"inner": []any{"\u009b"},
	}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, indent := range []bool{false, true} {
		b := raw
		if indent {
			b, _ = json.MarshalIndent(v, "", "  ")
		}
		got := sanitize.JSON(b)
		if u := unsafe(string(got), true); u != "" {
			t.Fatalf("JSON(%s) = %s contains %s", b, got, u)
		}
		for _, want := range []string{`\u009b31mb\u0085`, `\u001b[2J`, `abc\u202edef\u2066`, `pay\u200bpal\ufeff`, `a\udb40\udc41`, `d\u007f`, "日本", `"n":`} {
			if !strings.Contains(string(got), want) {
				t.Errorf("JSON output lacks %s:\n%s", want, got)
			}
		}
		var back, orig map[string]any
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("escaped JSON does not parse: %v\n%s", err, got)
		}
		_ = json.Unmarshal(b, &orig)
		if !reflect.DeepEqual(back, orig) {
			t.Errorf("escaping changed the meaning:\n%v\n%v", back, orig)
		}
	}
}

func TestJSONInvalidInput(t *testing.T) {
	got := string(sanitize.JSON([]byte("\"a\xffb\x1b[2J\x00\"\n")))
	if want := "\"a\\ufffdb\\u001b[2J\\u0000\"\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{"\u009b", "\u202e", "\x1b[2J", "plain", "\xff", "\U000E0041"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, _ := json.Marshal(map[string]string{s: s})
		got := sanitize.JSON(b)
		if u := unsafe(string(got), true); u != "" {
			t.Fatalf("JSON(%q) = %q contains %s", b, got, u)
		}
		var x, y map[string]string
		if err := json.Unmarshal(got, &x); err != nil {
			t.Fatalf("JSON(%q) = %q: %v", b, got, err)
		}
		_ = json.Unmarshal(b, &y)
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("JSON(%q) = %q changed the meaning", b, got)
		}
	})
}

func ExampleJSON() {
	b, _ := json.Marshal(map[string]string{"name": "evil\u009b2J\u202e"})
	fmt.Println(string(sanitize.JSON(b)))
	// Output:
	// {"name":"evil\u009b2J\u202e"}
}

package recorder

import (
	"bytes"
	"testing"
)

// FuzzRedact: redaction never panics, keeps a JSON body valid JSON, is
// idempotent, and leaves text without a detector's trigger alone.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		`{"password":"x","a":[1,{"token":"eyJhbGciOiJub25lIn0.e30."}]}`,
		"user=a&password=b&api%5Fkey=c", "Bearer%20abc https://u:p@h %3Ft%3Dx", `{\"pwd\":\"x\"}`,
		`"otp": 12`, "eyJ.%2E\\u002e", "a=b=c&&=", `{"a":"\u0022eyJ`,
	} {
		f.Add([]byte(s))
	}
	p := DefaultPolicy()
	f.Fuzz(func(t *testing.T, b []byte) {
		raw := func(b []byte) []byte {
			if out, changed := p.raw(b); changed {
				return out
			}
			return b
		}
		out := raw(b)
		if again := raw(out); !bytes.Equal(again, out) {
			t.Errorf("not idempotent:\n%q\n%q\n%q", b, out, again)
		}
		if validJSON(b) {
			j, _ := p.redactJSON(b)
			if !validJSON(j) {
				t.Errorf("JSON %q redacted to invalid %q", b, j)
			}
		}
		_ = p.Text(string(b))
		_ = p.URL(string(b))
	})
}

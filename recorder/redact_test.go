package recorder

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// testJWT is a well-formed (unsigned-by-anyone-real) token.
var testJWT = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
	base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"alice"}`)) + ".c2lnbmF0dXJlLXNlY3JldA"

func TestReplaceJWTs(t *testing.T) {
	cases := map[string]string{
		"Bearer " + testJWT:                    "Bearer " + Placeholder,
		`{"t":"` + testJWT + `","u":"x"}`:      `{"t":"` + Placeholder + `","u":"x"}`,
		"eyJ.not.a.jwt":                        "eyJ.not.a.jwt",
		"eyJhbGciOiJIUzI1NiJ9":                 "eyJhbGciOiJIUzI1NiJ9", // one segment
		"xeyJhbGciOiJIUzI1NiJ9.e30.sig":        "xeyJhbGciOiJIUzI1NiJ9.e30.sig",
		"eyJhbGciOiJub25lIn0.e30.":             Placeholder, // alg none: empty signature
		"a " + testJWT + " b " + testJWT + "!": "a " + Placeholder + " b " + Placeholder + "!",
	}
	for in, want := range cases {
		if got := string(replaceJWTs([]byte(in))); got != want {
			t.Errorf("replaceJWTs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactionRulesAndOptOut(t *testing.T) {
	ex := Exchange{Transport: TransportHTTP,
		Request: Request{Method: "GET", Path: "/x?access_token=s1&page=2&api_key=s2&q=" + testJWT,
			Headers: map[string][]string{"Authorization": {"Basic s3"}, "X-Api-Key": {"s4"}, "X-Trace": {"keep"}, "X-Other": {testJWT}},
			Body:    &Body{JSON: []byte(`{"user":{"ssn":"s5","name":"Al"},"n":1}`)}},
		Response: Response{Status: 200, Headers: map[string][]string{"Set-Cookie": {"sid=s6"}},
			Body: &Body{Bytes: []byte("token=" + testJWT)}},
	}
	orig := ex.Request.Headers["Authorization"][0]
	rd, err := compileRedaction(Redaction{Paths: []string{"$.user.ssn"}, Keep: []string{"header:x-api-key"}})
	if err != nil {
		t.Fatal(err)
	}
	rd.exchange(&ex)
	if ex.Request.Headers["X-Api-Key"][0] != "s4" {
		t.Error("opted-out header redacted")
	}
	if orig != "Basic s3" || ex.Request.Headers["Authorization"][0] != Placeholder {
		t.Error("Authorization not redacted on a copy")
	}
	var all bytes.Buffer
	for _, s := range []string{ex.Request.Path, string(ex.Request.Body.JSON), string(ex.Response.Body.Bytes)} {
		all.WriteString(s)
	}
	for _, vs := range []map[string][]string{ex.Request.Headers, ex.Response.Headers} {
		for _, v := range vs {
			all.WriteString(strings.Join(v, ","))
		}
	}
	for _, secret := range []string{"s1", "s2", "s3", "s5", "s6", testJWT} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("secret %q survived: %s", secret, all.String())
		}
	}
	if !strings.Contains(ex.Request.Path, "page=2") || !strings.Contains(string(ex.Request.Body.JSON), `"name":"Al"`) {
		t.Errorf("non-secrets lost: %s %s", ex.Request.Path, ex.Request.Body.JSON)
	}
	if _, err := compileRedaction(Redaction{Keep: []string{"cookie"}}); err == nil {
		t.Error("Keep without a kind accepted")
	}
}

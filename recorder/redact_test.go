package recorder

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// testJWT is a well-formed (unsigned-by-anyone-real) token.
var testJWT = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
	base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"alice"}`)) + ".c2lnbmF0dXJlLXNlY3JldA"

func TestPolicyText(t *testing.T) {
	dotted := strings.ReplaceAll(testJWT, ".", "%2E")
	cases := map[string]string{
		"Bearer " + testJWT:                       "Bearer " + Placeholder,
		`{"t":"` + testJWT + `","u":"x"}`:         `{"t":"` + Placeholder + `","u":"x"}`,
		"eyJ.not.a.jwt":                           "eyJ.not.a.jwt",
		"eyJhbGciOiJIUzI1NiJ9":                    "eyJhbGciOiJIUzI1NiJ9", // one segment
		"x" + testJWT:                             "x" + Placeholder,      // glued to a letter: still a JWT
		"eyJhbGciOiJub25lIn0.e30.":                Placeholder,            // alg none: empty signature
		"a " + testJWT + " b " + testJWT + "!":    "a " + Placeholder + " b " + Placeholder + "!",
		"q=Bearer%20" + testJWT:                   "q=Bearer%20" + Placeholder,
		"%22" + testJWT + "%22":                   "%22" + Placeholder + "%22",
		`\u0022` + testJWT + `\u0022`:             `\u0022` + Placeholder + `\u0022`,
		"t%3D" + dotted + "%26":                   "t%3D" + Placeholder + "%26",
		testJWT + ".ct.tag":                       Placeholder, // a JWE's five parts
		"basic dXNlcjpwdw== then":                 "basic " + Placeholder + " then",
		"Bearer+opaque-123&x=1":                   "Bearer+" + Placeholder + "&x=1",
		"Bearer [REDACTED]":                       "Bearer [REDACTED]",
		"unbearer token":                          "unbearer token",
		"postgres://app:pw-1@db:5432/x":           "postgres://app:" + Placeholder + "@db:5432/x",
		`https:\/\/u:pw-2@h\/x`:                   `https:\/\/u:` + Placeholder + `@h\/x`,
		"https%3A%2F%2Fu%3Apw-3%40h%2Fx":          "https%3A%2F%2Fu%3A" + Placeholder + "%40h%2Fx",
		"https://user@host/x":                     "https://user@host/x",
		"mail me at a@b.c":                        "mail me at a@b.c",
		"login failed: password=hunter2 user=bob": "login failed: password=" + Placeholder + " user=bob",
		"cb%3Faccess_token%3Dtk-4%26ok%3D1":       "cb%3Faccess_token%3D" + Placeholder + "%26ok%3D1",
		"page_token=abc&sort_key=k":               "page_token=abc&sort_key=k",
		`{\"password\":\"pw-5\",\"user\":\"u\"}`:  `{\"password\":\"` + Placeholder + `\",\"user\":\"u\"}`,
		`log: {"api_key": "k-6", "n": 1}`:         `log: {"api_key": "` + Placeholder + `", "n": 1}`,
		`{"otp": 123456}`:                         `{"otp": ` + Placeholder + `}`,
	}
	p := DefaultPolicy()
	for in, want := range cases {
		if got := p.Text(in); got != want {
			t.Errorf("Text(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestSecretNames(t *testing.T) {
	p := DefaultPolicy()
	secret := []string{
		"Authorization", "Proxy-Authorization", "X-Upstream-Authorization", "X-Auth", "x-auth", "X-Auth-Token",
		"Private-Key", "X-Signature", "X-Hub-Signature-256", "Cookie", "Set-Cookie", "X-Api-Key", "apiKey", "APIKey",
		"api_key", "X-Apikey", "xapikey", "access_token", "accessToken", "refresh_token", "id_token", "client_secret",
		"clientSecret", "password", "Passwd", "pwd", "db_pass", "passphrase", "X-CSRF-Token", "X-Amz-Security-Token",
		"X-Amz-Credential", "credentials", "session", "session_id", "JSESSIONID", "sessionKey", "otp", "jwt",
		"secret", "secret_access_key", "privatekey", "oauth2Token", "sig", "token", "auth", "user[password]",
	}
	plain := []string{
		"author", "Author", "keyboard", "monkey", "turkey", "passport", "compass", "bypass", "secretary",
		":authority", "Content-Type", "X-Request-Id", "Idempotency-Key", "page_token", "nextPageToken",
		"max_tokens", "input_tokens", "token_type", "tokenType", "auth_url", "auth_type", "key_id", "api_key_id",
		"public_key", "sort_key", "primary_key", "secret_name", "session_timeout", "password_policy",
		"token_expires_in", "Www-Authenticate", "tokenizer", "code", "title", "x-session-ttl",
	}
	for _, n := range secret {
		if !p.SecretHeader(n) || !p.SecretParam(n) || !p.SecretField(n) {
			t.Errorf("%q: not a secret name", n)
		}
	}
	for _, n := range plain {
		if p.SecretHeader(n) || p.SecretField(n) {
			t.Errorf("%q: judged a secret name", n)
		}
	}
	if !p.SecretParam("code") || p.SecretField("code") {
		t.Error(`"code": a secret query parameter only`)
	}
}

func TestPolicyJSON(t *testing.T) {
	p := DefaultPolicy()
	cases := map[string]string{
		`{"a":{"b":[{"clientSecret":"s1","n":2}]},"password":"s2"}`: `{"a":{"b":[{"clientSecret":"` + Placeholder + `","n":2}]},"password":"` + Placeholder + `"}`,
		`{"credentials":{"user":"u","n":7,"ok":true,"x":null}}`:     `{"credentials":{"user":"` + Placeholder + `","n":"` + Placeholder + `","ok":true,"x":null}}`,
		`{ "author" : "Jane",  "max_tokens": 9007199254740993 }`:    `{ "author" : "Jane",  "max_tokens": 9007199254740993 }`,
		`{"pass\u0077ord":"s3"}`:                                    `{"pass\u0077ord":"` + Placeholder + `"}`,
		`{"note":"x ` + testJWT + ` y","link":"/cb?token=s4&ok=1"}`: `{"note":"x ` + Placeholder + ` y","link":"/cb?token=` + Placeholder + `&ok=1"}`,
		`{"payload":"{\"token\":\"s5\"}"}`:                          `{"payload":"{\"token\":\"` + Placeholder + `\"}"}`,
		`[{"password":"` + Placeholder + `"}]`:                      `[{"password":"` + Placeholder + `"}]`,
	}
	for in, want := range cases {
		got, _ := p.redactJSON([]byte(in))
		if string(got) != want {
			t.Errorf("redactJSON(%s)\n got %s\nwant %s", in, got, want)
		}
		if !validJSON(got) {
			t.Errorf("redactJSON(%s) is not JSON: %s", in, got)
		}
	}
	// Bytes: truncated JSON, a form, text.
	raws := map[string]string{
		`{"user":"u","password":"hunt`:              `{"user":"u","password":"` + Placeholder + `"`,
		`{"user":"u"} trailing password=s6`:         `{"user":"u"} trailing password=` + Placeholder,
		"user=u&password=s7&api%5Fkey=s8&author=a":  "user=u&password=" + placeholderQuery + "&api%5Fkey=" + placeholderQuery + "&author=a",
		"assertion=" + testJWT + "&client_id=app":   "assertion=" + placeholderQuery + "&client_id=app",
		"text with Authorization: Bearer s9 inside": "text with Authorization: Bearer " + Placeholder + " inside",
	}
	for in, want := range raws {
		got, _ := p.raw([]byte(in))
		if string(got) != want {
			t.Errorf("raw(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestRedactionRulesAndOptOut(t *testing.T) {
	ex := Exchange{Transport: TransportHTTP,
		Request: Request{Method: "GET", Path: "/x/" + testJWT + "?access_token=s1&page=2&api_key=s2&q=" + testJWT + "#id_token=s10",
			Headers: map[string][]string{"Authorization": {"Basic s3"}, "X-Api-Key": {"s4"}, "X-Trace": {"keep"}, "X-Other": {testJWT},
				"X-Id-Token": {testJWT}, "X-Employee": {"s11"}},
			Body: &Body{JSON: []byte(`{"user":{"ssn":"s5","name":"Al","id_token":"` + testJWT + `"},"n":1,"card":{"pan":"4111-s12"}}`)}},
		Response: Response{Status: 200, Headers: map[string][]string{"Set-Cookie": {"sid=s6"}},
			Body: &Body{Bytes: []byte("token=" + testJWT)}, GRPCMessage: "bad Bearer s13"},
		Error: "dial https://u:s14@h",
	}
	orig := ex.Request.Headers["Authorization"][0]
	p, err := NewPolicy(Redaction{Paths: []string{"$.user.ssn"}, Names: []string{"x-emp*", "pan"},
		Keep: []string{"header:x-api-key", "header:X-Id-Token", "json:$.user.id_token"}})
	if err != nil {
		t.Fatal(err)
	}
	p.Exchange(&ex)
	if ex.Request.Headers["X-Api-Key"][0] != "s4" || ex.Request.Headers["X-Id-Token"][0] != testJWT {
		t.Error("kept header redacted")
	}
	if !strings.Contains(string(ex.Request.Body.JSON), testJWT) {
		t.Errorf("kept JSON path redacted: %s", ex.Request.Body.JSON)
	}
	if orig != "Basic s3" || ex.Request.Headers["Authorization"][0] != Placeholder {
		t.Error("Authorization not redacted on a copy")
	}
	var all bytes.Buffer
	for _, s := range []string{ex.Request.Path, string(ex.Request.Body.JSON), string(ex.Response.Body.Bytes), ex.Response.GRPCMessage, ex.Error} {
		all.WriteString(s)
	}
	for _, vs := range []map[string][]string{ex.Request.Headers, ex.Response.Headers} {
		for k, v := range vs {
			if k != "X-Id-Token" {
				all.WriteString(strings.Join(v, ","))
			}
		}
	}
	for _, secret := range []string{"s1", "s2", "s3", "s5", "s6", "s10", "s11", "s12", "s13", "s14"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("secret %q survived: %s", secret, all.String())
		}
	}
	if strings.Count(all.String(), testJWT) != 1 { // the kept JSON path's only
		t.Errorf("JWT redacted outside the kept path or kept everywhere: %s", all.String())
	}
	if !strings.Contains(ex.Request.Path, "page=2") || !strings.Contains(string(ex.Request.Body.JSON), `"name":"Al"`) {
		t.Errorf("non-secrets lost: %s %s", ex.Request.Path, ex.Request.Body.JSON)
	}
	if _, err := NewPolicy(Redaction{Keep: []string{"cookie"}}); !errors.Is(err, ErrPath) {
		t.Errorf("Keep without a kind: %v", err)
	}
	if _, err := NewPolicy(Redaction{Values: []string{"("}}); !errors.Is(err, ErrRedaction) {
		t.Errorf("bad value pattern: %v", err)
	}
	if _, err := NewPolicy(Redaction{Names: []string{"x-[a"}}); !errors.Is(err, ErrRedaction) {
		t.Errorf("bad name pattern: %v", err)
	}
}

func TestKeepNameAndValues(t *testing.T) {
	p, err := NewPolicy(Redaction{Keep: []string{"name:session"}, Values: []string{`sk_live_[0-9a-z]+`}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := p.redactJSON([]byte(`{"session":{"token":"t1"},"note":"key sk_live_abc9 here","token":"t2"}`))
	want := `{"session":{"token":"t1"},"note":"key ` + Placeholder + ` here","token":"` + Placeholder + `"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if h := p.Headers(map[string][]string{"Session": {"s"}}); h["Session"][0] != "s" {
		t.Error("name: keep does not cover headers")
	}
}

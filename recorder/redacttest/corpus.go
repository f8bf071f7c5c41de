package redacttest

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Where says where a Case puts its name and value.
type Where string

// The places a case can be.
const (
	Header   Where = "header"   // an HTTP header: Name: Value
	Metadata Where = "metadata" // gRPC metadata (an HTTP header with a lower-case name where there is no gRPC)
	Query    Where = "query"    // a query parameter: Name=Value, Value as encoded in the URL
	JSON     Where = "json"     // a JSON body (Value; Name unused)
	Form     Where = "form"     // an application/x-www-form-urlencoded body (Value)
	Text     Where = "text"     // a text/plain body (Value)
)

// Case is one entry of the corpus: a value in one place, the parts of it
// that must not survive redaction (Secrets), and the parts that must
// (Keep). A case with no Secrets is a negative case: nothing in it may
// be redacted. Every Secret and Keep is unique to its case and made of
// characters no encoding changes, so a leak names its case.
type Case struct {
	Name    string
	Where   Where
	Key     string // header, metadata, query or form name
	Value   string
	Secrets []string
	Keep    []string
}

// jwt returns a token whose payload names id, and the parts of it that
// must not survive (the payload and the signature).
func jwt(id string) (string, []string) {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	p := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"` + id + `","n":` + strconv.Itoa(len(id)) + `}`))
	s := base64.RawURLEncoding.EncodeToString([]byte("sig-" + id))
	return h + "." + p + "." + s, []string{p, s}
}

// Cases returns the corpus: what people actually send, in every place
// and encoding the policy must handle, and names and values that look
// close to secrets but are not. The slice is new on each call.
func Cases() []Case {
	j := func(name string, where Where, key, before, after string) Case {
		tok, sec := jwt(name)
		return Case{Name: name, Where: where, Key: key, Value: before + tok + after, Secrets: sec}
	}
	dotted := func(name string) Case {
		tok, sec := jwt(name)
		return Case{Name: name, Where: JSON, Value: `{"next":"https%3A%2F%2Fapp%2Fcb%3Ft%3D` + strings.ReplaceAll(tok, ".", "%2E") + `"}`, Secrets: sec}
	}
	return []Case{
		// Headers.
		{Name: "h-authorization", Where: Header, Key: "Authorization", Value: "Bearer h01-opaque", Secrets: []string{"h01-opaque"}},
		{Name: "h-proxy-basic", Where: Header, Key: "Proxy-Authorization", Value: "Basic aDAyLXVzZXI6aDAyLXBhc3M=", Secrets: []string{"aDAyLXVzZXI6aDAyLXBhc3M"}},
		{Name: "h-x-auth", Where: Header, Key: "X-Auth", Value: "h03-xauth", Secrets: []string{"h03-xauth"}},
		{Name: "h-private-key", Where: Header, Key: "Private-Key", Value: "h04-privkey", Secrets: []string{"h04-privkey"}},
		{Name: "h-x-signature", Where: Header, Key: "X-Signature", Value: "h05-signature", Secrets: []string{"h05-signature"}},
		{Name: "h-upstream-authorization", Where: Header, Key: "X-Upstream-Authorization", Value: "h06-upstream", Secrets: []string{"h06-upstream"}},
		{Name: "h-x-auth-token", Where: Header, Key: "X-Auth-Token", Value: "h07-authtoken", Secrets: []string{"h07-authtoken"}},
		{Name: "h-x-api-key", Where: Header, Key: "X-Api-Key", Value: "h08-apikey", Secrets: []string{"h08-apikey"}},
		{Name: "h-cookie", Where: Header, Key: "Cookie", Value: "sid=h09-cookie; theme=dark", Secrets: []string{"h09-cookie"}},
		{Name: "h-csrf", Where: Header, Key: "X-Csrf-Token", Value: "h10-csrf", Secrets: []string{"h10-csrf"}},
		{Name: "h-hub-signature", Where: Header, Key: "X-Hub-Signature-256", Value: "sha256=h11-hmac", Secrets: []string{"h11-hmac"}},
		{Name: "h-amz-security-token", Where: Header, Key: "X-Amz-Security-Token", Value: "h12-amz", Secrets: []string{"h12-amz"}},
		{Name: "h-bearer-in-other", Where: Header, Key: "X-Forwarded-Note", Value: "from Bearer h13-embedded", Secrets: []string{"h13-embedded"}},
		{Name: "h-url-password", Where: Header, Key: "X-Callback", Value: "https://user:h14-urlpass@hooks.example/cb", Secrets: []string{"h14-urlpass"}},
		j("h-jwt-in-other", Header, "X-Trace-Context", "ctx=", ""),
		// gRPC metadata.
		{Name: "m-x-auth", Where: Metadata, Key: "x-auth", Value: "m01-xauth", Secrets: []string{"m01-xauth"}},
		{Name: "m-authorization", Where: Metadata, Key: "authorization", Value: "Bearer m02-grpc", Secrets: []string{"m02-grpc"}},
		{Name: "m-refresh-token", Where: Metadata, Key: "x-refresh-token", Value: "m03-refresh", Secrets: []string{"m03-refresh"}},
		{Name: "m-session-id", Where: Metadata, Key: "x-session-id", Value: "m04-session", Secrets: []string{"m04-session"}},
		j("m-jwt", Metadata, "x-forwarded-identity", "", ""),
		// Query parameters.
		{Name: "q-auth", Where: Query, Key: "auth", Value: "q01-auth", Secrets: []string{"q01-auth"}},
		{Name: "q-pwd", Where: Query, Key: "pwd", Value: "q02-pwd", Secrets: []string{"q02-pwd"}},
		{Name: "q-access-token", Where: Query, Key: "access_token", Value: "q03-access", Secrets: []string{"q03-access"}},
		{Name: "q-api-key", Where: Query, Key: "api_key", Value: "q04-apikey", Secrets: []string{"q04-apikey"}},
		{Name: "q-amz-signature", Where: Query, Key: "X-Amz-Signature", Value: "q05-sig", Secrets: []string{"q05-sig"}},
		{Name: "q-camel-apikey", Where: Query, Key: "apiKey", Value: "q06-camel", Secrets: []string{"q06-camel"}},
		{Name: "q-oauth-code", Where: Query, Key: "code", Value: "q07-code", Secrets: []string{"q07-code"}},
		{Name: "q-bearer-pct20", Where: Query, Key: "hdr", Value: "Bearer%20q08-opaque", Secrets: []string{"q08-opaque"}},
		j("q-jwt-pct20", Query, "next", "%20", ""),
		j("q-jwt-pct22", Query, "state", "%22", "%22"),
		// JSON bodies, at any depth.
		{Name: "j-password", Where: JSON, Value: `{"user":"ann","password":"j01-password"}`, Secrets: []string{"j01-password"}, Keep: []string{`"user":"ann"`}},
		{Name: "j-api-key", Where: JSON, Value: `{"api_key":"j02-apikey"}`, Secrets: []string{"j02-apikey"}},
		{Name: "j-token", Where: JSON, Value: `{"token":"j03-token","expires_in":3600}`, Secrets: []string{"j03-token"}, Keep: []string{`"expires_in":3600`}},
		{Name: "j-client-secret", Where: JSON, Value: `{"client_id":"app","client_secret":"j04-secret"}`, Secrets: []string{"j04-secret"}, Keep: []string{`"client_id":"app"`}},
		{Name: "j-deep-camel", Where: JSON, Value: `{"data":{"user":{"credentials":[{"accessToken":"j05-deep"}]}}}`, Secrets: []string{"j05-deep"}},
		{Name: "j-nested-pwd", Where: JSON, Value: `{"auth":{"pwd":"j06-pwd","n":[1,{"x":"j06-inner"}]}}`, Secrets: []string{"j06-pwd", "j06-inner"}},
		{Name: "j-otp-number", Where: JSON, Value: `{"otp":918273645}`, Secrets: []string{"918273645"}},
		{Name: "j-escaped-name", Where: JSON, Value: `{"pass\u0077ord":"j08-escaped"}`, Secrets: []string{"j08-escaped"}},
		j("j-jwt-raw", JSON, "", `{"note":"`, `"}`),
		{Name: "j-embedded-json", Where: JSON, Value: `{"payload":"{\"password\":\"j10-embedded\"}"}`, Secrets: []string{"j10-embedded"}},
		{Name: "j-query-in-string", Where: JSON, Value: `{"link":"https://app.example/cb?access_token=j11-link&ok=1"}`, Secrets: []string{"j11-link"}, Keep: []string{"ok=1"}},
		{Name: "j-bearer-in-string", Where: JSON, Value: `{"header":"Authorization: Bearer j12-hdr"}`, Secrets: []string{"j12-hdr"}},
		{Name: "j-dsn", Where: JSON, Value: `{"dsn":"postgres://app:j13-dsn@db:5432/books"}`, Secrets: []string{"j13-dsn"}, Keep: []string{"db:5432"}},
		j("j-jwt-u0022", JSON, "", `{"quoted":"\u0022`, `\u0022"}`),
		dotted("j-jwt-pct2e"),
		// Form bodies.
		{Name: "f-password", Where: Form, Value: "user=ann&password=f01-password", Secrets: []string{"f01-password"}, Keep: []string{"user=ann"}},
		{Name: "f-client-secret", Where: Form, Value: "grant_type=client_credentials&client_id=app&client_secret=f02-secret", Secrets: []string{"f02-secret"}, Keep: []string{"grant_type=client_credentials"}},
		{Name: "f-encoded-name", Where: Form, Value: "api%5Fkey=f03-encoded&x=1", Secrets: []string{"f03-encoded"}},
		j("f-jwt-assertion", Form, "", "client_assertion_type=jwt-bearer&assertion=", ""),
		{Name: "f-refresh", Where: Form, Value: "grant_type=refresh_token&refresh_token=f05-refresh", Secrets: []string{"f05-refresh"}},
		// Text bodies.
		{Name: "t-bearer", Where: Text, Value: "curl -H 'Authorization: Bearer t01-curl' https://api", Secrets: []string{"t01-curl"}},
		j("t-jwt-pct20", Text, "", "GET /x?t=Bearer%20", " HTTP/1.1"),
		j("t-jwt-escaped-json", Text, "", `log {\"t\":\"`, `\"}`),
		{Name: "t-password-pair", Where: Text, Value: "connect failed: host=db password=t04-pair user=app", Secrets: []string{"t04-pair"}, Keep: []string{"user=app"}},
		// Negative cases: nothing here may be redacted.
		{Name: "n-author-header", Where: Header, Key: "X-Author", Value: "n01-jane-austen", Keep: []string{"n01-jane-austen"}},
		{Name: "n-keyboard-header", Where: Header, Key: "Keyboard-Layout", Value: "n02-qwerty", Keep: []string{"n02-qwerty"}},
		{Name: "n-idempotency-key", Where: Header, Key: "Idempotency-Key", Value: "n03-idem", Keep: []string{"n03-idem"}},
		{Name: "n-request-id", Where: Metadata, Key: "x-request-id", Value: "n04-reqid", Keep: []string{"n04-reqid"}},
		{Name: "n-page-token", Where: Query, Key: "page_token", Value: "n05-page", Keep: []string{"n05-page"}},
		{Name: "n-sort-key", Where: Query, Key: "sort_key", Value: "n06-sort", Keep: []string{"n06-sort"}},
		{Name: "n-json-lookalikes", Where: JSON, Value: `{"author":"n07-austen","keyboard":"n07-qwerty","monkey":"n07-george","passport":"n07-pp","secretary":"n07-sec"}`,
			Keep: []string{"n07-austen", "n07-qwerty", "n07-george", "n07-pp", "n07-sec"}},
		{Name: "n-json-descriptors", Where: JSON, Value: `{"token_type":"n08-type","max_tokens":4097,"public_key":"n08-pub","auth_url":"https://n08.example/login","code":"n08-code"}`,
			Keep: []string{"n08-type", "4097", "n08-pub", "https://n08.example/login", "n08-code"}},
		{Name: "n-form-author", Where: Form, Value: "author=n09-austen&title=n09-emma", Keep: []string{"author=n09-austen", "title=n09-emma"}},
		{Name: "n-not-a-jwt", Where: Text, Value: "eyJ.n10.not-a-jwt and eyJn10", Keep: []string{"eyJ.n10.not-a-jwt", "eyJn10"}},
		{Name: "n-email-url", Where: JSON, Value: `{"contact":"n11@example.com","home":"https://n11.example/a?b=c"}`, Keep: []string{"n11@example.com", "https://n11.example/a?b=c"}},
	}
}

package recorder

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Placeholder replaces every redacted value. It is one fixed string, not a
// hash of the secret: a hash of a short secret can be reversed by trying
// candidates, and tokens change from run to run anyway. Replay redacts the
// live response with the same rules before comparing, so a secret in a
// response compares equal to its recorded placeholder.
const Placeholder = "[REDACTED]"

// Redaction says what is replaced by Placeholder before an exchange is
// written. The zero value is the default: every rule below is on.
//
// Default rules: headers (and gRPC metadata) named Authorization,
// Proxy-Authorization, Cookie or Set-Cookie, or whose name contains
// "token", "api-key", "api_key", "apikey", "secret", "password",
// "session", "cookie" or "credential"; query parameters named "token",
// "key", "sig" or "code", or whose name contains "access_token",
// "refresh_token", "id_token", "auth_token", "api_key", "api-key",
// "apikey", "secret", "password" or "signature" (not "page_token":
// pagination tokens are not secrets); and anywhere in bodies, headers and
// query values, strings that look like a JWT (three base64url segments,
// the first a JSON object: "eyJ…").
type Redaction struct {
	// Headers, Query and Paths add rules: header names (any case), query
	// parameter names, and JSON paths into bodies ("$.user.ssn",
	// "$.items[*].card") whose values are replaced whole.
	Headers []string
	Query   []string
	Paths   []string
	// Keep opts single fields out of every rule, explicitly: a header
	// name as "header:X-Api-Key", a query parameter as "query:token", or
	// a JSON body path as "json:$.id_token". Nil keeps nothing.
	Keep []string
}

// redactor is a compiled Redaction.
type redactor struct {
	headers   map[string]bool // extra names, lower-case
	query     map[string]bool
	paths     []Path
	keepHdr   map[string]bool
	keepQuery map[string]bool
	keepPaths []Path
}

func compileRedaction(r Redaction) (*redactor, error) {
	rd := &redactor{headers: lowerSet(r.Headers), query: lowerSet(r.Query)}
	for _, p := range r.Paths {
		cp, err := ParsePath(p)
		if err != nil {
			return nil, err
		}
		rd.paths = append(rd.paths, cp)
	}
	for _, k := range r.Keep {
		kind, name, _ := strings.Cut(k, ":")
		switch kind {
		case "header":
			rd.keepHdr = addLower(rd.keepHdr, name)
		case "query":
			rd.keepQuery = addLower(rd.keepQuery, name)
		case "json":
			cp, err := ParsePath(name)
			if err != nil {
				return nil, err
			}
			rd.keepPaths = append(rd.keepPaths, cp)
		default:
			return nil, fmt.Errorf("%w: Keep %q: want header:NAME, query:NAME or json:PATH", ErrPath, k)
		}
	}
	return rd, nil
}

func lowerSet(names []string) map[string]bool {
	var m map[string]bool
	for _, n := range names {
		m = addLower(m, n)
	}
	return m
}

func addLower(m map[string]bool, n string) map[string]bool {
	if m == nil {
		m = make(map[string]bool)
	}
	m[strings.ToLower(n)] = true
	return m
}

var secretHeaderParts = []string{"token", "api-key", "api_key", "apikey", "secret", "password", "session", "credential", "cookie"}

// secretHeaderName is secretHeader for a name in any case; it lowers
// short names on the stack, so the common case allocates nothing.
func (rd *redactor) secretHeaderName(name string) bool {
	var buf [64]byte
	if len(name) > len(buf) {
		return rd.secretHeader(strings.ToLower(name))
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return rd.secretHeader(string(buf[:len(name)]))
}

func (rd *redactor) secretHeader(lower string) bool {
	if rd.keepHdr[lower] {
		return false
	}
	if lower == "authorization" || lower == "proxy-authorization" || rd.headers[lower] {
		return true
	}
	for _, p := range secretHeaderParts {
		if strings.Contains(lower, p) {
			return true
		}
	}
	return false
}

var secretQueryParts = []string{"access_token", "refresh_token", "id_token", "auth_token", "api_key", "api-key", "apikey", "secret", "password", "signature"}

// secretQuery: query names are matched more narrowly than header names,
// since pagination ("page_token") and similar tokens are not secrets.
func (rd *redactor) secretQuery(name string) bool {
	lower := strings.ToLower(name)
	if rd.keepQuery[lower] {
		return false
	}
	switch lower {
	case "key", "sig", "token", "code":
		return true
	}
	if rd.query[lower] {
		return true
	}
	for _, p := range secretQueryParts {
		if strings.Contains(lower, p) {
			return true
		}
	}
	return false
}

// maxCachedNames bounds a headerRedactor's cache: header names come from
// clients, and a client sending random names must not grow it forever.
const maxCachedNames = 256

// headerRedactor redacts header values while they are encoded: every value
// of a secret header becomes Placeholder, JWTs in other values are
// replaced. With a cache (one goroutine only) each name is judged once.
type headerRedactor struct {
	rd    *redactor
	names map[string]bool // nil: judge every time
}

func (hr *headerRedactor) secret(name string) bool {
	if hr.names == nil {
		return hr.rd.secretHeaderName(name)
	}
	v, ok := hr.names[name]
	if !ok {
		v = hr.rd.secretHeaderName(name)
		if len(hr.names) < maxCachedNames {
			hr.names[name] = v
		}
	}
	return v
}

// exchange redacts ex in place. Header maps and bodies that change are
// replaced by new ones, so the caller's maps are never written.
func (rd *redactor) exchange(ex *Exchange) {
	ex.Request.Headers = rd.headerMap(ex.Request.Headers)
	ex.Response.Headers = rd.headerMap(ex.Response.Headers)
	ex.Response.Trailers = rd.headerMap(ex.Response.Trailers)
	rd.content(ex)
}

// content redacts what exchange does but the headers: the query and the
// bodies.
func (rd *redactor) content(ex *Exchange) {
	if i := strings.IndexByte(ex.Request.Path, '?'); i >= 0 {
		ex.Request.Path = ex.Request.Path[:i+1] + rd.rawQuery(ex.Request.Path[i+1:])
	}
	ex.Request.Body = rd.body(ex.Request.Body)
	ex.Response.Body = rd.body(ex.Response.Body)
}

func (rd *redactor) headerMap(h map[string][]string) map[string][]string {
	dirty := false
	for k, vs := range h {
		if rd.secretHeaderName(k) {
			dirty = true
			break
		}
		for _, v := range vs {
			if hasJWT(v) {
				dirty = true
			}
		}
	}
	if !dirty {
		return h
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		nv := make([]string, len(vs))
		secret := rd.secretHeaderName(k)
		for i, v := range vs {
			switch {
			case secret:
				nv[i] = Placeholder
			default:
				nv[i] = string(replaceJWTs([]byte(v)))
			}
		}
		out[k] = nv
	}
	return out
}

// rawQuery redacts a raw query string, keeping its order and encoding.
func (rd *redactor) rawQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, v, hasV := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasV && rd.secretQuery(name) {
			parts[i] = k + "=" + url.QueryEscape(Placeholder)
			continue
		}
		if val, err := url.QueryUnescape(v); err == nil && hasJWT(val) {
			parts[i] = k + "=" + url.QueryEscape(string(replaceJWTs([]byte(val))))
		}
	}
	return strings.Join(parts, "&")
}

// body redacts JWTs and the configured paths. The common case, a body with
// no "eyJ" and no path rules, costs one byte search and no allocation.
func (rd *redactor) body(b *Body) *Body {
	if b == nil {
		return nil
	}
	if b.JSON == nil {
		if !bytes.Contains(b.Bytes, jwtPrefix) {
			return b
		}
		nb := *b
		nb.Bytes = replaceJWTs(b.Bytes)
		return &nb
	}
	if len(rd.paths) == 0 && !bytes.Contains(b.JSON, jwtPrefix) {
		return b
	}
	v, err := decodeJSON(b.JSON)
	if err != nil { // cannot walk it: redact JWTs textually, keep the rest
		nb := *b
		nb.JSON = replaceJWTs(b.JSON)
		return &nb
	}
	v = rd.walk(v, nil)
	out, err := json.Marshal(v)
	if err != nil {
		return b
	}
	nb := *b
	nb.JSON, nb.valid = out, true
	return &nb
}

func (rd *redactor) kept(path []any) bool {
	for _, p := range rd.keepPaths {
		if p.Match(path) {
			return true
		}
	}
	return false
}

func (rd *redactor) walk(v any, path []any) any {
	for _, p := range rd.paths {
		if p.Match(path) && !rd.kept(path) {
			return Placeholder
		}
	}
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = rd.walk(e, append(path, k))
		}
	case []any:
		for i, e := range t {
			t[i] = rd.walk(e, append(path, i))
		}
	case string:
		if hasJWT(t) && !rd.kept(path) {
			return string(replaceJWTs([]byte(t)))
		}
	}
	return v
}

var jwtPrefix = []byte("eyJ")

func hasJWT(s string) bool {
	return strings.Contains(s, "eyJ") && len(replaceJWTs([]byte(s))) != len(s)
}

func isB64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// replaceJWTs returns b with every JWT-looking token replaced by
// Placeholder: "eyJ" starting a base64url segment that decodes to a JSON
// object, then two more dot-separated base64url segments (the last may be
// empty, as in alg "none"). b itself is returned when there is none.
func replaceJWTs(b []byte) []byte {
	var out []byte
	last := 0
	for i := 0; i+3 <= len(b); {
		j := bytes.Index(b[i:], jwtPrefix)
		if j < 0 {
			break
		}
		start := i + j
		if start > 0 && (isB64URL(b[start-1]) || b[start-1] == '.') {
			i = start + 3
			continue
		}
		end, ok := jwtEnd(b, start)
		if !ok {
			i = start + 3
			continue
		}
		out = append(out, b[last:start]...)
		out = append(out, Placeholder...)
		last, i = end, end
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// jwtEnd checks for a JWT at b[start:] and returns where it ends.
func jwtEnd(b []byte, start int) (int, bool) {
	var dots [2]int
	n := 0
	i := start
	for ; i < len(b); i++ {
		c := b[i]
		if c == '.' {
			if n == 2 {
				break
			}
			dots[n] = i
			n++
			continue
		}
		if !isB64URL(c) {
			break
		}
	}
	if n != 2 || dots[1] == dots[0]+1 {
		return 0, false
	}
	hdr, err := base64.RawURLEncoding.DecodeString(string(b[start:dots[0]]))
	if err != nil || len(hdr) == 0 || hdr[0] != '{' || !json.Valid(hdr) {
		return 0, false
	}
	return i, true
}

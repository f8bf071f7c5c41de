package recorder

import (
	"bytes"
	"strings"
)

// userinfoChar: what the userinfo of a URL is made of (RFC 3986, without
// '&', which in practice ends a query value first).
func userinfoChar(c byte) bool {
	switch c {
	case '-', '.', '_', '~', '!', '$', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '%':
		return true
	}
	return isAlnum(c)
}

// urlEncodings are a URL's "://", ':' and '@' as raw text, inside a JSON
// string ("\/" for '/') and %-encoded.
var urlEncodings = [...]struct{ sep, colon, at string }{
	{"://", ":", "@"},
	{`:\/\/`, ":", "@"},
	{"%3A%2F%2F", "%3A", "%40"},
}

// findURLCreds finds the password in "scheme://user:password@host".
func findURLCreds(spans []span, b []byte) []span {
	for _, enc := range urlEncodings {
		for i := 0; ; {
			j := indexFold(b[i:], enc.sep)
			if j < 0 {
				break
			}
			start := i + j + len(enc.sep)
			i = start
			colon, at := -1, -1
			for k := start; k < len(b) && userinfoChar(b[k]); k++ {
				if enc.at == "%40" && b[k] == '%' {
					switch {
					case hasFold(b[k:], "%40"):
						at = k
					case hasFold(b[k:], "%3A") && colon < 0:
						colon = k
					case hasFold(b[k:], "%2F"), hasFold(b[k:], "%3F"), hasFold(b[k:], "%23"):
						k = len(b)
					}
					if at >= 0 {
						break
					}
					continue
				}
				if b[k] == ':' && colon < 0 {
					colon = k
				}
			}
			if enc.at == "@" {
				k := start
				for k < len(b) && userinfoChar(b[k]) {
					k++
				}
				if k < len(b) && b[k] == '@' {
					at = k
				}
			}
			if at < 0 || colon < 0 || colon > at {
				continue
			}
			if p := colon + len(enc.colon); p < at {
				spans = append(spans, span{p, at})
				i = at
			}
		}
	}
	return spans
}

// pairNameChar: what the name in name=value is made of.
func pairNameChar(c byte) bool {
	return isAlnum(c) || c == '_' || c == '-' || c == '.' || c == '[' || c == ']'
}

// pairValueEnd returns where a value starting at b[i:] ends: at '&', ';',
// ',', a space, a quote, a bracket, a '\' (a JSON escape; "\/" is part of
// the value), and when encoded, at "%26", "%20" or "%22".
func pairValueEnd(b []byte, i int, encoded bool) int {
	for ; i < len(b); i++ {
		switch c := b[i]; c {
		case '&', ';', ',', ' ', '\t', '\r', '\n', '"', '\'', '<', '>', ')', '}', ']':
			return i
		case '\\':
			if i+1 >= len(b) || b[i+1] != '/' {
				return i
			}
			i++
		case '%':
			if encoded && (hasFold(b[i:], "%26") || hasFold(b[i:], "%20") || hasFold(b[i:], "%22")) {
				return i
			}
		}
	}
	return i
}

// findPairs finds the values of name=value pairs (also "%3D" for '=')
// whose name is a secret as a query or form parameter: query strings and
// forms inside other text, "password=…" in a message, a DSN.
func (p *Policy) findPairs(spans []span, b []byte) []span {
	for _, eq := range [...]string{"=", "%3D"} {
		for i := 0; ; {
			j := indexFold(b[i:], eq)
			if j < 0 {
				break
			}
			k := i + j
			i = k + len(eq)
			s := k
			for s > 0 && (pairNameChar(b[s-1]) || b[s-1] == '%') {
				s--
			}
			if s == k {
				continue
			}
			e := pairValueEnd(b, i, eq != "=")
			if e == i || isPlaceholderAt(b, i) || !p.pairSecret(b[s:k]) {
				continue
			}
			spans = append(spans, span{i, e})
			i = e
		}
	}
	return spans
}

// pairSecret judges the name of a name=value pair as found in text: it
// may be %-encoded ("api%5Fkey") and, in an encoded URL, start with an
// encoded '?' or '&' ("%3Faccess_token").
func (p *Policy) pairSecret(raw []byte) bool {
	if indexByteB(raw, '%') < 0 {
		return p.SecretParam(string(raw)) // a short name is converted on the stack
	}
	name := paramName(raw)
	if i := strings.LastIndexAny(name, "?&;=/ %"); i >= 0 {
		name = name[i+1:]
	}
	return name != "" && p.SecretParam(name)
}

func isPlaceholderAt(b []byte, i int) bool {
	return bytes.HasPrefix(b[i:], []byte(Placeholder)) || hasFold(b[i:], "%5BREDACTED%5D")
}

// findQuoted finds the values of "name": value pairs whose name is a
// secret field, written raw (JSON in a text body or a message) or escaped
// inside a JSON string (\"password\":\"…\"). Strings and numbers are
// found; their quotes stay.
func (p *Policy) findQuoted(spans []span, b []byte) []span {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], ':')
		if j < 0 {
			return spans
		}
		k := i + j
		i = k + 1
		q := k - 1
		for q >= 0 && (b[q] == ' ' || b[q] == '\t') {
			q--
		}
		if q < 1 || b[q] != '"' {
			continue
		}
		escaped := b[q-1] == '\\'
		quote := []byte{'"'}
		closeQ := q
		if escaped {
			quote, closeQ = []byte(`\"`), q-1
		}
		open := bytes.LastIndex(b[max(0, closeQ-64):closeQ], quote)
		if open < 0 {
			continue
		}
		open += max(0, closeQ-64)
		name := b[open+len(quote) : closeQ]
		if len(name) == 0 || bytes.ContainsAny(name, "\"\\") || !p.SecretField(string(name)) {
			continue
		}
		v := i
		for v < len(b) && (b[v] == ' ' || b[v] == '\t') {
			v++
		}
		switch {
		case bytes.HasPrefix(b[v:], quote):
			vs := v + len(quote)
			ve := stringEnd(b, vs)
			if escaped {
				ve = bytes.Index(b[vs:], quote)
			}
			if ve < 0 {
				ve = len(b) - vs
			}
			if ve > 0 && !isPlaceholderAt(b, vs) {
				spans = append(spans, span{vs, vs + ve})
			}
			i = vs + ve
		case v < len(b) && (b[v] == '-' || isDigit(b[v])):
			e := v + 1
			for e < len(b) && (isDigit(b[e]) || b[e] == '.' || b[e] == 'e' || b[e] == 'E' || b[e] == '+' || b[e] == '-') {
				e++
			}
			spans = append(spans, span{v, e})
			i = e
		}
	}
}

// stringEnd returns the length of a raw JSON string's content starting at
// b[i:] (up to its closing quote), or -1 when it is not closed.
func stringEnd(b []byte, i int) int {
	for k := i; k < len(b); k++ {
		switch b[k] {
		case '\\':
			k++
		case '"':
			return k - i
		}
	}
	return -1
}

package recorder

import (
	"bytes"
	"encoding/base64"
	"slices"
)

// Value detectors find secrets in text whatever its name: JWTs, the
// credentials of "Bearer" and "Basic", the password of a URL's userinfo,
// name=value and "name": value pairs with a secret name, and the user's
// patterns. Each works in every encoding a value meets on the way to a
// file: raw, %-encoded (a JWT after "%20" or "%22", "%2E" between its
// parts, "https%3A%2F%2Fuser%3Apass%40host"), and JSON-escaped (after
// "\u0022", "\"password\":\"…\"" inside a JSON string). None of them
// crosses a '"' or a '\' that ends a JSON string, so redacting the raw
// text of a JSON string keeps the document valid.

// textMask says which detectors may fire in a text; it is found with a
// few fast byte searches so that ordinary text costs little.
type textMask uint8

const (
	maskJWT textMask = 1 << iota
	maskScheme
	maskURL
	maskPair
	maskQuoted
	maskUser
)

// span is a part of a text to replace by the placeholder.
type span struct{ start, end int }

var (
	jwtPrefix   = []byte("eyJ")
	schemeWords = [...]string{"earer", "EARER", "asic", "ASIC"}
)

// maskOf returns the detectors that may fire in b.
func (p *Policy) maskOf(b []byte) textMask {
	if len(b) < 256 {
		return scanMask(b) | p.userMask()
	}
	var m textMask
	if bytes.Contains(b, jwtPrefix) {
		m |= maskJWT
	}
	for _, w := range schemeWords {
		if bytes.Contains(b, []byte(w)) {
			m |= maskScheme
			break
		}
	}
	pct := bytes.IndexByte(b, '%') >= 0
	if (pct || bytes.IndexByte(b, '@') >= 0) && (pct || bytes.IndexByte(b, '/') >= 0) {
		m |= maskURL
	}
	if pct || bytes.IndexByte(b, '=') >= 0 {
		m |= maskPair
	}
	if bytes.IndexByte(b, ':') >= 0 && bytes.IndexByte(b, '"') >= 0 {
		m |= maskQuoted
	}
	return m | p.userMask()
}

// maskOfString is maskOf for a string, without copying it.
func (p *Policy) maskOfString(s string) textMask { return scanMask(s) | p.userMask() }

func (p *Policy) userMask() textMask {
	if len(p.values) > 0 {
		return maskUser
	}
	return 0
}

// scanMask is maskOf in one pass over a short text.
func scanMask[T string | []byte](s T) textMask {
	var m textMask
	var at, pct, slash, eq, colon, quote bool
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'J':
			if i >= 2 && s[i-1] == 'y' && s[i-2] == 'e' {
				m |= maskJWT
			}
		case 'r', 'R':
			if i >= 4 && (string(s[i-4:i+1]) == "earer" || string(s[i-4:i+1]) == "EARER") {
				m |= maskScheme
			}
		case 'c', 'C':
			if i >= 3 && (string(s[i-3:i+1]) == "asic" || string(s[i-3:i+1]) == "ASIC") {
				m |= maskScheme
			}
		case '@':
			at = true
		case '%':
			pct = true
		case '/':
			slash = true
		case '=':
			eq = true
		case ':':
			colon = true
		case '"':
			quote = true
		}
	}
	if (at || pct) && (slash || pct) {
		m |= maskURL
	}
	if eq || pct {
		m |= maskPair
	}
	if colon && quote {
		m |= maskQuoted
	}
	return m
}

// findSpans appends to spans what the detectors in m find in b.
func (p *Policy) findSpans(spans []span, b []byte, m textMask) []span {
	if m&maskJWT != 0 {
		spans = findJWTs(spans, b)
	}
	if m&maskScheme != 0 {
		spans = findSchemes(spans, b)
	}
	if m&maskURL != 0 {
		spans = findURLCreds(spans, b)
	}
	if m&maskPair != 0 {
		spans = p.findPairs(spans, b)
	}
	if m&maskQuoted != 0 {
		spans = p.findQuoted(spans, b)
	}
	if m&maskUser != 0 {
		for _, re := range p.values {
			for _, loc := range re.FindAllIndex(b, -1) {
				if loc[1] > loc[0] {
					spans = append(spans, span{loc[0], loc[1]})
				}
			}
		}
	}
	return spans
}

// text redacts b with the detectors in m, appending the result to dst
// when something was found; it returns dst unchanged and false when not.
func (p *Policy) text(dst, b []byte, m textMask, placeholder string) ([]byte, bool) {
	if m == 0 {
		return dst, false
	}
	var stack [8]span
	spans := p.findSpans(stack[:0], b, m)
	if len(spans) == 0 {
		return dst, false
	}
	return applySpans(dst, b, spans, placeholder), true
}

// applySpans appends b to dst with every span (merged where they
// overlap) replaced by placeholder.
func applySpans(dst, b []byte, spans []span, placeholder string) []byte {
	if len(spans) > 1 {
		slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	}
	last := 0
	for i := 0; i < len(spans); i++ {
		s := spans[i]
		for i+1 < len(spans) && spans[i+1].start <= s.end {
			s.end = max(s.end, spans[i+1].end)
			i++
		}
		if s.start < last {
			s.start = last
		}
		dst = append(dst, b[last:s.start]...)
		dst = append(dst, placeholder...)
		last = s.end
	}
	return append(dst, b[last:]...)
}

// Text returns s with every secret the value detectors find replaced by
// Placeholder: what is applied to header values whose name is not
// secret, to messages and to bodies that are neither JSON nor a form.
func (p *Policy) Text(s string) string {
	m := p.maskOfString(s)
	if m == 0 {
		return s
	}
	out, changed := p.text(nil, []byte(s), m, Placeholder)
	if !changed {
		return s
	}
	return string(out)
}

func isB64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// indexFold is bytes.Index for an ASCII pattern with %-escapes, ignoring
// the case of their hex digits.
func indexFold(b []byte, pat string) int {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], pat[0])
		if j < 0 {
			return -1
		}
		i += j
		if hasFold(b[i:], pat) {
			return i
		}
		i++
	}
}

func hasFold(b []byte, pat string) bool {
	if len(b) < len(pat) {
		return false
	}
	for k := 0; k < len(pat); k++ {
		c := b[k]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != pat[k] {
			return false
		}
	}
	return true
}

// findJWTs finds tokens made of base64url segments joined by dots (or
// "%2E", or "\u002e") whose first segment decodes to a JSON object: "eyJ"
// starts it, whatever comes before (a letter, "%20", "%22", "\u0022").
// The third segment may be empty (alg "none"); the five parts of a JWE
// are taken whole.
func findJWTs(spans []span, b []byte) []span {
	for i := 0; ; {
		j := bytes.Index(b[i:], jwtPrefix)
		if j < 0 {
			return spans
		}
		start := i + j
		if end, ok := jwtEnd(b, start); ok {
			spans = append(spans, span{start, end})
			i = end
			continue
		}
		i = start + 3
	}
}

// jwtSep returns the length of a dot at b[i:] in any of its encodings.
func jwtSep(b []byte, i int) int {
	switch {
	case i < len(b) && b[i] == '.':
		return 1
	case hasFold(b[i:], "%2E"):
		return 3
	case bytes.HasPrefix(b[i:], []byte(`\u002e`)) || bytes.HasPrefix(b[i:], []byte(`\u002E`)):
		return 6
	}
	return 0
}

func b64Run(b []byte, i int) int {
	for i < len(b) && isB64URL(b[i]) {
		i++
	}
	return i
}

func jwtEnd(b []byte, start int) (int, bool) {
	h := b64Run(b, start)
	n := jwtSep(b, h)
	if n == 0 {
		return 0, false
	}
	p := b64Run(b, h+n)
	if p == h+n {
		return 0, false
	}
	n = jwtSep(b, p)
	if n == 0 {
		return 0, false
	}
	end := b64Run(b, p+n)
	for parts := 3; parts < 5; parts++ { // a JWE has five parts
		n := jwtSep(b, end)
		if n == 0 {
			break
		}
		e := b64Run(b, end+n)
		if e == end+n {
			break
		}
		end = e
	}
	if !jwtHeader(b[start:h]) {
		return 0, false
	}
	return end, true
}

// jwtHeader reports whether seg decodes (base64url) to a JSON object.
func jwtHeader(seg []byte) bool {
	var buf [256]byte
	dst := buf[:]
	if n := base64.RawURLEncoding.DecodedLen(len(seg)); n > len(buf) {
		dst = make([]byte, n)
	}
	n, err := base64.RawURLEncoding.Decode(dst, seg)
	return err == nil && n > 1 && dst[0] == '{' && validJSON(dst[:n])
}

// credChar: what a Bearer or Basic credential is made of.
func credChar(c byte) bool {
	return isB64URL(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '=' || c == '%'
}

// findSchemes finds the credential after "Bearer" or "Basic" (any of
// upper, lower or capitalised case) and a space, a tab, a '+' or "%20".
func findSchemes(spans []span, b []byte) []span {
	for _, w := range schemeWords {
		for i := 0; ; {
			j := bytes.Index(b[i:], []byte(w))
			if j < 0 {
				break
			}
			k := i + j
			i = k + len(w)
			if k == 0 || b[k-1] != 'b' && b[k-1] != 'B' {
				continue
			}
			if k >= 2 && isAlnum(b[k-2]) {
				continue
			}
			c := i
			for c < len(b) {
				switch {
				case b[c] == ' ' || b[c] == '\t' || b[c] == '+':
					c++
					continue
				case hasFold(b[c:], "%20"):
					c += 3
					continue
				}
				break
			}
			if c == i {
				continue
			}
			e := c
			for e < len(b) && credChar(b[e]) {
				e++
			}
			if e > c {
				spans = append(spans, span{c, e})
				i = e
			}
		}
	}
	return spans
}

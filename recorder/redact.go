package recorder

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"
)

// Placeholder replaces every redacted value. It is one fixed string, not a
// hash of the secret: a hash of a short secret can be reversed by trying
// candidates, and tokens change from run to run anyway. Replay redacts the
// live response with the same rules before comparing, so a secret in a
// response compares equal to its recorded placeholder.
const Placeholder = "[REDACTED]"

// placeholderQuery is Placeholder in a query string or a form.
const placeholderQuery = "%5BREDACTED%5D"

// ErrRedaction: a Redaction rule does not compile (a bad name pattern or
// value pattern).
var ErrRedaction = errors.New("recorder: bad redaction rule")

// Redaction configures the redaction Policy: what is replaced by
// Placeholder wherever kitbench writes or prints an exchange. The zero
// value is the default policy; the fields only add rules or keep fields.
//
// # Names
//
// A header, gRPC metadata key, query or form parameter, or JSON field (at
// any depth) is secret when its name holds a secret word. A name is split
// into segments on '-', '_', '.', any other non-alphanumeric, camelCase
// and letter-digit boundaries ("X-Upstream-Authorization", "apiKey",
// "client_secret"), and segments are compared whole, so "author",
// "keyboard", "monkey", "passport" and ":authority" hold none. The
// secret words are auth, authorization, password(s), passwd, pwd, pass,
// passphrase, passcode, secret(s), credential(s), cred(s), cookie(s),
// signature(s), sig, jwt, bearer, otp, cvv, cvc, apikey, sessionid,
// token(s), key(s) and session; a run of letters ending in a strong one
// counts too ("accesstoken", "jsessionid", "privatekey", but not
// "monkey"). The word is not a secret:
//   - when a descriptor follows it: type, name, url, uri, endpoint,
//     method, mode, scheme, provider, issuer, count, length, size, ttl,
//     expires, expiry, timeout, policy, version, format, kind, path, file,
//     id (but "session_id" is secret), ref, status, algorithm, label,
//     changed, created, updated, used, remaining, limit, usage and a few
//     more ("token_type", "auth_url", "key_id", "secret_name");
//   - for token, after page, next, prev, continuation, cursor, sync,
//     resume, max, min, num, total, input, output, prompt, completion
//     ("page_token", "max_tokens");
//   - for key, after sort, partition, primary, foreign, cache,
//     idempotency, object, row, map, hash, routing, shard, lookup, group,
//     public, range, unique, message, label, index ("public_key").
//
// A query or form parameter named "code" (an OAuth code) is secret too; a
// JSON field named "code" is not.
//
// A secret header's every value is replaced; a secret parameter's value;
// a secret JSON field's string and number values, and those of every
// object and array below it (true, false and null stay).
//
// # Values
//
// Whatever their name, these are replaced wherever they appear — header
// values, paths, query values, bodies of any kind, gRPC messages, errors:
//   - JWTs: base64url segments joined by dots, the first decoding to a JSON
//     object ("eyJ…"), in any encoding context: raw, after "%20" or
//     "%22", with "%2E" dots, JSON-escaped;
//   - the credential after "Bearer " or "Basic " (or "Bearer%20",
//     "Bearer+");
//   - the password in a URL's userinfo ("https://user:pw@host", also
//     %-encoded and JSON-escaped);
//   - the value of a name=value pair with a secret parameter name inside
//     other text (a URL in a JSON string, a DSN, a message), and of a
//     "name": value pair with a secret field name in text that is not
//     JSON itself (a text body, JSON escaped inside a JSON string).
//
// # Bodies
//
// JSON bodies are walked at any depth; bodies stored as bytes are walked
// as JSON when they start like JSON (a truncated one, or JSON sent as
// text/plain), as a form when they look like one
// (application/x-www-form-urlencoded, stored base64), and as text
// otherwise.
type Redaction struct {
	// Names adds secret names in every place a name is judged (headers,
	// metadata, query and form parameters, JSON fields at any depth): a
	// name compared whole in any case ("ssn"), or a pattern in which '*'
	// stands for any run of characters ("x-*-sig"). Nil adds none.
	Names []string
	// Headers adds header and metadata names and Query query and form
	// parameter names, as Names does, for that place only. Nil adds none.
	Headers []string
	Query   []string
	// Paths adds JSON paths into bodies ("$.user.ssn", "$.items[*].card")
	// whose values are replaced whole. Nil adds none.
	Paths []string
	// Values adds regular expressions (Go syntax) for secret values: every
	// match, in any value or body, is replaced. Nil adds none.
	Values []string
	// Keep marks fields as safe: a kept field is written as it is, and no
	// rule — not even the value detectors — touches it or, for a JSON
	// field, anything below it. Entries are "header:NAME" (headers and
	// metadata), "query:NAME" (query and form parameters), "json:PATH" (a
	// JSON body path), or "name:NAME" (that name everywhere, JSON fields at
	// any depth included). Names are compared in any case. Nil keeps
	// nothing: there is no switch that turns redaction off.
	Keep []string
}

// Policy is kitbench's one redaction policy, compiled from a Redaction:
// a Writer applies it to every exchange before writing, replay to live
// responses before comparing, and `kitbench call` to what it prints.
// Anything else that shows or stores exchanges — logs, an exchange ring —
// should redact with it too, so that what counts as a secret is decided
// once. A Policy is immutable and safe for concurrent use.
type Policy struct {
	names, headers, params       nameSet
	keepNames, keepHdr, keepPrm  nameSet
	paths, keepPaths             []Path
	values                       []*regexp.Regexp
	hasUser, hasKeep, trackPaths bool
}

// nameSet is a set of lower-case names and '*' patterns.
type nameSet struct {
	exact    map[string]bool
	patterns []string
}

func (s *nameSet) add(n string) error {
	n = strings.ToLower(strings.TrimSpace(n))
	if strings.ContainsAny(n, "*?[") {
		if _, err := path.Match(n, ""); err != nil {
			return fmt.Errorf("%w: name pattern %q: %w", ErrRedaction, n, err)
		}
		s.patterns = append(s.patterns, n)
		return nil
	}
	if s.exact == nil {
		s.exact = make(map[string]bool)
	}
	s.exact[n] = true
	return nil
}

func (s *nameSet) empty() bool { return len(s.exact) == 0 && len(s.patterns) == 0 }

// has reports whether lower (a lower-case name) is in the set.
func (s *nameSet) has(lower string) bool {
	if s.exact[lower] {
		return true
	}
	for _, p := range s.patterns {
		if ok, _ := path.Match(p, lower); ok {
			return true
		}
	}
	return false
}

var defaultPolicy = sync.OnceValue(func() *Policy { return &Policy{} })

// DefaultPolicy returns the policy of the zero Redaction, shared.
func DefaultPolicy() *Policy { return defaultPolicy() }

// NewPolicy compiles r. A malformed JSON path or Keep entry is an error
// wrapping ErrPath, a bad name or value pattern one wrapping ErrRedaction.
func NewPolicy(r Redaction) (*Policy, error) {
	p := &Policy{}
	for _, set := range []struct {
		dst *nameSet
		src []string
	}{{&p.names, r.Names}, {&p.headers, r.Headers}, {&p.params, r.Query}} {
		for _, n := range set.src {
			if err := set.dst.add(n); err != nil {
				return nil, err
			}
		}
	}
	for _, s := range r.Paths {
		cp, err := ParsePath(s)
		if err != nil {
			return nil, err
		}
		p.paths = append(p.paths, cp)
	}
	for _, v := range r.Values {
		re, err := regexp.Compile(v)
		if err != nil {
			return nil, fmt.Errorf("%w: value pattern: %w", ErrRedaction, err)
		}
		p.values = append(p.values, re)
	}
	for _, k := range r.Keep {
		kind, name, _ := strings.Cut(k, ":")
		var err error
		switch kind {
		case "header":
			err = p.keepHdr.add(name)
		case "query":
			err = p.keepPrm.add(name)
		case "name":
			err = p.keepNames.add(name)
		case "json":
			var cp Path
			if cp, err = ParsePath(name); err == nil {
				p.keepPaths = append(p.keepPaths, cp)
			}
		default:
			err = fmt.Errorf("%w: Keep %q: want header:NAME, query:NAME, name:NAME or json:PATH", ErrPath, k)
		}
		if err != nil {
			return nil, err
		}
	}
	p.hasUser = !p.names.empty() || !p.headers.empty() || !p.params.empty()
	p.hasKeep = !p.keepNames.empty() || !p.keepHdr.empty() || !p.keepPrm.empty()
	p.trackPaths = len(p.paths) > 0 || len(p.keepPaths) > 0
	return p, nil
}

// judge applies the user's sets around the built-in name rules.
func (p *Policy) judge(name string, keep, add *nameSet, param bool) bool {
	if p.hasKeep || p.hasUser {
		lower := strings.ToLower(name)
		if p.keepNames.has(lower) || keep != nil && keep.has(lower) {
			return false
		}
		if p.names.has(lower) || add != nil && add.has(lower) {
			return true
		}
	}
	return param && strings.EqualFold(name, "code") || builtinSecret(name)
}

// kept reports whether name is in keep or kept everywhere.
func (p *Policy) kept(name string, keep *nameSet) bool {
	if !p.hasKeep {
		return false
	}
	lower := strings.ToLower(name)
	return p.keepNames.has(lower) || keep != nil && keep.has(lower)
}

// SecretHeader reports whether every value of the HTTP header or gRPC
// metadata key name is replaced.
func (p *Policy) SecretHeader(name string) bool {
	return p.judge(name, &p.keepHdr, &p.headers, false)
}

// SecretParam reports whether the value of the query or form parameter
// name is replaced.
func (p *Policy) SecretParam(name string) bool {
	return p.judge(name, &p.keepPrm, &p.params, true)
}

// containsFold reports whether s holds the lower-case ASCII word w in any
// case.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

// SecretField reports whether the value of a JSON field (or, elsewhere, a
// structured field such as a log attribute) named name is replaced, at
// any depth. It fits where a func(string) bool is wanted.
func (p *Policy) SecretField(name string) bool {
	return p.judge(name, nil, nil, false)
}

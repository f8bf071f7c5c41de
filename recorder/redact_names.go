package recorder

import "strings"

// How a name is judged (see Redaction for the rules in words). A name is
// split into segments on every character that is not a letter or a digit,
// between a lower-case letter and an upper-case one ("apiKey"), before the
// last capital of a run that goes on in lower case ("APIKey"), and between
// letters and digits ("oauth2Token"). Segments are compared whole, so
// "author", "keyboard" and "monkey" hold no secret word, and a run of
// letters that ends in a strong word ("accesstoken", "xapikey") counts as
// that word with what comes before it as its qualifier.

// word is what a secret word says about a name.
type word uint8

const (
	wordNone    word = iota
	wordStrong       // password, secret, credential, cookie, signature…
	wordToken        // token: not a secret after page, next, max…
	wordKey          // key: not a secret after sort, primary, public…
	wordSession      // session: "session_id" is a secret too
)

// secretWords are the segments that make a name secret.
var secretWords = map[string]word{
	"password": wordStrong, "passwords": wordStrong, "passwd": wordStrong, "pwd": wordStrong, "pass": wordStrong,
	"passphrase": wordStrong, "passcode": wordStrong,
	"secret": wordStrong, "secrets": wordStrong,
	"credential": wordStrong, "credentials": wordStrong, "cred": wordStrong, "creds": wordStrong,
	"cookie": wordStrong, "cookies": wordStrong,
	"signature": wordStrong, "signatures": wordStrong, "sig": wordStrong,
	"auth": wordStrong, "authorization": wordStrong,
	"jwt": wordStrong, "bearer": wordStrong, "otp": wordStrong, "cvv": wordStrong, "cvc": wordStrong,
	"apikey": wordStrong, "apikeys": wordStrong, "sessionid": wordStrong, "sessid": wordStrong,
	"token": wordToken, "tokens": wordToken,
	"key": wordKey, "keys": wordKey,
	"session": wordSession,
}

// strongSuffixes end a run of letters that is a secret ("accesstoken",
// "clientsecret", "jsessionid"); the rest of the run qualifies it.
var strongSuffixes = []struct {
	s string
	w word
}{
	{"tokens", wordToken}, {"token", wordToken}, {"secrets", wordStrong}, {"secret", wordStrong},
	{"password", wordStrong}, {"passwd", wordStrong}, {"passphrase", wordStrong}, {"apikey", wordStrong},
	{"signature", wordStrong}, {"credentials", wordStrong}, {"credential", wordStrong}, {"cookie", wordStrong},
	{"authorization", wordStrong}, {"sessionid", wordStrong}, {"sessid", wordStrong},
}

// keyPrefixes make a run of letters ending in "key" a secret
// ("privatekey"); any other run ending in "key" ("monkey") is not.
var keyPrefixes = map[string]bool{
	"api": true, "private": true, "priv": true, "secret": true, "access": true, "signing": true, "master": true,
	"encryption": true, "client": true, "auth": true, "session": true, "app": true, "license": true,
}

// descriptors after the last secret word make the name about a secret,
// not the secret: "token_type", "auth_url", "key_id", "secret_name".
var descriptors = map[string]bool{
	"type": true, "types": true, "name": true, "names": true, "url": true, "uri": true, "urls": true,
	"endpoint": true, "method": true, "methods": true, "mode": true, "scheme": true, "schemes": true,
	"provider": true, "issuer": true, "count": true, "length": true, "len": true, "size": true,
	"ttl": true, "expires": true, "expiry": true, "expiration": true, "timeout": true, "lifetime": true,
	"age": true, "policy": true, "required": true, "enabled": true, "disabled": true, "version": true,
	"format": true, "kind": true, "path": true, "file": true, "id": true, "ids": true, "ref": true,
	"arn": true, "field": true, "location": true, "index": true, "status": true, "algorithm": true,
	"alg": true, "label": true, "description": true, "changed": true, "updated": true, "created": true,
	"rotated": true, "used": true, "remaining": true, "limit": true, "usage": true,
}

// tokenQualifiers before "token" make it a count or a cursor, not a
// credential: "page_token", "max_tokens", "input_tokens".
var tokenQualifiers = map[string]bool{
	"page": true, "next": true, "prev": true, "previous": true, "continuation": true, "cursor": true,
	"pagination": true, "sync": true, "resume": true, "max": true, "min": true, "num": true,
	"total": true, "input": true, "output": true, "prompt": true, "completion": true, "reasoning": true,
	"cached": true,
}

// keyQualifiers before "key" make it a data key, not a credential:
// "sort_key", "primary_key", "public_key", "idempotency_key".
var keyQualifiers = map[string]bool{
	"sort": true, "partition": true, "primary": true, "foreign": true, "cache": true, "idempotency": true,
	"object": true, "row": true, "map": true, "hash": true, "routing": true, "shard": true, "lookup": true,
	"dedup": true, "dedupe": true, "deduplication": true, "group": true, "public": true, "pub": true,
	"range": true, "composite": true, "unique": true, "translation": true, "i18n": true, "message": true,
	"label": true, "index": true,
}

// maxSegments bounds the segments judged; a longer name is judged on its
// last ones, where the noun that says what it is sits.
const maxSegments = 16

// builtinSecret reports whether the default rules call name a secret.
// It allocates only to lower the case of a name that has capitals.
func builtinSecret(name string) bool {
	if !mayBeSecret(name) {
		return false
	}
	low := name
	for i := 0; i < len(name); i++ {
		if isUpper(name[i]) {
			low = asciiLower(name)
			break
		}
	}
	var segs [maxSegments][2]int
	n := splitName(name, &segs)
	last, lastWord, qual := -1, wordNone, ""
	for i := range n {
		w, q := classify(low[segs[i][0]:segs[i][1]])
		if w == wordNone {
			continue
		}
		last, lastWord, qual = i, w, q
		if q == "" && i > 0 {
			qual = low[segs[i-1][0]:segs[i-1][1]]
		}
	}
	if last < 0 {
		return false
	}
	for i := last + 1; i < n; i++ {
		d := low[segs[i][0]:segs[i][1]]
		if descriptors[d] && !(lastWord == wordSession && (d == "id" || d == "ids")) {
			return false
		}
	}
	switch lastWord {
	case wordToken:
		return !tokenQualifiers[qual]
	case wordKey:
		return !keyQualifiers[qual]
	}
	return true
}

// mayBeSecret is a quick first look: whether name holds, in any case,
// the first three letters of a secret word. Most names do not, and are
// judged without lowering their case or splitting them.
func mayBeSecret(name string) bool {
	for i := 0; i+3 <= len(name); i++ {
		switch uint32(name[i]|0x20)<<16 | uint32(name[i+1]|0x20)<<8 | uint32(name[i+2]|0x20) {
		case 'p'<<16 | 'a'<<8 | 's', 'p'<<16 | 'w'<<8 | 'd', 's'<<16 | 'e'<<8 | 'c', 'c'<<16 | 'r'<<8 | 'e',
			'c'<<16 | 'o'<<8 | 'o', 's'<<16 | 'i'<<8 | 'g', 'a'<<16 | 'u'<<8 | 't', 'j'<<16 | 'w'<<8 | 't',
			'b'<<16 | 'e'<<8 | 'a', 'o'<<16 | 't'<<8 | 'p', 'c'<<16 | 'v'<<8 | 'v', 'c'<<16 | 'v'<<8 | 'c',
			'k'<<16 | 'e'<<8 | 'y', 's'<<16 | 'e'<<8 | 's', 't'<<16 | 'o'<<8 | 'k', 'a'<<16 | 'p'<<8 | 'i':
			return true
		}
	}
	return false
}

// classify judges one lower-case segment: the secret word it is or ends
// in, and for a run of letters ending in one, the letters before it.
func classify(s string) (word, string) {
	if w, ok := secretWords[s]; ok {
		return w, ""
	}
	for _, sfx := range strongSuffixes {
		if len(s) > len(sfx.s) && strings.HasSuffix(s, sfx.s) {
			return sfx.w, s[:len(s)-len(sfx.s)]
		}
	}
	if p, ok := strings.CutSuffix(s, "key"); ok && keyPrefixes[p] {
		return wordKey, p
	}
	return wordNone, ""
}

// splitName finds the segments of name (byte offsets), keeping the last
// maxSegments of them, and returns how many there are.
func splitName(name string, segs *[maxSegments][2]int) int {
	n := 0
	add := func(start, end int) {
		if start >= end {
			return
		}
		if n == maxSegments {
			copy(segs[:], segs[1:])
			n--
		}
		segs[n] = [2]int{start, end}
		n++
	}
	start := -1
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isAlnum(c) {
			if start >= 0 {
				add(start, i)
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		p := name[i-1]
		boundary := isLower(p) && isUpper(c) ||
			isUpper(p) && isUpper(c) && i+1 < len(name) && isLower(name[i+1]) ||
			isDigit(p) != isDigit(c)
		if boundary {
			add(start, i)
			start = i
		}
	}
	if start >= 0 {
		add(start, len(name))
	}
	return n
}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool { return isLower(c) || isUpper(c) || isDigit(c) }

// asciiLower lowers ASCII letters only, so offsets into s stay valid.
func asciiLower(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUpper(c) {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

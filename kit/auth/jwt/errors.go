package jwt

import (
	"errors"
	"net/http"
	"strings"

	gojwt "github.com/golang-jwt/jwt/v5"
)

// refusals are one middleware's prepared errors.
type refusals struct {
	realm                       string
	missing, malformed, tooLong *authError
}

func newRefusals(realm string) refusals {
	r := refusals{realm: realm}
	r.missing = r.build(ErrTokenMissing, "", nil)
	r.malformed = r.build(ErrTokenMalformed, "malformed token", nil)
	r.tooLong = r.build(ErrTokenMalformed, "token too long", nil)
	return r
}

// of classifies a parse error from golang-jwt into a refusal. The
// description names the rule the token broke, never a key or an internal.
func (r refusals) of(err error) *authError {
	sentinel, desc := ErrTokenInvalid, "invalid token"
	switch {
	case errors.Is(err, gojwt.ErrTokenMalformed):
		sentinel, desc = ErrTokenMalformed, "malformed token"
	case errors.Is(err, gojwt.ErrTokenExpired):
		sentinel, desc = ErrTokenExpired, "token expired"
	case errors.Is(err, gojwt.ErrTokenNotValidYet), errors.Is(err, gojwt.ErrTokenUsedBeforeIssued):
		sentinel, desc = ErrTokenNotValidYet, "token not valid yet"
	case errors.Is(err, gojwt.ErrTokenRequiredClaimMissing):
		desc = "required claim missing"
	case errors.Is(err, gojwt.ErrTokenInvalidAudience):
		desc = "wrong audience"
	case errors.Is(err, gojwt.ErrTokenInvalidIssuer):
		desc = "wrong issuer"
	case errors.Is(err, errUnknownKey):
		desc = "unknown key"
	case errors.Is(err, gojwt.ErrTokenSignatureInvalid), errors.Is(err, gojwt.ErrTokenUnverifiable):
		desc = "signature not accepted"
	}
	return r.build(sentinel, desc, err)
}

func (r refusals) build(sentinel error, desc string, cause error) *authError {
	var b strings.Builder
	b.WriteString("Bearer")
	sep := " "
	if r.realm != "" {
		b.WriteString(` realm="` + quote(r.realm) + `"`)
		sep = ", "
	}
	if desc != "" {
		b.WriteString(sep + `error="invalid_token", error_description="` + desc + `"`)
	}
	return &authError{sentinel: sentinel, cause: cause, challenge: b.String()}
}

// quote escapes s for use inside an HTTP quoted-string.
func quote(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "").Replace(s)
}

// authError is a refusal: a sentinel, the cause for server-side logs, and
// what transports need to answer.
type authError struct {
	sentinel  error
	cause     error
	challenge string
}

// Error returns the sentinel's text only: it is sent to the client.
func (e *authError) Error() string { return e.sentinel.Error() }

// Unwrap exposes the sentinel and, for logs, golang-jwt's error.
func (e *authError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.sentinel}
	}
	return []error{e.sentinel, e.cause}
}

// StatusCode implements kit/transport's StatusCoder: 401.
func (e *authError) StatusCode() int { return http.StatusUnauthorized }

// Headers implements kit/transport's Headerer: the WWW-Authenticate
// challenge (RFC 6750), in a map the caller may keep.
func (e *authError) Headers() http.Header {
	return http.Header{"Www-Authenticate": {e.challenge}}
}

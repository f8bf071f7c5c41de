package basic

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"google.golang.org/grpc/metadata"

	"github.com/kitbench/kitbench/kit/endpoint"
)

// Sentinel errors. The error a failed call returns wraps one of them and
// also carries status 401 and a WWW-Authenticate challenge for transports.
var (
	// ErrMissing means the request carried no Authorization credentials.
	ErrMissing = errors.New("basic auth: credentials missing")
	// ErrMalformed means the credentials were not "Basic base64(user:password)".
	ErrMalformed = errors.New("basic auth: credentials malformed")
	// ErrInvalid means the user or the password was wrong.
	ErrInvalid = errors.New("basic auth: invalid credentials")
)

// maxEncoded bounds the base64 credentials accepted: longer is malformed.
const maxEncoded = 1024

type ctxKey struct{}

// multiple marks a request that carried more than one Authorization value.
type multiple struct{}

// HTTPToContext is an HTTP server "before" hook (kit/transport/http's
// RequestFunc shape) that moves the request's Authorization header into
// the context for Middleware. A request without one leaves ctx unchanged.
func HTTPToContext(ctx context.Context, r *http.Request) context.Context {
	return toContext(ctx, r.Header.Values("Authorization"))
}

// GRPCToContext is a gRPC server "before" hook (kit/transport/grpc's
// ServerRequestFunc shape) that moves the "authorization" metadata into
// the context for Middleware.
func GRPCToContext(ctx context.Context, md metadata.MD) context.Context {
	return toContext(ctx, md.Get("authorization"))
}

func toContext(ctx context.Context, values []string) context.Context {
	switch len(values) {
	case 0:
		return ctx
	case 1:
		return context.WithValue(ctx, ctxKey{}, values[0])
	}
	return context.WithValue(ctx, ctxKey{}, multiple{})
}

// Middleware returns a middleware that admits a call only when the
// context holds (from HTTPToContext or GRPCToContext) Basic credentials
// equal to user and password. Both are compared in constant time, through
// SHA-256 digests so that not even their lengths leak. realm names the
// protected space in the challenge; empty means "kit".
//
// A refused call returns an error wrapping ErrMissing, ErrMalformed or
// ErrInvalid, with StatusCode 401 and Headers carrying
// `WWW-Authenticate: Basic realm="…", charset="UTF-8"`.
func Middleware(user, password, realm string) endpoint.Middleware {
	if realm == "" {
		realm = "kit"
	}
	challenge := `Basic realm="` + quote(realm) + `", charset="UTF-8"`
	errMissing := &authError{ErrMissing, challenge}
	errMalformed := &authError{ErrMalformed, challenge}
	errInvalid := &authError{ErrInvalid, challenge}
	wantUser := sha256.Sum256([]byte(user))
	wantPass := sha256.Sum256([]byte(password))
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request any) (any, error) {
			var header string
			switch v := ctx.Value(ctxKey{}).(type) {
			case nil:
				return nil, errMissing
			case string:
				header = v
			default:
				return nil, errMalformed
			}
			u, p, ok := parse(header)
			if !ok {
				return nil, errMalformed
			}
			okUser := subtle.ConstantTimeCompare(u[:], wantUser[:])
			okPass := subtle.ConstantTimeCompare(p[:], wantPass[:])
			if okUser&okPass != 1 {
				return nil, errInvalid
			}
			return next(ctx, request)
		}
	}
}

// parse decodes "Basic base64(user:password)" (scheme case-insensitive,
// one space) and returns the digests of user and password.
func parse(header string) (user, pass [sha256.Size]byte, ok bool) {
	scheme, enc, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Basic") || enc == "" || len(enc) > maxEncoded {
		return user, pass, false
	}
	var src [maxEncoded]byte
	var dst [maxEncoded * 3 / 4]byte
	n, err := base64.StdEncoding.Decode(dst[:], src[:copy(src[:], enc)])
	if err != nil {
		return user, pass, false
	}
	u, p, found := bytes.Cut(dst[:n], []byte{':'})
	if !found {
		return user, pass, false
	}
	return sha256.Sum256(u), sha256.Sum256(p), true
}

// quote escapes s for use inside an HTTP quoted-string.
func quote(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "").Replace(s)
}

// authError is a refusal: a sentinel plus what transports need to answer.
type authError struct {
	err       error
	challenge string
}

func (e *authError) Error() string { return e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

// StatusCode implements kit/transport's StatusCoder: 401.
func (e *authError) StatusCode() int { return http.StatusUnauthorized }

// Headers implements kit/transport's Headerer: the WWW-Authenticate
// challenge, in a map the caller may keep.
func (e *authError) Headers() http.Header {
	return http.Header{"Www-Authenticate": {e.challenge}}
}

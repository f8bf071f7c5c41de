package jwt

import (
	"context"
	"net/http"
	"strings"

	"google.golang.org/grpc/metadata"
)

// scheme prefixes a bearer credential.
const scheme = "Bearer "

type headerKey struct{}

type tokenKey struct{}

// multiple marks a request that carried more than one Authorization value.
type multiple struct{}

// HTTPToContext is an HTTP server "before" hook (kit/transport/http's
// RequestFunc shape) that moves the Authorization header into the context,
// where the middleware checks it. It does not copy the header and does no
// parsing, so an oversized header costs nothing here.
func HTTPToContext(ctx context.Context, r *http.Request) context.Context {
	return toContext(ctx, r.Header.Values("Authorization"))
}

// GRPCToContext is a gRPC server "before" hook (kit/transport/grpc's
// ServerRequestFunc shape) that moves the "authorization" metadata into
// the context, where the middleware checks it.
func GRPCToContext(ctx context.Context, md metadata.MD) context.Context {
	return toContext(ctx, md.Get("authorization"))
}

func toContext(ctx context.Context, values []string) context.Context {
	switch len(values) {
	case 0:
		return ctx
	case 1:
		return context.WithValue(ctx, headerKey{}, values[0])
	}
	return context.WithValue(ctx, headerKey{}, multiple{})
}

// bearer returns the token of an Authorization value of the form
// "Bearer <token68>" (RFC 6750): the scheme in any case, exactly one space,
// then one or more of A-Z a-z 0-9 - . _ ~ + / followed by optional '='
// padding. Anything else is refused.
func bearer(header string) (string, bool) {
	if len(header) <= len(scheme) || !strings.EqualFold(header[:len(scheme)], scheme) {
		return "", false
	}
	token := header[len(scheme):]
	end := len(token)
	for end > 0 && token[end-1] == '=' {
		end--
	}
	if end == 0 {
		return "", false
	}
	for i := range end {
		c := token[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/') {
			return "", false
		}
	}
	return token, true
}

// ContextWithToken returns a context carrying a token for the client hooks
// ContextToHTTP and ContextToGRPC to attach to outgoing calls.
func ContextWithToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, tokenKey{}, token)
}

// ContextToHTTP is an HTTP client "before" hook that sets
// "Authorization: Bearer <token>" on the outgoing request when ctx carries
// a token (ContextWithToken).
func ContextToHTTP(ctx context.Context, r *http.Request) context.Context {
	if token, ok := ctx.Value(tokenKey{}).(string); ok {
		if r.Header == nil {
			r.Header = make(http.Header)
		}
		r.Header.Set("Authorization", scheme+token)
	}
	return ctx
}

// ContextToGRPC is a gRPC client "before" hook that sets the
// "authorization" metadata to "Bearer <token>" when ctx carries a token,
// allocating the map when *md is nil.
func ContextToGRPC(ctx context.Context, md *metadata.MD) context.Context {
	token, ok := ctx.Value(tokenKey{}).(string)
	if !ok || md == nil {
		return ctx
	}
	if *md == nil {
		*md = make(metadata.MD, 1)
	}
	md.Set("authorization", scheme+token)
	return ctx
}

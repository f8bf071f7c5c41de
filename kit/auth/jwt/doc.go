// Package jwt guards endpoints with JSON Web Tokens (RFC 7519) carried as
// bearer tokens (RFC 6750), on github.com/golang-jwt/jwt/v5, hardened
// against the classic JWT mistakes.
//
// The caller decides what a valid token is, and nothing in the token can
// widen that: the accepted algorithms are fixed ("none" never is), each
// key id maps to one typed key that is used only with an algorithm of its
// type (an RSA public key can never serve as an HMAC secret), exp is
// required, aud and iss are checked when configured, and the clock skew
// allowed is small (30 s by default).
//
// # Usage
//
//	mw, err := jwt.NewMiddleware(jwt.Config{
//		Methods:  []string{"ES256"},
//		Keys:     map[string]any{"2026-01": issuerPublicKey},
//		Audience: "bookstore",
//		Issuer:   "https://auth.example",
//	})
//	addBook = mw(addBook) // the endpoint reads jwt.ClaimsFromContext(ctx)
//	// server before hooks: jwt.HTTPToContext, jwt.GRPCToContext
//	// client before hooks: jwt.ContextToHTTP, jwt.ContextToGRPC, fed by
//	// jwt.ContextWithToken(ctx, token)
//
// # Failure behaviour
//
// Every refused call fails before the endpoint runs, with an error that
// wraps one of ErrTokenMissing, ErrTokenMalformed, ErrTokenInvalid,
// ErrTokenExpired or ErrTokenNotValidYet (and golang-jwt's own error, for
// server-side logs), and that carries status 401 and a challenge such as
// `WWW-Authenticate: Bearer error="invalid_token", error_description="token
// expired"`. The message and the description name the rule the token
// broke, never a key or an internal. The header must be exactly
// "Bearer <token>" (scheme in any case, one space, token68 characters).
// Its length is checked before any parsing, so a megabyte of dots is
// refused at once without being copied or decoded.
//
// # Concurrency
//
// The middleware and hooks are safe for concurrent use; the Config and its
// keys are copied when the middleware is built.
package jwt

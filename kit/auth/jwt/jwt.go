package jwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/kitbench/kitbench/kit/endpoint"
)

// Defaults for the zero values of Config's fields.
const (
	// DefaultLeeway is the clock skew allowed on exp, nbf and iat.
	DefaultLeeway = 30 * time.Second
	// DefaultMaxTokenLen is the longest token accepted, in bytes.
	DefaultMaxTokenLen = 8 << 10
)

// Shortest keys accepted.
const (
	minHMACKey = 32   // bytes
	minRSABits = 2048 // modulus bits
)

// Sentinel errors. Every refusal wraps one of them and also carries status
// 401 and a Bearer WWW-Authenticate challenge for the transports.
var (
	// ErrTokenMissing means the request carried no Authorization header.
	ErrTokenMissing = errors.New("jwt: token missing")
	// ErrTokenMalformed means the header was not "Bearer <token>", or the
	// token was too long or not a JWT.
	ErrTokenMalformed = errors.New("jwt: token malformed")
	// ErrTokenInvalid means the token is a JWT that must not be trusted: a
	// bad signature, an algorithm or key id that is not allowed, a missing
	// exp, a wrong audience or issuer.
	ErrTokenInvalid = errors.New("jwt: token invalid")
	// ErrTokenExpired means the token's exp has passed (beyond the leeway).
	ErrTokenExpired = errors.New("jwt: token expired")
	// ErrTokenNotValidYet means the token's nbf or iat is in the future.
	ErrTokenNotValidYet = errors.New("jwt: token not valid yet")
	// ErrConfig is wrapped by NewMiddleware's errors.
	ErrConfig = errors.New("jwt: bad configuration")
)

// Config sets what tokens a middleware accepts. Methods and Keys are
// required; every other zero value means a safe default.
type Config struct {
	// Methods are the accepted "alg" values, e.g. {"ES256"}; a token
	// signed with any other algorithm is refused. "none" is never
	// accepted.
	Methods []string
	// Keys are the verification keys by key id ("kid" header). A token
	// without a kid uses the key stored under "". A key is used only with
	// an algorithm of its own type: []byte (at least 32 bytes) for HS*,
	// *rsa.PublicKey (at least 2048 bits) for RS* and PS*, *ecdsa.PublicKey for ES*,
	// ed25519.PublicKey for EdDSA — so an RSA public key can never serve
	// as an HMAC secret. The map is copied.
	Keys map[string]any
	// Audience, when not empty, must be among the token's aud values.
	Audience string
	// Issuer, when not empty, must equal the token's iss.
	Issuer string
	// Leeway is the clock skew allowed on exp, nbf and iat. Zero means
	// DefaultLeeway; a negative value means none.
	Leeway time.Duration
	// MaxTokenLen bounds the token length in bytes, checked before any
	// parsing. Zero means DefaultMaxTokenLen.
	MaxTokenLen int
	// NewClaims returns the value a token's claims are decoded into: a
	// pointer to a struct embedding jwt.RegisteredClaims, or a
	// jwt.MapClaims. Nil means jwt.MapClaims.
	NewClaims func() gojwt.Claims
	// Realm names the protected space in the challenge; empty omits it.
	Realm string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewMiddleware returns a middleware that admits a call only when the
// context holds (from HTTPToContext or GRPCToContext) a bearer token that
// passes cfg, and puts the token's claims in the context for the endpoint
// (ClaimsFromContext). exp is always required. It fails, with an error
// wrapping ErrConfig, when Methods or Keys are missing or a key is of the
// wrong type.
func NewMiddleware(cfg Config) (endpoint.Middleware, error) {
	keys, err := checkConfig(cfg)
	if err != nil {
		return nil, err
	}
	leeway := cfg.Leeway
	switch {
	case leeway == 0:
		leeway = DefaultLeeway
	case leeway < 0:
		leeway = 0
	}
	maxLen := cfg.MaxTokenLen
	if maxLen <= 0 {
		maxLen = DefaultMaxTokenLen
	}
	newClaims := cfg.NewClaims
	if newClaims == nil {
		newClaims = func() gojwt.Claims { return gojwt.MapClaims{} }
	}
	opts := []gojwt.ParserOption{
		gojwt.WithValidMethods(append([]string(nil), cfg.Methods...)),
		gojwt.WithExpirationRequired(),
		gojwt.WithIssuedAt(),
		gojwt.WithLeeway(leeway),
		gojwt.WithStrictDecoding(),
	}
	if cfg.Audience != "" {
		opts = append(opts, gojwt.WithAudience(cfg.Audience))
	}
	if cfg.Issuer != "" {
		opts = append(opts, gojwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Now != nil {
		opts = append(opts, gojwt.WithTimeFunc(cfg.Now))
	}
	parser := gojwt.NewParser(opts...)
	keyFunc := func(t *gojwt.Token) (any, error) {
		kid := ""
		if v, ok := t.Header["kid"]; ok {
			if kid, ok = v.(string); !ok {
				return nil, errUnknownKey
			}
		}
		key, ok := keys[kid]
		if !ok {
			return nil, errUnknownKey
		}
		if !fits(t.Method, key) {
			return nil, errKeyType
		}
		return key, nil
	}
	fail := newRefusals(cfg.Realm)
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request any) (any, error) {
			var header string
			switch v := ctx.Value(headerKey{}).(type) {
			case nil:
				return nil, fail.missing
			case string:
				header = v
			default:
				return nil, fail.malformed
			}
			// Bound the work before looking at the token at all.
			if len(header) > maxLen+len(scheme) {
				return nil, fail.tooLong
			}
			token, ok := bearer(header)
			if !ok {
				return nil, fail.malformed
			}
			claims := newClaims()
			if _, err := parser.ParseWithClaims(token, claims, keyFunc); err != nil {
				return nil, fail.of(err)
			}
			return next(context.WithValue(ctx, claimsKey{}, claims), request)
		}
	}, nil
}

// Reasons the key function gives; they reach only server-side logs.
var (
	errUnknownKey = errors.New("unknown key id")
	errKeyType    = errors.New("key does not fit the algorithm")
)

// checkConfig validates cfg and returns a private copy of its keys.
func checkConfig(cfg Config) (map[string]any, error) {
	if len(cfg.Methods) == 0 {
		return nil, fmt.Errorf("%w: no signing methods allowed", ErrConfig)
	}
	for _, m := range cfg.Methods {
		if m == "none" || gojwt.GetSigningMethod(m) == nil {
			return nil, fmt.Errorf("%w: unknown or unsafe method %q", ErrConfig, m)
		}
	}
	if len(cfg.Keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrConfig)
	}
	keys := make(map[string]any, len(cfg.Keys))
	for kid, key := range cfg.Keys {
		switch k := key.(type) {
		case []byte:
			if len(k) < minHMACKey {
				return nil, fmt.Errorf("%w: HMAC key %q is shorter than %d bytes", ErrConfig, kid, minHMACKey)
			}
			key = append([]byte(nil), k...)
		case *rsa.PublicKey:
			if k == nil || k.N == nil || k.N.BitLen() < minRSABits {
				return nil, fmt.Errorf("%w: RSA key %q is nil or shorter than %d bits", ErrConfig, kid, minRSABits)
			}
		case *ecdsa.PublicKey:
			if k == nil {
				return nil, fmt.Errorf("%w: ECDSA key %q is nil", ErrConfig, kid)
			}
		case ed25519.PublicKey:
			if len(k) != ed25519.PublicKeySize {
				return nil, fmt.Errorf("%w: Ed25519 key %q has %d bytes", ErrConfig, kid, len(k))
			}
		default:
			return nil, fmt.Errorf("%w: key %q has type %T; want []byte or a public key", ErrConfig, kid, key)
		}
		keys[kid] = key
	}
	return keys, nil
}

// fits reports whether key is of the type m verifies with.
func fits(m gojwt.SigningMethod, key any) bool {
	var ok bool
	switch m.(type) {
	case *gojwt.SigningMethodHMAC:
		_, ok = key.([]byte)
	case *gojwt.SigningMethodRSA, *gojwt.SigningMethodRSAPSS:
		_, ok = key.(*rsa.PublicKey)
	case *gojwt.SigningMethodECDSA:
		_, ok = key.(*ecdsa.PublicKey)
	case *gojwt.SigningMethodEd25519:
		_, ok = key.(ed25519.PublicKey)
	}
	return ok
}

// ClaimsFromContext returns the claims of the token that the middleware
// accepted for this call: a jwt.MapClaims, or what Config.NewClaims
// returns.
func ClaimsFromContext(ctx context.Context) (gojwt.Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(gojwt.Claims)
	return c, ok
}

type claimsKey struct{}

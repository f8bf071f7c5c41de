package jwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc/metadata"

	"github.com/kitbench/kitbench/kit/transport"
)

// now is the fixed clock of the tests.
var now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testKeys are generated once per test binary.
type testKeys struct {
	hmac   []byte
	rsa    *rsa.PrivateKey
	rsaPEM []byte // the public key, PEM-encoded: what a key-confusion attacker has
	ec     *ecdsa.PrivateKey
	ed     ed25519.PrivateKey
}

var keysOnce = sync.OnceValue(func() testKeys {
	k := testKeys{hmac: []byte("0123456789abcdef0123456789abcdef")}
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	if err != nil {
		panic(err)
	}
	k.rsaPEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	if _, k.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		panic(err)
	}
	return k
})

func testConfig(k testKeys) Config {
	return Config{
		Methods: []string{"HS256", "RS256", "ES256", "EdDSA"},
		Keys: map[string]any{
			"hs": k.hmac,
			"rs": &k.rsa.PublicKey,
			"es": &k.ec.PublicKey,
			"ed": k.ed.Public(),
		},
		Audience: "books",
		Issuer:   "auth.example",
		Realm:    "bookstore",
		Now:      func() time.Time { return now },
	}
}

// goodClaims are valid at now.
func goodClaims() gojwt.MapClaims {
	return gojwt.MapClaims{
		"sub": "alice",
		"aud": "books",
		"iss": "auth.example",
		"iat": now.Add(-time.Minute).Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
}

func with(c gojwt.MapClaims, key string, v any) gojwt.MapClaims {
	if v == nil {
		delete(c, key)
	} else {
		c[key] = v
	}
	return c
}

// sign signs claims with method and key, setting kid unless it is empty.
func sign(t testing.TB, m gojwt.SigningMethod, kid string, claims gojwt.MapClaims, key any) string {
	t.Helper()
	tok := gojwt.NewWithClaims(m, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func endpointOK(ctx context.Context, _ any) (any, error) {
	c, ok := ClaimsFromContext(ctx)
	if !ok {
		return nil, errors.New("no claims in context")
	}
	return c.GetSubject()
}

// TestMatrix is the hardening matrix: each row is an Authorization header
// and the outcome, checked over an HTTP request and gRPC metadata.
func TestMatrix(t *testing.T) {
	k := keysOnce()
	mw, err := NewMiddleware(testConfig(k))
	if err != nil {
		t.Fatal(err)
	}
	ep := mw(endpointOK)
	hs := gojwt.SigningMethodHS256
	rows := []struct {
		name   string
		header string // "" means no header
		want   error  // nil means accepted
		desc   string // error_description expected in the challenge
	}{
		{"valid HS256", "Bearer " + sign(t, hs, "hs", goodClaims(), k.hmac), nil, ""},
		{"valid RS256", "Bearer " + sign(t, gojwt.SigningMethodRS256, "rs", goodClaims(), k.rsa), nil, ""},
		{"valid ES256", "Bearer " + sign(t, gojwt.SigningMethodES256, "es", goodClaims(), k.ec), nil, ""},
		{"valid EdDSA", "Bearer " + sign(t, gojwt.SigningMethodEdDSA, "ed", goodClaims(), k.ed), nil, ""},
		{"scheme lower case", "bearer " + sign(t, hs, "hs", goodClaims(), k.hmac), nil, ""},
		{"expired within leeway", "Bearer " + sign(t, hs, "hs", with(goodClaims(), "exp", now.Add(-10*time.Second).Unix()), k.hmac), nil, ""},
		{"alg none", "Bearer " + sign(t, gojwt.SigningMethodNone, "hs", goodClaims(), gojwt.UnsafeAllowNoneSignatureType), ErrTokenInvalid, "signature not accepted"},
		{"HS256 with RSA public key bytes", "Bearer " + sign(t, hs, "rs", goodClaims(), k.rsaPEM), ErrTokenInvalid, "signature not accepted"},
		{"RS256 key id for ES256", "Bearer " + sign(t, gojwt.SigningMethodES256, "rs", goodClaims(), k.ec), ErrTokenInvalid, "signature not accepted"},
		{"algorithm not allowed", "Bearer " + sign(t, gojwt.SigningMethodHS384, "hs", goodClaims(), k.hmac), ErrTokenInvalid, "signature not accepted"},
		{"unknown kid", "Bearer " + sign(t, hs, "nope", goodClaims(), k.hmac), ErrTokenInvalid, "unknown key"},
		{"no kid", "Bearer " + sign(t, hs, "", goodClaims(), k.hmac), ErrTokenInvalid, "unknown key"},
		{"wrong secret", "Bearer " + sign(t, hs, "hs", goodClaims(), []byte("another-secret-another-secret-xx")), ErrTokenInvalid, "signature not accepted"},
		{"expired", "Bearer " + sign(t, hs, "hs", with(goodClaims(), "exp", now.Add(-time.Hour).Unix()), k.hmac), ErrTokenExpired, "token expired"},
		{"not yet valid", "Bearer " + sign(t, hs, "hs", with(goodClaims(), "nbf", now.Add(time.Hour).Unix()), k.hmac), ErrTokenNotValidYet, "token not valid yet"},
		{"issued in the future", "Bearer " + sign(t, hs, "hs", with(goodClaims(), "iat", now.Add(time.Hour).Unix()), k.hmac), ErrTokenNotValidYet, "token not valid yet"},
		{"no exp", "Bearer " + sign(t, hs, "hs", with(goodClaims(), "exp", nil), k.hmac), ErrTokenInvalid, "required claim missing"},
		{"wrong aud", "Bearer " + sign(t, hs, "hs", with(goodClaims(), "aud", "films"), k.hmac), ErrTokenInvalid, "wrong audience"},
		{"no aud", "Bearer " + sign(t, hs, "hs", with(goodClaims(), "aud", nil), k.hmac), ErrTokenInvalid, "required claim missing"},
		{"wrong iss", "Bearer " + sign(t, hs, "hs", with(goodClaims(), "iss", "evil.example"), k.hmac), ErrTokenInvalid, "wrong issuer"},
		{"tampered payload", "Bearer " + tamper(sign(t, hs, "hs", goodClaims(), k.hmac)), ErrTokenInvalid, "signature not accepted"},
		{"a megabyte of dots", "Bearer " + strings.Repeat(".", 1<<20), ErrTokenMalformed, "token too long"},
		{"a megabyte of base64", "Bearer " + hugeJWTShape, ErrTokenMalformed, "token too long"},
		{"dots under the cap", "Bearer " + strings.Repeat(".", DefaultMaxTokenLen-1), ErrTokenMalformed, "malformed token"},
		{"not a JWT", "Bearer abc", ErrTokenMalformed, "malformed token"},
		{"bad base64 segments", "Bearer a.b.c", ErrTokenMalformed, "malformed token"},
		{"four segments", "Bearer a.b.c.d", ErrTokenMalformed, "malformed token"},
		{"basic scheme", "Basic YWxpY2U6cHc=", ErrTokenMalformed, "malformed token"},
		{"two spaces", "Bearer  " + sign(t, hs, "hs", goodClaims(), k.hmac), ErrTokenMalformed, "malformed token"},
		{"no token", "Bearer ", ErrTokenMalformed, "malformed token"},
		{"missing", "", ErrTokenMissing, ""},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			md := metadata.MD{}
			if row.header != "" {
				r.Header.Set("Authorization", row.header)
				md.Set("authorization", row.header)
			}
			for transportName, ctx := range map[string]context.Context{
				"http": HTTPToContext(context.Background(), r),
				"grpc": GRPCToContext(context.Background(), md),
			} {
				resp, err := ep(ctx, nil)
				if row.want == nil {
					if err != nil || resp != "alice" {
						t.Fatalf("%s: got (%v, %v), want alice", transportName, resp, err)
					}
					continue
				}
				checkRefusal(t, err, row.want, row.desc)
			}
		})
	}
}

func tamper(token string) string {
	parts := strings.Split(token, ".")
	claims := goodClaims()
	claims["sub"] = "mallory"
	forged, _ := gojwt.NewWithClaims(gojwt.SigningMethodHS256, claims).SigningString()
	return parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2]
}

func checkRefusal(t *testing.T, err, want error, desc string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	if got := transport.StatusOf(err); got != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", got)
	}
	var h transport.Headerer
	if !errors.As(err, &h) {
		t.Fatal("error carries no headers")
	}
	challenge := h.Headers().Get("WWW-Authenticate")
	wantChallenge := `Bearer realm="bookstore"`
	if desc != "" {
		wantChallenge += `, error="invalid_token", error_description="` + desc + `"`
	}
	if challenge != wantChallenge {
		t.Errorf("WWW-Authenticate = %s\nwant %s", challenge, wantChallenge)
	}
	if err.Error() != want.Error() {
		t.Errorf("client-visible message %q carries more than the sentinel", err.Error())
	}
}

// hugeJWTShape is a megabyte shaped like a JWT: decoding it would cost
// most of a megabyte.
var hugeJWTShape = strings.Repeat("a", 1<<19) + "." + strings.Repeat("b", 1<<19) + ".c"

// TestMegabyteOfDotsAllocations checks that huge headers are refused
// without copying, decoding or parsing them: the hooks and the middleware
// together allocate a few small objects, whatever the header's size.
func TestMegabyteOfDotsAllocations(t *testing.T) {
	mw, err := NewMiddleware(testConfig(keysOnce()))
	if err != nil {
		t.Fatal(err)
	}
	ep := mw(endpointOK)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+strings.Repeat(".", 1<<20))
	md := metadata.Pairs("authorization", "Bearer "+hugeJWTShape)
	call := func() {
		if _, err := ep(HTTPToContext(context.Background(), r), nil); !errors.Is(err, ErrTokenMalformed) {
			t.Fatal(err)
		}
		if _, err := ep(GRPCToContext(context.Background(), md), nil); !errors.Is(err, ErrTokenMalformed) {
			t.Fatal(err)
		}
	}
	if allocs := testing.AllocsPerRun(100, call); allocs > 8 {
		t.Errorf("%v allocations per refusal pair, want <= 8", allocs)
	}
	const runs = 100
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		call()
	}
	runtime.ReadMemStats(&after)
	if perRun := (after.TotalAlloc - before.TotalAlloc) / runs; perRun > 1024 {
		t.Errorf("%d bytes allocated per refusal pair, want <= 1 KiB", perRun)
	}
}

func TestMultipleHeaders(t *testing.T) {
	mw, err := NewMiddleware(testConfig(keysOnce()))
	if err != nil {
		t.Fatal(err)
	}
	token := "Bearer " + sign(t, gojwt.SigningMethodHS256, "hs", goodClaims(), keysOnce().hmac)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Add("Authorization", token)
	r.Header.Add("Authorization", token)
	_, err = mw(endpointOK)(HTTPToContext(context.Background(), r), nil)
	checkRefusal(t, err, ErrTokenMalformed, "malformed token")
}

func TestCustomClaimsAndNoLeeway(t *testing.T) {
	type claims struct {
		Role string `json:"role"`
		gojwt.RegisteredClaims
	}
	k := keysOnce()
	cfg := Config{
		Methods:   []string{"ES256"},
		Keys:      map[string]any{"": &k.ec.PublicKey},
		Leeway:    -1,
		NewClaims: func() gojwt.Claims { return &claims{} },
		Now:       func() time.Time { return now },
	}
	mw, err := NewMiddleware(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ep := mw(func(ctx context.Context, _ any) (any, error) {
		c, _ := ClaimsFromContext(ctx)
		return c.(*claims).Role, nil
	})
	call := func(c gojwt.MapClaims) (any, error) {
		ctx := GRPCToContext(context.Background(), metadata.Pairs("authorization", "Bearer "+sign(t, gojwt.SigningMethodES256, "", c, k.ec)))
		return ep(ctx, nil)
	}
	if role, err := call(gojwt.MapClaims{"role": "admin", "exp": now.Add(time.Minute).Unix()}); err != nil || role != "admin" {
		t.Fatalf("got (%v, %v)", role, err)
	}
	// No leeway: one second past exp is expired.
	if _, err := call(gojwt.MapClaims{"exp": now.Add(-time.Second).Unix()}); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("err = %v, want ErrTokenExpired", err)
	}
}

func TestNewMiddlewareConfigErrors(t *testing.T) {
	k := keysOnce()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	var nilEC *ecdsa.PublicKey
	for name, cfg := range map[string]Config{
		"no methods":     {Keys: map[string]any{"": k.hmac}},
		"none method":    {Methods: []string{"none"}, Keys: map[string]any{"": k.hmac}},
		"unknown method": {Methods: []string{"XX999"}, Keys: map[string]any{"": k.hmac}},
		"no keys":        {Methods: []string{"HS256"}},
		"short secret":   {Methods: []string{"HS256"}, Keys: map[string]any{"": []byte("short")}},
		"private key":    {Methods: []string{"RS256"}, Keys: map[string]any{"": k.rsa}},
		"string key":     {Methods: []string{"HS256"}, Keys: map[string]any{"": "secret-as-a-string-secret-as-a-s"}},
		"small RSA":      {Methods: []string{"RS256"}, Keys: map[string]any{"": &small.PublicKey}},
		"nil ECDSA":      {Methods: []string{"ES256"}, Keys: map[string]any{"": nilEC}},
		"short ed25519":  {Methods: []string{"EdDSA"}, Keys: map[string]any{"": ed25519.PublicKey{1, 2}}},
	} {
		if _, err := NewMiddleware(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
}

// TestConcurrent validates tokens from many goroutines (for -race).
func TestConcurrent(t *testing.T) {
	k := keysOnce()
	mw, err := NewMiddleware(testConfig(k))
	if err != nil {
		t.Fatal(err)
	}
	ep := mw(endpointOK)
	good := metadata.Pairs("authorization", "Bearer "+sign(t, gojwt.SigningMethodHS256, "hs", goodClaims(), k.hmac))
	bad := metadata.Pairs("authorization", "Bearer "+sign(t, gojwt.SigningMethodHS256, "hs", with(goodClaims(), "aud", "x"), k.hmac))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if sub, err := ep(GRPCToContext(context.Background(), good), nil); err != nil || sub != "alice" {
					t.Errorf("good: (%v, %v)", sub, err)
					return
				}
				if _, err := ep(GRPCToContext(context.Background(), bad), nil); !errors.Is(err, ErrTokenInvalid) {
					t.Errorf("bad: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

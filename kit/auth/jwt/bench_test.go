package jwt

import (
	"context"
	"testing"

	gojwt "github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc/metadata"
)

// BenchmarkValidate measures the gRPC hook plus the validation of a valid
// token. impl=gojwt is golang-jwt's own Parse with a fixed key (no kid
// lookup, no typed keys, no length cap); impl=raw is the hook and the bare
// endpoint.
func BenchmarkValidate(b *testing.B) {
	k := keysOnce()
	mw, err := NewMiddleware(testConfig(k))
	if err != nil {
		b.Fatal(err)
	}
	kit := mw(endpointOK)
	raw := func(ctx context.Context, _ any) (any, error) { return nil, nil }
	for _, alg := range []struct {
		name   string
		method gojwt.SigningMethod
		kid    string
		sign   any
		verify any
	}{
		{"HS256", gojwt.SigningMethodHS256, "hs", k.hmac, k.hmac},
		{"ES256", gojwt.SigningMethodES256, "es", k.ec, &k.ec.PublicKey},
	} {
		token := sign(b, alg.method, alg.kid, goodClaims(), alg.sign)
		md := metadata.Pairs("authorization", "Bearer "+token)
		parser := gojwt.NewParser(gojwt.WithValidMethods([]string{alg.method.Alg()}), gojwt.WithTimeFunc(testConfig(k).Now))
		impls := []struct {
			name string
			ep   func(context.Context, any) (any, error)
		}{
			{"kit", kit},
			{"gojwt", func(ctx context.Context, _ any) (any, error) {
				return parser.Parse(token, func(*gojwt.Token) (any, error) { return alg.verify, nil })
			}},
			{"raw", raw},
		}
		for _, impl := range impls {
			b.Run("alg="+alg.name+"/impl="+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := impl.ep(GRPCToContext(context.Background(), md), nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

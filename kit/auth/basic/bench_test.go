package basic

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkMiddleware measures the hook plus the check of valid
// credentials against the bare endpoint (impl=raw).
func BenchmarkMiddleware(b *testing.B) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth("admin", "secret")
	for _, impl := range []struct {
		name string
		ep   func(context.Context, any) (any, error)
	}{{"kit", Middleware("admin", "secret", "r")(ok)}, {"raw", ok}} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := impl.ep(HTTPToContext(context.Background(), r), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

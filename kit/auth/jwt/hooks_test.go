package jwt

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"google.golang.org/grpc/metadata"
)

// wellFormed is the reference grammar: RFC 6750's "Bearer" SP token68,
// scheme in any case.
var wellFormed = regexp.MustCompile(`^(?i:bearer) [A-Za-z0-9\-._~+/]+=*$`)

// FuzzBearerExtraction checks that bearer never panics and accepts
// exactly the well-formed headers, returning their token unchanged.
func FuzzBearerExtraction(f *testing.F) {
	for _, seed := range []string{
		"Bearer abc.def.ghi", "bearer abc", "BEARER a-b_c~d+e/f==", "Bearer ", "Bearer",
		"Bearer  abc", "Bearer\tabc", "Basic abc", "Bearer abc def", "Bearer ==", "Bearer a=b",
		"Bearer abc\x00", "Bearer é", "Bearerabc", " Bearer abc", "Bearer abc ", "",
		"Bearer a.b.c\r\nX-Evil: 1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		token, ok := bearer(header)
		want := wellFormed.MatchString(header)
		if ok != want {
			t.Fatalf("bearer(%q) ok = %v, want %v", header, ok, want)
		}
		if ok && token != header[len(scheme):] {
			t.Fatalf("bearer(%q) = %q", header, token)
		}
		if !ok && token != "" {
			t.Fatalf("bearer(%q) refused but returned %q", header, token)
		}
	})
}

func TestClientHooks(t *testing.T) {
	// No token in the context: nothing is attached.
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	ContextToHTTP(context.Background(), r)
	if r.Header.Get("Authorization") != "" {
		t.Fatal("attached a token that was not there")
	}
	var md metadata.MD
	ContextToGRPC(context.Background(), &md)
	if md != nil {
		t.Fatal("allocated metadata for nothing")
	}

	ctx := ContextWithToken(context.Background(), "abc.def.ghi")
	ContextToHTTP(ctx, r)
	if got := r.Header.Get("Authorization"); got != "Bearer abc.def.ghi" {
		t.Fatalf("HTTP Authorization = %q", got)
	}
	ContextToGRPC(ctx, &md)
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer abc.def.ghi" {
		t.Fatalf("gRPC authorization = %q", got)
	}
	if got := ContextToGRPC(ctx, nil); got != ctx {
		t.Fatal("nil *MD changed the context")
	}
	// What a client attaches, a server hook accepts.
	if tok, ok := bearer(r.Header.Get("Authorization")); !ok || tok != "abc.def.ghi" {
		t.Fatalf("round trip: %q %v", tok, ok)
	}
	if v, _ := GRPCToContext(context.Background(), md).Value(headerKey{}).(string); v != "Bearer abc.def.ghi" {
		t.Fatalf("server hook stored %q", v)
	}
}

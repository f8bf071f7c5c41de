package introspect_test

import (
	"errors"
	"strings"
	"testing"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/introspect"
)

// A token-protected admin listener, reached the way kitbench reaches it:
// every resource reads with the token, and without one the error says a
// token is needed.
func TestClientAdminToken(t *testing.T) {
	addr, _ := admin(t, newRegistry(), wire.WithBearerToken("s3cret"))
	ctx := t.Context()
	for _, c := range []struct {
		token, why string
	}{{"", "none was given"}, {"wrong", "refused the bearer token"}} {
		cl, err := introspect.New(addr, introspect.Options{Token: c.token})
		if err != nil {
			t.Fatal(err)
		}
		_, err = cl.Info(ctx)
		if !errors.Is(err, introspect.ErrUnauthorized) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("token %q: %v, want ErrUnauthorized saying %q", c.token, err, c.why)
		}
		if _, err := cl.Spans(ctx, 0, 0); !errors.Is(err, introspect.ErrUnauthorized) {
			t.Errorf("token %q: spans: %v", c.token, err)
		}
	}
	cl, err := introspect.New(addr, introspect.Options{Token: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if cl.Token() != "s3cret" {
		t.Errorf("Token() = %q", cl.Token())
	}
	if _, err := cl.Info(ctx); err != nil {
		t.Errorf("Info: %v", err)
	}
	if _, err := cl.Breakers(ctx); err != nil {
		t.Errorf("Breakers: %v", err)
	}
	if _, err := cl.Limiters(ctx); err != nil {
		t.Errorf("Limiters: %v", err)
	}
	if _, err := cl.Spans(ctx, 0, 0); err != nil {
		t.Errorf("Spans: %v", err)
	}
}

func TestNewForInstanceTokenRef(t *testing.T) {
	addr, _ := admin(t, newRegistry(), wire.WithBearerToken("books-token"))
	env := map[string]string{"KITBENCH_ADMIN_TOKEN_BOOKS": "books-token", "AWS_SECRET_ACCESS_KEY": "do-not-send"}
	lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	inst := func(ref string) sd.Instance {
		meta := map[string]string{sd.MetaAdmin: "http://" + addr}
		if ref != "" {
			meta[wire.MetaTokenRef] = ref
		}
		return sd.Instance{ID: "books-1", Meta: meta}
	}

	// The instance's own reference wins over the fleet-wide token.
	c, err := introspect.NewForInstance(inst("env:KITBENCH_ADMIN_TOKEN_BOOKS"), introspect.Options{Token: "fleet", LookupEnv: lookup})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Info(t.Context()); err != nil {
		t.Fatalf("with the referenced token: %v", err)
	}
	// No reference: the fleet-wide token.
	c, err = introspect.NewForInstance(inst(""), introspect.Options{Token: "books-token", LookupEnv: lookup})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Info(t.Context()); err != nil {
		t.Fatalf("with the fleet token: %v", err)
	}

	for ref, want := range map[string]string{
		"env:AWS_SECRET_ACCESS_KEY":      "KITBENCH_ADMIN_TOKEN_",
		"env:KITBENCH_ADMIN_TOKEN_OTHER": "KITBENCH_ADMIN_TOKEN_OTHER is not set",
		"file:/etc/shadow":               `"env:NAME"`,
		"s3cret":                         `"env:NAME"`,
	} {
		_, err := introspect.NewForInstance(inst(ref), introspect.Options{Token: "fleet", LookupEnv: lookup})
		if !errors.Is(err, introspect.ErrTokenRef) || !strings.Contains(err.Error(), want) {
			t.Errorf("ref %q: %v, want ErrTokenRef mentioning %q", ref, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "do-not-send") {
			t.Errorf("ref %q: the error leaks a variable's value: %v", ref, err)
		}
	}
	if _, err := introspect.NewForInstance(sd.Instance{ID: "x"}, introspect.Options{}); !errors.Is(err, introspect.ErrNoAdmin) {
		t.Errorf("no admin: %v", err)
	}
}

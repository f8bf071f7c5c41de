package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/internal/workbench"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
)

// tokenAdmin serves a registry with one breaker on a loopback admin
// listener that requires token.
func tokenAdmin(t *testing.T, token string) string {
	t.Helper()
	reg := wire.NewRegistry(wire.Info{Service: "vault", InstanceID: "vault-1"})
	h := wire.NewHandler(reg, wire.WithBearerToken(token))
	srv, err := wire.ListenAdmin("", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(); srv.Close() })
	return srv.Addr()
}

func TestAdminTokenReachesProbes(t *testing.T) {
	addr := tokenAdmin(t, "s3cret")
	list := func(args ...string) workbench.ListedInstance {
		t.Helper()
		code, out, errOut := runArgs(t, append([]string{"list", "--target", addr, "-o", "json"}, args...)...)
		var l workbench.Listing
		if err := json.Unmarshal([]byte(out), &l); code != 0 || err != nil || len(l.Services) != 1 || len(l.Services[0].Instances) != 1 {
			t.Fatalf("exit %d, %v, stderr %q:\n%s", code, err, errOut, out)
		}
		return l.Services[0].Instances[0]
	}

	t.Setenv(workbench.AdminTokenEnv, "")
	in := list()
	if !strings.Contains(in.Error, "unauthorized") || !strings.Contains(in.Error, "requires a bearer token and none was given") {
		t.Errorf("without a token: %+v, want a 401 that says a token is needed", in)
	}
	if in := list("--admin-token", "wrong"); !strings.Contains(in.Error, "refused the bearer token") {
		t.Errorf("with a wrong token: %+v", in)
	}
	if in := list("--admin-token", "s3cret"); in.Error != "" || in.Introspection != hub.IntroStream {
		t.Errorf("--admin-token: %+v", in)
	}
	t.Setenv(workbench.AdminTokenEnv, "s3cret")
	if in := list(); in.Error != "" || in.Introspection != hub.IntroStream {
		t.Errorf("%s: %+v", workbench.AdminTokenEnv, in)
	}
	// The flag wins over the environment.
	if in := list("--admin-token", "wrong"); !strings.Contains(in.Error, "refused") {
		t.Errorf("flag over env: %+v", in)
	}
}

// The token comes from the environment at run time, never into the help.
func TestAdminTokenNotInHelp(t *testing.T) {
	t.Setenv(workbench.AdminTokenEnv, "do-not-print")
	_, out, _ := runArgs(t, "list", "--help")
	if !strings.Contains(out, "--admin-token") || strings.Contains(out, "do-not-print") {
		t.Errorf("help:\n%s", out)
	}
}

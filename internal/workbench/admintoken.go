package workbench

import (
	"context"
	"net/http"
	"os"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/introspect"
)

// AdminTokenEnv is the environment variable that holds the bearer token for
// the instances' admin listeners when no --admin-token is given.
const AdminTokenEnv = "KITBENCH_ADMIN_TOKEN"

type adminTokenKey struct{}

// WithAdminToken returns ctx carrying tok, the fleet-wide bearer token for
// admin listeners, for every admin request made under ctx.
func WithAdminToken(ctx context.Context, tok string) context.Context {
	return context.WithValue(ctx, adminTokenKey{}, tok)
}

// AdminToken returns the token WithAdminToken put into ctx, or, when ctx
// carries none (shell completion runs outside a command's hooks),
// AdminTokenEnv's value.
func AdminToken(ctx context.Context) string {
	if tok, ok := ctx.Value(adminTokenKey{}).(string); ok {
		return tok
	}
	return os.Getenv(AdminTokenEnv)
}

// AdminInfo reads /debug/kit/v1/info from the admin listener at base
// ("http://host:port") with ctx's admin token, over a connection of its
// own that it closes.
func AdminInfo(ctx context.Context, base string) (wire.Info, error) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := introspect.New(base, introspect.Options{Token: AdminToken(ctx), HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		return wire.Info{}, err
	}
	return c.Info(ctx)
}

// instanceInfo reads inst's introspection info from the admin listener it
// publishes, with the token meant for it (its published token reference,
// else ctx's admin token).
func instanceInfo(ctx context.Context, inst sd.Instance) (wire.Info, error) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := introspect.NewForInstance(inst, introspect.Options{Token: AdminToken(ctx), HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		return wire.Info{}, err
	}
	return c.Info(ctx)
}

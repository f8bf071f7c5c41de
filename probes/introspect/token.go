package introspect

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
)

// ErrTokenRef reports an instance whose wire.MetaTokenRef metadata cannot
// be followed: not "env:NAME", a NAME outside the KITBENCH_ADMIN_TOKEN_
// family, or a variable that is not set.
var ErrTokenRef = errors.New("introspect: bad admin token reference")

// tokenEnvPrefix is the family of environment variables an instance may
// point kitbench to. Restricting it keeps a hostile registry entry from
// making kitbench send an unrelated secret (AWS_SECRET_ACCESS_KEY, say)
// to an admin URL of its choosing.
const tokenEnvPrefix = "KITBENCH_ADMIN_TOKEN_"

var tokenEnvName = regexp.MustCompile(`^` + tokenEnvPrefix + `[A-Z0-9_]+$`)

// NewForInstance returns a Client for the admin listener inst publishes
// (sd.MetaAdmin; ErrNoAdmin without one) with the bearer token meant for
// it: when inst publishes wire.MetaTokenRef ("env:KITBENCH_ADMIN_TOKEN_X"),
// the value of that variable, read with opts.LookupEnv; otherwise
// opts.Token. A reference that cannot be followed is an error wrapping
// ErrTokenRef that says what to set; it is never replaced by opts.Token.
func NewForInstance(inst sd.Instance, opts Options) (*Client, error) {
	admin, err := AdminURL(inst)
	if err != nil {
		return nil, err
	}
	ref := strings.TrimSpace(inst.Meta[wire.MetaTokenRef])
	if ref != "" {
		lookup := opts.LookupEnv
		if lookup == nil {
			lookup = os.LookupEnv
		}
		tok, err := followRef(ref, lookup)
		if err != nil {
			return nil, fmt.Errorf("%w: instance %q, %s %q: %v", ErrTokenRef, clip(inst.ID), wire.MetaTokenRef, clip(ref), err)
		}
		opts.Token = tok
	}
	return New(admin, opts)
}

func followRef(ref string, lookup func(string) (string, bool)) (string, error) {
	scheme, name, ok := strings.Cut(ref, ":")
	if !ok || scheme != "env" {
		return "", errors.New(`the only reference kitbench follows is "env:NAME"`)
	}
	if !tokenEnvName.MatchString(name) {
		return "", fmt.Errorf("kitbench reads only variables named %sSOMETHING (upper case, digits, _)", tokenEnvPrefix)
	}
	tok, ok := lookup(name)
	if !ok || tok == "" {
		return "", fmt.Errorf("%s is not set in kitbench's environment; export it with the instance's admin token", name)
	}
	return tok, nil
}

// Token returns the bearer token the client sends ("" for none), for
// other requests to the same admin listener, such as a /metrics scrape.
func (c *Client) Token() string { return c.opts.Token }

// clip shortens remote text for an error message; %q escapes the rest.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
